package screening

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/radkit/radkit/screening/calendar"
)

// SimOptions configure [Simulate]. The zero value simulates 1,000 people
// from 2024-01-01 to 2030-01-01 with the behaviour documented on each
// field; the same options always give the same events.
//
// A national breast cohort is about 10 million people aged 50 to 74:
//
//	SimOptions{People: 10_000_000, MinAge: 50, MaxAge: 74, FemaleShare: 1,
//		Programmes: []Programme{Breast}, Departments: FranceDepartments()}
type SimOptions struct {
	// Seed selects the cohort.
	Seed uint64
	// People is the cohort size (0: 1,000). Ages at From are uniform in
	// MinAge to MaxAge; a share FemaleShare are women (breast and cervical
	// programmes).
	People int
	// MinAge and MaxAge bound the ages at From, inclusive (both 0: 20 to
	// 74).
	MinAge, MaxAge int
	// FemaleShare is the proportion of women (0: 0.5).
	FemaleShare float64
	// Programmes lists the programmes to simulate (nil: all three).
	// People still get their birth and département; the other
	// programmes get no event, which keeps a breast-only national cohort
	// three times cheaper.
	Programmes []Programme
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
	// Positivity multiplies the simulated rates of positive screens
	// (0: 1; breast about 7 % positive at first reading, FIT 4 %,
	// cervical HPV-HR 10 %). Values above about 10 saturate.
	Positivity float64
	// FollowUp is the probability, per month, that the result of a
	// diagnostic exam after a positive screen reaches the centre (0:
	// 0.25); 10 % of the positives never explore it.
	FollowUp float64
	// Department is the département code given to everyone when
	// Departments is empty ("" : "67").
	Department string
	// Departments, when set, spreads people uniformly over these
	// département codes ([RegionDepartments], [FranceDepartments]).
	Departments []string
	// RemindersOpposition is the probability that an invited person
	// opposes the reminders of the invitation cycle ("peuvent refuser de
	// participer au programme et de recevoir des relances pour une durée
	// limitée au cycle d'invitation", Arrêté 2024, article 3, IV, L54;
	// GEN-OPPOSE-REMINDERS). The opposition is dated uniformly from the
	// day after the invitation to the day before the first reminder
	// falls due; the engine then suppresses the reminders until
	// Config.OppositionCycle after the invitation. A tenth of these
	// oppositions are withdrawn ([OppositionWithdrawn]) within 180 days,
	// after which the reminders still due go out. The texts give no
	// rate: 0 (the default) generates none, 0.05 is an illustrative
	// value.
	RemindersOpposition float64
	// ResultsOpposition is the probability, per person, programme and
	// invitation, that the person opposes the processing of her results
	// by the centre ("garantir le droit d'opposition au traitement des
	// résultats par les centres régionaux", Arrêté 2024, annexe II (2e
	// partie), II, L453; GEN-OPPOSE-RESULTS). The opposition is dated
	// uniformly in the year after the invitation and lasts to the end
	// of the simulation (no withdrawal is simulated). From then on the
	// person may still be screened, but the centre receives nothing of
	// that programme: the simulator generates no exam nor result (no
	// mammogram, FIT, cervical test, reading or diagnostic exam), the
	// centre does no follow-up (the engine no longer makes its actions
	// due), and the insurance body keeps inviting and reminding. The
	// texts give no rate: 0 (the default) generates none, 0.05 is an
	// illustrative value. Oppositions are drawn from a random stream of
	// their own, and only when a rate is set: with both rates 0 the
	// cohort is the one generated without them.
	ResultsOpposition float64
	// Workers is the number of goroutines generating people (0:
	// GOMAXPROCS). The events and the truth do not depend on it: person
	// i's events depend only on Seed and i, and fn sees people in order.
	Workers int
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
	// By holds the detailed counts by programme, calendar year and
	// département, with the definitions of [SimCounts].
	By map[SimKey]*SimCounts
}

// SimKey is a cell of [SimTruth.By]: a programme, the calendar year of
// the event a count is attributed to (see [SimCounts]), and the person's
// département.
type SimKey struct {
	Programme  Programme
	Year       int
	Department string
}

