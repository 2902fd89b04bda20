package main

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is an output the flusher and the test read concurrently.
type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLogBufferBatchesAndKeepsOrder(t *testing.T) {
	out := &lockedBuffer{}
	logs := newLogBuffer(out, time.Hour) // only what the test does flushes
	log := slog.New(flushingHandler{slog.NewTextHandler(logs, nil), logs})
	for i := 0; i < 50; i++ {
		log.Info("request", "n", i)
	}
	if got := out.String(); got != "" {
		t.Fatalf("info lines were written at once: %q", got)
	}
	log.Warn("trouble")
	got := out.String()
	if strings.Count(got, "msg=request") != 50 || !strings.HasSuffix(got, "msg=trouble\n") {
		t.Fatalf("a warning did not flush what was waiting, in order:\n%s", got)
	}
	if out.writes != 1 {
		t.Fatalf("51 lines took %d writes, want 1", out.writes)
	}

	log.Info("before")
	_, _ = logs.Direct().Write([]byte("pbxws: direct\n"))
	if !strings.HasSuffix(out.String(), "msg=before\npbxws: direct\n") {
		t.Fatalf("a direct message overtook a waiting line:\n%s", out.String())
	}
	log.Info("last")
	logs.Close()
	if !strings.HasSuffix(out.String(), "msg=last\n") {
		t.Fatalf("Close did not flush:\n%s", out.String())
	}
}

func TestLogBufferFlushesOnTimerAndWhenFull(t *testing.T) {
	out := &lockedBuffer{}
	logs := newLogBuffer(out, 20*time.Millisecond)
	defer logs.Close()
	_, _ = logs.Write([]byte("late\n"))
	deadline := time.Now().Add(5 * time.Second)
	for out.String() != "late\n" {
		if time.Now().After(deadline) {
			t.Fatal("a waiting line was not flushed by the timer")
		}
		time.Sleep(5 * time.Millisecond)
	}

	full := &lockedBuffer{}
	big := newLogBuffer(full, time.Hour)
	defer big.Close()
	line := []byte(strings.Repeat("x", 1023) + "\n")
	for i := 0; i < flushAt/len(line); i++ {
		_, _ = big.Write(line)
	}
	if got := len(full.String()); got != flushAt {
		t.Fatalf("%d bytes out after %d waiting, want all of them", got, flushAt)
	}
}
