package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// logBuffer batches whole log lines into few writes: one write per access-log line was a
// system call per request. Lines reach the output within flushEvery, when 32 KB are
// waiting, at once for warnings and errors (flushingHandler), and on Close.
type logBuffer struct {
	mu   sync.Mutex
	buf  []byte
	out  io.Writer
	stop chan struct{}
	done chan struct{}
}

const (
	flushEvery = 100 * time.Millisecond
	flushAt    = 32 << 10
)

func newLogBuffer(out io.Writer, every time.Duration) *logBuffer {
	b := &logBuffer{out: out, buf: make([]byte, 0, flushAt+4096), stop: make(chan struct{}), done: make(chan struct{})}
	go b.run(every)
	return b
}

// Write keeps p (slog hands over one whole record per call).
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) >= flushAt {
		b.flushLocked()
	}
	return len(p), nil
}

// Direct is a writer to the same output that keeps the order of the lines: what is
// waiting goes out first, then p, at once. Messages for the terminal use it.
func (b *logBuffer) Direct() io.Writer { return directWriter{b} }

type directWriter struct{ b *logBuffer }

func (d directWriter) Write(p []byte) (int, error) {
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	d.b.buf = append(d.b.buf, p...)
	d.b.flushLocked()
	return len(p), nil
}

// Flush writes what is waiting.
func (b *logBuffer) Flush() {
	b.mu.Lock()
	b.flushLocked()
	b.mu.Unlock()
}

func (b *logBuffer) flushLocked() {
	if len(b.buf) == 0 {
		return
	}
	_, _ = b.out.Write(b.buf) // a log that cannot be written has nowhere to report it
	b.buf = b.buf[:0]
}

func (b *logBuffer) run(every time.Duration) {
	defer close(b.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			b.Flush()
		case <-b.stop:
			b.Flush()
			return
		}
	}
}

// Close flushes and stops the flusher; later writes go out at the next Close or never.
func (b *logBuffer) Close() {
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	<-b.done
}

// flushingHandler flushes the buffer after every record at Warn or above, so problems are
// seen at once.
type flushingHandler struct {
	slog.Handler
	buf *logBuffer
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.buf.Flush()
	}
	return err
}

func (h flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushingHandler{h.Handler.WithAttrs(attrs), h.buf}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{h.Handler.WithGroup(name), h.buf}
}
