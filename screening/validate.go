package screening

import "slices"

// checkIntrinsic validates what an event says about itself: identifiers,
// kind, programme and codes. It needs no history.
func checkIntrinsic(ev *Event) *EventError {
	if ev.ID == "" {
		return reject(ev, RuleUnknown, ErrMissingField, "ID", "an event needs an ID (the idempotency key)")
	}
	if ev.Person == "" {
		return reject(ev, RuleUnknown, ErrMissingField, "Person", "an event needs a person")
	}
	if ev.Data == nil {
		return reject(ev, RuleUnknown, ErrMissingField, "Data", "an event needs a payload")
	}
	spec, ok := kindSpecs[ev.Kind()]
	if !ok {
		return reject(ev, RuleUnknown, ErrUnknownCode, "Kind", "unknown kind %q", ev.Kind())
	}
	if len(spec.programmes) == 0 {
		if ev.Programme != NoProgramme {
			return reject(ev, RuleUnknown, ErrUnknownCode, "Programme", "%s is a person-level fact: no programme", ev.Kind())
		}
	} else if !slices.Contains(spec.programmes, ev.Programme) {
		return reject(ev, RuleUnknown, ErrUnknownCode, "Programme", "%s is not an event of programme %q", ev.Kind(), ev.Programme)
	}
	bad := func(field, format string, args ...any) *EventError {
		return reject(ev, RuleUnknown, ErrUnknownCode, field, format, args...)
	}
	missing := func(field, format string, args ...any) *EventError {
		return reject(ev, RuleUnknown, ErrMissingField, field, format, args...)
	}
	switch d := ev.Data.(type) {
	case Birth:
		if d.Sex != SexUnknown && d.Sex != SexFemale && d.Sex != SexMale {
			return bad("Birth.Sex", "unknown sex %q", d.Sex)
		}
	case HighRisk:
		p, ok := riskProgramme[d.Criterion]
		if !ok {
			return bad("HighRisk.Criterion", "unknown criterion %q", d.Criterion)
		}
		if p != ev.Programme {
			return bad("HighRisk.Criterion", "criterion %q belongs to the %s programme", d.Criterion, p)
		}
	case Exclusion:
		if !d.Definitive && (!known(d.Until) || d.Until <= ev.Date) {
			return missing("Exclusion.Until", "a temporary exclusion needs an end date after %s (or Definitive)", ev.Date)
		}
	case Opposition:
		if d.Scope != OpposeReminders && d.Scope != OpposeResults {
			return bad("Opposition.Scope", "unknown scope %q", d.Scope)
		}
	case OppositionWithdrawn:
		if d.Scope != OpposeReminders && d.Scope != OpposeResults {
			return bad("OppositionWithdrawn.Scope", "unknown scope %q", d.Scope)
		}
	case Invitation:
		if !channels[d.Channel] {
			return bad("Invitation.Channel", "unknown channel %q", d.Channel)
		}
	case Reminder:
		if d.N != 1 && d.N != 2 {
			return bad("Reminder.N", "reminder %d: the programmes send two (1 or 2)", d.N)
		}
		if !channels[d.Channel] {
			return bad("Reminder.Channel", "unknown channel %q", d.Channel)
		}
	case KitOrder:
		if !channels[d.Channel] || d.Channel == "" {
			return bad("KitOrder.Channel", "unknown channel %q", d.Channel)
		}
	case Reading:
		return checkReading(ev, d)
	case FITResult:
		switch d.Outcome {
		case FITPositive, FITNegative:
			if d.Threshold <= 0 {
				return reject(ev, RuleCCRThreshold, ErrMissingField, "FITResult.Threshold", "a read FIT carries the threshold used (L1524)")
			}
			if d.Value < 0 {
				return reject(ev, RuleCCRThreshold, ErrInconsistent, "FITResult.Value", "negative value %v", d.Value)
			}
			if pos := d.Value >= d.Threshold; pos != (d.Outcome == FITPositive) {
				return reject(ev, RuleCCRThreshold, ErrInconsistent, "FITResult.Outcome", "%s with value %v and threshold %v", d.Outcome, d.Value, d.Threshold)
			}
		case FITNonAnalysable:
		default:
			return bad("FITResult.Outcome", "unknown outcome %q (positive, negative, non-analysable)", d.Outcome)
		}
	case Colonoscopy:
		if !findings[d.Finding] {
			return bad("Colonoscopy.Finding", "unknown finding %q", d.Finding)
		}
	case CervicalTest:
		switch d.Test {
		case TestCytology:
			if !cytologyCodes[d.Result] {
				return bad("CervicalTest.Result", "%q is not a cytology result", d.Result)
			}
		case TestHPV:
			if !hpvCodes[d.Result] {
				return bad("CervicalTest.Result", "%q is not an HPV-HR result", d.Result)
			}
		default:
			return bad("CervicalTest.Test", "unknown test %q", d.Test)
		}
		if d.Sample != "" && d.Sample != SampleClinician && d.Sample != SampleSelf {
			return bad("CervicalTest.Sample", "unknown sample %q", d.Sample)
		}
		if d.Sample == SampleSelf && d.Test != TestHPV {
			return reject(ev, RuleUnknown, ErrInconsistent, "CervicalTest.Sample", "a self-sample is tested for HPV-HR only (L1596)")
		}
	case ReflexCytology:
		if d.Of == "" {
			return missing("ReflexCytology.Of", "a reflex cytology names its HPV-HR test")
		}
		if !cytologyCodes[d.Result] {
			return bad("ReflexCytology.Result", "%q is not a cytology result", d.Result)
		}
	case Colposcopy:
		if !findings[d.Finding] {
			return bad("Colposcopy.Finding", "unknown finding %q", d.Finding)
		}
	case Histology:
		if d.Of == "" {
			return missing("Histology.Of", "a histology names the exam it explores")
		}
		if !findings[d.Finding] {
			return bad("Histology.Finding", "unknown finding %q", d.Finding)
		}
	case Treatment:
		if d.Treatment != TreatmentConservative && d.Treatment != TreatmentHysterectomy {
			return bad("Treatment.Treatment", "unknown treatment %q", d.Treatment)
		}
	case FollowUpInfo:
		if d.Status != FollowUpInCare && d.Status != FollowUpCleared {
			return bad("FollowUpInfo.Status", "unknown status %q", d.Status)
		}
	case ActionDone:
		spec, ok := actionSpecs[d.Action]
		if !ok || !spec.actionDone {
			return bad("ActionDone.Action", "%q is not an action an action-done event records", d.Action)
		}
		if !channels[d.Channel] {
			return bad("ActionDone.Channel", "unknown channel %q", d.Channel)
		}
	}
	return nil
}

