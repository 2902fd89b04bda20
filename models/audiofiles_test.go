package models_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"pbxws/models"
)

func TestAudioNameType(t *testing.T) {
	for _, x := range []struct {
		name, ctype string
	}{
		{"default.wav", models.AudioWAV},
		{"Song (two).MP3", models.AudioMP3},
		{"a-b_c.d.Wav", models.AudioWAV},
		{"9.mp3", models.AudioMP3},
		{strings.Repeat("a", 96) + ".wav", models.AudioWAV},
		{strings.Repeat("a", 97) + ".wav", ""},
		{"", ""},
		{".wav", ""},
		{".hidden.wav", ""},
		{"../x.wav", ""},
		{"a/b.wav", ""},
		{`a\b.wav`, ""},
		{"a\x00.wav", ""},
		{"a..b.wav", ""},
		{"notes.txt", ""},
		{"x.wav.txt", ""},
		{"x.wave", ""},
		{"émile.wav", ""},
		{"a\nb.wav", ""},
	} {
		got, err := models.AudioNameType(x.name)
		if got != x.ctype || (err == nil) != (x.ctype != "") {
			t.Errorf("%q: %q %v, want %q", x.name, got, err, x.ctype)
		}
	}
}

func TestSniffAudio(t *testing.T) {
	for _, x := range []struct {
		head, ctype string
	}{
		{"RIFF\x24\x00\x00\x00WAVEfmt ", models.AudioWAV},
		{"RIFF\x24\x00\x00\x00AVI ", ""},
		{"ID3\x04\x00", models.AudioMP3},
		{"\xff\xfb\x90\x64", models.AudioMP3}, // MPEG-1 layer III
		{"\xff\xf1\x50\x80", ""},              // ADTS AAC: layer 00
		{"\xff\x00", ""},
		{"RIFF", ""},
		{"", ""},
		{"#!/bin/sh", ""},
	} {
		if got := models.SniffAudio([]byte(x.head)); got != x.ctype {
			t.Errorf("%q: %q, want %q", x.head, got, x.ctype)
		}
	}
}

// An accepted name is never a path: it can be joined to a folder safely (§16.3.1).
func FuzzAudioNameType(f *testing.F) {
	for _, s := range []string{"default.wav", "../../etc/passwd.wav", "a/b.mp3", `a\b.wav`, "x..wav", "Song (two).MP3", ".wav", "a\x00.wav"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		ctype, err := models.AudioNameType(name)
		if err != nil {
			return
		}
		if strings.ContainsAny(name, "/\\\x00") || strings.Contains(name, "..") || strings.HasPrefix(name, ".") ||
			!utf8.ValidString(name) || len(name) > 100 || (ctype != models.AudioWAV && ctype != models.AudioMP3) {
			t.Fatalf("accepted %q as %q", name, ctype)
		}
	})
}
