package transfer

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestSchedulerPriorities(t *testing.T) {
	s := NewScheduler(1)
	if err := s.Acquire(t.Context(), PriorityNormal); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []Priority
	var wg sync.WaitGroup
	for _, p := range []Priority{PriorityBulk, PriorityNormal, PriorityUrgent, PriorityBulk, PriorityUrgent} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Acquire(context.Background(), p); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, p)
			mu.Unlock()
			s.Release()
		}()
		time.Sleep(10 * time.Millisecond) // queue in this order
	}
	s.Release()
	wg.Wait()
	want := []Priority{PriorityUrgent, PriorityUrgent, PriorityNormal, PriorityBulk, PriorityBulk}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
}

func TestSchedulerCancel(t *testing.T) {
	s := NewScheduler(1)
	s.Acquire(t.Context(), PriorityNormal)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := s.Acquire(ctx, PriorityUrgent); err == nil {
		t.Fatal("acquired a taken slot")
	}
	s.Release()
	if err := s.Acquire(t.Context(), PriorityBulk); err != nil {
		t.Fatal("slot lost after a cancelled wait")
	}
}

func TestParsePriority(t *testing.T) {
	for _, p := range []Priority{PriorityBulk, PriorityNormal, PriorityUrgent} {
		got, err := ParsePriority(p.String())
		if err != nil || got != p {
			t.Errorf("%s: %v %v", p, got, err)
		}
	}
	if _, err := ParsePriority("asap"); err == nil {
		t.Error("accepted asap")
	}
}

func TestRateLimiter(t *testing.T) {
	l := NewRateLimiter(1 << 20)
	start := time.Now()
	for range 16 {
		l.WaitN(t.Context(), 32<<10) // 512 KiB in all
	}
	d := time.Since(start)
	if d < 350*time.Millisecond || d > 2*time.Second {
		t.Errorf("512 KiB at 1 MiB/s took %s", d)
	}
}

func TestBackoffBounds(t *testing.T) {
	p := RetryPolicy{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}.withDefaults()
	for n := 1; n < 20; n++ {
		d := p.backoff(n)
		if d < 50*time.Millisecond || d > time.Second {
			t.Fatalf("backoff(%d) = %s", n, d)
		}
	}
}