func checkReading(ev *Event, d Reading) *EventError {
	if d.Of == "" {
		return reject(ev, RuleReference, ErrMissingField, "Reading.Of", "a reading names its mammogram")
	}
	c := d.category()
	if !c.Valid() {
		return reject(ev, RuleUnknown, ErrMissingField, "Reading.Category", "no BI-RADS category (0 to 5)")
	}
	for _, x := range []Category{d.Category, d.Right, d.Left} {
		if x != NoCategory && !x.Valid() {
			return reject(ev, RuleUnknown, ErrUnknownCode, "Reading.Category", "unknown category %d", x)
		}
	}
	switch d.Reader {
	case ReaderL1:
		if d.CTI != CTINone {
			return reject(ev, RuleBreastCTI, ErrInconsistent, "Reading.CTI", "only the second reader declares CTI")
		}
		if d.WorkupRefused && c != ACR0 {
			return reject(ev, RuleBreastRefusal, ErrInconsistent, "Reading.WorkupRefused", "a refused workup leaves the mammogram at ACR 0 (L693)")
		}
		if d.WorkupDone && c == ACR0 {
			return reject(ev, RuleBreastL1Workup, ErrInconsistent, "Reading.Category", "after the immediate workup the first reader gives a final category 1 to 5 (L1107)")
		}
		if d.Ultrasound != UltrasoundNone && !c.Negative() {
			return reject(ev, RuleBreastUltrasound, ErrInconsistent, "Reading.Ultrasound", "an ultrasound follow-up applies to a negative mammogram (L761)")
		}
	case ReaderL2:
		if d.WorkupRefused || d.WorkupDone || d.Ultrasound != UltrasoundNone {
			return reject(ev, RuleBreastL2Positive, ErrInconsistent, "Reading", "workup and ultrasound fields belong to the first reading")
		}
		if d.CTI != CTINone && d.CTI != CTIRetake && d.CTI != CTIReprint {
			return reject(ev, RuleBreastCTI, ErrUnknownCode, "Reading.CTI", "unknown CTI reason %q", d.CTI)
		}
	case ReaderDeferred, ReaderSurveillance:
		if c == ACR0 {
			return reject(ev, RuleBreastDeferredFixed, ErrInconsistent, "Reading.Category", "a workup or check gives a final category 1 to 5 (L810)")
		}
		if d.CTI != CTINone || d.WorkupRefused || d.Ultrasound != UltrasoundNone {
			return reject(ev, RuleBreastDeferredFixed, ErrInconsistent, "Reading", "CTI, refusal and ultrasound fields belong to the first and second readings")
		}
	default:
		return reject(ev, RuleUnknown, ErrUnknownCode, "Reading.Reader", "unknown reader %q", d.Reader)
	}
	return nil
}

