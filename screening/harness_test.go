package screening

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/radkit/radkit/screening/calendar"
)

// sc is a scenario: one person, an engine with a clock the scenario
// moves, and helpers that build the timeline and assert states and due
// actions.
type sc struct {
	t      *testing.T
	eng    *Engine
	person PersonID
	n      int
	now    Date
}

func d(s string) Date { return calendar.MustParse(s) }

// newSc starts a scenario for a person born on birth. The clock starts on
// 2060-01-01 so that no scenario date is in the future unless a test says
// so with setNow.
func newSc(t *testing.T, birth string, cfgs ...Config) *sc {
	t.Helper()
	s := &sc{t: t, person: "P1", now: d("2060-01-01")}
	var cfg Config
	if len(cfgs) > 0 {
		cfg = cfgs[0]
	}
	eng, err := New(Options{Config: cfg, Now: func() time.Time { return s.now.Time(time.UTC).Add(12 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	s.eng = eng
	if birth != "" {
		s.ev(NoProgramme, "2000-01-01", Birth{Birth: d(birth), Sex: SexFemale})
	}
	return s
}

func (s *sc) setNow(date string) { s.now = d(date) }

func (s *sc) mk(p Programme, date string, data Payload) Event {
	s.n++
	return Event{ID: EventID(fmt.Sprintf("e%03d", s.n)), Person: s.person, Programme: p, Date: d(date), Data: data}
}

// ev ingests an event that must be accepted and returns its ID.
func (s *sc) ev(p Programme, date string, data Payload) EventID {
	s.t.Helper()
	e := s.mk(p, date, data)
	res, err := s.eng.Ingest(context.Background(), []Event{e})
	if err != nil {
		s.t.Fatal(err)
	}
	if len(res.Rejected) > 0 {
		s.t.Fatalf("event %s %s %T rejected: %v", date, p, data, res.Rejected[0].Err)
	}
	return e.ID
}

// reject ingests an event that must be rejected, checks nothing changed,
// and returns the *EventError.
func (s *sc) reject(p Programme, date string, data Payload, want error) *EventError {
	s.t.Helper()
	before, _ := s.eng.Store().Events(context.Background(), s.person)
	e := s.mk(p, date, data)
	res, err := s.eng.Ingest(context.Background(), []Event{e})
	if err != nil {
		s.t.Fatal(err)
	}
	if len(res.Rejected) != 1 {
		s.t.Fatalf("event %s %s %T accepted, want rejection (%v)", date, p, data, want)
	}
	after, _ := s.eng.Store().Events(context.Background(), s.person)
	if len(after) != len(before) {
		s.t.Fatalf("a rejected event changed the store")
	}
	var ee *EventError
	if !errors.As(res.Rejected[0].Err, &ee) {
		s.t.Fatalf("rejection is %T, want *EventError", res.Rejected[0].Err)
	}
	if want != nil && !errors.Is(ee, want) {
		s.t.Fatalf("rejected with %v, want %v", ee, want)
	}
	return ee
}

func (s *sc) st(p Programme, at string) *ProgrammeState {
	s.t.Helper()
	st, err := s.eng.State(context.Background(), s.person, d(at))
	if err != nil {
		s.t.Fatal(err)
	}
	return st.Programme(p)
}

// state asserts the programme's state on at.
func (s *sc) state(p Programme, at string, want State) *ProgrammeState {
	s.t.Helper()
	ps := s.st(p, at)
	if ps.State != want {
		x, _ := s.eng.Explain(context.Background(), s.person, d(at))
		s.t.Fatalf("%s on %s: state %q, want %q\n%s", p, at, ps.State, want, x)
	}
	return ps
}

// nextDue asserts the next invitation date and its rule.
func (s *sc) nextDue(p Programme, at, want string, rule RuleID) {
	s.t.Helper()
	ps := s.st(p, at)
	if ps.NextDue.String() != want || (rule != "" && ps.NextDueRule != rule) {
		s.t.Fatalf("%s on %s: next due %s [%s], want %s [%s]", p, at, ps.NextDue, ps.NextDueRule, want, rule)
	}
}

func (s *sc) dueOn(p Programme, at string) []Action {
	s.t.Helper()
	as, err := s.eng.DueFor(context.Background(), s.person, d(at))
	if err != nil {
		s.t.Fatal(err)
	}
	var out []Action
	for _, a := range as {
		if a.Programme == p {
			out = append(out, a)
		}
	}
	return out
}

func kinds(as []Action) []string {
	var out []string
	for _, a := range as {
		out = append(out, string(a.Kind))
	}
	slices.Sort(out)
	return out
}

// due asserts the exact set of action kinds due on at for p.
func (s *sc) due(p Programme, at string, want ...ActionKind) {
	s.t.Helper()
	got := kinds(s.dueOn(p, at))
	var w []string
	for _, k := range want {
		w = append(w, string(k))
	}
	slices.Sort(w)
	if strings.Join(got, ",") != strings.Join(w, ",") {
		x, _ := s.eng.Explain(context.Background(), s.person, d(at))
		s.t.Fatalf("%s due on %s: %v, want %v\n%s", p, at, got, w, x)
	}
}

// has asserts that k is due on at with rule, and returns it.
func (s *sc) has(p Programme, at string, k ActionKind, rule RuleID) Action {
	s.t.Helper()
	for _, a := range s.dueOn(p, at) {
		if a.Kind == k {
			if rule != "" && a.Rule != rule {
				s.t.Fatalf("%s %s on %s: rule %s, want %s", p, k, at, a.Rule, rule)
			}
			return a
		}
	}
	x, _ := s.eng.Explain(context.Background(), s.person, d(at))
	s.t.Fatalf("%s %s not due on %s\n%s", p, k, at, x)
	return Action{}
}

// hasNot asserts that k is not due on at.
func (s *sc) hasNot(p Programme, at string, k ActionKind) {
	s.t.Helper()
	for _, a := range s.dueOn(p, at) {
		if a.Kind == k {
			s.t.Fatalf("%s %s due on %s, want not due (%v)", p, k, at, a)
		}
	}
}

// deadline asserts an action's From and Deadline.
func (s *sc) window(a Action, from, deadline string) {
	s.t.Helper()
	if a.From.String() != from || a.Deadline.String() != deadline {
		s.t.Fatalf("%s: window %s..%s, want %s..%s", a.Kind, a.From, a.Deadline, from, deadline)
	}
}

// done records that action k was performed on date.
func (s *sc) done(p Programme, date string, k ActionKind) {
	s.t.Helper()
	s.ev(p, date, ActionDone{Action: k})
}

// note asserts that a note with rule exists on at.
func (s *sc) note(p Programme, at string, rule RuleID) {
	s.t.Helper()
	for _, n := range s.st(p, at).Notes {
		if n.Rule == rule {
			return
		}
	}
	s.t.Fatalf("%s on %s: no note for %s: %v", p, at, rule, s.st(p, at).Notes)
}

func (s *sc) noNote(p Programme, at string, rule RuleID) {
	s.t.Helper()
	for _, n := range s.st(p, at).Notes {
		if n.Rule == rule {
			s.t.Fatalf("%s on %s: unexpected note %v", p, at, n)
		}
	}
}

// Shorthands for breast readings.
func l1(of EventID, c Category) Reading { return Reading{Of: of, Reader: ReaderL1, Category: c} }
func l2(of EventID, c Category) Reading { return Reading{Of: of, Reader: ReaderL2, Category: c} }

func fit(o FITOutcome, value float64) FITResult {
	r := FITResult{Outcome: o}
	if o != FITNonAnalysable {
		r.Value, r.Threshold = value, 30
	}
	return r
}

func cyto(r CervicalResult) CervicalTest { return CervicalTest{Test: TestCytology, Result: r} }
func hpv(r CervicalResult) CervicalTest  { return CervicalTest{Test: TestHPV, Result: r} }

// scenario is a rule's scenario test: Rule names the rule it proves,
// Seed the line of the arrêté, Run the timeline.
type scenario struct {
	Rule RuleID
	Seed string
	Name string
	Run  func(s *sc)
	// Birth of the person ("" for none); Config overrides.
	Birth  string
	Config *Config
}