// SimCounts are the simulator's own counts, made from what it decided
// (not from the events). Each count is attributed to the year of an
// anchor event: an invitation for Invitations and InvitationsAnswered,
// the screening test otherwise (the mammogram a reading or a histology
// names; for lost-to-follow-up declarations and colorectal colonoscopies
// the latest screening test of the programme before them).
// Screening tests are the non-retake mammograms, the FIT results and the
// cervical tests (triage retests and resamples included).
type SimCounts struct {
	// Invitations sent; InvitationsAnswered: of those, invitations
	// followed by a screening test within 12 months and before the next
	// invitation.
	Invitations, InvitationsAnswered int
	// Screened: people with at least one screening test in the year;
	// Tests: screening tests.
	Screened, Tests int
	// Breast: mammograms positive at first reading before the immediate
	// workup (ACR 0, 3, 4, 5, or a workup done), and after it (final
	// first-reading ACR 3 to 5).
	L1PositiveBeforeWorkup, L1PositiveAfterWorkup int
	// Breast second readings (of any mammogram, retakes included): all,
	// positive (ACR 0, 3, 4, 5, i.e. L1/L2 discordant) and technically
	// inadequate (CTI).
	L2Readings, L2Positive, CTI int
	// MammogramToL2Days is the sum of the délais from the mammogram to
	// its second reading; MammogramToL2 their histogram (see
	// [DelayBucket]).
	MammogramToL2Days int
	MammogramToL2     [DelayBuckets]int
	// ResultLetters: negative-result letters, OnTime within
	// BreastConfig.ResultLetterWithin of the mammogram.
	ResultLetters, ResultLettersOnTime int
	// Colorectal: analysable FIT results, and positive screens (FIT
	// positive; cervical HPV-HR positive or abnormal cytology).
	Analysable, Positive int
	// Colorectal: colonoscopies after a positive FIT, and those finding a
	// cancer or an advanced adenoma.
	Colonoscopies, AdvancedNeoplasia int
	// Colorectal laboratory results with reading and sending instants,
	// and those sent within ColorectalConfig.LabToCentre heures ouvrées.
	LabResults, LabOnTime int
	// Cancers detected, by first or second reader (breast), in situ,
	// invasive, invasive of known size, invasive ≤ 10 mm.
	Cancers, CancersL1, CancersL2, InSitu, Invasive, InvasiveSized, InvasiveSmall int
	// Lost: perdu de vue declarations (breast, cervical) and colorectal
	// follow-up stops after 2 years without data.
	Lost int
	// Fidelity (breast and colorectal): people screened in the year
	// (first test of the year), not re-invited cases removed (a cancer
	// detected that year, past the upper age bound one Interval later);
	// Returned: of those, people with another screening test more than 12
	// months and at most Interval + 12 months after.
	FidelityBase, FidelityReturned int
}

// DelayBuckets is the number of buckets of the délai histograms: up to
// 7 days, 8 to 15 (the breast result délai), 16 to 30, 31 to 60, and more.
const DelayBuckets = 5

// DelayBucketBounds returns the upper bounds, in days, of the first
// DelayBuckets-1 buckets.
func DelayBucketBounds() []int { return []int{7, 15, 30, 60} }

// DelayBucket returns the histogram bucket of a délai in days.
func DelayBucket(days int) int {
	switch {
	case days <= 7:
		return 0
	case days <= 15:
		return 1
	case days <= 30:
		return 2
	case days <= 60:
		return 3
	}
	return 4
}

// FidelityWindow returns the window of the fidelity indicators: a
// screening test counts as a return if it falls in (d+Years(1),
// d+interval+Years(1)] after a test on d.
func FidelityWindow(d Date, interval Period) (after, until Date) {
	return d.Add(calendar.Years(1)), d.Add(interval).Add(calendar.Years(1))
}

// Add adds o to c.
func (c *SimCounts) Add(o *SimCounts) {
	c.Invitations += o.Invitations
	c.InvitationsAnswered += o.InvitationsAnswered
	c.Screened += o.Screened
	c.Tests += o.Tests
	c.L1PositiveBeforeWorkup += o.L1PositiveBeforeWorkup
	c.L1PositiveAfterWorkup += o.L1PositiveAfterWorkup
	c.L2Readings += o.L2Readings
	c.L2Positive += o.L2Positive
	c.CTI += o.CTI
	c.MammogramToL2Days += o.MammogramToL2Days
	for i := range c.MammogramToL2 {
		c.MammogramToL2[i] += o.MammogramToL2[i]
	}
	c.ResultLetters += o.ResultLetters
	c.ResultLettersOnTime += o.ResultLettersOnTime
	c.Analysable += o.Analysable
	c.Positive += o.Positive
	c.Colonoscopies += o.Colonoscopies
	c.AdvancedNeoplasia += o.AdvancedNeoplasia
	c.LabResults += o.LabResults
	c.LabOnTime += o.LabOnTime
	c.Cancers += o.Cancers
	c.CancersL1 += o.CancersL1
	c.CancersL2 += o.CancersL2
	c.InSitu += o.InSitu
	c.Invasive += o.Invasive
	c.InvasiveSized += o.InvasiveSized
	c.InvasiveSmall += o.InvasiveSmall
	c.Lost += o.Lost
	c.FidelityBase += o.FidelityBase
	c.FidelityReturned += o.FidelityReturned
}

