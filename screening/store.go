package screening

import (
	"context"
	"sort"
	"sync"
)

// Store keeps the per-person event logs. Implementations must make Update
// atomic per person (what fn saw is what the appended events are checked
// against) without blocking updates of other people, and must never lose
// an event once Update returned nil.
type Store interface {
	// Update calls fn with the person's stored events in canonical order
	// (fn must not keep or modify the slice) and appends the events fn
	// returns, all or none. Calls for one person are serialised.
	Update(ctx context.Context, person PersonID, fn func(stored []Event) ([]Event, error)) error
	// Events returns a copy of the person's events in canonical order
	// (nil for an unknown person).
	Events(ctx context.Context, person PersonID) ([]Event, error)
	// Scan calls fn for every person with events, in no particular order,
	// with a read-only view of the log. fn may be called concurrently from
	// up to Scan's parallelism; it must not retain the slice.
	Scan(ctx context.Context, fn func(person PersonID, events []Event) error) error
}

const memShards = 256

// MemStore is an in-memory [Store]: people are spread over 256 shards,
// each with its own lock, so that writers for different people rarely
// contend, and each log is replaced (never modified in place) on update,
// so that Scan can read it without holding a lock. The zero value is
// ready to use. It keeps nothing across process restarts: use it for
// tests, simulations and benchmarks.
type MemStore struct {
	shards [memShards]memShard
}

type memShard struct {
	mu   sync.RWMutex
	logs map[PersonID][]Event
	// locks serialise Update per person.
	locks map[PersonID]*sync.Mutex
}

var _ Store = (*MemStore)(nil)

// shard hashes with FNV-1a: a fixed hash keeps Scan's order the same from
// one process to the next.
func (m *MemStore) shard(p PersonID) *memShard {
	h := uint32(2166136261)
	for i := 0; i < len(p); i++ {
		h ^= uint32(p[i])
		h *= 16777619
	}
	return &m.shards[h%memShards]
}

func (m *MemStore) personLock(s *memShard, p PersonID) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.locks == nil {
		s.locks = map[PersonID]*sync.Mutex{}
		s.logs = map[PersonID][]Event{}
	}
	l, ok := s.locks[p]
	if !ok {
		l = &sync.Mutex{}
		s.locks[p] = l
	}
	return l
}

// Update implements [Store].
func (m *MemStore) Update(ctx context.Context, person PersonID, fn func([]Event) ([]Event, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s := m.shard(person)
	l := m.personLock(s, person)
	l.Lock()
	defer l.Unlock()
	s.mu.RLock()
	cur := s.logs[person]
	s.mu.RUnlock()
	add, err := fn(cur)
	if err != nil || len(add) == 0 {
		return err
	}
	next := make([]Event, 0, len(cur)+len(add))
	next = append(append(next, cur...), add...)
	sortEvents(next)
	s.mu.Lock()
	s.logs[person] = next
	s.mu.Unlock()
	return nil
}

// Events implements [Store].
func (m *MemStore) Events(ctx context.Context, person PersonID) ([]Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := m.shard(person)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]Event(nil), s.logs[person]...), nil
}

// Scan implements [Store]. It walks the shards in order and the people of
// a shard in sorted order, so that a scan of an unchanged store is
// deterministic; fn is called from one goroutine.
func (m *MemStore) Scan(ctx context.Context, fn func(PersonID, []Event) error) error {
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.RLock()
		people := make([]PersonID, 0, len(s.logs))
		logs := make([][]Event, 0, len(s.logs))
		for p := range s.logs {
			people = append(people, p)
		}
		sort.Slice(people, func(a, b int) bool { return people[a] < people[b] })
		for _, p := range people {
			logs = append(logs, s.logs[p])
		}
		s.mu.RUnlock()
		for j, p := range people {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(p, logs[j]); err != nil {
				return err
			}
		}
	}
	return nil
}

// Len returns the number of people with events.
func (m *MemStore) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.RLock()
		n += len(s.logs)
		s.mu.RUnlock()
	}
	return n
}
