package screening

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// ingestShuffled ingests each log in two or three batches of a random
// split of its events in random order, so that ingestion takes both the
// in-order (incremental) and the out-of-order (refold) paths.
func ingestShuffled(t *testing.T, eng *Engine, logs [][]Event, r *rand.Rand) {
	t.Helper()
	ctx := context.Background()
	for _, evs := range logs {
		evs = append([]Event(nil), evs...)
		// Birth first: other events need it; the rest in any order.
		rest := evs[1:]
		if r.IntN(2) == 0 {
			r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
		}
		cut := 1 + r.IntN(len(evs))
		for _, part := range [][]Event{evs[:cut], evs[cut:], evs} {
			// Out-of-order events may be rejected by a transition
			// that only a later event makes legal; re-sending the
			// whole log at the end converges.
			if _, err := eng.Ingest(ctx, part); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestPropertyIndexIsAFold: the due-index entry stored at ingestion (a
// cache updated incrementally) equals the one computed by a fresh fold of
// the stored log, the incremental state equals a fresh fold, and Next is
// exactly the first date on which Due proposes something: nothing on the
// day before or on any random date before it, something on the day
// itself. (Later, actions may stop being due: an age window closes.)
func TestPropertyIndexIsAFold(t *testing.T) {
	logs, _ := simCohort(t, 31, 150)
	eng, err := New(Options{Now: func() time.Time { return simEnd.Time(nil) }})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	ingestShuffled(t, eng, logs, r)
	ms := eng.Store().(*MemStore)
	f := eng.f
	checked := 0
	for _, evs := range logs {
		person := evs[0].Person
		stored, _ := eng.Store().Events(context.Background(), person)
		s := ms.shard(person)
		got := s.people[person].idx

		fresh := f.fold(person, stored, Never, false)
		inc := f.newLogFolder(person, nil)
		for i := range stored {
			inc.add(&stored[i])
		}
		if a, b := stateJSON(t, inc.st), stateJSON(t, fresh); a != b {
			t.Fatalf("%s: incremental state differs from a fresh fold:\n%s\n%s", person, a, b)
		}
		last := NoDate
		for _, e := range stored {
			last = maxDate(last, e.Date)
		}
		want := IndexEntry{Key: eng.IndexKey(), Next: f.nextDue(fresh, last), Last: last}
		if got != want {
			t.Fatalf("%s: stored index %+v, a fresh fold gives %+v", person, got, want)
		}
		dueOn := func(at Date) int { return len(f.due(f.fold(person, stored, at, false), at, nil)) }
		if want.Next != Never {
			if want.Next < last {
				t.Fatalf("%s: Next %s before the last event %s", person, want.Next, last)
			}
			if want.Next > last && dueOn(want.Next-1) != 0 {
				t.Fatalf("%s: actions due on %s, before Next %s", person, want.Next-1, want.Next)
			}
			if dueOn(want.Next) == 0 {
				t.Fatalf("%s: nothing due on Next %s", person, want.Next)
			}
			checked++
		}
		for range 20 {
			at := last + Date(r.IntN(12*366))
			if n := dueOn(at); n > 0 && at < want.Next {
				t.Fatalf("%s: %d actions due on %s, Next %s", person, n, at, want.Next)
			}
		}
	}
	if checked < len(logs)/2 {
		t.Fatalf("only %d of %d people ever have something due: the property is barely exercised", checked, len(logs))
	}
}

// TestDueIndexEqualsScan: Due through the index returns exactly what
// folding everyone returns, on dates after every event and before some,
// and after a Reindex under another configuration.
func TestDueIndexEqualsScan(t *testing.T) {
	logs, _ := simCohort(t, 32, 200)
	eng, err := New(Options{Now: func() time.Time { return simEnd.Time(nil) }})
	if err != nil {
		t.Fatal(err)
	}
	ingestShuffled(t, eng, logs, rand.New(rand.NewPCG(7, 8)))
	ctx := context.Background()
	collect := func(e *Engine, at Date, scan bool) []Action {
		var out []Action
		add := func(a Action) error { out = append(out, a); return nil }
		var err error
		if scan {
			err = e.DueScan(ctx, at, add)
		} else {
			err = e.Due(ctx, at, add)
		}
		if err != nil {
			t.Fatal(err)
		}
		SortActions(out)
		return out
	}
	visited := func(e *Engine, at Date) int {
		n := 0
		e.store.ScanDue(ctx, at, e.key, func(PersonID, []Event) error { n++; return nil })
		return n
	}
	for _, at := range []Date{simEnd, simEnd.AddYears(-3), simEnd.AddYears(1), simEnd.AddYears(5)} {
		a, b := collect(eng, at, false), collect(eng, at, true)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("on %s: Due with the index gives %d actions, a full scan %d", at, len(a), len(b))
		}
	}
	if v := visited(eng, simEnd); v >= len(logs) {
		t.Fatalf("the index visits %d of %d people on %s: it rules nobody out", v, len(logs), simEnd)
	}
	// Another configuration: every entry is stale until reindexed.
	cfg := DefaultConfig()
	cfg.Version += "-other"
	cfg.StopFollowUpAtAge = !cfg.StopFollowUpAtAge
	eng2, err := New(Options{Config: cfg, Store: eng.Store(), Now: eng.now})
	if err != nil {
		t.Fatal(err)
	}
	if v := visited(eng2, simEnd); v != len(logs) {
		t.Fatalf("stale entries: %d of %d people visited", v, len(logs))
	}
	if a, b := collect(eng2, simEnd, false), collect(eng2, simEnd, true); !reflect.DeepEqual(a, b) {
		t.Fatalf("stale index: %d actions, full scan %d", len(a), len(b))
	}
	if n, err := eng2.Reindex(ctx); err != nil || n != len(logs) {
		t.Fatalf("Reindex: %d, %v", n, err)
	}
	if v := visited(eng2, simEnd); v >= len(logs) {
		t.Fatalf("after Reindex the index still visits everyone")
	}
	if a, b := collect(eng2, simEnd, false), collect(eng2, simEnd, true); !reflect.DeepEqual(a, b) {
		t.Fatalf("after Reindex: %d actions, full scan %d", len(a), len(b))
	}
}

// TestPayloadRankMatchesKindSpecs: the type switch that ranks events in
// the canonical order agrees with the kind table.
func TestPayloadRankMatchesKindSpecs(t *testing.T) {
	for k, spec := range kindSpecs {
		p, err := spec.decode(nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := payloadRank(p); got != spec.rank*10 {
			t.Errorf("%s: rank %d, kindSpecs says %d", k, got, spec.rank*10)
		}
	}
	for r, want := range map[Reader]int{ReaderL1: 0, ReaderL2: 1, ReaderDeferred: 2, ReaderSurveillance: 3} {
		if got := payloadRank(Reading{Reader: r}) - 300; got != want {
			t.Errorf("reader %s: sub-rank %d, want %d", r, got, want)
		}
	}
}

// TestDueStopsAtFnError: Due (folding on several goroutines) returns the
// first error of fn and calls fn no more after it.
func TestDueStopsAtFnError(t *testing.T) {
	logs, _ := simCohort(t, 33, 400)
	eng, _ := New(Options{Now: func() time.Time { return simEnd.Time(nil) }})
	for _, l := range logs {
		eng.Ingest(context.Background(), l)
	}
	stop := errors.New("stop")
	calls := 0
	err := eng.Due(context.Background(), simEnd, func(Action) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Fatalf("Due: %v after %d calls, want the fn's error after 3", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := eng.Due(ctx, simEnd, func(Action) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("Due with a cancelled context: %v", err)
	}
}