// FranceDepartments returns the 101 INSEE département codes (96
// metropolitan, Corsica as 2A and 2B, and the 5 overseas ones).
func FranceDepartments() []string {
	var out []string
	for i := 1; i <= 95; i++ {
		switch i {
		case 20:
			out = append(out, "2A", "2B")
		default:
			out = append(out, fmt.Sprintf("%02d", i))
		}
	}
	return append(out, "971", "972", "973", "974", "976")
}

// regions maps the INSEE codes of the 18 regions (2016) to their
// départements.
var regions = map[string][]string{
	"84": {"01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"},       // Auvergne-Rhône-Alpes
	"27": {"21", "25", "39", "58", "70", "71", "89", "90"},                               // Bourgogne-Franche-Comté
	"53": {"22", "29", "35", "56"},                                                       // Bretagne
	"24": {"18", "28", "36", "37", "41", "45"},                                           // Centre-Val de Loire
	"94": {"2A", "2B"},                                                                   // Corse
	"44": {"08", "10", "51", "52", "54", "55", "57", "67", "68", "88"},                   // Grand Est
	"32": {"02", "59", "60", "62", "80"},                                                 // Hauts-de-France
	"11": {"75", "77", "78", "91", "92", "93", "94", "95"},                               // Île-de-France
	"28": {"14", "27", "50", "61", "76"},                                                 // Normandie
	"75": {"16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"},       // Nouvelle-Aquitaine
	"76": {"09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"}, // Occitanie
	"52": {"44", "49", "53", "72", "85"},                                                 // Pays de la Loire
	"93": {"04", "05", "06", "13", "83", "84"},                                           // Provence-Alpes-Côte d'Azur
	"01": {"971"}, "02": {"972"}, "03": {"973"}, "04": {"974"}, "06": {"976"},
}

// RegionDepartments returns the départements of a region given by its
// INSEE code ("44": Grand Est), or nil for an unknown code: the cohort of
// one CRCDC (one per region).
func RegionDepartments(region string) []string {
	return append([]string(nil), regions[region]...)
}

func (o *SimOptions) fill() {
	if o.People == 0 {
		o.People = 1000
	}
	if o.MinAge == 0 && o.MaxAge == 0 {
		o.MinAge, o.MaxAge = 20, 74
	}
	if o.FemaleShare == 0 {
		o.FemaleShare = 0.5
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
	if o.Positivity == 0 {
		o.Positivity = 1
	}
	if o.FollowUp == 0 {
		o.FollowUp = 0.25
	}
	if o.Department == "" {
		o.Department = "67"
	}
}

// opposes reports whether the options ask for oppositions.
func (o *SimOptions) opposes() bool { return o.RemindersOpposition > 0 || o.ResultsOpposition > 0 }

// simPersonID is the ID of the i-th simulated person.
func simPersonID(i int) PersonID {
	b := make([]byte, 0, 12)
	b = append(b, 'S')
	s := strconv.Itoa(i)
	for n := len(s); n < 8; n++ {
		b = append(b, '0')
	}
	return PersonID(append(b, s...))
}

// Simulate generates a synthetic cohort month by month: the insurance
// body performs every due invitation and reminder on the step it falls
// due, the centre its letters and declarations within a week of their
// due date, professionals report the exams the centre expects within
// three weeks, and people take their tests with the probabilities of
// opts. It calls fn with each person's events (valid for
// [Engine.Ingest], in canonical order), person after person in order
// from one goroutine, and returns the ground truth. People are
// independent: person i's events depend only on Seed and i, so a cohort
// of any size streams in constant memory.
func Simulate(ctx context.Context, opts SimOptions, fn func(person PersonID, events []Event) error) (SimTruth, error) {
	opts.fill()
	f, err := newFolder(opts.Config)
	if err != nil {
		return SimTruth{}, err
	}
	if opts.MinAge < 0 || opts.MaxAge < opts.MinAge || opts.People < 0 || opts.To <= opts.From {
		return SimTruth{}, fmt.Errorf("screening: bad simulation options (ages %d-%d, %d people, %s to %s)", opts.MinAge, opts.MaxAge, opts.People, opts.From, opts.To)
	}
	if !(opts.RemindersOpposition >= 0 && opts.RemindersOpposition <= 1 && opts.ResultsOpposition >= 0 && opts.ResultsOpposition <= 1) {
		return SimTruth{}, fmt.Errorf("screening: bad simulation options (opposition rates %v and %v, want 0 to 1)", opts.RemindersOpposition, opts.ResultsOpposition)
	}
	truth := SimTruth{People: opts.People, By: map[SimKey]*SimCounts{}}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const chunk = 64
	nChunks := (opts.People + chunk - 1) / chunk
	type result struct {
		people []*simPersonState
	}
	ctx, cancel := context.WithCancel(ctx)
	// Chunks are generated by the workers and delivered in order; at
	// most 2×workers chunks are in flight, which bounds memory.
	results := make([]chan result, 2*workers)
	for i := range results {
		results[i] = make(chan result, 1)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2*workers)
	go func() {
		defer close(next)
		for c := 0; c < nChunks; c++ {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case next <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				lo, hi := c*chunk, min((c+1)*chunk, opts.People)
				res := result{people: make([]*simPersonState, 0, hi-lo)}
				for i := lo; i < hi; i++ {
					if ctx.Err() != nil {
						break
					}
					res.people = append(res.people, simPerson(f, &opts, i))
				}
				results[c%len(results)] <- res
			}
		}()
	}
	defer func() {
		cancel()
		wg.Wait()
	}()
	for c := 0; c < nChunks; c++ {
		var res result
		select {
		case res = <-results[c%len(results)]:
		case <-ctx.Done():
			return truth, ctx.Err()
		}
		<-sem
		for _, s := range res.people {
			if err := ctx.Err(); err != nil {
				return truth, err
			}
			s.mergeInto(&truth)
			if err := fn(s.id, s.evs); err != nil {
				return truth, err
			}
		}
		if len(res.people) < min(chunk, opts.People-c*chunk) {
			return truth, ctx.Err()
		}
	}
	return truth, nil
}

