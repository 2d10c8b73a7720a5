package screening

const vBirth = "1995-02-20" // 25 on 2020-02-20, 30 on 2025-02-20, 66 on 2061-02-20

const vOld = "1965-09-01" // 55 on 2020-09-01: HPV age group

var cervicalScenarios = []scenario{
	{Rule: RuleCCUAge, Seed: "L1576, L1582", Birth: vBirth, Run: func(s *sc) {
		s.due(Cervical, "2020-02-19")
		s.has(Cervical, "2020-02-20", ActInvite, RuleCCUInviteOverdue)
		ee := s.reject(Cervical, "2019-06-01", cyto(ResultNILM), ErrAge)
		if ee.Rule != RuleCCUAge {
			s.t.Fatalf("rule %s", ee.Rule)
		}
		s.setNow("2070-01-01")
		s.reject(Cervical, "2061-02-20", hpv(ResultHPVNegative), ErrAge)
		s.ev(Cervical, "2058-01-10", hpv(ResultHPVNegative)) // next due 2063, after 65
		s.hasNot(Cervical, "2063-01-10", ActInvite)
	}},
	{Rule: RuleCCUNoCervix, Seed: "L1577", Birth: vBirth, Run: func(s *sc) {
		s.ev(Cervical, "2019-01-10", CervixAbsent{})
		s.state(Cervical, "2020-02-20", StateIneligible)
		s.due(Cervical, "2020-02-20")
		s.reject(Cervical, "2021-01-10", cyto(ResultNILM), ErrTransition)
		s2 := newSc(s.t, vOld)
		s2.ev(Cervical, "2021-01-10", Treatment{Treatment: TreatmentHysterectomy})
		s2.state(Cervical, "2021-01-10", StateIneligible)
		m := newSc(s.t, "")
		m.ev(NoProgramme, "2000-01-01", Birth{Birth: d(vOld), Sex: SexMale})
		m.state(Cervical, "2021-01-10", StateIneligible)
		m.due(Cervical, "2021-01-10")
	}},
	{Rule: RuleCCUCytologyInterval, Seed: "L1571", Birth: vBirth, Run: func(s *sc) {
		s.ev(Cervical, "2020-03-01", cyto(ResultNILM))
		s.nextDue(Cervical, "2020-03-01", "2021-03-01", RuleCCUCytologyInterval)
		s.ev(Cervical, "2021-03-05", cyto(ResultNILM))
		// Two normal cytologies: three years, but the person turns 30 in
		// 2025, so the HPV rule takes over (3 years after the last normal
		// cytology, L1572): the same date here.
		s.nextDue(Cervical, "2021-03-05", "2024-03-05", RuleCCUCytologyInterval)
		s.due(Cervical, "2024-03-04")
		s.has(Cervical, "2024-03-05", ActInvite, RuleCCUCytologyInterval)
	}},
	{Rule: RuleCCUHPVStart, Seed: "L1572", Birth: vBirth, Run: func(s *sc) {
		// A first normal cytology at 29: the HPV-HR test comes 3 years
		// later, not 1 year later at 30.
		s.ev(Cervical, "2024-06-01", cyto(ResultNILM))
		s.nextDue(Cervical, "2024-06-01", "2027-06-01", RuleCCUHPVStart)
		// Never screened at 30: due straight away (overdue since 25).
		s2 := newSc(s.t, vOld)
		s2.has(Cervical, "2020-09-01", ActInvite, RuleCCUInviteOverdue)
	}},
	{Rule: RuleCCUHPV5Y, Seed: "L1572", Birth: vOld, Run: func(s *sc) {
		s.ev(Cervical, "2021-01-10", hpv(ResultHPVNegative))
		s.nextDue(Cervical, "2021-01-10", "2026-01-10", RuleCCUHPV5Y)
		s.due(Cervical, "2026-01-09")
		s.has(Cervical, "2026-01-10", ActInvite, RuleCCUHPV5Y)
	}},
	{Rule: RuleCCUInviteOverdue, Seed: "L1655, L1557", Birth: vOld, Run: func(s *sc) {
		// A spontaneous test (no invitation) counts: no invitation until
		// the person is overdue.
		s.ev(Cervical, "2020-05-10", hpv(ResultHPVNegative))
		s.due(Cervical, "2024-06-01")
		s.has(Cervical, "2025-05-10", ActInvite, RuleCCUHPV5Y)
	}},
	{Rule: RuleCCURemind12M, Seed: "L1673", Birth: vOld, Run: func(s *sc) {
		s.ev(Cervical, "2021-01-10", Invitation{})
		s.hasNot(Cervical, "2021-05-09", ActReminder1)
		s.has(Cervical, "2021-05-10", ActReminder1, RuleCCURemind12M)
	}},
	{Rule: RuleCCUAPVReminder2, Seed: "L1673, L1613-L1614", Birth: vOld, Run: func(s *sc) {
		s.ev(Cervical, "2021-01-10", Invitation{})
		s.ev(Cervical, "2021-05-10", Reminder{N: 1})
		if a := s.has(Cervical, "2021-09-10", ActReminder2, RuleCCUAPVReminder2); !a.Kit {
			s.t.Fatal("no self-sampling kit at 55")
		}
		// 26-year-old: cytology age group, no self-sampling kit by default.
		s2 := newSc(s.t, vBirth)
		s2.ev(Cervical, "2021-03-01", Invitation{})
		s2.ev(Cervical, "2021-07-01", Reminder{N: 1})
		if a := s2.has(Cervical, "2021-11-01", ActReminder2, RuleCCUAPVReminder2); a.Kit {
			s2.t.Fatal("self-sampling kit at 26")
		}
		// A self-sample is tested for HPV-HR only.
		s.reject(Cervical, "2021-09-20", CervicalTest{Test: TestCytology, Sample: SampleSelf, Result: ResultNILM}, ErrInconsistent)
		s.ev(Cervical, "2021-09-20", CervicalTest{Test: TestHPV, Sample: SampleSelf, Result: ResultHPVNegative})
	}},
	{Rule: RuleCCUReinvite2Y, Seed: "L1674", Birth: vOld, Run: func(s *sc) {
		s.ev(Cervical, "2021-01-10", Invitation{})
		s.ev(Cervical, "2021-05-10", Reminder{N: 1})
		s.ev(Cervical, "2021-09-10", Reminder{N: 2, Kit: true})
		s.due(Cervical, "2023-01-09")
		s.has(Cervical, "2023-01-10", ActInvite, RuleCCUReinvite2Y)
	}},
	{Rule: RuleCCUSuspension, Seed: "L1586-L1588", Birth: vOld, Run: func(s *sc) {
		s.ev(Cervical, "2021-01-10", Treatment{Treatment: TreatmentConservative})
		s.state(Cervical, "2021-01-10", StateSuspended)
		s.due(Cervical, "2030-01-10")
		// A test during the suspension is follow-up, not screening.
		s.ev(Cervical, "2021-07-10", hpv(ResultHPVNegative))
		s.state(Cervical, "2021-07-10", StateSuspended)
		s.ev(Cervical, "2023-01-10", ExclusionEnd{})
		s.state(Cervical, "2023-01-10", StateWaiting)
		s.nextDue(Cervical, "2023-01-10", "2023-01-10", RuleExclusion)
	}},
	{Rule: RuleCCUHigherRisk, Seed: "L1589-L1592", Birth: vOld, Run: func(s *sc) {
		s.ev(Cervical, "2020-01-10", HighRisk{Criterion: RiskImmunodepressed})
		ps := s.state(Cervical, "2020-09-01", StateWaiting)
		if !ps.HigherRisk {
			s.t.Fatal("flag not set")
		}
		s.has(Cervical, "2020-09-01", ActInvite, "")
	}},
	{Rule: RuleCCUUnsatisfactory3M, Seed: "L1691", Birth: vOld, Run: func(s *sc) {
		s.ev(Cervical, "2021-01-10", hpv(ResultUnsatisfactory))
		s.state(Cervical, "2021-01-10", StateUnsatisfactory)
		a := s.has(Cervical, "2021-01-10", ExpResample, RuleCCUUnsatisfactory3M)
		s.window(a, "2021-01-10", "2021-04-10")
		s.ev(Cervical, "2021-02-10", hpv(ResultHPVNegative))
		s.state(Cervical, "2021-02-10", StateWaiting)
	}},
	{Rule: RuleCCUUnsatisfactory2, Seed: "L1692-L1693", Birth: vOld, Run: func(s *sc) {
		s.ev(Cervical, "2021-01-10", hpv(ResultUnsatisfactory))
		s.ev(Cervical, "2021-03-10", hpv(ResultUnsatisfactory))
		s.state(Cervical, "2021-03-10", StateWaiting)
		s.nextDue(Cervical, "2021-03-10", "2026-03-10", RuleCCUUnsatisfactory2)
		s2 := newSc(s.t, vBirth)
		s2.ev(Cervical, "2021-01-10", cyto(ResultUnsatisfactory))
		s2.ev(Cervical, "2021-03-10", cyto(ResultUnsatisfactory))
		s2.nextDue(Cervical, "2021-03-10", "2024-03-10", RuleCCUUnsatisfactory2)
	}},
	{Rule: RuleCCUFollowUp, Seed: "L1702", Birth: vBirth, Run: func(s *sc) {
		s.ev(Cervical, "2021-01-10", cyto(ResultASCUS))
		s.state(Cervical, "2021-01-10", StateFollowUp)
		s.due(Cervical, "2021-01-10")
	}},
	{Rule: RuleCCUTriage, Seed: "L1630", Birth: vOld, Run: func(s *sc) {
		h := s.ev(Cervical, "2021-01-10", hpv(ResultHPVPositive))
		s.has(Cervical, "2021-01-10", ExpReflexCytology, RuleCCUTriage)
		s.ev(Cervical, "2021-01-15", ReflexCytology{Of: h, Result: ResultNILM})
		s.state(Cervical, "2021-01-15", StateRetest)
		s.has(Cervical, "2022-01-10", ExpHPVRetest, RuleCCUTriage)
		s.ev(Cervical, "2022-01-20", hpv(ResultHPVNegative))
		s.state(Cervical, "2022-01-20", StateWaiting)
		s.nextDue(Cervical, "2022-01-20", "2027-01-20", RuleCCUHPV5Y)
		// A reflex cytology needs a positive HPV-HR test.
		n := s.ev(Cervical, "2027-02-01", hpv(ResultHPVNegative))
		s.reject(Cervical, "2027-02-02", ReflexCytology{Of: n, Result: ResultNILM}, ErrNoExam)
	}},
	{Rule: RuleCCUFollowUpDelay, Seed: "L1718", Birth: vOld, Run: func(s *sc) {
		h := s.ev(Cervical, "2021-01-10", hpv(ResultHPVPositive))
		s.ev(Cervical, "2021-01-15", ReflexCytology{Of: h, Result: ResultHSIL})
		s.hasNot(Cervical, "2021-07-14", ActFollowUpEnquiry)
		s.has(Cervical, "2021-07-15", ActFollowUpEnquiry, RuleCCUFollowUpDelay)
		s2 := newSc(s.t, vBirth)
		s2.ev(Cervical, "2021-01-10", cyto(ResultLSIL))
		s2.hasNot(Cervical, "2021-09-09", ActFollowUpEnquiry)
		s2.has(Cervical, "2021-09-10", ActFollowUpEnquiry, RuleCCUFollowUpDelay)
	}},
	{Rule: RuleCCUReminders3M, Seed: "L1719", Birth: vBirth, Run: func(s *sc) {
		s.ev(Cervical, "2021-01-10", cyto(ResultHSIL))
		s.done(Cervical, "2021-07-10", ActFollowUpEnquiry)
		s.hasNot(Cervical, "2021-10-09", ActReminderPrescriber)
		s.has(Cervical, "2021-10-10", ActReminderPrescriber, RuleCCUReminders3M)
		s.done(Cervical, "2021-10-10", ActReminderPrescriber)
		s.has(Cervical, "2021-11-10", ActReminderDoctor, RuleCCUReminders3M)
		s.done(Cervical, "2021-11-10", ActReminderDoctor)
		s.has(Cervical, "2021-12-10", ActReminderPerson, RuleCCUReminders3M)
	}},
	{Rule: RuleCCULost18M, Seed: "L1720", Birth: vBirth, Run: func(s *sc) {
		s.ev(Cervical, "2021-01-10", cyto(ResultHSIL))
		s.done(Cervical, "2021-07-10", ActFollowUpEnquiry)
		s.done(Cervical, "2021-10-10", ActReminderPrescriber)
		s.done(Cervical, "2021-11-10", ActReminderDoctor)
		s.done(Cervical, "2021-12-10", ActReminderPerson)
		s.hasNot(Cervical, "2023-06-09", ActDeclareLost)
		s.has(Cervical, "2023-06-10", ActDeclareLost, RuleCCULost18M)
		s.done(Cervical, "2023-06-10", ActDeclareLost)
		s.state(Cervical, "2023-06-10", StateLost)
		// Re-invited as after two unsatisfactory samples (26 at the test:
		// 3 years after it), but not before the declaration.
		s.nextDue(Cervical, "2023-06-10", "2024-01-10", RuleCCULost18M)
	}},
	{Rule: RuleCCURefusal, Seed: "L1721", Birth: vOld, Run: func(s *sc) {
		s.ev(Cervical, "2021-01-10", cyto(ResultHSIL))
		s.ev(Cervical, "2021-02-10", Refusal{})
		s.state(Cervical, "2021-02-10", StateRefused)
		s.due(Cervical, "2021-12-10")
		s.nextDue(Cervical, "2021-02-10", "2026-01-10", RuleCCULost18M)
	}},
	{Rule: RuleCCUUndecided, Seed: "L1722", Birth: vOld, Run: func(s *sc) {
		s.ev(Cervical, "2021-01-10", cyto(ResultHSIL))
		s.ev(Cervical, "2021-02-10", Undecided{})
		s.due(Cervical, "2021-02-10", ActFinalLetter)
		s.done(Cervical, "2021-02-12", ActFinalLetter)
		s.state(Cervical, "2021-02-12", StateClosed)
		s.due(Cervical, "2021-12-10")
	}},
	{Rule: RuleCCUFollowUpEnd, Seed: "L1711-L1716", Birth: vOld, Run: func(s *sc) {
		h := s.ev(Cervical, "2021-01-10", hpv(ResultHPVPositive))
		s.ev(Cervical, "2021-01-15", ReflexCytology{Of: h, Result: ResultASCUS})
		s.ev(Cervical, "2021-03-01", FollowUpInfo{Status: FollowUpInCare})
		s.hasNot(Cervical, "2021-09-15", ActFollowUpEnquiry)
		s.has(Cervical, "2021-11-01", ActFollowUpEnquiry, RuleCCUFollowUpDelay)
		c := s.ev(Cervical, "2021-04-01", Colposcopy{Finding: FindingHighGrade})
		s.ev(Cervical, "2021-04-10", Histology{Of: c, Finding: FindingHighGrade})
		s.state(Cervical, "2021-04-10", StateFollowUp)
		s.ev(Cervical, "2021-05-10", Treatment{Treatment: TreatmentConservative})
		s.state(Cervical, "2021-05-10", StateSuspended)
		s2 := newSc(s.t, vOld)
		h2 := s2.ev(Cervical, "2021-01-10", hpv(ResultHPVPositive))
		s2.ev(Cervical, "2021-01-15", ReflexCytology{Of: h2, Result: ResultASCUS})
		s2.ev(Cervical, "2021-03-01", Colposcopy{Finding: FindingNormal})
		s2.state(Cervical, "2021-03-01", StateWaiting)
		s2.nextDue(Cervical, "2021-03-01", "2022-03-01", RuleCCUFollowUpEnd)
	}},
}
