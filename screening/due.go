package screening

import "github.com/radkit/radkit/screening/calendar"

// due appends to out the actions due on at for the folded person st. An
// action is due once its From date is reached and until the event that
// completes it is recorded; overdue actions stay due (with their
// deadline) rather than disappear.
func (f *folder) due(st *PersonState, at Date, out []Action) []Action {
	c := dueCollector{at: at, out: out}
	f.collect(st, &c)
	return c.out
}

// nextDue returns the earliest date on or after after on which due(st,
// date) is not empty ([Never] if no date is): the due index's Next, with
// after the person's last event date (Due folds people on dates before
// that anyway). It runs the same code as due, with a collector that,
// instead of comparing each candidate action with one date, computes the
// first date its conditions hold.
func (f *folder) nextDue(st *PersonState, after Date) Date {
	c := dueCollector{probe: true, next: Never, after: after}
	f.collect(st, &c)
	return c.next
}

// dueCollector gathers the candidate actions of a state. The conditions
// that depend on the date (the age window, an opposition to reminders,
// the age limit of the centre's follow-up) are gates evaluated per
// candidate, so that the probe can find the first date each candidate is
// due: every gate holds on an interval of dates, so that date is the
// candidate's From or one of the intervals' lower bounds.
type dueCollector struct {
	at    Date
	probe bool
	after Date // probe: first date considered
	next  Date // probe: result
	out   []Action
}

type gate uint8

const (
	gateAge        gate = 1 << iota // in the programme's age window
	gateNotOpposed                  // no opposition to reminders
)

func (f *folder) collect(st *PersonState, c *dueCollector) {
	if st.Died != NoDate || st.Birth == NoDate {
		return
	}
	for i := range st.Programmes {
		f.dueProgramme(st, &st.Programmes[i], c)
	}
}

func (f *folder) dueProgramme(st *PersonState, ps *ProgrammeState, c *dueCollector) {
	p := ps.Programme
	cyc := f.cycle(p)
	inAge := func(t Date) bool { a := st.Age(t); return a >= cyc.MinAge && a <= cyc.MaxAge }
	centreOK := func(t Date) bool {
		return !ps.ResultsOpposed && !(f.cfg.StopFollowUpAtAge && st.Age(t) > cyc.MaxAge)
	}
	opposed := func(t Date) bool { return ps.RemindersOpposedUntil != NoDate && t < ps.RemindersOpposedUntil }
	ageFrom := st.Birth.AddYears(cyc.MinAge)
	e := &ps.e
	addG := func(g gate, k ActionKind, rule RuleID, from, deadline Date, kit bool) {
		if from == NoDate {
			return
		}
		if _, done := e.doneAt(k); done {
			return
		}
		actor := k.Actor()
		centre := actor == ActorCentre || actor == ActorProfessional
		ok := func(t Date) bool {
			return (g&gateAge == 0 || inAge(t)) && (g&gateNotOpposed == 0 || !opposed(t)) && (!centre || centreOK(t))
		}
		if c.probe {
			// The first date in the intersection of the gates' intervals
			// from start on is start or one of their lower bounds (the day
			// after a 29 February birthday included).
			start := maxDate(from, c.after)
			for _, t := range [...]Date{start, ageFrom, ageFrom + 1, ps.RemindersOpposedUntil} {
				if t >= start && t < c.next && ok(t) {
					c.next = t
				}
			}
			return
		}
		if from > c.at || !ok(c.at) {
			return
		}
		c.out = append(c.out, Action{Person: st.Person, Programme: p, Kind: k, Actor: actor, Rule: rule,
			From: from, Deadline: deadline, Episode: ps.Episode, Kit: kit})
	}
	add := func(k ActionKind, rule RuleID, from, deadline Date, kit bool) { addG(0, k, rule, from, deadline, kit) }
	done := func(k ActionKind) (Date, bool) { return e.doneAt(k) }

	// Invitations out of a round (GEN-EXCLUSION, *-INTERVAL, ...). No
	// opposition stops them (GEN-NO-OPPOSE-INVITATION).
	invitable := inStates(ps.State, restStates) ||
		p == Breast && ps.State == StateSurveillance ||
		p == Colorectal && ps.State == StateNonAnalysable ||
		p == Cervical && ps.State == StateUnsatisfactory
	if invitable && ps.NextDue != NoDate && !ps.blocked() {
		addG(gateAge, ActInvite, ps.NextDueRule, maxDate(ps.NextDue, ageFrom), NoDate, false)
	}

	// The round: reminders and re-invitation (*-REMIND-12M, *-REINVITE).
	if inStates(ps.State, inRound) && ps.Invited != NoDate && !ps.blocked() {
		t0 := ps.Invited
		const rg = gateAge | gateNotOpposed
		if ps.State == StateInvited {
			addG(rg, ActReminder1, remindRule(p), t0.Add(cyc.Reminder1After), t0.AddYears(1), false)
		}
		if ps.State == StateReminded1 {
			from := t0.Add(cyc.Reminder2After)
			switch p {
			case Colorectal:
				addG(rg, ActReminder2, RuleCCRKitReminder2, from, t0.AddYears(1), f.tookPart(ps, t0))
			case Cervical:
				kit := calendar.Age(st.Birth, from) >= f.cfg.Cervical.HPVFromAge || f.cfg.Cervical.APVForCytologyAge
				addG(rg, ActReminder2, RuleCCUAPVReminder2, from, t0.AddYears(1), kit)
			default:
				addG(rg, ActReminder2, RuleBreastRemind12M, from, t0.AddYears(1), false)
			}
		}
		if p == Colorectal && e.order != NoDate && e.orderConsent {
			addG(rg, ActOrderReminder, RuleCCROrderReminder, e.order.Add(f.cfg.Colorectal.OrderReminderAfter), NoDate, false)
		}
		if p != Breast || e.exam == NoDate || e.exam < t0 {
			addG(gateAge, ActInvite, reinviteRule(p), t0.Add(cyc.ReinviteAfter), NoDate, false)
		}
	}

	switch p {
	case Breast:
		f.dueBreast(ps, add, done)
	case Colorectal:
		f.dueColorectal(ps, add, done)
	case Cervical:
		f.dueCervical(ps, add, done)
	}
}