type simKeyCounts struct {
	k SimKey
	c SimCounts
}

type simPersonState struct {
	f      *folder
	o      *SimOptions
	r      *rand.Rand
	id     PersonID
	dept   string
	birth  Date
	evs    []Event
	n      int
	last   Date // latest event date
	female bool
	simul  [3]bool

	// What the simulator decided, for the truth.
	counts   []simKeyCounts
	tested   [3]bool
	invited  [3]Date // current invitation, NoDate once answered
	lastTest [3]Date // latest screening exam (any mammogram, FIT, cervical test)
	tests    [3][]Date
	cancer   [3][]int // years with a cancer detected
	mammo    map[EventID]*simMammo
	l2Of     EventID // mammogram of the latest negative second reading
	legacy   SimTruth

	// Oppositions: their random stream (nil when both rates are 0) and,
	// by programme, the date of an opposition decided but not yet
	// recorded (NoDate: none), to reminders, of its withdrawal, and to
	// results.
	ro       *rand.Rand
	opposeR  [3]Date
	withdraw [3]Date
	opposeS  [3]Date
}

// simMammo is what the simulator knows of a mammogram it generated.
type simMammo struct {
	date  Date
	l2pos bool
}

func (s *simPersonState) at(p Programme, d Date) *SimCounts {
	k := SimKey{p, d.Year(), s.dept}
	for i := range s.counts {
		if s.counts[i].k == k {
			return &s.counts[i].c
		}
	}
	s.counts = append(s.counts, simKeyCounts{k: k})
	return &s.counts[len(s.counts)-1].c
}

func (s *simPersonState) mergeInto(t *SimTruth) {
	t.Events += len(s.evs)
	for i := range 3 {
		t.Invitations[i] += s.legacy.Invitations[i]
		t.Tests[i] += s.legacy.Tests[i]
		t.Screened[i] += s.legacy.Screened[i]
		t.Positives[i] += s.legacy.Positives[i]
		t.Cancers[i] += s.legacy.Cancers[i]
	}
	for i := range s.counts {
		kc := &s.counts[i]
		c := t.By[kc.k]
		if c == nil {
			c = &SimCounts{}
			t.By[kc.k] = c
		}
		c.Add(&kc.c)
	}
}

func (s *simPersonState) add(p Programme, date Date, data Payload) EventID {
	s.n++
	id := EventID(string(s.id) + "-" + strconv.Itoa(s.n))
	s.evs = append(s.evs, Event{ID: id, Person: s.id, Programme: p, Date: date, Data: data})
	if date > s.last {
		s.last = date
	}
	return id
}

// when dates an action that became due on from and is performed within
// lag days, after the latest event (so that the log stays in the order
// the fold saw: same-day events are ordered by kind, not by cause) and no
// later than the current step t.
func (s *simPersonState) when(from Date, lag int, t Date) Date {
	d := from
	if lag > 0 {
		d = d.AddDays(s.r.IntN(lag + 1))
	}
	d = max(d, s.last.AddDays(1))
	return min(d, t)
}

