package screening

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/radkit/radkit/screening/calendar"
)

// simCohort returns the simulated logs of n people.
func simCohort(t testing.TB, seed uint64, n int) ([][]Event, SimTruth) {
	t.Helper()
	var logs [][]Event
	truth, err := Simulate(context.Background(), SimOptions{Seed: seed, People: n}, func(_ PersonID, evs []Event) error {
		logs = append(logs, evs)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return logs, truth
}

// stateJSON renders a state without its explanation steps.
func stateJSON(t testing.TB, st *PersonState) string {
	t.Helper()
	c := *st
	for i := range c.Programmes {
		c.Programmes[i].Steps = nil
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var simEnd = calendar.Of(2030, 1, 1)

// TestSimulatedLogsAreValid: every simulated event passes ingestion, and
// no simulated log has a note for an ignored transition.
func TestSimulatedLogsAreValid(t *testing.T) {
	logs, truth := simCohort(t, 7, 300)
	eng, err := New(Options{Now: func() time.Time { return simEnd.Time(nil) }})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, evs := range logs {
		res, err := eng.Ingest(context.Background(), evs)
		if err != nil {
			t.Fatal(err)
		}
		for _, rj := range res.Rejected {
			t.Fatalf("simulated event rejected: %v", rj.Err)
		}
		n += res.Accepted
	}
	if n != truth.Events {
		t.Fatalf("%d accepted, truth says %d events", n, truth.Events)
	}
	for _, p := range programmes {
		if truth.Tests[p.index()] == 0 || truth.Invitations[p.index()] == 0 {
			t.Errorf("%s: no tests or invitations simulated: %+v", p, truth)
		}
	}
}

// TestPropertyArrivalOrder: replaying the same events in any arrival
// order gives the same state (the fold sorts canonically), and ingesting
// them in a random order, re-sending the rejected ones, converges to the
// same state as ingesting them in order.
func TestPropertyArrivalOrder(t *testing.T) {
	logs, _ := simCohort(t, 11, 120)
	r := rand.New(rand.NewPCG(5, 6))
	ctx := context.Background()
	for _, evs := range logs {
		want, err := Replay(Config{}, evs, simEnd)
		if err != nil {
			t.Fatal(err)
		}
		wantJSON := stateJSON(t, want.State)
		for trial := 0; trial < 3; trial++ {
			shuffled := append([]Event(nil), evs...)
			r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			got, _ := Replay(Config{}, shuffled, simEnd)
			if g := stateJSON(t, got.State); g != wantJSON {
				t.Fatalf("replay order changed the state:\n got %s\nwant %s", g, wantJSON)
			}
			// Ingestion in random chunks, rejected events re-sent.
			eng, _ := New(Options{Now: func() time.Time { return simEnd.Time(nil) }})
			pending := shuffled
			for round := 0; len(pending) > 0; round++ {
				if round > len(evs)+1 {
					t.Fatalf("ingestion did not converge: %d events left", len(pending))
				}
				var next []Event
				for len(pending) > 0 {
					k := 1 + r.IntN(len(pending))
					res, err := eng.Ingest(ctx, pending[:k])
					if err != nil {
						t.Fatal(err)
					}
					for _, rj := range res.Rejected {
						next = append(next, pending[rj.Index])
					}
					pending = pending[k:]
				}
				pending = next
			}
			st, _ := eng.State(ctx, evs[0].Person, simEnd)
			if g := stateJSON(t, st); g != wantJSON {
				t.Fatalf("ingestion order changed the state:\n got %s\nwant %s", g, wantJSON)
			}
		}
	}
}

// TestPropertyDueNeverRepeatsDone: on each month of each simulated life,
// performing every due action and asking again never proposes an action
// already done (same key).
func TestPropertyDueNeverRepeatsDone(t *testing.T) {
	logs, _ := simCohort(t, 13, 150)
	f, err := newFolder(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, evs := range logs {
		person := evs[0].Person
		for at := calendar.Of(2024, 1, 1); at < simEnd; at = at.AddMonths(3) {
			var log []Event
			for _, e := range evs {
				if e.Date <= at {
					log = append(log, e)
				}
			}
			sortEvents(log)
			first := f.due(f.fold(person, log, at, false), at, nil)
			done := map[string]bool{}
			n := 0
			for _, a := range first {
				var data Payload
				switch {
				case a.Kind == ActInvite:
					data = Invitation{}
				case a.Kind == ActReminder1:
					data = Reminder{N: 1}
				case a.Kind == ActReminder2:
					data = Reminder{N: 2}
				case a.Kind == ActReplacementKit:
					data = KitSent{Replacement: true}
				case a.Kind.Expectation():
					continue
				default:
					data = ActionDone{Action: a.Kind}
				}
				n++
				log = append(log, Event{ID: EventID("done-" + string(rune('a'+n))), Person: person, Programme: a.Programme, Date: at, Data: data})
				done[a.Key()] = true
			}
			sortEvents(log)
			for _, a := range f.due(f.fold(person, log, at, false), at, nil) {
				if done[a.Key()] {
					t.Fatalf("%s on %s: %s proposed again after being done", person, at, a)
				}
			}
		}
	}
}
