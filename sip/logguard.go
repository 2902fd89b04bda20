package sip

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Bounds of what sipgo's own log lines may cost: a datagram that does not parse is logged by
// sipgo with the whole packet, once per packet, so a flood would fill the disk.
const (
	logValueMax    = 256              // bytes of one attribute value kept
	logBurst       = 10               // lines of one message per window
	logBurstWindow = 10 * time.Second // after which the count starts again
)

// guardedHandler truncates long attribute values (at a character boundary, control characters
// escaped) and lets at most logBurst warnings or errors with the same message through per
// window; the first line after a window says how many were suppressed.
type guardedHandler struct {
	next  slog.Handler
	state *guardState
}

type guardState struct {
	mu     sync.Mutex
	counts map[string]*burst
}

type burst struct {
	start      time.Time
	n          int
	suppressed int
}

func newGuardedHandler(next slog.Handler) *guardedHandler {
	return &guardedHandler{next: next, state: &guardState{counts: map[string]*burst{}}}
}

func (h *guardedHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *guardedHandler) Handle(ctx context.Context, r slog.Record) error {
	suppressed := 0
	if r.Level >= slog.LevelWarn {
		var pass bool
		if pass, suppressed = h.state.allow(r.Message, r.Time); !pass {
			return nil
		}
	}
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(guardAttr(a))
		return true
	})
	if suppressed > 0 {
		out.AddAttrs(slog.Int("suppressed_before", suppressed))
	}
	return h.next.Handle(ctx, out)
}

func (h *guardedHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	g := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		g[i] = guardAttr(a)
	}
	return &guardedHandler{next: h.next.WithAttrs(g), state: h.state}
}

func (h *guardedHandler) WithGroup(name string) slog.Handler {
	return &guardedHandler{next: h.next.WithGroup(name), state: h.state}
}

// allow counts a line of message msg; it reports whether it may be written and how many lines
// of that message were dropped in the window that just ended.
func (s *guardState) allow(msg string, now time.Time) (bool, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.counts[msg]
	if b == nil {
		if len(s.counts) > 1000 {
			clear(s.counts)
		}
		b = &burst{start: now}
		s.counts[msg] = b
	}
	dropped := 0
	if now.Sub(b.start) > logBurstWindow {
		dropped = b.suppressed
		b.start, b.n, b.suppressed = now, 0, 0
	}
	if b.n >= logBurst {
		b.suppressed++
		return false, 0
	}
	b.n++
	return true, dropped
}

func guardAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, clip(v.String(), logValueMax))
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, clip(err.Error(), logValueMax))
		}
		if st, ok := v.Any().(interface{ String() string }); ok {
			return slog.String(a.Key, clip(st.String(), logValueMax))
		}
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, x := range g {
			out[i] = guardAttr(x)
		}
		return slog.Group(a.Key, out...)
	}
	return a
}

// clip returns s as valid UTF-8 with control characters escaped, cut to at most n bytes at a
// character boundary, with the original length when it was cut.
func clip(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= n {
			return b.String() + "…(" + strconv.Itoa(len(s)) + " bytes)"
		}
		switch {
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
