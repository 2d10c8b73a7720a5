package screening

import (
	"fmt"
	"slices"
	"time"

	"github.com/radkit/radkit/screening/calendar"
)

// Step is one link of the chain that explains a state: the event, what it
// meant to the programme (the trigger), the transition and the rule.
type Step struct {
	Event   EventID
	Date    Date
	Kind    Kind
	Trigger Trigger
	From    State
	To      State
	Rule    RuleID
	// Source is the rule's citation, e.g. "Arrêté 2024, annexe IV, VI.B
	// (L1438)".
	Source string
	// Note adds what the step set: "next invitation 2026-05-07".
	Note string `json:",omitempty"`
}

// Note is something the fold noticed that does not change the state: a
// délai not kept by a laboratory, a mammogram that should have been
// deferred, an event the transition table does not allow (ignored).
type Note struct {
	Date  Date
	Event EventID
	Rule  RuleID
	Msg   string
}

// ProgrammeState is a person's state in one programme on a date.
type ProgrammeState struct {
	Programme Programme
	State     State
	// Since is the date of the event that entered State.
	Since Date
	// NextDue is the date the next invitation is due, by NextDueRule
	// (NoDate when none applies: in a round, in follow-up, ineligible).
	NextDue     Date
	NextDueRule RuleID `json:",omitempty"`
	// Invited is the date of the current round's invitation (NoDate if
	// none), Reminders the reminders sent since.
	Invited   Date
	Reminders int
	// RemindersOpposedUntil is the end (exclusive) of an opposition to
	// reminders; ResultsOpposed reports an opposition to the processing
	// of results.
	RemindersOpposedUntil Date
	ResultsOpposed        bool `json:",omitempty"`
	// ExcludedUntil is the end of a temporary exclusion.
	ExcludedUntil Date
	// Flags recorded for the programme.
	HighRisk   bool `json:",omitempty"` // breast or colorectal high risk: not invited
	HigherRisk bool `json:",omitempty"` // cervical immunodepression or DES: flag only
	NoCervix   bool `json:",omitempty"`
	// NotTargeted: a man, for the breast and cervical programmes.
	NotTargeted bool `json:",omitempty"`
	Cancer      bool `json:",omitempty"`
	Definitive  bool `json:",omitempty"` // definitive exclusion
	// Episode is the opening date of the current round or follow-up.
	Episode Date
	// Steps is the chain of transitions (filled by Explain only).
	Steps []Step `json:",omitempty"`
	// Notes are deviations and ignored events.
	Notes []Note `json:",omitempty"`

	e epi         // current episode
	h progHistory // what outlives episodes
}

// progHistory is the part of a programme's past that the interval rules
// need across rounds.
type progHistory struct {
	lastComplete Date   // breast: last complete bilateral mammogram (L773)
	lastNegative Date   // breast: mammogram of the last negative round (L597)
	fitDates     []Date // colorectal: FIT readings (L1395 campaigns)
	cerv         cervicalHistory
}

// epi is the current round or follow-up episode.
type epi struct {
	open         Date
	exam         Date // screening exam (mammogram, FIT reading, cervical test)
	examID       EventID
	examAge      int
	mobile       bool
	clinicalAbn  bool // breast: abnormal clinical exam with the mammogram
	l2Positive   bool // breast: the second reading was positive
	ultrasound   UltrasoundFollowUp
	result       Date // date of the classification or result that opened the follow-up
	negative     bool // breast: negative round, result letter owed
	refused      Date // breast: refusal date, letters owed
	cti          Date
	news         Date // last follow-up information
	checks       int  // breast ACR 3 checks received
	lastDoc      Date // breast ACR 3: last document
	grade        int  // cervical: 0 pending, 1 low, 2 high, 3 retest
	due          Date // cervical: follow-up expected by
	solicit      Date // cervical: last solicitation (L1720)
	positiveSent Date // colorectal
	undecided    Date
	order        Date // colorectal online order
	orderConsent bool
	done         map[ActionKind]Date
}

// Cervical grades.
const (
	gradePending = 0
	gradeLow     = 1
	gradeHigh    = 2
	gradeRetest  = 3
)

// PersonState is a person's state in the three programmes on a date.
type PersonState struct {
	Person     PersonID
	At         Date
	Birth      Date
	Sex        Sex    `json:",omitempty"`
	Department string `json:",omitempty"`
	Died       Date
	// Programmes holds the breast, colorectal and cervical states, in
	// that order.
	Programmes [3]ProgrammeState
	// ConfigVersion is the [Config.Version] the state was computed with.
	ConfigVersion string
}

// Programme returns the state of p.
func (s *PersonState) Programme(p Programme) *ProgrammeState { return &s.Programmes[p.index()] }