func simPerson(f *folder, o *SimOptions, i int) *simPersonState {
	r := rand.New(rand.NewPCG(o.Seed, uint64(i)*0x9E3779B97F4A7C15+1))
	s := &simPersonState{f: f, o: o, r: r, id: simPersonID(i), last: o.From}
	for k := range s.invited {
		s.invited[k], s.lastTest[k] = NoDate, NoDate
		s.opposeR[k], s.withdraw[k], s.opposeS[k] = NoDate, NoDate, NoDate
	}
	if o.opposes() {
		// A stream of its own, so that the other draws of the person are
		// those of a cohort without oppositions up to the first one.
		s.ro = rand.New(rand.NewPCG(o.Seed^0x6F70706F736974, uint64(i)*0x9E3779B97F4A7C15+2))
	}
	if o.Programmes == nil {
		s.simul = [3]bool{true, true, true}
	}
	for _, p := range o.Programmes {
		if p.Valid() {
			s.simul[p.index()] = true
		}
	}
	s.female = r.Float64() < o.FemaleShare
	// Birth dates uniform between the oldest (MaxAge, a day before the
	// next birthday) and the youngest (MinAge today).
	oldest, youngest := o.From.AddYears(-(o.MaxAge + 1)).AddDays(1), o.From.AddYears(-o.MinAge)
	s.birth = oldest.AddDays(r.IntN(youngest.Sub(oldest) + 1))
	sex := SexMale
	if s.female {
		sex = SexFemale
	}
	s.dept = o.Department
	if len(o.Departments) > 0 {
		s.dept = o.Departments[r.IntN(len(o.Departments))]
	}
	s.add(NoProgramme, o.From, Birth{Birth: s.birth, Sex: sex})
	s.add(NoProgramme, o.From, Move{Department: s.dept})
	if s.female && r.Float64() < 0.01 && s.simul[Cervical.index()] {
		s.add(Cervical, o.From, CervixAbsent{})
	}
	if r.Float64() < 0.02 && s.simul[Colorectal.index()] {
		s.add(Colorectal, o.From, HighRisk{Criterion: RiskFamilyCRC})
	}
	var due []Action
	for t := o.From; t < o.To; t = t.AddMonths(1) {
		s.oppose(t)
		sortEvents(s.evs)
		st := f.fold(s.id, s.evs, t, false)
		n0 := len(s.evs)
		// Professionals report first; a programme whose exam was
		// reported waits for next month for the centre's actions, which
		// then see the new state.
		var touched [3]bool
		due = f.due(st, t, due[:0])
		for _, a := range due {
			if a.Kind.Expectation() && s.simul[a.Programme.index()] {
				n := len(s.evs)
				s.act(st, a, t)
				touched[a.Programme.index()] = touched[a.Programme.index()] || len(s.evs) > n
			}
		}
		for _, a := range due {
			if !a.Kind.Expectation() && !touched[a.Programme.index()] && s.simul[a.Programme.index()] {
				n := len(s.evs)
				s.act(st, a, t)
				touched[a.Programme.index()] = touched[a.Programme.index()] || len(s.evs) > n
			}
		}
		// One step per programme and month: what the person does
		// depends on the state after what the centre did.
		for _, p := range programmes {
			if (p == Breast || p == Cervical) && !s.female || touched[p.index()] || !s.simul[p.index()] {
				continue
			}
			s.behave(st, p, t)
		}
		// Time alone changes no state: a person at rest with nothing due
		// sleeps until the month of the next invitation, which gives the
		// same events as stepping through the months (behave draws
		// nothing at rest) for a fraction of the folds.
		if len(s.evs) == n0 && s.idle(st, due) {
			next, ok := s.wake(st, t, due[:0])
			if !ok {
				break
			}
			for t.AddMonths(1) < next && t.AddMonths(1) < o.To {
				t = t.AddMonths(1)
			}
		}
	}
	sortEvents(s.evs)
	s.fidelity()
	return s
}

// decideOppositions draws, after the invitation of p on inv, whether the
// person will oppose the cycle's reminders (Arrêté 2024, L54) and the
// processing of her results (L453), and when (see
// SimOptions.RemindersOpposition and ResultsOpposition). Nothing is drawn
// when both rates are 0.
func (s *simPersonState) decideOppositions(st *PersonState, p Programme, inv Date) {
	if s.ro == nil {
		return
	}
	i := p.index()
	ro := s.ro
	if s.o.RemindersOpposition > 0 && s.opposeR[i] == NoDate && s.withdraw[i] == NoDate && ro.Float64() < s.o.RemindersOpposition {
		// Before the first reminder falls due: an opposition dated on or
		// after it would come after a reminder the insurance body sent
		// on the day it fell due.
		days := inv.Add(s.f.cycle(p).Reminder1After).Sub(inv)
		s.opposeR[i] = inv.AddDays(1 + ro.IntN(max(days-1, 1)))
		if ro.Float64() < 0.1 {
			s.withdraw[i] = s.opposeR[i].AddDays(1 + ro.IntN(180))
		}
	}
	if s.o.ResultsOpposition > 0 && !st.Programme(p).ResultsOpposed && s.opposeS[i] == NoDate && ro.Float64() < s.o.ResultsOpposition {
		s.opposeS[i] = inv.AddDays(1 + ro.IntN(365))
	}
}