// screeningTest reports whether k is the programme's screening test, whose
// age is checked against the programme bounds.
func screeningTest(k Kind) bool {
	return k == KindMammogram || k == KindFIT || k == KindCervicalTest
}

// refKinds lists the exam kinds a result may name.
var refKinds = map[Kind][]Kind{
	KindReading:        {KindMammogram},
	KindReflexCytology: {KindCervicalTest},
	KindHistology:      {KindMammogram, KindColonoscopy, KindColposcopy, KindCervicalTest, KindFIT},
}

func refOf(p Payload) EventID {
	switch d := p.(type) {
	case Reading:
		return d.Of
	case ReflexCytology:
		return d.Of
	case Histology:
		return d.Of
	}
	return ""
}

// checkState validates ev against the state just before it in canonical
// order (state is called only when the checks need it) and the person's
// events by ID.
func (f *folder) checkState(ev *Event, state func() *PersonState, byID *evIndex, today Date) *EventError {
	if ev.Date > today {
		return reject(ev, RuleFuture, ErrFutureDate, "Date", "%s is after today (%s)", ev.Date, today)
	}
	if b, ok := ev.Data.(Birth); ok {
		if b.Birth > today {
			return reject(ev, RuleFuture, ErrFutureDate, "Birth.Birth", "birth date %s is after today", b.Birth)
		}
		return nil
	}
	st := state()
	if st.Died != NoDate && ev.Date > st.Died {
		return reject(ev, RuleDeath, ErrAfterDeath, "Date", "%s is after the death on %s", ev.Date, st.Died)
	}
	if !ev.Programme.Valid() {
		return nil
	}
	if st.Birth == NoDate {
		return reject(ev, RuleBirthFirst, ErrNoBirth, "", "record the person's birth before %s events", ev.Programme)
	}
	cyc := f.cycle(ev.Programme)
	age := st.Age(ev.Date)
	k := ev.Kind()
	if screeningTest(k) || k == KindInvitation || k == KindReminder {
		if age < cyc.MinAge || age > cyc.MaxAge {
			return reject(ev, ageRule(ev.Programme), ErrAge, "Date", "age %d on %s, outside %s %d-%d", age, ev.Date, ev.Programme, cyc.MinAge, cyc.MaxAge)
		}
	}
	if id := refOf(ev.Data); id != "" {
		ref := byID.get(id)
		switch {
		case ref == nil:
			return reject(ev, RuleReference, ErrNoExam, "Of", "no exam %q recorded for this person", id)
		case ref.Programme != ev.Programme || !slices.Contains(refKinds[k], ref.Kind()):
			return reject(ev, RuleReference, ErrNoExam, "Of", "%q is a %s %s, not an exam this %s can report on", id, ref.Programme, ref.Kind(), k)
		case ref.Date > ev.Date:
			return reject(ev, RuleReference, ErrNoExam, "Of", "exam %q is dated %s, after its result", id, ref.Date)
		}
		if rc, ok := ev.Data.(ReflexCytology); ok {
			if ct := ref.Data.(CervicalTest); ct.Test != TestHPV || ct.Result != ResultHPVPositive {
				return reject(ev, RuleCCUTriage, ErrNoExam, "ReflexCytology.Of", "a reflex cytology follows a positive HPV-HR test, not %s %s", ct.Test, ct.Result)
			}
			_ = rc
		}
	}
	ps := st.Programme(ev.Programme)
	if ps.ResultsOpposed && isResult(k) {
		return reject(ev, RuleOpposeResults, ErrResultsOpposed, "", "the person opposed the processing of results by the centre")
	}
	trig, err := f.trigger(st, ps, ev, nil)
	if err != nil {
		return reject(ev, RuleUnknown, ErrUnknownCode, "", "%v", err)
	}
	if !Can(ev.Programme, ps.State, trig) {
		return &EventError{Event: ev.ID, Person: ev.Person, Kind: k, Rule: RuleTransition,
			Msg: "not allowed in state " + string(ps.State),
			Err: &InvalidTransitionError{Programme: ev.Programme, Event: ev.ID, Trigger: trig, State: ps.State}}
	}
	return nil
}

func ageRule(p Programme) RuleID {
	switch p {
	case Breast:
		return RuleBreastAge
	case Colorectal:
		return RuleCCRAge
	}
	return RuleCCUAge
}
