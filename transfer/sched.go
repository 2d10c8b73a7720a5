package transfer

import (
	"container/heap"
	"context"
	"fmt"
	"strings"
	"sync"
)

// Priority orders jobs competing for transfer slots: an urgent organ-donor
// study (the transplant team has 20 minutes) overtakes a bulk archive
// transfer at the next free slot. Running transfers are not preempted.
type Priority int

// Priorities. The zero value is PriorityNormal.
const (
	PriorityBulk   Priority = -1
	PriorityNormal Priority = 0
	PriorityUrgent Priority = 1
)

func (p Priority) String() string {
	switch p {
	case PriorityBulk:
		return "bulk"
	case PriorityNormal:
		return "normal"
	case PriorityUrgent:
		return "urgent"
	}
	return fmt.Sprintf("Priority(%d)", int(p))
}

// ParsePriority parses "urgent", "normal" (or "") and "bulk".
func ParsePriority(s string) (Priority, error) {
	switch strings.ToLower(s) {
	case "urgent":
		return PriorityUrgent, nil
	case "normal", "":
		return PriorityNormal, nil
	case "bulk":
		return PriorityBulk, nil
	}
	return 0, fmt.Errorf("transfer: unknown priority %q (urgent, normal, bulk)", s)
}

// Scheduler bounds how many files are in flight across every sender that
// shares it, and hands free slots to the highest priority first (first
// come, first served within a priority). The zero value is not usable; use
// [NewScheduler]. It is safe for concurrent use.
type Scheduler struct {
	mu      sync.Mutex
	free    int
	waiters waitHeap
	seq     uint64
}

// NewScheduler returns a scheduler with slots concurrent transfers (at
// least 1).
func NewScheduler(slots int) *Scheduler {
	return &Scheduler{free: max(slots, 1)}
}

type waiter struct {
	prio  Priority
	seq   uint64
	ready chan struct{}
	index int
}

type waitHeap []*waiter

func (h waitHeap) Len() int { return len(h) }
func (h waitHeap) Less(i, j int) bool {
	if h[i].prio != h[j].prio {
		return h[i].prio > h[j].prio
	}
	return h[i].seq < h[j].seq
}
func (h waitHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *waitHeap) Push(x any)   { w := x.(*waiter); w.index = len(*h); *h = append(*h, w) }
func (h *waitHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	*h = old[:len(old)-1]
	w.index = -1
	return w
}

// Acquire blocks until a slot is free for prio or ctx ends. Every
// successful Acquire must be followed by one Release.
func (s *Scheduler) Acquire(ctx context.Context, prio Priority) error {
	s.mu.Lock()
	if s.free > 0 && len(s.waiters) == 0 {
		s.free--
		s.mu.Unlock()
		return nil
	}
	w := &waiter{prio: prio, seq: s.seq, ready: make(chan struct{})}
	s.seq++
	heap.Push(&s.waiters, w)
	s.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		defer s.mu.Unlock()
		select {
		case <-w.ready: // granted meanwhile: give it back
			s.releaseLocked()
		default:
			heap.Remove(&s.waiters, w.index)
		}
		return ctx.Err()
	}
}

// Release frees a slot taken by Acquire.
func (s *Scheduler) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.releaseLocked()
}

func (s *Scheduler) releaseLocked() {
	if len(s.waiters) > 0 {
		w := heap.Pop(&s.waiters).(*waiter)
		close(w.ready)
		return
	}
	s.free++
}
