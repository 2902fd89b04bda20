package web

import (
	"errors"
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
		time.Sleep(20 * time.Millisecond) // waiter i is queued before i+1 arrives
	}
	a.leave()
	wg.Wait()
	for i, got := range order {
		if got != i {
			t.Fatalf("served in order %v, want arrival order", order)
		}
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
	c.DBMaxConns = 2
	if n := c.activeLimit(); n != 1 {
		t.Fatalf("active limit with a pool of 2 = %d, want 1", n)
	}
	c.MaxActive = 3
	if n := c.activeLimit(); n != 3 {
		t.Fatalf("configured active limit = %d, want 3", n)
	}
	c.DBMaxConns = 16
	if n := c.writeLimit(); n != 8 {
		t.Fatalf("write limit with a pool of 16 = %d, want 8", n)
	}
	c.MaxActive = 12
	if n := c.writeLimit(); n != 12 {
		t.Fatalf("write limit under a larger read limit = %d, want 12", n)
	}
}