type addFunc func(k ActionKind, rule RuleID, from, deadline Date, kit bool)
type doneFunc func(k ActionKind) (Date, bool)

func remindRule(p Programme) RuleID {
	switch p {
	case Breast:
		return RuleBreastRemind12M
	case Colorectal:
		return RuleCCRRemind12M
	}
	return RuleCCURemind12M
}

func reinviteRule(p Programme) RuleID {
	switch p {
	case Breast:
		return RuleBreastReinvite2Y
	case Colorectal:
		return RuleCCRReinvite
	}
	return RuleCCUReinvite2Y
}

// tookPart reports whether the person had a FIT read in one of the
// previous KitCampaigns campaigns before the invitation t0 (L1395).
func (f *folder) tookPart(ps *ProgrammeState, t0 Date) bool {
	cfg := &f.cfg.Colorectal
	from := t0.Add(cfg.Interval.Times(-cfg.KitCampaigns))
	for _, d := range ps.h.fitDates {
		if d >= from && d < t0 {
			return true
		}
	}
	return false
}

func (f *folder) dueBreast(ps *ProgrammeState, add addFunc, done doneFunc) {
	cfg := &f.cfg.Breast
	e := &ps.e
	switch ps.State {
	case StateAwaitingWorkup:
		add(ExpImmediateWorkup, RuleBreastL1Workup, e.exam, NoDate, false)
	case StateAwaitingL2:
		add(ExpSecondReading, RuleBreastL1Negative, e.exam, e.exam.Add(cfg.ResultLetterWithin), false)
	case StateWaiting:
		if e.negative {
			add(ActResultLetter, RuleBreastResult15D, e.result, e.exam.Add(cfg.ResultLetterWithin), false)
		}
	case StateL2Positive:
		r := e.result
		add(ActL2DoctorLetter, RuleBreastL2Positive, r, r.Add(cfg.L2DoctorLetterWithin), false)
		if dl, ok := done(ActL2DoctorLetter); ok {
			add(ActL2PersonLetter, RuleBreastL2Positive, dl.Add(cfg.L2PersonLetterAfter), dl.Add(cfg.L2PersonLetterWithin), false)
		}
		add(ExpDeferredWorkup, RuleBreastL2Positive, r, NoDate, false)
		add(ActACR0ContactL1, RuleBreastACR0Chase, r.Add(cfg.DeferredWorkupWait), NoDate, false)
		if c, ok := done(ActACR0ContactL1); ok {
			add(ActACR0Reminder1, RuleBreastACR0Chase, c, NoDate, false)
		}
		if r1, ok := done(ActACR0Reminder1); ok {
			add(ActACR0Reminder2, RuleBreastACR0Chase, r1.Add(cfg.ACR0SecondReminderAfter), NoDate, false)
		}
		if r2, ok := done(ActACR0Reminder2); ok {
			add(ActPresumeRefusal, RuleBreastACR0Refusal, r2.Add(cfg.ACR0RefusalAfter), NoDate, false)
		}
	case StateRefused:
		if e.refused != NoDate {
			add(ActRefusalPersonLetter, RuleBreastRefusal, e.refused, e.refused.Add(cfg.L2DoctorLetterWithin), false)
			add(ActRefusalDoctorLetter, RuleBreastRefusal, e.refused, e.refused.Add(cfg.L2DoctorLetterWithin), false)
		}
	case StateCTI:
		add(ActCTIRadiologistLetter, RuleBreastCTI, e.cti, e.cti.Add(cfg.L2DoctorLetterWithin), false)
		add(ActCTIPersonLetter, RuleBreastCTI, e.cti, e.cti.Add(cfg.L2DoctorLetterWithin), false)
		add(ExpRetake, RuleBreastCTI, e.cti, e.exam.Add(cfg.CTIRetakeWithin), false)
		add(ActCTIRetakeReminder, RuleBreastCTI6M, e.cti.Add(cfg.CTINewsWait), e.exam.Add(cfg.CTIRetakeWithin), false)
	case StateSurveillance:
		m := ps.h.lastComplete
		if e.checks < 1 {
			add(ExpCheck1, RuleBreastACR3, m.Add(cfg.SurveillanceInterval), NoDate, false)
		}
		if e.checks < 2 {
			add(ExpCheck2, RuleBreastACR3, m.Add(cfg.SurveillanceInterval.Times(2)), NoDate, false)
		}
		req := maxDate(m, e.news).Add(cfg.ACR3InfoRequestAfter)
		if ps.NextDue == NoDate || req < ps.NextDue {
			f.chain(add, done, RuleBreastACR3Request, req, cfg.FollowUpStep, ActACR3RequestL1, ActACR3RequestPerson, ActACR3Reminder)
		}
		if d3, ok := done(ActACR3Reminder); ok && e.news == NoDate {
			add(ActDeclareLost, RuleBreastLost1Y, maxDate(e.exam.Add(cfg.LostAfter), d3.Add(cfg.FollowUpStep)), NoDate, false)
		}
	case StateFollowUp:
		anchor := e.result
		if e.news != NoDate {
			anchor = e.news
		}
		f.chain(add, done, RuleBreastACR45, anchor.Add(cfg.FollowUpNewsWait), cfg.FollowUpStep, ActNewsRequest, ActPersonalContact, ActPathologyRequest)
		if d3, ok := done(ActPathologyRequest); ok && e.news == NoDate {
			add(ActDeclareLost, RuleBreastLost1Y, maxDate(e.exam.Add(cfg.LostAfter), d3.Add(cfg.FollowUpStep)), NoDate, false)
		}
	}
}