// oppose records, at the start of step t, the oppositions (and
// withdrawals) decided for a date on or before t. Every event generated
// before is dated before the opposition (a step dates its events on or
// before its date, and the opposition is after the previous step's), and
// the fold of step t sees it: the engine makes no reminder due during an
// opposition to reminders (GEN-OPPOSE-REMINDERS, Arrêté 2024, L54) and no
// centre action after an opposition to results (GEN-OPPOSE-RESULTS,
// L453), and behave generates no exam once results are opposed.
func (s *simPersonState) oppose(t Date) {
	if s.ro == nil {
		return
	}
	for _, p := range programmes {
		i := p.index()
		if d := s.opposeR[i]; d != NoDate && d <= t {
			s.add(p, d, Opposition{Scope: OpposeReminders})
			s.opposeR[i] = NoDate
		}
		// After its opposition (dated before it, so recorded by now).
		if d := s.withdraw[i]; d != NoDate && d <= t {
			s.add(p, d, OppositionWithdrawn{Scope: OpposeReminders})
			s.withdraw[i] = NoDate
		}
		if d := s.opposeS[i]; d != NoDate && d <= t {
			s.add(p, d, Opposition{Scope: OpposeResults})
			s.opposeS[i] = NoDate
		}
	}
}

// idle reports whether nothing is due for the simulated programmes and
// each rests in a state that only an invitation leaves.
func (s *simPersonState) idle(st *PersonState, due []Action) bool {
	for _, a := range due {
		if s.simul[a.Programme.index()] {
			return false
		}
	}
	for i := range st.Programmes {
		if !s.simul[i] {
			continue
		}
		switch st.Programmes[i].State {
		case StateWaiting, StateIneligible, StateDeceased, StateExcluded, StateClosed, StateLost, StateRefused:
		default:
			return false
		}
	}
	return true
}

// wake returns the earliest date after t an invitation may fall due for
// a simulated programme, or false if nothing will be due before the end.
// As a guard against rules that fall due with time alone in a rest
// state, the actions due the day before are probed too.
func (s *simPersonState) wake(st *PersonState, t Date, buf []Action) (Date, bool) {
	if st.Died != NoDate {
		return NoDate, false
	}
	next := s.o.To
	for i := range st.Programmes {
		ps := &st.Programmes[i]
		if !s.simul[i] || ps.NextDue == NoDate || ps.State == StateIneligible || ps.State == StateDeceased {
			continue
		}
		next = min(next, max(ps.NextDue, s.birth.AddYears(s.f.cycle(ps.Programme).MinAge)))
	}
	for _, a := range s.f.due(st, next.AddDays(-1), buf) {
		if s.simul[a.Programme.index()] {
			next = min(next, a.From)
		}
	}
	return max(next, t.AddDays(1)), next < s.o.To
}

// fidelity counts the fidelity truth from the test dates the simulator
// generated.
func (s *simPersonState) fidelity() {
	for _, p := range []Programme{Breast, Colorectal} {
		tests := s.tests[p.index()]
		cyc := s.f.cycle(p)
		interval := s.f.cfg.Breast.Interval
		if p == Colorectal {
			interval = s.f.cfg.Colorectal.Interval
		}
		year := 0
		for i, d := range tests {
			if d.Year() == year {
				continue
			}
			year = d.Year()
			if contains(s.cancer[p.index()], year) || calendar.Age(s.birth, d.Add(interval)) > cyc.MaxAge {
				continue
			}
			c := s.at(p, d)
			c.FidelityBase++
			after, until := FidelityWindow(d, interval)
			for _, e := range tests[i+1:] {
				if e > after && e <= until {
					c.FidelityReturned++
					break
				}
			}
		}
	}
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
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
		s.legacy.Invitations[p.index()]++
		s.at(p, t).Invitations++
		s.invited[p.index()] = t
		s.decideOppositions(st, p, t)
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
		d := s.when(a.From, 7, t)
		s.add(p, d, ActionDone{Action: a.Kind})
		switch a.Kind {
		case ActDeclareLost, ActStopFollowUp:
			if lt := s.lastTest[p.index()]; lt != NoDate {
				s.at(p, lt).Lost++
			}
		case ActResultLetter:
			if m := s.mammo[s.l2Of]; m != nil {
				c := s.at(Breast, m.date)
				c.ResultLetters++
				if d <= m.date.Add(s.f.cfg.Breast.ResultLetterWithin) {
					c.ResultLettersOnTime++
				}
			}
		}
	}
}

