package sip

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sipgo logs an unparsable datagram at ERROR with the whole packet: such lines are cut to a
// bounded length and at most logBurst of them go out per window, the next window saying how
// many were dropped (issue 13 item 11).
func TestGuardedHandlerTruncatesAndRateLimits(t *testing.T) {
	var out bytes.Buffer
	h := newGuardedHandler(slog.NewTextHandler(&out, nil))
	log := slog.New(h).With("caller", "Transport<UDP>")
	packet := strings.Repeat("REGISTER \x00\xff ", 3000) // 36,000 bytes, a NUL and invalid UTF-8
	for range 3 * logBurst {
		log.Error("failed to parse", "data", packet, "error", "invalid start line")
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != logBurst {
		t.Fatalf("%d lines written for %d errors, want %d", len(lines), 3*logBurst, logBurst)
	}
	for _, l := range lines {
		if len(l) > 2*logValueMax+200 {
			t.Fatalf("a line of %d bytes: %.200q", len(l), l)
		}
		if !strings.Contains(l, "("+strconv.Itoa(len(packet))+" bytes)") || strings.ContainsRune(l, 0) {
			t.Fatalf("line %.300q: want the cut packet with its length, no NUL", l)
		}
	}
	// Other messages are not held back by this one, and a new window says what was dropped.
	out.Reset()
	log.Warn("something else")
	r := slog.NewRecord(time.Now().Add(logBurstWindow+time.Second), slog.LevelError, "failed to parse", 0)
	r.AddAttrs(slog.String("data", "x"))
	if err := h.Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, "something else") || !strings.Contains(got, "suppressed_before="+strconv.Itoa(2*logBurst)) {
		t.Fatalf("after the window:\n%s", got)
	}
}
