package web

import (
	"context"
	"errors"
	"time"

	"pbxws/handlers"
	"pbxws/metrics"
)

// admission lets at most n requests work at once; the others wait in arrival order, each
// for at most maxWait.
//
// database/sql hands a freed connection to a random waiter (Go ≥ 1.23), so with more
// requests than connections a few requests wait many turns: at 32 clients over 16
// connections the p99 was four times the median. Requests queue here first, first come
// first served, and the pool below has a connection free for each admitted request.
//
// The slots are a buffered channel: goroutines blocked sending on a full channel are
// served in the order they blocked, and a freed slot goes to the first of them, never
// to a newcomer.
type admission struct {
	slots   chan struct{}
	maxWait time.Duration
	line    string // read or write, for the metrics
}

var errBusy = errors.New("pbxws is busy: too many requests are waiting, retry later")

func newAdmission(n int, maxWait time.Duration) *admission {
	return &admission{slots: make(chan struct{}, max(n, 1)), maxWait: maxWait, line: "read"}
}

// named sets the line's name in the metrics.
func (a *admission) named(line string) *admission { a.line = line; return a }

// enter takes a slot, waiting in line; errBusy after maxWait. Call leave when done.
func (a *admission) enter() error {
	select {
	case a.slots <- struct{}{}:
		return nil
	default:
	}
	start := time.Now()
	waiting := metrics.AdmissionWaiting.WithLabelValues(a.line)
	waiting.Inc()
	defer waiting.Dec()
	t := time.NewTimer(a.maxWait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		metrics.AdmissionWait.WithLabelValues(a.line, "admitted").Observe(time.Since(start).Seconds())
		return nil
	case <-t.C:
		metrics.AdmissionWait.WithLabelValues(a.line, "refused").Observe(time.Since(start).Seconds())
		return errBusy
	}
}

func (a *admission) leave() { <-a.slots }

// dispatch runs the request's act behind its admission queue: reads queue for the
// processors, writes (write) for the database, where they mostly wait on commits. It
// returns errBusy when the queue is full.
func (s *Server) dispatch(ctx context.Context, res *handlers.Resource, req *handlers.Request, write bool) (handlers.Result, error) {
	gate := s.admitReads
	if write {
		gate = s.admitWrites
	}
	if err := gate.enter(); err != nil {
		return handlers.Result{}, err
	}
	defer gate.leave() // also when the act panics
	if write {
		// Before and after the write: a request authenticated, or a phonebook read, while
		// it ran reads again (another instance's writes arrive as notices).
		s.userChanges.Bump()
		defer s.userChanges.Bump()
		s.stores.Books.Invalidate()
		defer s.stores.Books.Invalidate()
		s.stores.Phones.InvalidateSettings()
		defer s.stores.Phones.InvalidateSettings()
	}
	return res.Dispatch(ctx, req)
}
