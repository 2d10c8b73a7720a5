// Package storetest is the conformance suite of [screening.Store]
// implementations: the in-memory store, SQLite and PostgreSQL run the
// same tests (idempotent ingestion, re-sending as a no-op, a rejected
// event changing nothing, per-person atomicity of Update, writers for
// different people not blocking each other, Scan and ScanDue).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/calendar"
)

// End is the simulated "today" of the suite.
var End = calendar.Of(2030, 1, 1)

// Clock returns End.
func Clock() time.Time { return End.Time(nil) }

// Cohort returns the simulated logs of n people (seed fixed).
func Cohort(t testing.TB, n int) [][]screening.Event {
	t.Helper()
	var logs [][]screening.Event
	_, err := screening.Simulate(context.Background(), screening.SimOptions{Seed: 99, People: n},
		func(_ screening.PersonID, evs []screening.Event) error {
			logs = append(logs, append([]screening.Event(nil), evs...))
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return logs
}

// Run runs the suite; open returns a new, empty store for each subtest
// (and closes it with t.Cleanup if needed).
func Run(t *testing.T, open func(t *testing.T) screening.Store) {
	t.Run("IngestMatchesMemStore", func(t *testing.T) { testIngest(t, open(t)) })
	t.Run("ResendIsNoOp", func(t *testing.T) { testResend(t, open(t)) })
	t.Run("RejectedChangesNothing", func(t *testing.T) { testRejected(t, open(t)) })
	t.Run("UpdateAtomicPerPerson", func(t *testing.T) { testAtomic(t, open(t)) })
	t.Run("SamePersonSerialised", func(t *testing.T) { testSerialised(t, open(t)) })
	t.Run("DifferentPeopleDoNotBlock", func(t *testing.T) { testNoBlock(t, open(t)) })
	t.Run("ScanAndScanDue", func(t *testing.T) { testScan(t, open(t)) })
}

func engine(t *testing.T, s screening.Store) *screening.Engine {
	t.Helper()
	eng, err := screening.New(screening.Options{Store: s, Now: Clock})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func flatten(logs [][]screening.Event) []screening.Event {
	var all []screening.Event
	for _, l := range logs {
		all = append(all, l...)
	}
	return all
}

// Dump returns every log of the store, by person.
func Dump(t testing.TB, s screening.Store) map[screening.PersonID][]screening.Event {
	t.Helper()
	out := map[screening.PersonID][]screening.Event{}
	err := s.Scan(context.Background(), func(p screening.PersonID, evs []screening.Event) error {
		if _, dup := out[p]; dup {
			return fmt.Errorf("person %s scanned twice", p)
		}
		out[p] = append([]screening.Event(nil), evs...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func dueAll(t *testing.T, eng *screening.Engine, at screening.Date) []screening.Action {
	t.Helper()
	as, err := eng.DueAll(context.Background(), at)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// testIngest: a simulated cohort ingested in several batches gives the
// same logs, states and due actions as in the in-memory store.
func testIngest(t *testing.T, s screening.Store) {
	ctx := context.Background()
	logs := Cohort(t, 60)
	eng, ref := engine(t, s), engine(t, &screening.MemStore{})
	all := flatten(logs)
	for lo := 0; lo < len(all); lo += 97 {
		part := all[lo:min(lo+97, len(all))]
		for _, e := range []*screening.Engine{eng, ref} {
			res, err := e.Ingest(ctx, part)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Rejected) > 0 {
				// The simulator may produce events the rules reject; both
				// stores must agree on them.
				t.Logf("rejected: %v", res.Rejected[0].Err)
			}
		}
	}
	got, want := Dump(t, s), Dump(t, ref.Store())
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("logs differ from the in-memory store's: %d people, want %d", len(got), len(want))
	}
	for p, evs := range want {
		one, err := s.Events(ctx, p)
		if err != nil || !reflect.DeepEqual(one, evs) {
			t.Fatalf("Events(%s): %d events, %v; Scan gave %d", p, len(one), err, len(evs))
		}
	}
	for _, at := range []screening.Date{End, End.AddYears(-2), End.AddYears(2)} {
		if a, b := dueAll(t, eng, at), dueAll(t, ref, at); !reflect.DeepEqual(a, b) {
			t.Fatalf("Due on %s: %d actions, in memory %d", at, len(a), len(b))
		}
	}
	if evs, err := s.Events(ctx, "nobody"); err != nil || evs != nil {
		t.Fatalf("Events of an unknown person: %v, %v", evs, err)
	}
}

// testResend: re-sending a batch stores nothing and counts duplicates.
func testResend(t *testing.T, s screening.Store) {
	ctx := context.Background()
	eng := engine(t, s)
	all := flatten(Cohort(t, 10))
	first, err := eng.Ingest(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	before := Dump(t, s)
	again, err := eng.Ingest(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	if again.Accepted != 0 || again.Duplicates != first.Accepted {
		t.Fatalf("re-send: %d accepted, %d duplicates; first time %d accepted", again.Accepted, again.Duplicates, first.Accepted)
	}
	if after := Dump(t, s); !reflect.DeepEqual(before, after) {
		t.Fatal("re-sending changed the store")
	}
}

func person(p screening.PersonID, birth string) []screening.Event {
	return []screening.Event{
		{ID: screening.EventID(p + "-birth"), Person: p, Date: calendar.MustParse("2024-01-01"),
			Data: screening.Birth{Birth: calendar.MustParse(birth), Sex: screening.SexFemale}},
	}
}

// testRejected: a batch with bad events stores the good ones only, and a
// different event under a stored ID is rejected without changing it.
func testRejected(t *testing.T, s screening.Store) {
	ctx := context.Background()
	eng := engine(t, s)
	p := screening.PersonID("R1")
	evs := person(p, "1970-03-01")
	inv := screening.Event{ID: "R1-inv", Person: p, Programme: screening.Breast, Date: calendar.MustParse("2025-01-10"), Data: screening.Invitation{}}
	bad := []screening.Event{
		{ID: "R1-read", Person: p, Programme: screening.Breast, Date: calendar.MustParse("2025-02-01"),
			Data: screening.Reading{Of: "R1-none", Reader: screening.ReaderL1, Category: screening.ACR1}},
		{ID: "R1-future", Person: p, Programme: screening.Breast, Date: End.AddDays(3), Data: screening.Mammogram{}},
	}
	res, err := eng.Ingest(ctx, append(append(evs, inv), bad...))
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 2 || len(res.Rejected) != 2 {
		t.Fatalf("accepted %d, rejected %v", res.Accepted, res.Rejected)
	}
	if !errors.Is(res.Rejected[0].Err, screening.ErrNoExam) || !errors.Is(res.Rejected[1].Err, screening.ErrFutureDate) {
		t.Fatalf("rejections: %v", res.Rejected)
	}
	before := Dump(t, s)
	clash := inv
	clash.Date = clash.Date.AddDays(1)
	res, err = eng.Ingest(ctx, append(bad, clash))
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 0 || len(res.Rejected) != 3 || !errors.Is(res.Rejected[2].Err, screening.ErrConflict) {
		t.Fatalf("second batch: %+v", res)
	}
	if after := Dump(t, s); !reflect.DeepEqual(before, after) {
		t.Fatal("a rejected batch changed the store")
	}
	if len(before[p]) != 2 {
		t.Fatalf("stored %d events, want 2", len(before[p]))
	}
}

var errBoom = errors.New("storetest: fn failed")

// testAtomic: when fn fails for a person, nothing of that person is
// stored, and Update reports the error.
func testAtomic(t *testing.T, s screening.Store) {
	ctx := context.Background()
	p := screening.PersonID("A1")
	evs := person(p, "1960-05-05")
	err := s.Update(ctx, []screening.PersonID{p}, func(int, []screening.Event) (screening.Append, error) {
		return screening.Append{Events: evs}, errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Update: %v, want the fn's error", err)
	}
	if got, _ := s.Events(ctx, p); len(got) != 0 {
		t.Fatalf("a failed Update stored %d events", len(got))
	}
	// All or none per person: several events appear together.
	more := append(evs, screening.Event{ID: "A1-move", Person: p, Date: calendar.MustParse("2024-02-01"), Data: screening.Move{Department: "75"}})
	if err := s.Update(ctx, []screening.PersonID{p}, func(int, []screening.Event) (screening.Append, error) {
		return screening.Append{Events: more}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Events(ctx, p); !reflect.DeepEqual(got, more) {
		t.Fatalf("stored %v, want %v", got, more)
	}
}

// testSerialised: concurrent Updates of one person each append the event
// numbered by the log they saw: the result is 0..n-1, so each fn saw what
// its append was stored after.
func testSerialised(t *testing.T, s screening.Store) {
	ctx := context.Background()
	p := screening.PersonID("S1")
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Update(ctx, []screening.PersonID{p}, func(_ int, stored []screening.Event) (screening.Append, error) {
				k := len(stored)
				return screening.Append{Events: []screening.Event{{ID: screening.EventID(fmt.Sprintf("S1-%02d", k)), Person: p,
					Date: calendar.MustParse("2024-01-01").AddDays(k), Data: screening.Move{Department: fmt.Sprint(k)}}}}, nil
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, _ := s.Events(ctx, p)
	if len(got) != n {
		t.Fatalf("%d events stored, want %d", len(got), n)
	}
	for k, e := range got {
		if want := screening.EventID(fmt.Sprintf("S1-%02d", k)); e.ID != want {
			t.Fatalf("event %d is %s, want %s: an append did not see the log it was stored after", k, e.ID, want)
		}
	}
}

// testNoBlock: while an Update for one person is inside fn, an Update for
// another person completes.
func testNoBlock(t *testing.T, s screening.Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a, b := screening.PersonID("NB-A"), screening.PersonID("NB-B")
	inFn, release := make(chan struct{}), make(chan struct{})
	doneA := make(chan error, 1)
	go func() {
		doneA <- s.Update(ctx, []screening.PersonID{a}, func(int, []screening.Event) (screening.Append, error) {
			select {
			case <-inFn:
			default:
				close(inFn)
			}
			<-release
			return screening.Append{Events: person(a, "1960-01-01")}, nil
		})
	}()
	<-inFn
	doneB := make(chan error, 1)
	go func() {
		doneB <- s.Update(ctx, []screening.PersonID{b}, func(int, []screening.Event) (screening.Append, error) {
			return screening.Append{Events: person(b, "1961-01-01")}, nil
		})
	}()
	select {
	case err := <-doneB:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		close(release)
		t.Fatal("an Update for another person waited for a running fn")
	}
	close(release)
	if err := <-doneA; err != nil {
		t.Fatal(err)
	}
	for _, p := range []screening.PersonID{a, b} {
		if got, _ := s.Events(ctx, p); len(got) != 1 {
			t.Fatalf("%s: %d events", p, len(got))
		}
	}
}

// testScan: Scan visits each person once with the canonical log; ScanDue
// selects by the index entries Update stored.
func testScan(t *testing.T, s screening.Store) {
	ctx := context.Background()
	d := calendar.MustParse
	type spec struct {
		p    screening.PersonID
		x    screening.IndexEntry
		want []bool // due on 2030-01-01 with key k1, 2031-01-01 with k1, 2030-01-01 with k2
	}
	specs := []spec{
		{"P1", screening.IndexEntry{Key: "k1", Next: d("2030-06-01"), Last: d("2029-01-01")}, []bool{false, true, true}},
		{"P2", screening.IndexEntry{Key: "k1", Next: screening.Never, Last: d("2029-01-01")}, []bool{false, false, true}},
		{"P3", screening.IndexEntry{Key: "k1", Next: d("2029-06-01"), Last: d("2029-01-01")}, []bool{true, true, true}},
		{"P4", screening.IndexEntry{Key: "k1", Next: screening.Never, Last: d("2030-03-01")}, []bool{true, false, true}},
		{"P5", screening.IndexEntry{}, []bool{true, true, true}},
	}
	people := make([]screening.PersonID, len(specs))
	for i, sp := range specs {
		people[i] = sp.p
	}
	err := s.Update(ctx, people, func(i int, _ []screening.Event) (screening.Append, error) {
		sp := specs[i]
		// Out of canonical order on purpose: the store returns the log sorted.
		evs := []screening.Event{
			{ID: screening.EventID(sp.p + "-b"), Person: sp.p, Date: d("2025-01-01"), Data: screening.Move{Department: "13"}},
			{ID: screening.EventID(sp.p + "-a"), Person: sp.p, Date: d("2024-01-01"), Data: screening.Birth{Birth: d("1960-01-01")}},
		}
		return screening.Append{Events: evs, Index: sp.x}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	all := Dump(t, s)
	if len(all) != len(specs) {
		t.Fatalf("Scan: %d people, want %d", len(all), len(specs))
	}
	for p, evs := range all {
		if len(evs) != 2 || evs[0].ID != screening.EventID(p+"-a") {
			t.Fatalf("%s: log not in canonical order: %v", p, evs)
		}
	}
	for k, q := range []struct {
		at  screening.Date
		key string
	}{{d("2030-01-01"), "k1"}, {d("2031-01-01"), "k1"}, {d("2030-01-01"), "k2"}} {
		var got, want []string
		if err := s.ScanDue(ctx, q.at, q.key, func(p screening.PersonID, evs []screening.Event) error {
			if len(evs) != 2 {
				return fmt.Errorf("%s: %d events", p, len(evs))
			}
			got = append(got, string(p))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, sp := range specs {
			if sp.want[k] {
				want = append(want, string(sp.p))
			}
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("ScanDue(%s, %s) = %v, want %v", q.at, q.key, got, want)
		}
	}
	// An Append with no index keeps the entry.
	if err := s.Update(ctx, people[:1], func(int, []screening.Event) (screening.Append, error) { return screening.Append{}, nil }); err != nil {
		t.Fatal(err)
	}
	n := 0
	s.ScanDue(ctx, d("2030-01-01"), "k1", func(p screening.PersonID, _ []screening.Event) error {
		if p == "P1" {
			n++
		}
		return nil
	})
	if n != 0 {
		t.Fatal("an Update without an index entry reset P1's entry")
	}
}
