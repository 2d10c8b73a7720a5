package screening

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/radkit/radkit/screening/calendar"
)

// SimOptions configure [Simulate]. The zero value simulates 1,000 people
// from 2024-01-01 to 2030-01-01 with the behaviour documented on each
// field; the same options always give the same events.
type SimOptions struct {
	// Seed selects the cohort.
	Seed uint64
	// People is the cohort size (0: 1,000). Ages at From are uniform in
	// 20 to 75; half are women (breast and cervical programmes).
	People int
	// From and To bound the simulated time (zero: 2024-01-01 and
	// 2030-01-01).
	From, To Date
	// Config is the engine configuration the simulated centre follows.
	Config Config
	// Participation is the probability that an invited person takes the
	// test in a given month of the round (0: 0.12, which gives about half
	// of a round's invitees screened after the reminders, the order of
	// the French participation rates).
	Participation float64
	// FollowUp is the probability, per month, that the result of a
	// diagnostic exam after a positive screen reaches the centre (0:
	// 0.25); 10 % of the positives never explore it.
	FollowUp float64
	// Department is the département code given to everyone ("" : "67").
	Department string
}

// SimTruth is what the simulator did, counted as it generated the events,
// independently of the engine's reading of them: the ground truth the
// indicators are checked against.
type SimTruth struct {
	People      int
	Events      int
	Invitations [3]int // by programme index
	Tests       [3]int // screening tests (mammograms, FITs, cervical tests)
	Screened    [3]int // people with at least one screening test
	Positives   [3]int // positive screens (breast: L1 3-5 or L2 positive; FIT positive; cervical abnormal)
	Cancers     [3]int // cancers diagnosed after a positive screen
}

func (o *SimOptions) fill() {
	if o.People == 0 {
		o.People = 1000
	}
	if o.From == 0 {
		o.From = calendar.Of(2024, 1, 1)
	}
	if o.To == 0 {
		o.To = calendar.Of(2030, 1, 1)
	}
	if o.Participation == 0 {
		o.Participation = 0.12
	}
	if o.FollowUp == 0 {
		o.FollowUp = 0.25
	}
	if o.Department == "" {
		o.Department = "67"
	}
}

// Simulate generates a synthetic cohort month by month: the insurance
// body and the centre perform every due action on time, people take their
// tests and professionals report exams with the probabilities of opts. It
// calls fn with each person's events (valid for [Engine.Ingest], in
// canonical order) and returns the ground truth. People are independent:
// person i's events depend only on Seed and i.
func Simulate(ctx context.Context, opts SimOptions, fn func(person PersonID, events []Event) error) (SimTruth, error) {
	opts.fill()
	f, err := newFolder(opts.Config)
	if err != nil {
		return SimTruth{}, err
	}
	var truth SimTruth
	truth.People = opts.People
	for i := 0; i < opts.People; i++ {
		if err := ctx.Err(); err != nil {
			return truth, err
		}
		evs := simPerson(f, &opts, i, &truth)
		truth.Events += len(evs)
		if err := fn(PersonID(fmt.Sprintf("S%08d", i)), evs); err != nil {
			return truth, err
		}
	}
	return truth, nil
}

type simPersonState struct {
	f      *folder
	o      *SimOptions
	r      *rand.Rand
	id     PersonID
	evs    []Event
	n      int
	female bool
	truth  *SimTruth
	tested [3]bool
}

func (s *simPersonState) add(p Programme, date Date, data Payload) EventID {
	s.n++
	id := EventID(fmt.Sprintf("%s-%d", s.id, s.n))
	s.evs = append(s.evs, Event{ID: id, Person: s.id, Programme: p, Date: date, Data: data})
	return id
}

func simPerson(f *folder, o *SimOptions, i int, truth *SimTruth) []Event {
	r := rand.New(rand.NewPCG(o.Seed, uint64(i)*0x9E3779B97F4A7C15+1))
	s := &simPersonState{f: f, o: o, r: r, id: PersonID(fmt.Sprintf("S%08d", i)), truth: truth}
	s.female = r.IntN(2) == 0
	ageDays := 20*365 + r.IntN(55*365)
	birth := o.From.AddDays(-ageDays)
	sex := SexMale
	if s.female {
		sex = SexFemale
	}
	s.add(NoProgramme, o.From, Birth{Birth: birth, Sex: sex})
	s.add(NoProgramme, o.From, Move{Department: o.Department})
	if s.female && r.Float64() < 0.01 {
		s.add(Cervical, o.From, CervixAbsent{})
	}
	if r.Float64() < 0.02 {
		s.add(Colorectal, o.From, HighRisk{Criterion: RiskFamilyCRC})
	}
	for t := o.From; t < o.To; t = t.AddMonths(1) {
		sortEvents(s.evs)
		st := f.fold(s.id, s.evs, t, false)
		// Professionals report first; a programme whose exam was
		// reported waits for next month for the centre's actions, which
		// then see the new state.
		var touched [3]bool
		due := f.due(st, t, nil)
		for _, a := range due {
			if a.Kind.Expectation() {
				n := len(s.evs)
				s.act(st, a, t)
				touched[a.Programme.index()] = touched[a.Programme.index()] || len(s.evs) > n
			}
		}
		for _, a := range due {
			if !a.Kind.Expectation() && !touched[a.Programme.index()] {
				n := len(s.evs)
				s.act(st, a, t)
				touched[a.Programme.index()] = touched[a.Programme.index()] || len(s.evs) > n
			}
		}
		// One step per programme and month: what the person does
		// depends on the state after what the centre did.
		for _, p := range programmes {
			if (p == Breast || p == Cervical) && !s.female || touched[p.index()] {
				continue
			}
			s.behave(st, p, t)
		}
	}
	sortEvents(s.evs)
	return s.evs
}