// Age returns the person's age on d, or -1 if the birth date is unknown.
func (s *PersonState) Age(d Date) int {
	if s.Birth == NoDate {
		return -1
	}
	return calendar.Age(s.Birth, d)
}

// folder folds events into states. It holds only immutable configuration.
type folder struct {
	cfg *Config
	cal calendar.Calendar
	br  *breastRouter // L1/L2 routing, delegated to package birads
}

func newFolder(cfg Config) (*folder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cal, err := calendar.New(cfg.Calendar)
	if err != nil {
		return nil, err
	}
	br, err := newBreastRouter()
	if err != nil {
		return nil, err
	}
	return &folder{cfg: &cfg, cal: cal, br: br}, nil
}

// sortEvents sorts a log into canonical order.
func sortEvents(evs []Event) {
	if !slices.IsSortedFunc(evs, cmpEvents) {
		slices.SortStableFunc(evs, cmpEvents)
	}
}

func cmpEvents(a, b Event) int {
	switch {
	case before(a, b):
		return -1
	case before(b, a):
		return 1
	}
	return 0
}

// fold computes the state on at from the canonical-ordered events (those
// after at are ignored). explain records the steps.
func (f *folder) fold(person PersonID, evs []Event, at Date, explain bool) *PersonState {
	st := f.newState(person, at)
	byID := &evIndex{plain: evs}
	byID.index()
	for i := range evs {
		if evs[i].Date > at {
			break
		}
		f.foldEvent(st, &evs[i], byID, explain)
	}
	return st
}

// newState is the state of a person without events.
func (f *folder) newState(person PersonID, at Date) *PersonState {
	st := &PersonState{Person: person, At: at, Birth: NoDate, Died: NoDate, ConfigVersion: f.cfg.Version}
	for i, p := range programmes {
		st.Programmes[i] = ProgrammeState{Programme: p, State: StateWaiting, Since: NoDate, NextDue: NoDate,
			Invited: NoDate, RemindersOpposedUntil: NoDate, ExcludedUntil: NoDate, Episode: NoDate}
		st.Programmes[i].e = newEpi(NoDate)
		st.Programmes[i].h = progHistory{lastComplete: NoDate, lastNegative: NoDate,
			cerv: cervicalHistory{lastNormalCyto: NoDate, lastHPVNeg: NoDate}}
	}
	return st
}

// foldEvent applies one event to st. Events must come in canonical order:
// fold is foldEvent over the log, which is what lets ingestion validate a
// batch incrementally (one pass over the stored log, then one step per
// new event) and still get the state a fresh fold gives. byID resolves
// the exams results name.
func (f *folder) foldEvent(st *PersonState, e *Event, byID *evIndex, explain bool) {
	if st.Died != NoDate && e.Date > st.Died {
		return
	}
	switch d := e.Data.(type) {
	case Birth:
		st.Birth, st.Sex = d.Birth, d.Sex
		for j := range st.Programmes {
			ps := &st.Programmes[j]
			if ps.Since == NoDate {
				ps.NextDue = f.firstDue(ps.Programme, st.Birth)
				ps.NextDueRule = firstDueRule(ps.Programme)
			}
			// A man is not on the breast list the insurance body builds
			// per HAS recommendations (L112), and has no cervix (L1577).
			male := d.Sex == SexMale
			switch ps.Programme {
			case Breast:
				ps.NotTargeted = male
			case Cervical:
				ps.NotTargeted = male
			}
			if ps.NotTargeted && ps.State == StateWaiting {
				ps.State = StateIneligible
			}
		}
		return
	case Move:
		st.Department = d.Department
		return
	case Death:
		st.Died = e.Date
		for j := range st.Programmes {
			f.step(&st.Programmes[j], e, TrigDeath, explain)
		}
		return
	}
	if !e.Programme.Valid() {
		return
	}
	ps := st.Programme(e.Programme)
	f.apply(st, ps, e, byID, explain)
}

// evIndex finds a person's events by ID (the exam a result names, a
// re-sent event): a linear scan of the log for the short logs people
// have, a map past evIndexMap events. A map per fold was a fifth of the
// cost of a Due run.
type evIndex struct {
	plain []Event
	ptrs  []*Event
	m     map[EventID]*Event
}

const evIndexMap = 32

// index builds the map when the log is long.
func (x *evIndex) index() {
	if len(x.plain)+len(x.ptrs) <= evIndexMap {
		x.m = nil
		return
	}
	x.m = make(map[EventID]*Event, len(x.plain)+len(x.ptrs))
	for i := range x.plain {
		x.m[x.plain[i].ID] = &x.plain[i]
	}
	for _, e := range x.ptrs {
		x.m[e.ID] = e
	}
}

func (x *evIndex) get(id EventID) *Event {
	if x.m != nil {
		return x.m[id]
	}
	for i := range x.plain {
		if x.plain[i].ID == id {
			return &x.plain[i]
		}
	}
	for _, e := range x.ptrs {
		if e.ID == id {
			return e
		}
	}
	return nil
}

