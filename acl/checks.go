package acl

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"time"
)

// ErrChecksBusy: a password check waited longer than its bound for a turn.
var ErrChecksBusy = errors.New("too many password checks are waiting")

var errCheckPanicked = errors.New("the password check failed")

// passwordChecks runs the expensive part of authenticating (a bcrypt comparison and the
// lookup before it) at most once at a time per credential: concurrent requests with the same
// login and password wait for the first one's outcome instead of each running bcrypt. And at
// most n checks run at once (half the processors, so a burst of guesses leaves the other half
// to clients whose credentials are already cached); a check waits for its turn in arrival
// order for at most maxWait.
type passwordChecks struct {
	slots   chan struct{}
	maxWait time.Duration

	mu       sync.Mutex
	inflight map[[32]byte]*passwordCheck
}

type passwordCheck struct {
	done chan struct{}
	val  any
	err  error
}

func newPasswordChecks(n int, maxWait time.Duration) *passwordChecks {
	if n <= 0 {
		n = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if maxWait <= 0 {
		maxWait = 10 * time.Second
	}
	return &passwordChecks{slots: make(chan struct{}, n), maxWait: maxWait, inflight: map[[32]byte]*passwordCheck{}}
}

// do returns f's outcome for key: f runs once for all the callers that ask while it runs.
func (p *passwordChecks) do(ctx context.Context, key [32]byte, f func() (any, error)) (any, error) {
	p.mu.Lock()
	if c := p.inflight[key]; c != nil {
		p.mu.Unlock()
		select {
		case <-c.done:
			return c.val, c.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	c := &passwordCheck{done: make(chan struct{})}
	p.inflight[key] = c
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.inflight, key)
		p.mu.Unlock()
		close(c.done)
	}()
	if err := p.enter(ctx); err != nil {
		c.err = err
		return nil, err
	}
	defer func() { <-p.slots }()
	c.err = errCheckPanicked // until f returns
	c.val, c.err = f()
	return c.val, c.err
}

func (p *passwordChecks) enter(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(p.maxWait)
	defer t.Stop()
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-t.C:
		return ErrChecksBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}