// act performs a due action on date t.
func (s *simPersonState) act(st *PersonState, a Action, t Date) {
	p := a.Programme
	switch a.Kind {
	case ActInvite:
		if (p == Breast || p == Cervical) && !s.female {
			return
		}
		s.add(p, t, Invitation{Channel: ChannelPost})
		s.truth.Invitations[p.index()]++
	case ActReminder1:
		s.add(p, t, Reminder{N: 1})
	case ActReminder2:
		s.add(p, t, Reminder{N: 2, Kit: a.Kit})
	case ActReplacementKit:
		s.add(p, t, KitSent{Replacement: true})
	default:
		if a.Kind.Expectation() {
			s.expect(st, a, t)
			return
		}
		s.add(p, t, ActionDone{Action: a.Kind})
	}
}

// expect lets a professional report an expected exam.
func (s *simPersonState) expect(st *PersonState, a Action, t Date) {
	ps := st.Programme(a.Programme)
	r := s.r
	switch a.Kind {
	case ExpSecondReading:
		m := ps.e.examID
		switch x := r.Float64(); {
		case x < 0.01:
			s.add(Breast, t, l2Reading(m, ACR0, ""))
			s.truth.Positives[0]++
		case x < 0.015:
			s.add(Breast, t, l2Reading(m, ACR1, CTIRetake))
		default:
			s.add(Breast, t, l2Reading(m, ACR1, ""))
		}
	case ExpImmediateWorkup:
		s.add(Breast, t, Reading{Of: ps.e.examID, Reader: ReaderL1, Category: ACR1, WorkupDone: true})
	case ExpDeferredWorkup:
		if r.Float64() < s.o.FollowUp {
			c := ACR1
			if r.Float64() < 0.3 {
				c = ACR4
			}
			s.add(Breast, t, Reading{Of: ps.e.examID, Reader: ReaderDeferred, Category: c})
		}
	case ExpRetake:
		if r.Float64() < 0.8 {
			m := s.add(Breast, t, Mammogram{Retake: true})
			s.add(Breast, t, Reading{Of: m, Reader: ReaderL1, Category: ACR1})
		}
	case ExpCheck1, ExpCheck2:
		if r.Float64() < 0.8 {
			s.add(Breast, t, Reading{Of: ps.e.examID, Reader: ReaderSurveillance, Category: ACR3})
		}
	case ExpColonoscopy:
		if ps.e.positiveSent != NoDate && r.Float64() < s.o.FollowUp && s.explores(ps) {
			switch x := r.Float64(); {
			case x < 0.08:
				c := s.add(Colorectal, t, Colonoscopy{Finding: FindingCancerInvasive})
				s.add(Colorectal, t, Histology{Of: c, Finding: FindingCancerInvasive})
				s.truth.Cancers[1]++
			case x < 0.4:
				s.add(Colorectal, t, Colonoscopy{Finding: FindingAdenoma})
			default:
				s.add(Colorectal, t, Colonoscopy{Finding: FindingNormal})
			}
		}
	case ExpReflexCytology:
		res := ResultNILM
		if r.Float64() < 0.4 {
			res = ResultLSIL
			if r.Float64() < 0.3 {
				res = ResultHSIL
			}
		}
		s.add(Cervical, t, ReflexCytology{Of: ps.e.examID, Result: res})
	case ExpHPVRetest:
		if r.Float64() < 0.7 && s.inAge(st, Cervical, t) {
			s.cervicalTest(st, t, TestHPV)
		}
	case ExpResample:
		if r.Float64() < 0.5 && s.inAge(st, Cervical, t) {
			s.cervicalTest(st, t, TestCytology)
		}
	}
}