func newEpi(open Date) epi {
	return epi{open: open, exam: NoDate, result: NoDate, refused: NoDate, cti: NoDate, news: NoDate, lastDoc: NoDate,
		due: NoDate, solicit: NoDate, positiveSent: NoDate, undecided: NoDate, order: NoDate}
}

func (e *epi) markDone(k ActionKind, d Date) {
	if e.done == nil {
		e.done = map[ActionKind]Date{}
	}
	if _, ok := e.done[k]; !ok {
		e.done[k] = d
	}
}

func (e *epi) undo(ks ...ActionKind) {
	for _, k := range ks {
		delete(e.done, k)
	}
}

func (e *epi) doneAt(k ActionKind) (Date, bool) {
	d, ok := e.done[k]
	return d, ok
}

func firstDueRule(p Programme) RuleID {
	switch p {
	case Breast:
		return RuleBreastInterval
	case Colorectal:
		return RuleCCRInterval
	}
	return RuleCCUInviteOverdue
}

func (f *folder) cycle(p Programme) *CycleConfig {
	switch p {
	case Breast:
		return &f.cfg.Breast.CycleConfig
	case Colorectal:
		return &f.cfg.Colorectal.CycleConfig
	}
	return &f.cfg.Cervical.CycleConfig
}

func (f *folder) firstDue(p Programme, birth Date) Date {
	return birth.AddYears(f.cycle(p).MinAge)
}

// trigger returns what e means to its programme in state ps.
func (f *folder) trigger(st *PersonState, ps *ProgrammeState, e *Event, byID *evIndex) (Trigger, error) {
	switch d := e.Data.(type) {
	case HighRisk:
		return TrigHighRisk, nil
	case CervixAbsent:
		return TrigCervixAbsent, nil
	case Exclusion:
		if d.Definitive {
			return TrigDefinitive, nil
		}
		return TrigExclusion, nil
	case ExclusionEnd:
		return TrigExclusionEnd, nil
	case Opposition, OppositionWithdrawn:
		return TrigOpposition, nil
	case Invitation:
		return TrigInvitation, nil
	case Reminder:
		if d.N == 2 {
			return TrigReminder2, nil
		}
		return TrigReminder1, nil
	case KitOrder:
		return TrigKitOrder, nil
	case KitSent:
		return TrigKitSent, nil
	case Mammogram:
		return TrigMammogram, nil
	case Reading:
		return f.routeReading(d, ps)
	case FITResult:
		switch d.Outcome {
		case FITPositive:
			return TrigFITPositive, nil
		case FITNegative:
			return TrigFITNegative, nil
		}
		return TrigFITNonAnalysable, nil
	case Colonoscopy:
		switch {
		case d.Finding == FindingAdenoma || d.Finding == FindingAdvancedAdenoma || d.Finding.Cancer():
			return TrigColonoscopyLesion, nil
		case d.Incomplete:
			return TrigColonoscopyPart, nil
		}
		return TrigColonoscopyNormal, nil
	case CTColonography:
		return TrigCTColonography, nil
	case CervicalTest:
		if ps.State == StateSuspended {
			return TrigTestSuspended, nil
		}
		switch d.Result {
		case ResultUnsatisfactory:
			if ps.State == StateUnsatisfactory {
				return TrigTestUnsatTwice, nil
			}
			return TrigTestUnsatisfied, nil
		case ResultNILM, ResultHPVNegative:
			return TrigTestNegative, nil
		case ResultHPVPositive:
			return TrigHPVPositive, nil
		}
		return TrigCytologyAbnormal, nil
	case ReflexCytology:
		if d.Result == ResultNILM {
			return TrigReflexNegative, nil
		}
		return TrigReflexAbnormal, nil
	case Colposcopy:
		if d.Finding == FindingNormal || d.Finding == FindingBenign {
			return TrigColposcopyNormal, nil
		}
		return TrigColposcopyLesion, nil
	case Histology:
		switch {
		case d.Finding.Cancer():
			return TrigHistoCancer, nil
		case e.Programme == Colorectal && (d.Finding == FindingAdenoma || d.Finding == FindingAdvancedAdenoma):
			return TrigHistoLesion, nil
		case e.Programme == Cervical && d.Finding == FindingHighGrade:
			return TrigHistoLesion, nil
		}
		return TrigHistoBenign, nil
	case Treatment:
		if d.Treatment == TreatmentHysterectomy {
			return TrigHysterectomy, nil
		}
		return TrigTreatConservative, nil
	case FollowUpInfo:
		if d.Status == FollowUpCleared {
			return TrigInfoCleared, nil
		}
		return TrigInfoInCare, nil
	case Refusal:
		return TrigRefusal, nil
	case Undecided:
		return TrigUndecided, nil
	case ActionDone:
		switch d.Action {
		case ActDeclareLost:
			return TrigDeclareLost, nil
		case ActStopFollowUp:
			return TrigStop, nil
		case ActFinalLetter:
			return TrigFinalLetter, nil
		case ActPresumeRefusal:
			return TrigPresumedRefus, nil
		}
		return TrigLetter, nil
	}
	return "", fmt.Errorf("%w: event kind %q in %s", ErrUnknownCode, e.Kind(), e.Programme)
}

