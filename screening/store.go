package screening

import (
	"context"
	"math"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
)

// Store keeps the per-person event logs and, next to each log, the
// person's due-index entry. Implementations must make the append of one
// person's events atomic (what fn saw is what the appended events were
// checked against), must not block updates of other people while fn runs,
// and must never lose an event once Update returned nil.
//
// The engine is the only writer of the index: a store keeps the entries
// it is given and filters on them in ScanDue, it never computes them.
type Store interface {
	// Update calls fn for each person of people (distinct), with the
	// person's stored events in canonical order (fn must not keep or
	// modify the slice), and appends the events fn returns and stores
	// the index entry, per person all or none. fn may be called
	// concurrently for different people and more than once for one
	// person (a store may retry after a concurrent change): the last
	// call's result is the one stored. Appends for one person are
	// serialised. When Update returns nil every append is durable; on
	// an error, some people of the batch may have been stored (each
	// wholly) and others not.
	Update(ctx context.Context, people []PersonID, fn func(i int, stored []Event) (Append, error)) error
	// Events returns a copy of the person's events in canonical order
	// (nil for an unknown person).
	Events(ctx context.Context, person PersonID) ([]Event, error)
	// Scan calls fn for every person with events, in the store's order
	// (deterministic for an unchanged store), from one goroutine, with
	// the log in canonical order; fn must not retain the slice.
	Scan(ctx context.Context, fn func(person PersonID, events []Event) error) error
	// ScanDue is Scan restricted to the people whose index entry does not
	// rule out an action due on at: entry.Key != key, entry.Next <= at,
	// or entry.Last > at (a date before the person's last event needs a
	// filtered fold). People without an entry are included.
	ScanDue(ctx context.Context, at Date, key string, fn func(person PersonID, events []Event) error) error
}

// Append is what an [Store.Update] function returns for one person.
type Append struct {
	// Events are appended to the log; none leaves the log unchanged.
	Events []Event
	// Index is the person's entry after the append; a zero Index (empty
	// Key) leaves the stored entry unchanged.
	Index IndexEntry
}

// IndexEntry is a person's due-index entry: a cache of the fold that
// lets a daily Due run visit only the people who may have something due,
// instead of folding every log. Next is a pure function of the log and
// the configuration (the engine's [Engine.IndexKey]); a property test
// checks it against fresh folds.
type IndexEntry struct {
	// Key identifies the configuration (and index algorithm) Next was
	// computed with; an entry with another key is stale.
	Key string
	// Next is the earliest date on which an action is due given the
	// events stored, [Never] if none ever will be without a new event.
	Next Date
	// Last is the latest event date of the log.
	Last Date
}

// Never is the Next of an [IndexEntry] when nothing will be due without
// a new event.
const Never Date = math.MaxInt32

// Due reports whether the entry may have an action due on at for key.
func (x IndexEntry) Due(at Date, key string) bool {
	return x.Key != key || x.Next <= at || x.Last > at
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
	mu     sync.RWMutex
	people map[PersonID]*memPerson
}

// memPerson is one person's log and entry. mu serialises Update for the
// person; log and idx are replaced under the shard's lock.
type memPerson struct {
	mu  sync.Mutex
	log []Event
	idx IndexEntry
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

func (m *MemStore) person(s *memShard, p PersonID) *memPerson {
	s.mu.RLock()
	mp, ok := s.people[p]
	s.mu.RUnlock()
	if ok {
		return mp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.people == nil {
		s.people = map[PersonID]*memPerson{}
	}
	mp, ok = s.people[p]
	if !ok {
		mp = &memPerson{}
		s.people[p] = mp
	}
	return mp
}

// Update implements [Store]. A large batch is spread over GOMAXPROCS
// goroutines; each person is updated under its own lock only.
func (m *MemStore) Update(ctx context.Context, people []PersonID, fn func(int, []Event) (Append, error)) error {
	workers := min(runtime.GOMAXPROCS(0), len(people)/64)
	if workers <= 1 {
		for i, person := range people {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := m.update1(person, i, fn); err != nil {
				return err
			}
		}
		return nil
	}
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		once sync.Once
		ferr error
		stop atomic.Bool
	)
	const chunk = 32
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(people) {
					return
				}
				for i := lo; i < min(lo+chunk, len(people)); i++ {
					err := ctx.Err()
					if err == nil {
						err = m.update1(people[i], i, fn)
					}
					if err != nil {
						once.Do(func() { ferr = err })
						stop.Store(true)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	return ferr
}

func (m *MemStore) update1(person PersonID, i int, fn func(int, []Event) (Append, error)) error {
	s := m.shard(person)
	mp := m.person(s, person)
	mp.mu.Lock()
	defer mp.mu.Unlock()
	s.mu.RLock()
	cur := mp.log
	s.mu.RUnlock()
	a, err := fn(i, cur)
	if err != nil {
		return err
	}
	next := cur
	if len(a.Events) > 0 {
		next = make([]Event, 0, len(cur)+len(a.Events))
		next = append(append(next, cur...), a.Events...)
		sortEvents(next)
	}
	s.mu.Lock()
	mp.log = next
	if a.Index.Key != "" {
		mp.idx = a.Index
	}
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
	mp, ok := s.people[person]
	if !ok || len(mp.log) == 0 {
		return nil, nil
	}
	return append([]Event(nil), mp.log...), nil
}

// Scan implements [Store]. It walks the shards in order and the people of
// a shard in sorted order, so that a scan of an unchanged store is
// deterministic; fn is called from one goroutine.
func (m *MemStore) Scan(ctx context.Context, fn func(PersonID, []Event) error) error {
	return m.scan(ctx, func(IndexEntry) bool { return true }, fn)
}

// ScanDue implements [Store].
func (m *MemStore) ScanDue(ctx context.Context, at Date, key string, fn func(PersonID, []Event) error) error {
	return m.scan(ctx, func(x IndexEntry) bool { return x.Due(at, key) }, fn)
}

func (m *MemStore) scan(ctx context.Context, keep func(IndexEntry) bool, fn func(PersonID, []Event) error) error {
	type entry struct {
		p   PersonID
		log []Event
	}
	var sel []entry
	for i := range m.shards {
		s := &m.shards[i]
		sel = sel[:0]
		s.mu.RLock()
		for p, mp := range s.people {
			if len(mp.log) > 0 && keep(mp.idx) {
				sel = append(sel, entry{p, mp.log})
			}
		}
		s.mu.RUnlock()
		sort.Slice(sel, func(a, b int) bool { return sel[a].p < sel[b].p })
		for _, x := range sel {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(x.p, x.log); err != nil {
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
		for _, mp := range s.people {
			if len(mp.log) > 0 {
				n++
			}
		}
		s.mu.RUnlock()
	}
	return n
}