// explores reports whether this positive will ever be explored (90 %),
// decided once per episode from the episode's date.
func (s *simPersonState) explores(ps *ProgrammeState) bool {
	h := uint64(ps.Episode)*0x9E3779B97F4A7C15 ^ s.o.Seed
	return h%10 != 0
}

func l2Reading(m EventID, c Category, cti CTI) Reading {
	return Reading{Of: m, Reader: ReaderL2, Category: c, CTI: cti}
}

func (s *simPersonState) inAge(st *PersonState, p Programme, t Date) bool {
	c := s.f.cycle(p)
	a := st.Age(t)
	return a >= c.MinAge && a <= c.MaxAge
}

// behave lets the person take a test during a round, and the follow-up
// of breast and cervical positives report.
func (s *simPersonState) behave(st *PersonState, p Programme, t Date) {
	ps := st.Programme(p)
	r := s.r
	if inStates(ps.State, inRound) && ps.Invited != NoDate && s.inAge(st, p, t) && r.Float64() < s.o.Participation {
		if p == Breast && ps.e.exam != NoDate && ps.e.exam >= ps.Invited {
			return
		}
		s.screen(st, p, t)
		return
	}
	if ps.State != StateFollowUp || r.Float64() >= s.o.FollowUp || !s.explores(ps) {
		return
	}
	switch p {
	case Breast:
		f := FindingBenign
		if r.Float64() < 0.4 {
			f = FindingCancerInvasive
			s.truth.Cancers[0]++
		}
		s.add(Breast, t, Histology{Of: ps.e.examID, Finding: f, SizeMM: float64(5 + r.IntN(25))})
	case Cervical:
		if r.Float64() < 0.7 {
			s.add(Cervical, t, Colposcopy{Finding: FindingNormal})
		} else {
			c := s.add(Cervical, t, Colposcopy{Finding: FindingHighGrade})
			s.add(Cervical, t, Histology{Of: c, Finding: FindingHighGrade})
			s.add(Cervical, t, Treatment{Treatment: TreatmentConservative})
		}
	}
}

func (s *simPersonState) countTest(p Programme) {
	s.truth.Tests[p.index()]++
	if !s.tested[p.index()] {
		s.tested[p.index()] = true
		s.truth.Screened[p.index()]++
	}
}

func (s *simPersonState) screen(st *PersonState, p Programme, t Date) {
	r := s.r
	switch p {
	case Breast:
		m := s.add(Breast, t, Mammogram{})
		s.countTest(p)
		switch x := r.Float64(); {
		case x < 0.04:
			s.add(Breast, t, Reading{Of: m, Reader: ReaderL1, Category: ACR0})
		case x < 0.055:
			s.add(Breast, t, Reading{Of: m, Reader: ReaderL1, Category: ACR3, WorkupDone: true})
			s.truth.Positives[0]++
		case x < 0.07:
			s.add(Breast, t, Reading{Of: m, Reader: ReaderL1, Category: ACR4, WorkupDone: true})
			s.truth.Positives[0]++
		default:
			s.add(Breast, t, Reading{Of: m, Reader: ReaderL1, Category: ACR1})
		}
	case Colorectal:
		s.countTest(p)
		switch x := r.Float64(); {
		case x < 0.04:
			s.add(Colorectal, t, FITResult{Outcome: FITPositive, Value: 30 + float64(r.IntN(500)), Threshold: 30})
			s.truth.Positives[1]++
		case x < 0.06:
			s.add(Colorectal, t, FITResult{Outcome: FITNonAnalysable})
		default:
			s.add(Colorectal, t, FITResult{Outcome: FITNegative, Value: float64(r.IntN(30)), Threshold: 30})
		}
	case Cervical:
		kind := TestHPV
		if st.Age(t) < s.f.cfg.Cervical.HPVFromAge {
			kind = TestCytology
		}
		s.cervicalTest(st, t, kind)
	}
}

func (s *simPersonState) cervicalTest(st *PersonState, t Date, kind CervicalTestKind) {
	r := s.r
	s.countTest(Cervical)
	x := r.Float64()
	switch {
	case x < 0.01:
		s.add(Cervical, t, CervicalTest{Test: kind, Result: ResultUnsatisfactory})
	case kind == TestHPV && x < 0.11:
		s.add(Cervical, t, CervicalTest{Test: kind, Result: ResultHPVPositive})
		s.truth.Positives[2]++
	case kind == TestHPV:
		s.add(Cervical, t, CervicalTest{Test: kind, Result: ResultHPVNegative})
	case x < 0.06:
		s.add(Cervical, t, CervicalTest{Test: kind, Result: ResultLSIL})
		s.truth.Positives[2]++
	default:
		s.add(Cervical, t, CervicalTest{Test: kind, Result: ResultNILM})
	}
}