// category returns the exam-level category of a reading.
func (d Reading) category() Category {
	if d.Category.Valid() {
		return d.Category
	}
	return ExamCategory(d.Right, d.Left)
}

// step records a transition (explain) and applies the state change.
func (f *folder) step(ps *ProgrammeState, e *Event, trig Trigger, explain bool) (Transition, bool) {
	t, ok := find(ps.Programme, trig, ps.State)
	if !ok {
		ps.Notes = append(ps.Notes, Note{e.Date, e.ID, RuleTransition,
			fmt.Sprintf("%s ignored: not allowed in state %q", trig, ps.State)})
		return t, false
	}
	from := ps.State
	if t.To != "" && t.To != ps.State {
		ps.State = t.To
		ps.Since = e.Date
	} else if ps.Since == NoDate {
		ps.Since = e.Date
	}
	if explain {
		r, _ := LookupRule(t.Rule)
		ps.Steps = append(ps.Steps, Step{Event: e.ID, Date: e.Date, Kind: e.Kind(), Trigger: trig, From: from, To: ps.State, Rule: t.Rule, Source: r.Source.String()})
	}
	return t, true
}

func (ps *ProgrammeState) annotate(explain bool, format string, args ...any) {
	if explain && len(ps.Steps) > 0 {
		s := &ps.Steps[len(ps.Steps)-1]
		if s.Note != "" {
			s.Note += "; "
		}
		s.Note += fmt.Sprintf(format, args...)
	}
}

func (ps *ProgrammeState) setNext(d Date, rule RuleID, explain bool) {
	ps.NextDue, ps.NextDueRule = d, rule
	ps.annotate(explain, "next invitation due %s [%s]", d, rule)
}

func (ps *ProgrammeState) note(e *Event, rule RuleID, format string, args ...any) {
	ps.Notes = append(ps.Notes, Note{e.Date, e.ID, rule, fmt.Sprintf(format, args...)})
}

func maxDate(a, b Date) Date {
	if a > b {
		return a
	}
	return b
}

// apply folds one programme event.
func (f *folder) apply(st *PersonState, ps *ProgrammeState, e *Event, byID *evIndex, explain bool) {
	// Results dated on or after an opposition to their processing are
	// not processed (GEN-OPPOSE-RESULTS).
	if ps.ResultsOpposed && isResult(e.Kind()) {
		ps.note(e, RuleOpposeResults, "result not processed: the person opposed the processing of results")
		return
	}
	trig, err := f.trigger(st, ps, e, byID)
	if err != nil {
		ps.note(e, RuleUnknown, "%v", err)
		return
	}
	t, ok := f.step(ps, e, trig, explain)
	if !ok {
		return
	}
	f.effect(st, ps, e, trig, t, byID, explain)
	// A definitive reason turns a rest state into ineligible.
	if ps.State != StateIneligible && ps.State != StateDeceased && ps.blocked() && inStates(ps.State, restOrRound) {
		ps.State = StateIneligible
		ps.annotate(explain, "ineligible: %s", ps.blockReason())
	}
}

func isResult(k Kind) bool {
	switch k {
	case KindReading, KindFIT, KindCervicalTest, KindReflexCytology, KindColonoscopy, KindCTColonography, KindColposcopy, KindHistology, KindFollowUpInfo:
		return true
	}
	return false
}

func inStates(s State, set []State) bool {
	for _, x := range set {
		if x == s {
			return true
		}
	}
	return false
}

func (ps *ProgrammeState) blocked() bool {
	return ps.NoCervix || ps.NotTargeted || ps.Cancer || ps.Definitive || (ps.HighRisk && ps.Programme != Cervical)
}

func (ps *ProgrammeState) blockReason() string {
	switch {
	case ps.NoCervix:
		return "no cervix"
	case ps.NotTargeted:
		return "not in the target population (sex)"
	case ps.Cancer:
		return "cancer diagnosed"
	case ps.Definitive:
		return "definitive exclusion"
	}
	return "high risk"
}