// chain proposes a sequence of requests: the first at from, each next one
// step after the previous one was done.
func (f *folder) chain(add addFunc, done doneFunc, rule RuleID, from Date, step Period, kinds ...ActionKind) {
	for i, k := range kinds {
		if i > 0 {
			d, ok := done(kinds[i-1])
			if !ok {
				return
			}
			from = maxDate(from, d.Add(step))
		}
		add(k, rule, from, NoDate, false)
	}
}

func (f *folder) dueColorectal(ps *ProgrammeState, add addFunc, done doneFunc) {
	cfg := &f.cfg.Colorectal
	e := &ps.e
	switch ps.State {
	case StateNonAnalysable:
		add(ActReplacementKit, RuleCCRNonAnalysableKit, e.result, f.cal.AddJoursOuvrables(e.result, cfg.ReplacementKitJoursOuvrables), false)
	case StateFollowUp:
		p := e.positiveSent
		anchor := maxDate(p, e.news)
		add(ExpColonoscopy, RuleCCRPositive, p, NoDate, false)
		add(ActDoctorEnquiry, RuleCCRPositive, anchor.Add(cfg.DoctorEnquiryAfter), NoDate, false)
		if de, ok := done(ActDoctorEnquiry); ok {
			add(ActPersonReminder, RuleCCRDoctorFirst, maxDate(de, p.Add(cfg.PersonReminderAfter)), p.AddYears(1), false)
		}
		if pr, ok := done(ActPersonReminder); ok {
			add(ActOtherReminder, RuleCCRReminder1Y, pr.Add(cfg.OtherRemindersAfter), NoDate, false)
		}
		add(ActStopFollowUp, RuleCCRStop2Y, anchor.Add(cfg.FollowUpStop), NoDate, false)
	case StateUndecided:
		add(ActFinalLetter, RuleCCRUndecided, e.undecided, NoDate, false)
	}
}

func (f *folder) dueCervical(ps *ProgrammeState, add addFunc, done doneFunc) {
	cfg := &f.cfg.Cervical
	e := &ps.e
	switch ps.State {
	case StateUnsatisfactory:
		add(ExpResample, RuleCCUUnsatisfactory3M, e.exam, e.exam.Add(cfg.ResampleWithin), false)
	case StateFollowUp, StateRetest:
		if ps.State == StateFollowUp && e.grade == gradePending && e.examID != "" {
			add(ExpReflexCytology, RuleCCUTriage, e.exam, NoDate, false)
		}
		if ps.State == StateRetest {
			add(ExpHPVRetest, RuleCCUTriage, e.due, NoDate, false)
		}
		add(ActFollowUpEnquiry, RuleCCUFollowUpDelay, e.due, NoDate, false)
		f.chainReminders(add, done, e.due.Add(cfg.ReminderDelay), cfg.ReminderInterval)
		if _, ok := done(ActReminderPerson); ok && e.solicit != NoDate {
			add(ActDeclareLost, RuleCCULost18M, e.solicit.Add(cfg.LostAfter), NoDate, false)
		}
	case StateUndecided:
		add(ActFinalLetter, RuleCCUUndecided, e.undecided, NoDate, false)
	}
}

func (f *folder) chainReminders(add addFunc, done doneFunc, from Date, step Period) {
	f.chain(add, done, RuleCCUReminders3M, from, step, ActReminderPrescriber, ActReminderDoctor, ActReminderPerson)
}
