package screening

const bBirth = "1974-03-15" // 50 on 2024-03-15, 75 on 2049-03-15

// negativeRound screens the person: mammogram, L1 and L2 negative.
func negativeRound(s *sc, date string) EventID {
	m := s.ev(Breast, date, Mammogram{})
	s.ev(Breast, date, l1(m, ACR1))
	s.ev(Breast, date, l2(m, ACR1))
	return m
}

var breastScenarios = []scenario{
	{Rule: RuleBreastAge, Seed: "L586, L592", Birth: bBirth, Run: func(s *sc) {
		// Not invited before 50, invited from the 50th birthday.
		s.due(Breast, "2024-03-14")
		a := s.has(Breast, "2024-03-15", ActInvite, RuleBreastInterval)
		s.window(a, "2024-03-15", "-")
		// A mammogram at 49 is rejected, naming the event and the rule.
		ee := s.reject(Breast, "2024-03-01", Mammogram{}, ErrAge)
		if ee.Rule != RuleBreastAge {
			s.t.Fatalf("rule %s", ee.Rule)
		}
		// No invitation at 75.
		s.ev(Breast, "2047-01-10", Invitation{})
		s.has(Breast, "2049-01-10", ActInvite, RuleBreastReinvite2Y)
		s.hasNot(Breast, "2049-03-15", ActInvite)
		s.reject(Breast, "2049-03-15", Mammogram{}, ErrAge)
		// A man is not on the breast list (L112).
		m := newSc(s.t, "")
		m.ev(NoProgramme, "2000-01-01", Birth{Birth: d(bBirth), Sex: SexMale})
		m.state(Breast, "2024-03-15", StateIneligible)
		m.due(Breast, "2024-03-15")
		m.has(Colorectal, "2024-03-15", ActInvite, RuleCCRInterval)
	}},
	{Rule: RuleBreastInterval, Seed: "L611", Birth: bBirth, Run: func(s *sc) {
		s.state(Breast, "2024-03-15", StateWaiting)
		s.nextDue(Breast, "2024-03-15", "2024-03-15", RuleBreastInterval)
	}},
	{Rule: RuleBreastRemind12M, Seed: "L620", Birth: bBirth, Run: func(s *sc) {
		s.ev(Breast, "2024-04-02", Invitation{})
		s.due(Breast, "2024-08-01")
		a := s.has(Breast, "2024-08-02", ActReminder1, RuleBreastRemind12M)
		s.window(a, "2024-08-02", "2025-04-02")
		s.ev(Breast, "2024-08-05", Reminder{N: 1})
		s.due(Breast, "2024-12-01")
		s.has(Breast, "2024-12-02", ActReminder2, RuleBreastRemind12M)
		// The second reminder before the first is not allowed.
		s2 := newSc(s.t, bBirth)
		s2.ev(Breast, "2024-04-02", Invitation{})
		s2.reject(Breast, "2024-08-05", Reminder{N: 2}, ErrTransition)
	}},
	{Rule: RuleBreastReinvite2Y, Seed: "L621", Birth: bBirth, Run: func(s *sc) {
		s.ev(Breast, "2024-04-02", Invitation{})
		s.ev(Breast, "2024-08-05", Reminder{N: 1})
		s.ev(Breast, "2024-12-05", Reminder{N: 2})
		s.due(Breast, "2026-04-01")
		s.has(Breast, "2026-04-02", ActInvite, RuleBreastReinvite2Y)
		s.ev(Breast, "2026-04-03", Invitation{})
		s.state(Breast, "2026-04-03", StateInvited)
		s.due(Breast, "2026-04-03")
	}},
	{Rule: RuleBreastHighRisk, Seed: "L604-L606", Birth: bBirth, Run: func(s *sc) {
		s.ev(Breast, "2024-01-10", HighRisk{Criterion: RiskBreastHigh})
		s.state(Breast, "2024-03-15", StateIneligible)
		s.due(Breast, "2024-03-15")
		// Screened anyway: accepted, counted (a note), followed.
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.note(Breast, "2024-05-02", RuleBreastHighRisk)
		s.ev(Breast, "2024-05-02", l1(m, ACR4))
		s.state(Breast, "2024-05-02", StateFollowUp)
	}},
	{Rule: RuleBreastTooEarly, Seed: "L597", Birth: bBirth, Run: func(s *sc) {
		negativeRound(s, "2024-05-02")
		s.ev(Breast, "2025-03-02", Mammogram{})
		s.note(Breast, "2025-03-02", RuleBreastTooEarly)
		s2 := newSc(s.t, bBirth)
		negativeRound(s2, "2024-05-02")
		s2.ev(Breast, "2026-05-02", Mammogram{})
		s2.noNote(Breast, "2026-05-02", RuleBreastTooEarly)
	}},
	{Rule: RuleBreastL1Negative, Seed: "L586, L684", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", l1(m, ACR2))
		s.state(Breast, "2024-05-02", StateAwaitingL2)
		a := s.has(Breast, "2024-05-03", ExpSecondReading, RuleBreastL1Negative)
		s.window(a, "2024-05-02", "2024-05-17")
		// Negativated by the immediate workup.
		s2 := newSc(s.t, bBirth)
		m2 := s2.ev(Breast, "2024-05-02", Mammogram{})
		s2.ev(Breast, "2024-05-02", l1(m2, ACR0))
		s2.ev(Breast, "2024-05-02", Reading{Of: m2, Reader: ReaderL1, Category: ACR1, WorkupDone: true})
		s2.state(Breast, "2024-05-02", StateAwaitingL2)
	}},
	{Rule: RuleBreastL1Workup, Seed: "L1107", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", l1(m, ACR0))
		s.state(Breast, "2024-05-02", StateAwaitingWorkup)
		s.has(Breast, "2024-05-02", ExpImmediateWorkup, RuleBreastL1Workup)
		// An ACR 0 cannot go to second reading as such.
		s.reject(Breast, "2024-05-03", l2(m, ACR1), ErrTransition)
		// A workup that ends at ACR 0 is inconsistent.
		s.reject(Breast, "2024-05-03", Reading{Of: m, Reader: ReaderL1, Category: ACR0, WorkupDone: true}, ErrInconsistent)
	}},
	{Rule: RuleBreastL1Positive, Seed: "L707", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", Reading{Of: m, Reader: ReaderL1, Category: ACR3, WorkupDone: true})
		s.state(Breast, "2024-05-02", StateSurveillance)
		s.reject(Breast, "2024-05-03", l2(m, ACR3), ErrTransition)
		s2 := newSc(s.t, bBirth)
		m2 := s2.ev(Breast, "2024-05-02", Mammogram{})
		s2.ev(Breast, "2024-05-02", Reading{Of: m2, Reader: ReaderL1, Right: ACR1, Left: ACR5, WorkupDone: true})
		s2.state(Breast, "2024-05-02", StateFollowUp)
	}},
	{Rule: RuleBreastResult15D, Seed: "L759", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", l1(m, ACR1))
		s.ev(Breast, "2024-05-09", l2(m, ACR1))
		a := s.has(Breast, "2024-05-09", ActResultLetter, RuleBreastResult15D)
		s.window(a, "2024-05-09", "2024-05-17")
		if !a.Overdue(d("2024-05-18")) {
			s.t.Fatal("not overdue after 15 days")
		}
		s.done(Breast, "2024-05-10", ActResultLetter)
		s.hasNot(Breast, "2024-05-10", ActResultLetter)
	}},
	{Rule: RuleBreastNegative2Y, Seed: "L759, L1114", Birth: bBirth, Run: func(s *sc) {
		negativeRound(s, "2024-05-02")
		s.state(Breast, "2024-05-02", StateWaiting)
		s.nextDue(Breast, "2024-05-02", "2026-05-02", RuleBreastNegative2Y)
		s.done(Breast, "2024-05-03", ActResultLetter)
		s.due(Breast, "2026-05-01")
		s.has(Breast, "2026-05-02", ActInvite, RuleBreastNegative2Y)
	}},
	{Rule: RuleBreastUltrasound, Seed: "L761-L765", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", Reading{Of: m, Reader: ReaderL1, Category: ACR1, Ultrasound: UltrasoundSurveillance})
		s.ev(Breast, "2024-05-06", l2(m, ACR1))
		s.state(Breast, "2024-05-06", StateSurveillance)
		s2 := newSc(s.t, bBirth)
		m2 := s2.ev(Breast, "2024-05-02", Mammogram{})
		s2.ev(Breast, "2024-05-02", Reading{Of: m2, Reader: ReaderL1, Category: ACR2, Ultrasound: UltrasoundBiopsy})
		s2.ev(Breast, "2024-05-06", l2(m2, ACR2))
		s2.state(Breast, "2024-05-06", StateFollowUp)
		s2.reject(Breast, "2024-05-07", Reading{Of: m2, Reader: ReaderL1, Category: ACR4, Ultrasound: UltrasoundBiopsy}, ErrInconsistent)
	}},
	{Rule: RuleBreastL2Positive, Seed: "L809", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", l1(m, ACR1))
		s.ev(Breast, "2024-05-06", l2(m, ACR0))
		s.state(Breast, "2024-05-06", StateL2Positive)
		a := s.has(Breast, "2024-05-06", ActL2DoctorLetter, RuleBreastL2Positive)
		s.window(a, "2024-05-06", "2024-05-08")
		// The person's letter only after the doctor's, 24 to 48 hours later.
		s.hasNot(Breast, "2024-05-06", ActL2PersonLetter)
		s.done(Breast, "2024-05-07", ActL2DoctorLetter)
		s.hasNot(Breast, "2024-05-07", ActL2PersonLetter)
		a = s.has(Breast, "2024-05-08", ActL2PersonLetter, RuleBreastL2Positive)
		s.window(a, "2024-05-08", "2024-05-09")
		s.has(Breast, "2024-05-08", ExpDeferredWorkup, RuleBreastL2Positive)
	}},
	{Rule: RuleBreastDeferredFixed, Seed: "L812", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", l1(m, ACR1))
		s.ev(Breast, "2024-05-06", l2(m, ACR0))
		s.ev(Breast, "2024-05-20", Reading{Of: m, Reader: ReaderDeferred, Category: ACR2})
		s.state(Breast, "2024-05-20", StateWaiting)
		s.nextDue(Breast, "2024-05-20", "2026-05-02", RuleBreastDeferredFixed)
		// No new second reading at a fixed site.
		s.reject(Breast, "2024-05-21", l2(m, ACR2), ErrTransition)
		s.reject(Breast, "2024-05-21", Reading{Of: m, Reader: ReaderDeferred, Category: ACR0}, ErrInconsistent)
	}},
	{Rule: RuleBreastMobile, Seed: "L735-L737", Birth: bBirth, Run: func(s *sc) {
		// Mobile unit without a radiologist: a positive first reading
		// goes to a deferred workup by a radiologist; cleared, the file
		// goes back to second reading (birads BR_ROUTE_MOBILE_POSITIVE,
		// BR_ROUTE_CLEARED_TO_L2).
		m := s.ev(Breast, "2024-05-02", Mammogram{Mobile: true})
		s.ev(Breast, "2024-05-02", l1(m, ACR3))
		s.state(Breast, "2024-05-02", StateAwaitingWorkup)
		s.ev(Breast, "2024-05-20", Reading{Of: m, Reader: ReaderDeferred, Category: ACR1})
		s.state(Breast, "2024-05-20", StateAwaitingL2)
		s.ev(Breast, "2024-05-25", l2(m, ACR1))
		s.state(Breast, "2024-05-25", StateWaiting)
		// After a positive second reading, a cleared deferred workup gets
		// no new second reading, mobile unit or not (L812, birads
		// BR_ROUTE_CLEARED_NO_NEW_L2).
		m2 := s.ev(Breast, "2026-05-04", Mammogram{Mobile: true})
		s.ev(Breast, "2026-05-04", l1(m2, ACR1))
		s.ev(Breast, "2026-05-08", l2(m2, ACR0))
		s.ev(Breast, "2026-05-20", Reading{Of: m2, Reader: ReaderDeferred, Category: ACR1})
		s.state(Breast, "2026-05-20", StateWaiting)
		s.reject(Breast, "2026-05-21", l2(m2, ACR1), ErrTransition)
	}},
	{Rule: RuleBreastACR0Chase, Seed: "L783-L786", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", l1(m, ACR1))
		s.ev(Breast, "2024-05-06", l2(m, ACR0))
		s.done(Breast, "2024-05-06", ActL2DoctorLetter)
		s.done(Breast, "2024-05-07", ActL2PersonLetter)
		s.hasNot(Breast, "2024-07-05", ActACR0ContactL1)
		s.has(Breast, "2024-07-06", ActACR0ContactL1, RuleBreastACR0Chase)
		s.hasNot(Breast, "2024-07-06", ActACR0Reminder1)
		s.done(Breast, "2024-07-08", ActACR0ContactL1)
		s.has(Breast, "2024-07-08", ActACR0Reminder1, RuleBreastACR0Chase)
		s.done(Breast, "2024-07-09", ActACR0Reminder1)
		s.hasNot(Breast, "2024-08-08", ActACR0Reminder2)
		s.has(Breast, "2024-08-09", ActACR0Reminder2, RuleBreastACR0Chase)
	}},
	{Rule: RuleBreastACR0Refusal, Seed: "L788", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", l1(m, ACR1))
		s.ev(Breast, "2024-05-06", l2(m, ACR0))
		for _, a := range []struct {
			date string
			k    ActionKind
		}{{"2024-05-06", ActL2DoctorLetter}, {"2024-05-07", ActL2PersonLetter}, {"2024-07-06", ActACR0ContactL1}, {"2024-07-06", ActACR0Reminder1}, {"2024-08-06", ActACR0Reminder2}} {
			s.done(Breast, a.date, a.k)
		}
		s.hasNot(Breast, "2024-09-05", ActPresumeRefusal)
		s.has(Breast, "2024-09-06", ActPresumeRefusal, RuleBreastACR0Refusal)
		s.done(Breast, "2024-09-06", ActPresumeRefusal)
		s.state(Breast, "2024-09-06", StateRefused)
		s.due(Breast, "2024-09-06", ActRefusalPersonLetter, ActRefusalDoctorLetter)
	}},
	{Rule: RuleBreastRefusal, Seed: "L690-L694", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", Reading{Of: m, Reader: ReaderL1, Category: ACR0, WorkupRefused: true})
		s.state(Breast, "2024-05-02", StateRefused)
		a := s.has(Breast, "2024-05-02", ActRefusalPersonLetter, RuleBreastRefusal)
		s.window(a, "2024-05-02", "2024-05-04")
		s.has(Breast, "2024-05-02", ActRefusalDoctorLetter, RuleBreastRefusal)
		s.done(Breast, "2024-05-03", ActRefusalPersonLetter)
		s.done(Breast, "2024-05-03", ActRefusalDoctorLetter)
		s.due(Breast, "2024-05-03")
		s.reject(Breast, "2024-05-02", Reading{Of: m, Reader: ReaderL1, Category: ACR2, WorkupRefused: true}, ErrInconsistent)
	}},
	{Rule: RuleBreastCTI, Seed: "L834-L840", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", l1(m, ACR1))
		s.ev(Breast, "2024-05-06", Reading{Of: m, Reader: ReaderL2, Category: ACR1, CTI: CTIRetake})
		s.state(Breast, "2024-05-06", StateCTI)
		s.due(Breast, "2024-05-06", ActCTIRadiologistLetter, ActCTIPersonLetter, ExpRetake)
		s.done(Breast, "2024-05-06", ActCTIRadiologistLetter)
		s.done(Breast, "2024-05-06", ActCTIPersonLetter)
		// The retake goes back to second reading.
		r := s.ev(Breast, "2024-05-20", Mammogram{Retake: true})
		s.ev(Breast, "2024-05-20", l1(r, ACR1))
		s.state(Breast, "2024-05-20", StateAwaitingL2)
		s.ev(Breast, "2024-05-22", l2(r, ACR1))
		s.state(Breast, "2024-05-22", StateWaiting)
		s.reject(Breast, "2024-05-23", Reading{Of: r, Reader: ReaderL1, Category: ACR1, CTI: CTIRetake}, ErrInconsistent)
	}},
	{Rule: RuleBreastCTI6M, Seed: "L843", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", l1(m, ACR1))
		s.ev(Breast, "2024-05-06", Reading{Of: m, Reader: ReaderL2, Category: ACR1, CTI: CTIReprint})
		s.hasNot(Breast, "2024-06-05", ActCTIRetakeReminder)
		a := s.has(Breast, "2024-06-06", ActCTIRetakeReminder, RuleBreastCTI6M)
		s.window(a, "2024-06-06", "2024-11-02")
	}},
	{Rule: RuleBreastACR3, Seed: "L1120", Name: "checks at 6 and 12 months", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", Reading{Of: m, Reader: ReaderL1, Category: ACR3, WorkupDone: true})
		s.state(Breast, "2024-05-02", StateSurveillance)
		s.due(Breast, "2024-11-01")
		s.has(Breast, "2024-11-02", ExpCheck1, RuleBreastACR3)
		s.ev(Breast, "2024-11-05", Reading{Of: m, Reader: ReaderSurveillance, Category: ACR3})
		s.due(Breast, "2024-11-05")
		s.has(Breast, "2025-05-02", ExpCheck2, RuleBreastACR3)
		s.ev(Breast, "2025-05-04", Reading{Of: m, Reader: ReaderSurveillance, Category: ACR3})
		s.due(Breast, "2025-05-04")
		s.state(Breast, "2026-05-01", StateSurveillance)
	}},
	{Rule: RuleBreastACR3Request, Seed: "L823", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", Reading{Of: m, Reader: ReaderL1, Category: ACR3, WorkupDone: true})
		s.hasNot(Breast, "2025-05-01", ActACR3RequestL1)
		s.has(Breast, "2025-05-02", ActACR3RequestL1, RuleBreastACR3Request)
		s.done(Breast, "2025-05-02", ActACR3RequestL1)
		s.hasNot(Breast, "2025-06-01", ActACR3RequestPerson)
		s.has(Breast, "2025-06-02", ActACR3RequestPerson, RuleBreastACR3Request)
		s.done(Breast, "2025-06-02", ActACR3RequestPerson)
		s.has(Breast, "2025-07-02", ActACR3Reminder, RuleBreastACR3Request)
		// A check received resets the year.
		s.ev(Breast, "2025-06-10", Reading{Of: m, Reader: ReaderSurveillance, Category: ACR3})
		s.hasNot(Breast, "2025-07-02", ActACR3Reminder)
	}},
	{Rule: RuleBreastACR3Next, Seed: "L773, L830", Name: "ACR 3 woman: workup, checks, next complete mammogram at 24 months", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", l1(m, ACR0))
		s.ev(Breast, "2024-05-02", Reading{Of: m, Reader: ReaderL1, Category: ACR3, WorkupDone: true})
		s.nextDue(Breast, "2024-05-02", "2026-05-02", RuleBreastACR3Next)
		s.ev(Breast, "2024-11-04", Reading{Of: m, Reader: ReaderSurveillance, Category: ACR3})
		s.ev(Breast, "2025-05-05", Reading{Of: m, Reader: ReaderSurveillance, Category: ACR3})
		s.due(Breast, "2026-05-01")
		s.has(Breast, "2026-05-02", ActInvite, RuleBreastACR3Next)
		s.ev(Breast, "2026-05-04", Invitation{})
		s.state(Breast, "2026-05-04", StateInvited)
		// Reclassified ACR 2 during the surveillance: same 24 months.
		s2 := newSc(s.t, bBirth)
		m2 := s2.ev(Breast, "2024-05-02", Mammogram{})
		s2.ev(Breast, "2024-05-02", Reading{Of: m2, Reader: ReaderL1, Category: ACR3, WorkupDone: true})
		s2.ev(Breast, "2024-11-04", Reading{Of: m2, Reader: ReaderSurveillance, Category: ACR2})
		s2.state(Breast, "2024-11-04", StateWaiting)
		s2.nextDue(Breast, "2024-11-04", "2026-05-02", RuleBreastACR3Next)
	}},
	{Rule: RuleBreastACR45, Seed: "L780-L782", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", Reading{Of: m, Reader: ReaderL1, Category: ACR4, WorkupDone: true})
		s.due(Breast, "2024-08-01")
		s.has(Breast, "2024-08-02", ActNewsRequest, RuleBreastACR45)
		s.done(Breast, "2024-08-02", ActNewsRequest)
		s.has(Breast, "2024-09-02", ActPersonalContact, RuleBreastACR45)
		s.done(Breast, "2024-09-02", ActPersonalContact)
		s.has(Breast, "2024-10-02", ActPathologyRequest, RuleBreastACR45)
		// News "in care" answers the requests.
		s.ev(Breast, "2024-09-20", FollowUpInfo{Status: FollowUpInCare})
		s.hasNot(Breast, "2024-10-02", ActPathologyRequest)
		s.state(Breast, "2024-10-02", StateFollowUp)
	}},
	{Rule: RuleBreastLost1Y, Seed: "L769", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", Reading{Of: m, Reader: ReaderL1, Category: ACR5, WorkupDone: true})
		s.done(Breast, "2024-08-02", ActNewsRequest)
		s.done(Breast, "2024-09-02", ActPersonalContact)
		s.done(Breast, "2024-10-02", ActPathologyRequest)
		s.hasNot(Breast, "2025-05-01", ActDeclareLost)
		s.has(Breast, "2025-05-02", ActDeclareLost, RuleBreastLost1Y)
		s.done(Breast, "2025-05-02", ActDeclareLost)
		s.state(Breast, "2025-05-02", StateLost)
		s.nextDue(Breast, "2025-05-02", "2026-05-02", RuleBreastIncompleteAgain)
	}},
	{Rule: RuleBreastBenign24M, Seed: "L779", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", Reading{Of: m, Reader: ReaderL1, Category: ACR4, WorkupDone: true})
		s.ev(Breast, "2024-05-20", Histology{Of: m, Finding: FindingBenign})
		s.state(Breast, "2024-05-20", StateWaiting)
		s.nextDue(Breast, "2024-05-20", "2026-05-02", RuleBreastBenign24M)
	}},
	{Rule: RuleBreastCancer, Seed: "L604, L778", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", Reading{Of: m, Reader: ReaderL1, Category: ACR5, WorkupDone: true})
		s.ev(Breast, "2024-05-20", Histology{Of: m, Finding: FindingCancerInvasive, SizeMM: 8})
		s.state(Breast, "2026-06-01", StateIneligible)
		s.due(Breast, "2026-06-01")
	}},
	{Rule: RuleBreastIncompleteAgain, Seed: "L765", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", Reading{Of: m, Reader: ReaderL1, Category: ACR4, WorkupDone: true})
		s.ev(Breast, "2024-06-10", Refusal{})
		s.state(Breast, "2024-06-10", StateRefused)
		s.nextDue(Breast, "2024-06-10", "2026-05-02", RuleBreastIncompleteAgain)
		s.done(Breast, "2024-06-10", ActRefusalPersonLetter)
		s.done(Breast, "2024-06-10", ActRefusalDoctorLetter)
		s.due(Breast, "2026-05-01")
		s.has(Breast, "2026-05-02", ActInvite, RuleBreastIncompleteAgain)
	}},
}