// effect updates the anchors after transition t.
func (f *folder) effect(st *PersonState, ps *ProgrammeState, e *Event, trig Trigger, t Transition, byID *evIndex, explain bool) {
	cfg := f.cfg
	cyc := f.cycle(ps.Programme)
	newEpisode := func(open Date) {
		ps.e = newEpi(open)
		ps.Episode = open
	}
	switch d := e.Data.(type) {
	case HighRisk:
		if riskProgramme[d.Criterion] == Cervical {
			ps.HigherRisk = true
			ps.annotate(explain, "higher-risk flag: %s (stays in the programme)", d.Criterion)
		} else {
			ps.HighRisk = true
		}
	case CervixAbsent:
		ps.NoCervix = true
	case Exclusion:
		if d.Definitive {
			ps.Definitive = true
			ps.NextDue = NoDate
		} else {
			ps.ExcludedUntil = d.Until
			ps.setNext(d.Until, RuleExclusion, explain)
		}
		newEpisode(e.Date)
	case ExclusionEnd:
		ps.ExcludedUntil = NoDate
		next := e.Date
		if ps.Programme == Cervical {
			next = maxDate(e.Date, f.cervicalNext(st, ps))
		}
		ps.setNext(next, RuleExclusion, explain)
	case Opposition:
		if d.Scope == OpposeResults {
			ps.ResultsOpposed = true
			ps.annotate(explain, "results not processed from now on [%s]", RuleOpposeResults)
		} else {
			start := e.Date
			if inStates(ps.State, inRound) && ps.Invited != NoDate {
				start = ps.Invited
			}
			ps.RemindersOpposedUntil = start.Add(cyc.OppositionCycle)
			ps.annotate(explain, "reminders opposed until %s", ps.RemindersOpposedUntil)
		}
	case OppositionWithdrawn:
		if d.Scope == OpposeResults {
			ps.ResultsOpposed = false
		} else {
			ps.RemindersOpposedUntil = NoDate
		}
	case Invitation:
		ps.Invited, ps.Reminders = e.Date, 0
		ps.NextDue = NoDate
		ps.ExcludedUntil = NoDate
		newEpisode(e.Date)
	case Reminder:
		ps.Reminders = d.N
	case KitOrder:
		if d.Channel == ChannelOnline {
			ps.e.order, ps.e.orderConsent = e.Date, d.ConsentDigitalReminder
		}
	case KitSent:
		if d.Replacement {
			ps.e.markDone(ActReplacementKit, e.Date)
		}
	case Mammogram:
		lastNeg := ps.h.lastNegative
		if lastNeg != NoDate && e.Date < lastNeg.Add(cfg.Breast.TooEarly) && !d.Retake {
			ps.note(e, RuleBreastTooEarly, "mammogram %d days after a normal one (%s): should have been deferred", e.Date.Sub(lastNeg), lastNeg)
		}
		if ps.blocked() {
			ps.note(e, RuleBreastHighRisk, "screened although %s: counted (L606)", ps.blockReason())
		}
		newEpisode(e.Date)
		ps.e.exam, ps.e.examID, ps.e.mobile, ps.e.clinicalAbn = e.Date, e.ID, d.Mobile, d.ClinicalAbnormal
		if !d.Partial {
			ps.h.lastComplete = e.Date
		}
		ps.Invited, ps.NextDue = NoDate, NoDate
	case Reading:
		if m := byID.get(d.Of); m != nil && m.Date != ps.e.exam {
			// A reading of an earlier mammogram: anchor on it.
			ps.e.exam, ps.e.examID = m.Date, m.ID
		}
		if d.Reader == ReaderL1 {
			ps.e.ultrasound = d.Ultrasound
		}
		switch trig {
		case TrigL1Refused:
			ps.e.refused = e.Date
			ps.setNext(ps.e.exam.Add(cfg.Breast.Interval), RuleBreastIncompleteAgain, explain)
		case TrigL1Surveillance, TrigDeferredACR3, TrigL2UltrasoundSurv:
			ps.e.result, ps.e.checks = e.Date, 0
			ps.setNext(ps.h.lastComplete.Add(cfg.Breast.NextAfterACR3), RuleBreastACR3Next, explain)
		case TrigL1Suspicious, TrigDeferredACR45, TrigL2UltrasoundBiopsy, TrigCheckSuspicious:
			ps.e.result = e.Date
			ps.NextDue = NoDate
		case TrigL2Negative, TrigDeferredNegative:
			ps.e.negative = trig == TrigL2Negative
			ps.h.lastNegative = ps.e.exam
			ps.e.result = e.Date
			ps.setNext(ps.e.exam.Add(cfg.Breast.Interval), t.Rule, explain)
		case TrigL2Positive:
			ps.e.result = e.Date
			ps.e.l2Positive = true
		case TrigL2CTI:
			ps.e.cti = e.Date
		case TrigCheckStable:
			ps.e.checks++
			ps.e.news = e.Date
			ps.e.undo(ActACR3RequestL1, ActACR3RequestPerson, ActACR3Reminder)
		case TrigCheckBenign:
			ps.e.checks++
			ps.setNext(ps.h.lastComplete.Add(cfg.Breast.NextAfterACR3), RuleBreastACR3Next, explain)
		}
	case FITResult:
		f.fitEffect(ps, e, d, trig, explain)
	case Colonoscopy:
		switch trig {
		case TrigColonoscopyNormal:
			ps.ExcludedUntil = e.Date.Add(cfg.Colorectal.ColonoscopyExclusion)
			ps.setNext(ps.ExcludedUntil, RuleCCRColonoscopy5Y, explain)
			newEpisode(e.Date)
		case TrigColonoscopyLesion:
			ps.HighRisk = true
			if d.Finding.Cancer() {
				ps.Cancer = true
			}
			ps.annotate(explain, "high risk: personal adenoma or cancer [%s]", RuleCCRColonoscopyResult)
			newEpisode(e.Date)
		case TrigColonoscopyPart:
			ps.e.news = e.Date
		}
	case CTColonography:
		ps.ExcludedUntil = e.Date.Add(cfg.Colorectal.CTColonographyExclusion)
		ps.setNext(ps.ExcludedUntil, RuleCCRCTC2Y, explain)
		newEpisode(e.Date)
	case CervicalTest:
		f.cervicalEffect(st, ps, e, d, trig, explain)
	case ReflexCytology:
		if trig == TrigReflexNegative {
			ps.e.grade = gradeRetest
			ps.e.due = ps.e.exam.Add(cfg.Cervical.HPVRetestAfter)
			ps.annotate(explain, "HPV-HR retest due %s [%s]", ps.e.due, RuleCCUTriage)
		} else {
			high, low := cfg.Cervical.grade(d.Result)
			ps.e.result = e.Date
			switch {
			case high:
				ps.e.grade, ps.e.due = gradeHigh, e.Date.Add(cfg.Cervical.HighGradeFollowUp)
			case low:
				ps.e.grade, ps.e.due = gradeLow, e.Date.Add(cfg.Cervical.LowGradeFollowUp)
			default:
				ps.e.grade, ps.e.due = gradePending, e.Date.Add(cfg.Cervical.LowGradeFollowUp)
			}
			ps.annotate(explain, "follow-up expected by %s [%s]", ps.e.due, RuleCCUFollowUpDelay)
		}
	case Colposcopy, Histology, FollowUpInfo:
		f.followUpInfoEffect(st, ps, e, trig, explain)
	case Treatment:
		if d.Treatment == TreatmentHysterectomy {
			ps.NoCervix = true
		}
		ps.NextDue = NoDate
		newEpisode(e.Date)
	case Refusal:
		f.closeRound(st, ps, e, explain)
		if ps.Programme == Breast {
			ps.e.refused = e.Date
		}
	case Undecided:
		ps.e.undecided = e.Date
	case ActionDone:
		ps.e.markDone(d.Action, e.Date)
		switch d.Action {
		case ActReminderPrescriber, ActReminderDoctor, ActReminderPerson, ActFollowUpEnquiry:
			ps.e.solicit = e.Date
		}
		switch trig {
		case TrigDeclareLost, TrigStop, TrigFinalLetter:
			f.closeRound(st, ps, e, explain)
		case TrigPresumedRefus:
			ps.e.refused = e.Date
			ps.setNext(ps.e.exam.Add(cfg.Breast.Interval), RuleBreastIncompleteAgain, explain)
		}
	}
}

