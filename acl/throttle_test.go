package acl

import (
	"context"
	"io"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func newTestThrottle(cfg ThrottleConfig) (*Throttle, *time.Time) {
	t := NewThrottle(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	now := time.Unix(1_000_000, 0)
	t.now = func() time.Time { return now }
	return t, &now
}

func TestThrottleBacksOffThenBansTheSource(t *testing.T) {
	th, now := newTestThrottle(ThrottleConfig{Free: 3, Backoff: time.Second, MaxBackoff: 8 * time.Second, BanAfter: 7, BanFor: time.Hour})
	src := netip.MustParseAddr("192.0.2.1")
	for i := 1; i <= 2; i++ {
		if w := th.Wait(src, "admin"); w != nil {
			t.Fatalf("failure %d: already throttled: %v", i, w)
		}
		th.Failed("test", src, "admin", "wrong password")
	}
	// From the 3rd failure on, the next attempt waits 1 s, 2 s, 4 s, 8 s (the cap) after it.
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		th.Failed("test", src, "admin", "wrong password")
		w := th.Wait(src, "admin")
		if w == nil || w.Banned || w.RetryAfter != want {
			t.Fatalf("after %d failures: %+v, want a wait of %v", 3+i, w, want)
		}
		*now = now.Add(want)
		if w := th.Wait(src, "admin"); w != nil {
			t.Fatalf("after waiting %v: still throttled: %v", want, w)
		}
	}
	// The 7th failure bans.
	th.Failed("test", src, "admin", "wrong password")
	if w := th.Wait(src, "admin"); w == nil || !w.Banned || w.RetryAfter != time.Hour {
		t.Fatalf("after 7 failures: %+v, want a ban of 1h", w)
	}
	// Another source is not banned; it only shares the login's back-off.
	other := netip.MustParseAddr("192.0.2.2")
	if w := th.Wait(other, "someone-else"); w != nil {
		t.Fatalf("another source and login are throttled: %v", w)
	}
	if w := th.Wait(other, "admin"); w == nil || w.Banned {
		t.Fatalf("the guessed login from another source: %+v, want a back-off, not a ban", w)
	}
	*now = now.Add(time.Hour + time.Second)
	if w := th.Wait(src, "x"); w != nil {
		t.Fatalf("after the ban: %+v", w)
	}
	// Not forgotten: the next failure bans again at once.
	th.Failed("test", src, "x", "wrong password")
	if w := th.Wait(src, "x"); w == nil || !w.Banned {
		t.Fatalf("a failure right after the ban: %+v, want banned again", w)
	}
}

func TestThrottleSuccessForgetsTheLoginNotTheSource(t *testing.T) {
	th, _ := newTestThrottle(ThrottleConfig{Free: 1, Backoff: time.Minute, BanAfter: 100})
	src := netip.MustParseAddr("192.0.2.1")
	th.Failed("test", src, "admin", "wrong password")
	th.Failed("test", src, "admin", "wrong password")
	th.Succeeded(src, "admin")
	other := netip.MustParseAddr("192.0.2.9")
	if w := th.Wait(other, "admin"); w != nil {
		t.Fatalf("login still throttled after a success: %v", w)
	}
	if w := th.Wait(src, "admin"); w == nil {
		t.Fatal("the source's failures were forgotten by one success")
	}
}

func TestThrottleIsBounded(t *testing.T) {
	th, _ := newTestThrottle(ThrottleConfig{})
	for i := 0; i < maxThrottled+10; i++ {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		th.Failed("test", a, "u", "x")
	}
	if n := len(th.sources); n > maxThrottled {
		t.Fatalf("%d source records, bound %d", n, maxThrottled)
	}
}

func TestNilThrottleAllowsEverything(t *testing.T) {
	var th *Throttle
	th.Failed("x", netip.Addr{}, "a", "b")
	if th.Wait(netip.Addr{}, "a") != nil {
		t.Fatal("nil throttle refused")
	}
}

// Concurrent checks of one credential run it once; different credentials run in parallel up
// to the bound; a check that cannot get a turn in time fails with ErrChecksBusy.
func TestPasswordChecksCoalesceAndBound(t *testing.T) {
	p := newPasswordChecks(1, 200*time.Millisecond)
	var runs atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	results := make([]any, 50)
	started := make(chan struct{})
	var once sync.Once
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := p.do(context.Background(), [32]byte{1}, func() (any, error) {
				runs.Add(1)
				once.Do(func() { close(started) })
				<-release
				return "ok", nil
			})
			if err == nil {
				results[i] = v
			}
		}()
	}
	<-started
	// The one slot is taken: another credential waits, then gives up.
	if _, err := p.do(context.Background(), [32]byte{2}, func() (any, error) { return nil, nil }); err != ErrChecksBusy {
		t.Fatalf("second credential while the slot is held: %v, want ErrChecksBusy", err)
	}
	close(release)
	wg.Wait()
	if n := runs.Load(); n < 1 || n > 2 {
		// Late arrivals after the first check ended run a second one, never fifty.
		t.Fatalf("50 concurrent checks of one credential ran %d times", n)
	}
	for i, v := range results {
		if v != "ok" {
			t.Fatalf("caller %d got %v", i, v)
		}
	}
}
