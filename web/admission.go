package web

import (
	"errors"
	"time"
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
}

var errBusy = errors.New("too many requests are waiting")

func newAdmission(n int, maxWait time.Duration) *admission {
	return &admission{slots: make(chan struct{}, max(n, 1)), maxWait: maxWait}
}

// enter takes a slot, waiting in line; errBusy after maxWait. Call leave when done.
func (a *admission) enter() error {
	select {
	case a.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(a.maxWait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return nil
	case <-t.C:
		return errBusy
	}
}

func (a *admission) leave() { <-a.slots }