// closeRound sets the next invitation when a follow-up ends without a
// result (refusal, perdu de vue, stop, last letter).
func (f *folder) closeRound(st *PersonState, ps *ProgrammeState, e *Event, explain bool) {
	cfg := f.cfg
	switch ps.Programme {
	case Breast:
		ps.setNext(ps.e.exam.Add(cfg.Breast.Interval), RuleBreastIncompleteAgain, explain)
	case Colorectal:
		anchor := ps.e.positiveSent
		if anchor == NoDate {
			anchor = e.Date
		}
		rule := RuleCCRRefusal
		if e.Kind() == KindActionDone {
			rule = RuleCCRStop2Y
		}
		ps.setNext(maxDate(e.Date, anchor.Add(cfg.Colorectal.FollowUpStop)), rule, explain)
	case Cervical:
		anchor := ps.e.exam
		if anchor == NoDate {
			anchor = e.Date
		}
		ps.setNext(maxDate(e.Date, anchor.Add(f.cervicalImpossible(ps.e.examAge))), RuleCCULost18M, explain)
	}
}

// cervicalImpossible is the L1693 re-invitation délai by age: 3 years in
// the cytology age group, 5 in the HPV one.
func (f *folder) cervicalImpossible(age int) Period {
	if age >= 0 && age < f.cfg.Cervical.HPVFromAge {
		return f.cfg.Cervical.UnsatisfactoryReinviteCytology
	}
	return f.cfg.Cervical.UnsatisfactoryReinviteHPV
}

