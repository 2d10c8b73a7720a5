package screening

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
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
}

// New returns an engine, or a [*ConfigError] if opts.Config contradicts the
// arrêté.
func New(opts Options) (*Engine, error) {
	f, err := newFolder(opts.Config)
	if err != nil {
		return nil, err
	}
	e := &Engine{f: f, store: opts.Store, now: opts.Now, loc: opts.Location}
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
// The error is non-nil only if ctx is done or the store fails; the result
// then covers the people processed before.
func (e *Engine) Ingest(ctx context.Context, events []Event) (IngestResult, error) {
	var res IngestResult
	today := e.Today()
	byPerson := map[PersonID][]int{}
	var order []PersonID
	for i := range events {
		ev := &events[i]
		if err := checkIntrinsic(ev); err != nil {
			res.Rejected = append(res.Rejected, Rejection{i, ev.ID, err})
			continue
		}
		if _, ok := byPerson[ev.Person]; !ok {
			order = append(order, ev.Person)
		}
		byPerson[ev.Person] = append(byPerson[ev.Person], i)
	}
	for _, person := range order {
		idx := byPerson[person]
		sort.SliceStable(idx, func(a, b int) bool { return before(events[idx[a]], events[idx[b]]) })
		var rej []Rejection
		dup := 0
		var added []Event
		err := e.store.Update(ctx, person, func(stored []Event) ([]Event, error) {
			rej, dup, added = rej[:0], 0, added[:0]
			log := append([]Event(nil), stored...)
			ids := make(map[EventID]int, len(log))
			for i := range log {
				ids[log[i].ID] = i
			}
			for _, i := range idx {
				ev := events[i]
				if j, ok := ids[ev.ID]; ok {
					if sameEvent(&log[j], &ev) {
						dup++
						continue
					}
					rej = append(rej, Rejection{i, ev.ID, reject(&ev, RuleIdempotent, ErrConflict, "ID", "another event is stored under this ID")})
					continue
				}
				if err := e.f.checkContext(&ev, log, today); err != nil {
					rej = append(rej, Rejection{i, ev.ID, err})
					continue
				}
				ids[ev.ID] = len(log)
				log = append(log, ev)
				sortEvents(log)
				for k := range log {
					ids[log[k].ID] = k
				}
				added = append(added, ev)
			}
			return added, nil
		})
		if err != nil {
			return res, err
		}
		res.Accepted += len(added)
		res.Duplicates += dup
		res.Rejected = append(res.Rejected, rej...)
	}
	sort.Slice(res.Rejected, func(a, b int) bool { return res.Rejected[a].Index < res.Rejected[b].Index })
	return res, nil
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
// is done.
func (e *Engine) Due(ctx context.Context, at Date, fn func(Action) error) error {
	var buf []Action
	return e.store.Scan(ctx, func(person PersonID, evs []Event) error {
		buf = e.f.due(e.f.fold(person, evs, at, false), at, buf[:0])
		for _, a := range buf {
			if err := fn(a); err != nil {
				return err
			}
		}
		return nil
	})
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