// expect lets a professional report an expected exam, within three weeks
// of the date it became expected.
func (s *simPersonState) expect(st *PersonState, a Action, t Date) {
	ps := st.Programme(a.Programme)
	r := s.r
	d := s.when(a.From, 20, t)
	pos := s.o.Positivity
	switch a.Kind {
	case ExpSecondReading:
		m := ps.e.examID
		mm := s.mammo[m]
		var c *SimCounts
		if mm != nil {
			c = s.at(Breast, mm.date)
			c.L2Readings++
			days := d.Sub(mm.date)
			c.MammogramToL2Days += days
			c.MammogramToL2[DelayBucket(days)]++
		}
		switch x := r.Float64(); {
		case x < 0.01*pos:
			s.add(Breast, d, l2Reading(m, ACR0, ""))
			s.legacy.Positives[0]++
			if mm != nil {
				c.L2Positive++
				mm.l2pos = true
			}
		case x < 0.01*pos+0.005:
			s.add(Breast, d, l2Reading(m, ACR1, CTIRetake))
			if mm != nil {
				c.CTI++
			}
		default:
			s.add(Breast, d, l2Reading(m, ACR1, ""))
			s.l2Of = m
		}
	case ExpImmediateWorkup:
		s.add(Breast, d, Reading{Of: ps.e.examID, Reader: ReaderL1, Category: ACR1, WorkupDone: true})
	case ExpDeferredWorkup:
		if r.Float64() < s.o.FollowUp {
			c := ACR1
			if r.Float64() < 0.3 {
				c = ACR4
			}
			s.add(Breast, d, Reading{Of: ps.e.examID, Reader: ReaderDeferred, Category: c})
		}
	case ExpRetake:
		// A retake is a mammogram: the engine refuses one dated past the
		// upper age bound (BRE-AGE) like any other, and the readings
		// naming it with it. A CTI read in the weeks before the 75th
		// birthday gave such retakes: when dates the retake up to 20
		// days after the reading and after the latest event (often the
		// centre's reminder, CTINewsWait after the CTI), or months later
		// if the person put it off.
		if r.Float64() < 0.8 && s.inAge(st, Breast, d) {
			m := s.mammogram(d, Mammogram{Retake: true})
			s.add(Breast, d, Reading{Of: m, Reader: ReaderL1, Category: ACR1})
		}
	case ExpCheck1, ExpCheck2:
		if r.Float64() < 0.8 {
			s.add(Breast, d, Reading{Of: ps.e.examID, Reader: ReaderSurveillance, Category: ACR3})
		}
	case ExpColonoscopy:
		if ps.e.positiveSent != NoDate && r.Float64() < s.o.FollowUp && s.explores(ps) {
			var c *SimCounts
			if lt := s.lastTest[1]; lt != NoDate {
				c = s.at(Colorectal, lt)
			} else {
				c = &SimCounts{}
			}
			c.Colonoscopies++
			switch x := r.Float64(); {
			case x < 0.08:
				col := s.add(Colorectal, d, Colonoscopy{Finding: FindingCancerInvasive})
				s.add(Colorectal, d, Histology{Of: col, Finding: FindingCancerInvasive})
				s.legacy.Cancers[1]++
				c.Cancers++
				c.AdvancedNeoplasia++
				c.Invasive++
				s.cancer[1] = append(s.cancer[1], s.lastTest[1].Year())
			case x < 0.3:
				s.add(Colorectal, d, Colonoscopy{Finding: FindingAdvancedAdenoma})
				c.AdvancedNeoplasia++
			case x < 0.45:
				s.add(Colorectal, d, Colonoscopy{Finding: FindingAdenoma})
			default:
				s.add(Colorectal, d, Colonoscopy{Finding: FindingNormal})
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
		s.add(Cervical, d, ReflexCytology{Of: ps.e.examID, Result: res})
	case ExpHPVRetest:
		if r.Float64() < 0.7 && s.inAge(st, Cervical, d) {
			s.cervicalTest(st, d, TestHPV)
		}
	case ExpResample:
		if r.Float64() < 0.5 && s.inAge(st, Cervical, d) {
			s.cervicalTest(st, d, TestCytology)
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
	if ps.ResultsOpposed {
		// The person may be screened, but the centre receives none of
		// her exams nor results (GEN-OPPOSE-RESULTS, L453): nothing to
		// generate (see SimOptions.ResultsOpposition).
		return
	}
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
		size := 0.0
		if r.Float64() < 0.4 {
			f = FindingCancerInvasive
			if r.Float64() < 0.15 {
				f = FindingCancerInSitu
			} else if r.Float64() < 0.9 {
				size = float64(3 + r.IntN(35))
			}
			s.legacy.Cancers[0]++
			if mm := s.mammo[ps.e.examID]; mm != nil {
				c := s.at(Breast, mm.date)
				c.Cancers++
				if mm.l2pos {
					c.CancersL2++
				} else {
					c.CancersL1++
				}
				if f == FindingCancerInSitu {
					c.InSitu++
				} else {
					c.Invasive++
					if size > 0 {
						c.InvasiveSized++
						if size <= 10 {
							c.InvasiveSmall++
						}
					}
				}
				s.cancer[0] = append(s.cancer[0], mm.date.Year())
			}
		}
		s.add(Breast, t, Histology{Of: ps.e.examID, Finding: f, SizeMM: size})
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

// countTest records a screening test on t.
func (s *simPersonState) countTest(p Programme, t Date) *SimCounts {
	i := p.index()
	s.legacy.Tests[i]++
	if !s.tested[i] {
		s.tested[i] = true
		s.legacy.Screened[i]++
	}
	c := s.at(p, t)
	c.Tests++
	if ts := s.tests[i]; len(ts) == 0 || ts[len(ts)-1].Year() != t.Year() {
		c.Screened++
	}
	s.tests[i] = append(s.tests[i], t)
	if inv := s.invited[i]; inv != NoDate && t <= inv.Add(calendar.Years(1)) {
		s.at(p, inv).InvitationsAnswered++
	}
	s.invited[i] = NoDate
	return c
}

// mammogram adds a mammogram and remembers it.
func (s *simPersonState) mammogram(t Date, m Mammogram) EventID {
	id := s.add(Breast, t, m)
	if s.mammo == nil {
		s.mammo = map[EventID]*simMammo{}
	}
	s.mammo[id] = &simMammo{date: t}
	s.lastTest[0] = t
	return id
}

func (s *simPersonState) screen(st *PersonState, p Programme, t Date) {
	r := s.r
	pos := s.o.Positivity
	switch p {
	case Breast:
		m := s.mammogram(t, Mammogram{})
		c := s.countTest(p, t)
		switch x := r.Float64(); {
		case x < 0.04*pos:
			s.add(Breast, t, Reading{Of: m, Reader: ReaderL1, Category: ACR0})
			c.L1PositiveBeforeWorkup++
		case x < 0.055*pos:
			s.add(Breast, t, Reading{Of: m, Reader: ReaderL1, Category: ACR3, WorkupDone: true})
			s.legacy.Positives[0]++
			c.L1PositiveBeforeWorkup++
			c.L1PositiveAfterWorkup++
		case x < 0.07*pos:
			s.add(Breast, t, Reading{Of: m, Reader: ReaderL1, Category: ACR4, WorkupDone: true})
			s.legacy.Positives[0]++
			c.L1PositiveBeforeWorkup++
			c.L1PositiveAfterWorkup++
		default:
			s.add(Breast, t, Reading{Of: m, Reader: ReaderL1, Category: ACR1})
		}
	case Colorectal:
		c := s.countTest(p, t)
		s.lastTest[1] = t
		// The laboratory reads during the day and sends the result, most
		// often within the 48 heures ouvrées of L1485.
		read := t.Time(time.UTC).Add(time.Duration(8+r.IntN(9)) * time.Hour)
		delay := time.Duration(1+r.IntN(40)) * time.Hour
		if r.Float64() < 0.15 {
			delay = time.Duration(48+r.IntN(96)) * time.Hour
		}
		sent := read.Add(delay)
		c.LabResults++
		if s.f.cal.HeuresOuvreesBetween(read, sent) <= s.f.cfg.Colorectal.LabToCentre {
			c.LabOnTime++
		}
		switch x := r.Float64(); {
		case x < 0.04*pos:
			s.add(Colorectal, t, FITResult{Outcome: FITPositive, Value: 30 + float64(r.IntN(500)), Threshold: 30, Read: read, SentToCentre: sent})
			s.legacy.Positives[1]++
			c.Analysable++
			c.Positive++
		case x < 0.04*pos+0.02:
			s.add(Colorectal, t, FITResult{Outcome: FITNonAnalysable, Read: read, SentToCentre: sent})
		default:
			s.add(Colorectal, t, FITResult{Outcome: FITNegative, Value: float64(r.IntN(30)), Threshold: 30, Read: read, SentToCentre: sent})
			c.Analysable++
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
	pos := s.o.Positivity
	c := s.countTest(Cervical, t)
	s.lastTest[2] = t
	x := r.Float64()
	switch {
	case x < 0.01:
		s.add(Cervical, t, CervicalTest{Test: kind, Result: ResultUnsatisfactory})
	case kind == TestHPV && x < 0.01+0.1*pos:
		s.add(Cervical, t, CervicalTest{Test: kind, Result: ResultHPVPositive})
		s.legacy.Positives[2]++
		c.Analysable++
		c.Positive++
	case kind == TestHPV:
		s.add(Cervical, t, CervicalTest{Test: kind, Result: ResultHPVNegative})
		c.Analysable++
	case x < 0.01+0.05*pos:
		s.add(Cervical, t, CervicalTest{Test: kind, Result: ResultLSIL})
		s.legacy.Positives[2]++
		c.Analysable++
		c.Positive++
	default:
		s.add(Cervical, t, CervicalTest{Test: kind, Result: ResultNILM})
		c.Analysable++
	}
}