func (f *folder) fitEffect(ps *ProgrammeState, e *Event, d FITResult, trig Trigger, explain bool) {
	cfg := &f.cfg.Colorectal
	// Laboratory délais (CCR-LAB-48H, CCR-LAB-TURNAROUND): notes only.
	if !d.Read.IsZero() && !d.SentToCentre.IsZero() {
		if got := f.cal.HeuresOuvreesBetween(d.Read, d.SentToCentre); got > cfg.LabToCentre {
			ps.note(e, RuleCCRLab48H, "result reached the centre %v heures ouvrées after its reading (limit %v)", got.Round(time.Minute), cfg.LabToCentre)
		}
	}
	if known(d.Sampled) && e.Date.Sub(d.Sampled) >= cfg.SampleMaxDays {
		ps.note(e, RuleCCRLabTurnaround, "read %d days after sampling (limit < %d)", e.Date.Sub(d.Sampled), cfg.SampleMaxDays)
	}
	if known(d.LabReceived) {
		if n := f.cal.JoursOuvresBetween(d.LabReceived, e.Date); n > cfg.LabTurnaroundJoursOuvres {
			ps.note(e, RuleCCRLabTurnaround, "read %d jours ouvrés after receipt (limit %d)", n, cfg.LabTurnaroundJoursOuvres)
		}
	}
	if ps.blocked() {
		ps.note(e, RuleCCRHighRisk, "tested although %s", ps.blockReason())
	}
	ps.h.fitDates = append(ps.h.fitDates, e.Date)
	switch trig {
	case TrigFITNegative:
		ps.e = newEpi(e.Date)
		ps.e.exam = e.Date
		ps.Episode = e.Date
		ps.Invited = NoDate
		ps.setNext(e.Date.Add(cfg.Interval), RuleCCRNegative2Y, explain)
	case TrigFITNonAnalysable:
		invited := ps.Invited
		ps.e = newEpi(e.Date)
		ps.e.exam, ps.e.result = e.Date, e.Date
		ps.Episode = e.Date
		next := e.Date.Add(cfg.Interval)
		if invited != NoDate {
			next = invited.Add(cfg.ReinviteAfter)
		}
		ps.setNext(next, RuleCCRReinvite, explain)
	case TrigFITPositive:
		ps.e = newEpi(e.Date)
		ps.e.exam, ps.e.result = e.Date, e.Date
		ps.e.positiveSent = e.Date
		if known(d.ResultSent) {
			ps.e.positiveSent = d.ResultSent
		}
		ps.Episode = e.Date
		ps.Invited, ps.NextDue = NoDate, NoDate
	}
}

func known(d Date) bool { return d != NoDate && d != 0 }

// cervicalHistory is what the cervical interval rules need.
type cervicalHistory struct {
	lastNormalCyto Date
	consecNormal   int
	lastHPVNeg     Date
}

func (f *folder) cervicalEffect(st *PersonState, ps *ProgrammeState, e *Event, d CervicalTest, trig Trigger, explain bool) {
	cfg := &f.cfg.Cervical
	age := st.Age(e.Date)
	switch trig {
	case TrigTestSuspended:
		ps.e.news = e.Date
		ps.annotate(explain, "recorded as follow-up of the treatment")
		return
	case TrigTestNegative:
		h := ps.h.cerv
		if d.Result == ResultNILM {
			h.consecNormal++
			h.lastNormalCyto = e.Date
		} else {
			h.lastHPVNeg = e.Date
			h.consecNormal = 0
		}
		ps.e = newEpi(e.Date)
		ps.e.exam, ps.e.examAge = e.Date, age
		ps.Episode, ps.Invited = e.Date, NoDate
		ps.h.cerv = h
		next, rule := f.cervicalNextFrom(st, h)
		ps.setNext(next, rule, explain)
	case TrigTestUnsatisfied:
		ps.e = newEpi(e.Date)
		ps.e.exam, ps.e.examAge = e.Date, age
		ps.Episode = e.Date
		next, _ := f.cervicalNextFrom(st, ps.h.cerv)
		ps.setNext(maxDate(e.Date.Add(cfg.ResampleWithin), next), RuleCCUUnsatisfactory3M, explain)
	case TrigTestUnsatTwice:
		ps.e = newEpi(e.Date)
		ps.e.exam, ps.e.examAge = e.Date, age
		ps.Episode, ps.Invited = e.Date, NoDate
		ps.setNext(e.Date.Add(f.cervicalImpossible(age)), RuleCCUUnsatisfactory2, explain)
	case TrigCytologyAbnormal, TrigHPVPositive:
		ps.h.cerv.consecNormal = 0
		ps.e = newEpi(e.Date)
		ps.e.exam, ps.e.examID, ps.e.examAge, ps.e.result = e.Date, e.ID, age, e.Date
		ps.Episode, ps.Invited, ps.NextDue = e.Date, NoDate, NoDate
		high, low := cfg.grade(d.Result)
		switch {
		case high:
			ps.e.grade, ps.e.due = gradeHigh, e.Date.Add(cfg.HighGradeFollowUp)
		case low:
			ps.e.grade, ps.e.due = gradeLow, e.Date.Add(cfg.LowGradeFollowUp)
		default: // HPV positive: reflex cytology pending, or a positive retest
			ps.e.grade, ps.e.due = gradePending, e.Date.Add(cfg.LowGradeFollowUp)
		}
		ps.annotate(explain, "follow-up expected by %s [%s]", ps.e.due, RuleCCUFollowUpDelay)
	}
}

