package screening

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/radkit/radkit/screening/calendar"
)

// Options configure an [Engine]. The zero value is usable: default
// [Config], a new [MemStore], the system clock read in UTC.
type Options struct {
	// Config holds the délais and thresholds; zero fields take their
	// defaults.
	Config Config
	// Store keeps the logs; nil means a new [MemStore].
	Store Store
	// Now is the clock "today" is read from (future-date rejection). nil
	// means time.Now. Inject a fixed clock in tests and simulations: no
	// rule reads the clock otherwise, every computation takes its date.
	Now func() time.Time
	// Location is the time zone whose calendar date is "today"; nil means
	// UTC. A French centre sets Europe/Paris, so that an event keyed at
	// 00:30 is not "in the future" for an hour.
	Location *time.Location
}

// Engine ingests events and answers state, explanation and due-action
// queries. It is safe for concurrent use; ingestion for different people
// proceeds in parallel as far as the Store allows.
type Engine struct {
	f     *folder
	store Store
	now   func() time.Time
	loc   *time.Location
	key   string // due-index key, see IndexKey
}

// New returns an engine, or a [*ConfigError] if opts.Config contradicts the
// arrêté.
func New(opts Options) (*Engine, error) {
	f, err := newFolder(opts.Config)
	if err != nil {
		return nil, err
	}
	e := &Engine{f: f, store: opts.Store, now: opts.Now, loc: opts.Location, key: indexKey(f.cfg)}
	if e.store == nil {
		e.store = &MemStore{}
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.loc == nil {
		e.loc = time.UTC
	}
	return e, nil
}

// indexVersion changes when the computation of [IndexEntry.Next] does, so
// that entries written by an older engine are recomputed rather than
// trusted.
const indexVersion = "due-index/1"

// indexKey fingerprints the configuration: an index entry is valid only
// for the configuration it was computed with.
func indexKey(cfg *Config) string {
	b, err := json.Marshal(cfg)
	if err != nil {
		b = fmt.Appendf(nil, "%#v", *cfg)
	}
	h := sha256.Sum256(append([]byte(indexVersion+"\n"), b...))
	return indexVersion + ":" + hex.EncodeToString(h[:12])
}

// IndexKey returns the key of the due-index entries the engine writes
// ([IndexEntry.Key]): a fingerprint of its configuration. Entries with
// another key (written under another configuration) are treated as
// stale: Due folds those people, and re-ingesting or [Engine.Reindex]
// refreshes them.
func (e *Engine) IndexKey() string { return e.key }

// Config returns the engine's configuration with defaults filled in.
func (e *Engine) Config() Config { return *e.f.cfg }

// Store returns the engine's store.
func (e *Engine) Store() Store { return e.store }

// Calendar returns the business calendar of the configuration.
func (e *Engine) Calendar() calendar.Calendar { return e.f.cal }

// Today returns the current date in the engine's location.
func (e *Engine) Today() Date { return calendar.FromTime(e.now().In(e.loc)) }

// Rejection is an event of a batch that was not stored.
type Rejection struct {
	// Index is the event's position in the batch.
	Index int
	Event EventID
	// Err is an [*EventError].
	Err error
}

// IngestResult reports a batch: how many events were stored, how many
// were already stored (no-ops), and each rejected event with its error.
type IngestResult struct {
	Accepted   int
	Duplicates int
	Rejected   []Rejection
}

// Ingest validates and stores a batch of events. Each event is accepted
// or rejected on its own: a rejected event is reported in the result and
// the batch goes on; nothing stored changes for it. Re-sending a stored
// event is a no-op counted in Duplicates. Within a batch, a person's
// events are validated in canonical order (date, then exams before
// results), so a batch may carry an exam and its result together.
//
// The whole batch goes to the store in one [Store.Update] (one
// transaction for the SQL stores): large batches amortise the commit.
// When Ingest returns a nil error every accepted event is durable.
//
// The error is non-nil only if ctx is done or the store fails; the result
// then counts nothing as accepted, although the store may have kept the
// events of some people (re-sending the batch is then a no-op for them).
func (e *Engine) Ingest(ctx context.Context, events []Event) (IngestResult, error) {
	var res IngestResult
	today := e.Today()
	byPerson := map[PersonID]int{}
	var people []PersonID
	var idx [][]int
	for i := range events {
		ev := &events[i]
		if ev.Person == "" {
			res.Rejected = append(res.Rejected, Rejection{i, ev.ID, checkIntrinsic(ev)})
			continue
		}
		k, ok := byPerson[ev.Person]
		if !ok {
			k = len(people)
			byPerson[ev.Person] = k
			people = append(people, ev.Person)
			idx = append(idx, nil)
		}
		idx[k] = append(idx[k], i)
	}
	type outcome struct {
		rej      []Rejection
		dup, acc int
	}
	outs := make([]outcome, len(people))
	// The intrinsic checks and the canonical sort of each person's events
	// run in the store's calls of fn, which may be spread over the cores.
	err := e.store.Update(ctx, people, func(k int, stored []Event) (Append, error) {
		o := outcome{}
		ix := idx[k]
		cmp := func(a, b int) int { return cmpEvents(events[a], events[b]) }
		if !slices.IsSortedFunc(ix, cmp) {
			slices.SortStableFunc(ix, cmp)
		}
		v := e.f.newLogFolder(people[k], stored)
		added := make([]Event, 0, len(ix))
		for _, i := range ix {
			ev := &events[i]
			if err := checkIntrinsic(ev); err != nil {
				o.rej = append(o.rej, Rejection{i, ev.ID, err})
				continue
			}
			if old := v.byID.get(ev.ID); old != nil {
				if sameEvent(old, ev) {
					o.dup++
					continue
				}
				o.rej = append(o.rej, Rejection{i, ev.ID, reject(ev, RuleIdempotent, ErrConflict, "ID", "another event is stored under this ID")})
				continue
			}
			if err := v.check(ev, today); err != nil {
				o.rej = append(o.rej, Rejection{i, ev.ID, err})
				continue
			}
			added = append(added, *ev)
			v.add(&added[len(added)-1])
		}
		o.acc = len(added)
		outs[k] = o
		return Append{Events: added, Index: v.index(e.key)}, nil
	})
	if err != nil {
		return res, err
	}
	for _, o := range outs {
		res.Accepted += o.acc
		res.Duplicates += o.dup
		res.Rejected = append(res.Rejected, o.rej...)
	}
	sort.Slice(res.Rejected, func(a, b int) bool { return res.Rejected[a].Index < res.Rejected[b].Index })
	return res, nil
}

// logFolder keeps a person's log (stored and accepted events, canonical
// order) and the state after it, so that a batch is validated with one
// fold of the stored log and one step per event arriving in order; an
// event arriving before others falls back to a fold of the events before
// it (the state must not depend on arrival order).
type logFolder struct {
	f      *folder
	person PersonID
	log    []*Event
	byID   *evIndex     // over log
	st     *PersonState // after every event of log
	last   Date
}

func (f *folder) newLogFolder(person PersonID, stored []Event) *logFolder {
	v := &logFolder{f: f, person: person, log: make([]*Event, 0, len(stored)+16),
		byID: &evIndex{}, st: f.newState(person, Never), last: NoDate}
	for i := range stored {
		v.log = append(v.log, &stored[i])
	}
	v.byID.ptrs = v.log
	v.byID.index()
	for _, e := range v.log {
		f.foldEvent(v.st, e, v.byID, false)
		v.last = maxDate(v.last, e.Date)
	}
	return v
}

// inOrder reports whether ev comes after every event of the log.
func (v *logFolder) inOrder(ev *Event) bool {
	return len(v.log) == 0 || before(*v.log[len(v.log)-1], *ev)
}

func (v *logFolder) check(ev *Event, today Date) *EventError {
	state := func() *PersonState { return v.st }
	if !v.inOrder(ev) {
		state = func() *PersonState {
			st := v.f.newState(v.person, ev.Date)
			for _, e := range v.log {
				if !before(*e, *ev) {
					break
				}
				v.f.foldEvent(st, e, v.byID, false)
			}
			return st
		}
	}
	return v.f.checkState(ev, state, v.byID, today)
}

// add appends an accepted event (ev must stay valid and unchanged).
func (v *logFolder) add(ev *Event) {
	v.last = maxDate(v.last, ev.Date)
	inOrder := v.inOrder(ev)
	v.log = append(v.log, ev)
	v.byID.ptrs = v.log
	if v.byID.m != nil {
		v.byID.m[ev.ID] = ev
	} else if len(v.log) > evIndexMap {
		v.byID.index()
	}
	if inOrder {
		v.f.foldEvent(v.st, ev, v.byID, false)
		return
	}
	sort.SliceStable(v.log, func(i, j int) bool { return before(*v.log[i], *v.log[j]) })
	v.st = v.f.newState(v.person, Never)
	for _, e := range v.log {
		v.f.foldEvent(v.st, e, v.byID, false)
	}
}

// index returns the person's due-index entry.
func (v *logFolder) index(key string) IndexEntry {
	return IndexEntry{Key: key, Next: v.f.nextDue(v.st, v.last), Last: v.last}
}

// sameEvent compares two events with the same ID.
func sameEvent(a, b *Event) bool {
	return a.Person == b.Person && a.Programme == b.Programme && a.Date == b.Date && reflect.DeepEqual(a.Data, b.Data)
}

// State returns the person's state on at (events dated after at are
// ignored: the state on a past date is what the centre knew then about
// that date, given today's records).
func (e *Engine) State(ctx context.Context, person PersonID, at Date) (*PersonState, error) {
	evs, err := e.store.Events(ctx, person)
	if err != nil {
		return nil, err
	}
	return e.f.fold(person, evs, at, false), nil
}

// Explanation is a person's state on a date with the chain of events and
// rules that led there and what is due.
type Explanation struct {
	State *PersonState
	// Due lists the actions due on the date.
	Due []Action
	// Rules lists every rule cited by the steps, notes and actions, in
	// table order.
	Rules []Rule
}

// Explain returns the person's state on at, the chain of steps of each
// programme (event, trigger, transition, rule and citation), the notes
// (deviations, ignored events) and the due actions.
func (e *Engine) Explain(ctx context.Context, person PersonID, at Date) (*Explanation, error) {
	evs, err := e.store.Events(ctx, person)
	if err != nil {
		return nil, err
	}
	return explain(e.f, person, evs, at), nil
}

func explain(f *folder, person PersonID, evs []Event, at Date) *Explanation {
	st := f.fold(person, evs, at, true)
	x := &Explanation{State: st, Due: f.due(st, at, nil)}
	cited := map[RuleID]bool{}
	for _, ps := range st.Programmes {
		for _, s := range ps.Steps {
			cited[s.Rule] = true
		}
		for _, n := range ps.Notes {
			cited[n.Rule] = true
		}
		if ps.NextDueRule != "" {
			cited[ps.NextDueRule] = true
		}
	}
	for _, a := range x.Due {
		cited[a.Rule] = true
	}
	for _, r := range rules {
		if cited[r.ID] {
			x.Rules = append(x.Rules, r)
		}
	}
	return x
}

// String renders the explanation as text, one programme after the other.
func (x *Explanation) String() string {
	var sb strings.Builder
	st := x.State
	fmt.Fprintf(&sb, "person %s on %s (born %s", st.Person, st.At, st.Birth)
	if st.Died != NoDate {
		fmt.Fprintf(&sb, ", died %s", st.Died)
	}
	fmt.Fprintf(&sb, "; config %s)\n", st.ConfigVersion)
	for _, ps := range st.Programmes {
		fmt.Fprintf(&sb, "%s: %s", ps.Programme, ps.State)
		if ps.Since != NoDate {
			fmt.Fprintf(&sb, " since %s", ps.Since)
		}
		if ps.NextDue != NoDate {
			fmt.Fprintf(&sb, ", next invitation %s [%s]", ps.NextDue, ps.NextDueRule)
		}
		sb.WriteString("\n")
		for _, s := range ps.Steps {
			fmt.Fprintf(&sb, "  %s %s %s: %s -> %s [%s, %s]", s.Date, s.Event, s.Trigger, s.From, s.To, s.Rule, s.Source)
			if s.Note != "" {
				fmt.Fprintf(&sb, " (%s)", s.Note)
			}
			sb.WriteString("\n")
		}
		for _, n := range ps.Notes {
			fmt.Fprintf(&sb, "  note %s %s: %s [%s]\n", n.Date, n.Event, n.Msg, n.Rule)
		}
	}
	for _, a := range x.Due {
		fmt.Fprintf(&sb, "due: %s\n", a)
	}
	return sb.String()
}

// DueFor returns the actions due on at for one person.
func (e *Engine) DueFor(ctx context.Context, person PersonID, at Date) ([]Action, error) {
	evs, err := e.store.Events(ctx, person)
	if err != nil {
		return nil, err
	}
	return e.f.due(e.f.fold(person, evs, at, false), at, nil), nil
}

// Due calls fn for every action due on at, person by person, in the
// store's scan order. It stops at the first error fn returns, or when ctx
// is done. Only the people whose due-index entry does not rule out an
// action on at are folded ([Store.ScanDue]); the result is the same as
// folding everyone ([Engine.DueScan]).
func (e *Engine) Due(ctx context.Context, at Date, fn func(Action) error) error {
	return e.dueFrom(ctx, at, fn, func(visit func(PersonID, []Event) error) error {
		return e.store.ScanDue(ctx, at, e.key, visit)
	})
}

// DueScan is [Engine.Due] without the due index: it folds every person.
// It exists to check the index and to measure what it saves.
func (e *Engine) DueScan(ctx context.Context, at Date, fn func(Action) error) error {
	return e.dueFrom(ctx, at, fn, func(visit func(PersonID, []Event) error) error {
		return e.store.Scan(ctx, visit)
	})
}

func (e *Engine) dueFrom(ctx context.Context, at Date, fn func(Action) error, scan func(func(PersonID, []Event) error) error) error {
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 {
		var buf []Action
		return scan(func(person PersonID, evs []Event) error {
			buf = e.f.due(e.f.fold(person, evs, at, false), at, buf[:0])
			for _, a := range buf {
				if err := fn(a); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return e.dueParallel(ctx, at, fn, scan, workers)
}

// dueJob is a run of consecutive people of a scan: their logs copied
// into one arena (the store's slices are only valid during its
// callback), and the actions due.
type dueJob struct {
	people []PersonID
	ends   []int // people[k]'s log is arena[ends[k-1]:ends[k]]
	arena  []Event
	out    []Action
}

// dueParallel folds on workers goroutines while the calling goroutine
// runs the store's scan (which may itself read and decode logs on several
// goroutines, as sqlitestore's ScanDue does): jobs go round-robin to the
// workers and come back in the same order, so fn sees the actions in
// scan order, from one goroutine.
func (e *Engine) dueParallel(ctx context.Context, at Date, fn func(Action) error, scan func(func(PersonID, []Event) error) error, workers int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ins := make([]chan *dueJob, workers)
	outs := make([]chan *dueJob, workers)
	free := make(chan *dueJob, 4*workers)
	for w := range ins {
		ins[w] = make(chan *dueJob, 2)
		outs[w] = make(chan *dueJob, 2)
		go func(in <-chan *dueJob, out chan<- *dueJob) {
			defer close(out)
			for j := range in {
				start := 0
				for k, p := range j.people {
					j.out = e.f.due(e.f.fold(p, j.arena[start:j.ends[k]], at, false), at, j.out)
					start = j.ends[k]
				}
				out <- j
			}
		}(ins[w], outs[w])
	}
	var ferr error
	emitted := make(chan struct{})
	go func() {
		defer close(emitted)
		for seq := 0; ; seq++ {
			j, ok := <-outs[seq%workers]
			if !ok {
				return
			}
			if ferr == nil {
				for _, a := range j.out {
					if err := fn(a); err != nil {
						ferr = err
						cancel()
						break
					}
				}
			}
			j.people, j.ends, j.arena, j.out = j.people[:0], j.ends[:0], j.arena[:0], j.out[:0]
			select {
			case free <- j:
			default:
			}
		}
	}()
	const perJob = 256
	newJob := func() *dueJob {
		select {
		case j := <-free:
			return j
		default:
			return &dueJob{}
		}
	}
	seq := 0
	cur := newJob()
	send := func() {
		ins[seq%workers] <- cur
		seq++
		cur = newJob()
	}
	err := scan(func(p PersonID, evs []Event) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		cur.people = append(cur.people, p)
		cur.arena = append(cur.arena, evs...)
		cur.ends = append(cur.ends, len(cur.arena))
		if len(cur.people) == perJob {
			send()
		}
		return nil
	})
	if len(cur.people) > 0 {
		send()
	}
	for _, in := range ins {
		close(in)
	}
	<-emitted
	if ferr != nil {
		return ferr
	}
	return err
}

// Reindex recomputes the due-index entry of every person, e.g. after a
// change of [Config] (entries written under another configuration are
// stale, see [Engine.IndexKey]) or for logs written by an older version.
// Due is right without it, only slower: it folds stale people every
// time. It returns the number of people reindexed.
func (e *Engine) Reindex(ctx context.Context) (int, error) {
	const batch = 4096
	var people []PersonID
	n := 0
	flush := func() error {
		if len(people) == 0 {
			return nil
		}
		err := e.store.Update(ctx, people, func(k int, stored []Event) (Append, error) {
			v := e.f.newLogFolder(people[k], stored)
			return Append{Index: v.index(e.key)}, nil
		})
		n += len(people)
		people = people[:0]
		return err
	}
	var all []PersonID
	if err := e.store.Scan(ctx, func(p PersonID, _ []Event) error {
		all = append(all, p)
		return nil
	}); err != nil {
		return 0, err
	}
	for _, p := range all {
		people = append(people, p)
		if len(people) == batch {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	return n, flush()
}

// DueAll collects [Engine.Due] into a slice sorted by person, programme,
// From and kind.
func (e *Engine) DueAll(ctx context.Context, at Date) ([]Action, error) {
	var out []Action
	err := e.Due(ctx, at, func(a Action) error { out = append(out, a); return nil })
	SortActions(out)
	return out, err
}

// SortActions sorts actions by person, programme, From and kind.
func SortActions(as []Action) {
	sort.Slice(as, func(i, j int) bool {
		a, b := as[i], as[j]
		if a.Person != b.Person {
			return a.Person < b.Person
		}
		if a.Programme != b.Programme {
			return a.Programme < b.Programme
		}
		if a.From != b.From {
			return a.From < b.From
		}
		return a.Kind < b.Kind
	})
}

// Replay folds a log without a store: the state on at of the person whose
// events these are, in any order (they are sorted canonically first), and
// the actions due on at. It validates nothing: events the transition
// tables do not allow are ignored with a note.
func Replay(cfg Config, events []Event, at Date) (*Explanation, error) {
	f, err := newFolder(cfg)
	if err != nil {
		return nil, err
	}
	evs := append([]Event(nil), events...)
	sortEvents(evs)
	var person PersonID
	if len(evs) > 0 {
		person = evs[0].Person
	}
	return explain(f, person, evs, at), nil
}

// Snapshot writes every stored event as JSON Lines, person by person in
// the store's scan order, each log in canonical order. [Engine.Restore]
// reads it back.
func (e *Engine) Snapshot(ctx context.Context, w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	err := e.store.Scan(ctx, func(_ PersonID, evs []Event) error {
		for i := range evs {
			if err := enc.Encode(evs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// Restore ingests the JSON Lines r holds (as [Engine.Snapshot] writes
// them, or any event feed), in batches. Lines that do not decode are
// rejected like invalid events, with Index the line number (from 0).
func (e *Engine) Restore(ctx context.Context, r io.Reader) (IngestResult, error) {
	var total IngestResult
	dec := json.NewDecoder(r)
	const batch = 4096
	var evs []Event
	var lines []int
	flush := func() error {
		res, err := e.Ingest(ctx, evs)
		total.Accepted += res.Accepted
		total.Duplicates += res.Duplicates
		for _, rj := range res.Rejected {
			rj.Index = lines[rj.Index]
			total.Rejected = append(total.Rejected, rj)
		}
		evs, lines = evs[:0], lines[:0]
		return err
	}
	for line := 0; ; line++ {
		var ev Event
		err := dec.Decode(&ev)
		if err == io.EOF {
			break
		}
		if err != nil {
			if _, ok := err.(*json.SyntaxError); ok {
				return total, fmt.Errorf("screening: line %d: %w", line, err)
			}
			total.Rejected = append(total.Rejected, Rejection{Index: line, Err: &EventError{Rule: RuleUnknown, Msg: err.Error(), Err: ErrUnknownCode}})
			continue
		}
		evs = append(evs, ev)
		lines = append(lines, line)
		if len(evs) == batch {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	return total, flush()
}
