package web

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAdmissionServesWaitersInArrivalOrder(t *testing.T) {
	a := newAdmission(1, 10*time.Second)
	if err := a.enter(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.enter(); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			a.leave()
		}()
		waitQueued(t, i+1) // waiter i is queued before i+1 arrives
	}
	a.leave()
	wg.Wait()
	for i, got := range order {
		if got != i {
			t.Fatalf("served in order %v, want arrival order", order)
		}
	}
}

// waitQueued polls until n goroutines are blocked in admission.enter: queued, in
// the order they blocked.
func waitQueued(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	buf := make([]byte, 1<<20)
	for {
		stacks := string(buf[:runtime.Stack(buf, true)])
		queued := 0
		for _, g := range strings.Split(stacks, "\n\n") {
			if (strings.Contains(g, "[select") || strings.Contains(g, "[chan send")) && strings.Contains(g, "(*admission).enter") {
				queued++
			}
		}
		if queued >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d waiters queued, want %d", queued, n)
		}
		runtime.Gosched()
	}
}

func TestAdmissionGivesUpAfterMaxWait(t *testing.T) {
	a := newAdmission(2, 50*time.Millisecond)
	for i := 0; i < 2; i++ {
		if err := a.enter(); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	if err := a.enter(); !errors.Is(err, errBusy) {
		t.Fatalf("enter on a full gate = %v, want errBusy", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("gave up after %s, before max-wait", d)
	}
	a.leave()
	if err := a.enter(); err != nil {
		t.Fatalf("a freed slot was not taken: %v", err)
	}
}

func TestActiveLimitDefaults(t *testing.T) {
	c := DefaultConfig()
	if n := c.activeLimit(); n < 4 || n > c.DBMaxConns/2 {
		t.Fatalf("default active limit %d, want 4..%d", n, c.DBMaxConns/2)
	}
	for _, tc := range []struct {
		pool, maxActive, reads, writes int
	}{
		{pool: 2, reads: 1, writes: 1},
		{pool: 16, maxActive: 3, reads: 3, writes: 8},
		{pool: 16, maxActive: 12, reads: 12, writes: 12},
	} {
		c.DBMaxConns, c.MaxActive = tc.pool, tc.maxActive
		if r, w := c.activeLimit(), c.writeLimit(); r != tc.reads || w != tc.writes {
			t.Errorf("pool %d, max-active %d: reads %d, writes %d; want %d, %d", tc.pool, tc.maxActive, r, w, tc.reads, tc.writes)
		}
	}
}