// cervicalNext returns the next due date from the current history.
func (f *folder) cervicalNext(st *PersonState, ps *ProgrammeState) Date {
	d, _ := f.cervicalNextFrom(st, ps.h.cerv)
	return d
}

// cervicalNextFrom applies L1571-L1572 to a test history.
func (f *folder) cervicalNextFrom(st *PersonState, h cervicalHistory) (Date, RuleID) {
	cfg := &f.cfg.Cervical
	if st.Birth == NoDate {
		return NoDate, RuleBirthFirst
	}
	hpvAge := st.Birth.AddYears(cfg.HPVFromAge)
	if h.lastHPVNeg != NoDate && (h.lastNormalCyto == NoDate || h.lastHPVNeg >= h.lastNormalCyto) {
		return h.lastHPVNeg.Add(cfg.HPVInterval), RuleCCUHPV5Y
	}
	if h.lastNormalCyto == NoDate {
		return st.Birth.AddYears(cfg.MinAge), RuleCCUInviteOverdue
	}
	if h.consecNormal >= 2 {
		next := h.lastNormalCyto.Add(cfg.CytologyInterval)
		if next >= hpvAge {
			return h.lastNormalCyto.Add(cfg.HPVAfterCytology), RuleCCUHPVStart
		}
		return next, RuleCCUCytologyInterval
	}
	next := h.lastNormalCyto.Add(cfg.CytologyFirstInterval)
	if next >= hpvAge {
		// Turning 30: the HPV-HR test comes 3 years after the last normal
		// cytology (L1572), not one year.
		return h.lastNormalCyto.Add(cfg.HPVAfterCytology), RuleCCUHPVStart
	}
	return next, RuleCCUCytologyInterval
}

func (f *folder) followUpInfoEffect(st *PersonState, ps *ProgrammeState, e *Event, trig Trigger, explain bool) {
	cfg := f.cfg
	switch trig {
	case TrigInfoInCare, TrigColposcopyLesion, TrigHistoLesion:
		ps.e.news = e.Date
		// News restarts the reminder chains: the requests already sent
		// were answered.
		ps.e.undo(ActNewsRequest, ActPersonalContact, ActPathologyRequest, ActDoctorEnquiry, ActPersonReminder,
			ActOtherReminder, ActFollowUpEnquiry, ActReminderPrescriber, ActReminderDoctor, ActReminderPerson,
			ActACR3RequestL1, ActACR3RequestPerson, ActACR3Reminder)
		ps.e.solicit = NoDate
		if ps.Programme == Colorectal && trig == TrigHistoLesion {
			ps.HighRisk = true
		}
		if ps.Programme == Cervical {
			// News resets the reminder délais: the follow-up is expected
			// to conclude within the grade's délai from the news.
			p := cfg.Cervical.LowGradeFollowUp
			if ps.e.grade == gradeHigh {
				p = cfg.Cervical.HighGradeFollowUp
			}
			ps.e.due = e.Date.Add(p)
		}
	case TrigHistoCancer:
		ps.Cancer = ps.Programme != Cervical
		ps.NextDue = NoDate
		ps.e.news = e.Date
		if ps.Programme == Colorectal {
			ps.HighRisk = true
		}
	case TrigHistoBenign, TrigInfoCleared, TrigColposcopyNormal:
		switch ps.Programme {
		case Breast:
			ps.setNext(ps.e.exam.Add(cfg.Breast.NextAfterACR3), RuleBreastBenign24M, explain)
		case Colorectal:
			if trig == TrigInfoCleared {
				ps.ExcludedUntil = e.Date.Add(cfg.Colorectal.ColonoscopyExclusion)
				ps.setNext(ps.ExcludedUntil, RuleCCRColonoscopy5Y, explain)
			} else {
				ps.e.news = e.Date
			}
		case Cervical:
			ps.setNext(e.Date.Add(cfg.Cervical.ReturnAfterCleared), RuleCCUFollowUpEnd, explain)
		}
	}
}
