package screening

import "time"

const rBirth = "1970-06-10" // 50 on 2020-06-10, 75 on 2045-06-10

// positiveFIT records a positive FIT read on date.
func positiveFIT(s *sc, date string) EventID {
	return s.ev(Colorectal, date, fit(FITPositive, 150))
}

var colorectalScenarios = []scenario{
	{Rule: RuleCCRAge, Seed: "L1295", Birth: rBirth, Run: func(s *sc) {
		s.due(Colorectal, "2020-06-09")
		s.has(Colorectal, "2020-06-10", ActInvite, RuleCCRInterval)
		ee := s.reject(Colorectal, "2020-05-01", fit(FITNegative, 2), ErrAge)
		if ee.Rule != RuleCCRAge {
			s.t.Fatalf("rule %s", ee.Rule)
		}
		s.reject(Colorectal, "2045-06-10", Invitation{}, ErrAge)
		s.ev(Colorectal, "2045-06-09", fit(FITNegative, 2))
		s.hasNot(Colorectal, "2047-06-09", ActInvite)
	}},
	{Rule: RuleCCRInterval, Seed: "L1295", Birth: rBirth, Run: func(s *sc) {
		s.nextDue(Colorectal, "2020-06-10", "2020-06-10", RuleCCRInterval)
	}},
	{Rule: RuleCCRHighRisk, Seed: "L1300", Birth: rBirth, Run: func(s *sc) {
		s.ev(Colorectal, "2020-01-10", HighRisk{Criterion: RiskLynch})
		s.state(Colorectal, "2020-06-10", StateIneligible)
		s.due(Colorectal, "2022-06-10")
		s.reject(Colorectal, "2020-01-11", HighRisk{Criterion: RiskDES}, ErrUnknownCode)
		s.reject(Colorectal, "2020-01-11", HighRisk{Criterion: "gluten"}, ErrUnknownCode)
		// Tested anyway: the positive result is followed, not dropped.
		positiveFIT(s, "2021-03-01")
		s.note(Colorectal, "2021-03-01", RuleCCRHighRisk)
		s.state(Colorectal, "2021-03-01", StateFollowUp)
	}},
	{Rule: RuleCCRColonoscopy5Y, Seed: "L1313-L1315", Birth: rBirth, Run: func(s *sc) {
		s.ev(Colorectal, "2019-09-01", Colonoscopy{Finding: FindingNormal})
		s.state(Colorectal, "2020-06-10", StateExcluded)
		s.due(Colorectal, "2024-08-31")
		s.has(Colorectal, "2024-09-01", ActInvite, RuleCCRColonoscopy5Y)
	}},
	{Rule: RuleCCRCTC2Y, Seed: "L1317-L1319", Birth: rBirth, Run: func(s *sc) {
		s.ev(Colorectal, "2021-09-01", CTColonography{})
		s.due(Colorectal, "2023-08-31")
		s.has(Colorectal, "2023-09-01", ActInvite, RuleCCRCTC2Y)
	}},
	{Rule: RuleCCRRemind12M, Seed: "L1394-L1395", Birth: rBirth, Run: func(s *sc) {
		s.ev(Colorectal, "2020-07-01", Invitation{})
		s.hasNot(Colorectal, "2020-10-31", ActReminder1)
		s.has(Colorectal, "2020-11-01", ActReminder1, RuleCCRRemind12M)
		s.ev(Colorectal, "2020-11-02", Reminder{N: 1})
		s.hasNot(Colorectal, "2021-02-28", ActReminder2)
		s.has(Colorectal, "2021-03-01", ActReminder2, RuleCCRKitReminder2)
		// An ineligibility reported stops the reminders (L1394).
		s.ev(Colorectal, "2021-02-01", HighRisk{Criterion: RiskIBD})
		s.due(Colorectal, "2021-03-01")
	}},
	{Rule: RuleCCRKitReminder2, Seed: "L1395, L1372", Birth: rBirth, Run: func(s *sc) {
		// Took part in a previous campaign: kit with the second reminder.
		s.ev(Colorectal, "2020-09-01", fit(FITNegative, 3))
		s.ev(Colorectal, "2022-09-05", Invitation{})
		s.ev(Colorectal, "2023-01-05", Reminder{N: 1})
		if a := s.has(Colorectal, "2023-05-05", ActReminder2, RuleCCRKitReminder2); !a.Kit {
			s.t.Fatal("no kit for a past participant")
		}
		// Never took part: no kit.
		s2 := newSc(s.t, rBirth)
		s2.ev(Colorectal, "2022-09-05", Invitation{})
		s2.ev(Colorectal, "2023-01-05", Reminder{N: 1})
		if a := s2.has(Colorectal, "2023-05-05", ActReminder2, RuleCCRKitReminder2); a.Kit {
			s2.t.Fatal("kit for a person who never took part")
		}
	}},
	{Rule: RuleCCROrderReminder, Seed: "L1396", Birth: rBirth, Run: func(s *sc) {
		s.ev(Colorectal, "2020-07-01", Invitation{})
		s.ev(Colorectal, "2020-07-10", KitOrder{Channel: ChannelOnline, ConsentDigitalReminder: true})
		s.hasNot(Colorectal, "2020-08-09", ActOrderReminder)
		s.has(Colorectal, "2020-08-10", ActOrderReminder, RuleCCROrderReminder)
		s.ev(Colorectal, "2020-08-11", ActionDone{Action: ActOrderReminder, Channel: ChannelSMS})
		s.hasNot(Colorectal, "2020-08-12", ActOrderReminder)
		// Without consent, no digital reminder.
		s2 := newSc(s.t, rBirth)
		s2.ev(Colorectal, "2020-07-01", Invitation{})
		s2.ev(Colorectal, "2020-07-10", KitOrder{Channel: ChannelOnline})
		s2.hasNot(Colorectal, "2020-08-10", ActOrderReminder)
	}},
	{Rule: RuleCCRReinvite, Seed: "L1295", Birth: rBirth, Run: func(s *sc) {
		s.ev(Colorectal, "2020-07-01", Invitation{})
		s.ev(Colorectal, "2020-11-02", Reminder{N: 1})
		s.ev(Colorectal, "2021-03-02", Reminder{N: 2, Kit: true})
		s.due(Colorectal, "2022-06-30")
		s.has(Colorectal, "2022-07-01", ActInvite, RuleCCRReinvite)
	}},
	{Rule: RuleCCRThreshold, Seed: "L1463, L1524", Birth: rBirth, Run: func(s *sc) {
		s.reject(Colorectal, "2021-01-05", FITResult{Outcome: FITNegative, Value: 45, Threshold: 30}, ErrInconsistent)
		s.reject(Colorectal, "2021-01-05", FITResult{Outcome: FITPositive, Value: 45}, ErrMissingField)
		s.reject(Colorectal, "2021-01-05", FITResult{Outcome: "weak"}, ErrUnknownCode)
		// The threshold is stored with the result: a later change of
		// threshold does not rewrite history.
		s.ev(Colorectal, "2021-01-05", FITResult{Outcome: FITNegative, Value: 25, Threshold: 30})
		s.ev(Colorectal, "2023-02-05", FITResult{Outcome: FITPositive, Value: 25, Threshold: 20})
		s.state(Colorectal, "2023-02-05", StateFollowUp)
	}},
	{Rule: RuleCCRNegative2Y, Seed: "L1432", Birth: rBirth, Run: func(s *sc) {
		s.ev(Colorectal, "2020-07-01", Invitation{})
		s.ev(Colorectal, "2020-08-20", fit(FITNegative, 4))
		s.state(Colorectal, "2020-08-20", StateWaiting)
		s.due(Colorectal, "2022-08-19")
		s.has(Colorectal, "2022-08-20", ActInvite, RuleCCRNegative2Y)
	}},
	{Rule: RuleCCRNonAnalysableKit, Seed: "L1423, L1492", Birth: rBirth, Run: func(s *sc) {
		s.ev(Colorectal, "2020-07-01", Invitation{})
		s.ev(Colorectal, "2024-04-29", FITResult{Outcome: FITNonAnalysable, Reasons: []string{"sampling date missing"}})
		s.state(Colorectal, "2024-04-29", StateNonAnalysable)
		a := s.has(Colorectal, "2024-04-29", ActReplacementKit, RuleCCRNonAnalysableKit)
		// 30 jours ouvrables through May 2024 (1, 8, 9 and 20 May).
		s.window(a, "2024-04-29", "2024-06-07")
		if a.Actor != ActorSupplier {
			s.t.Fatalf("actor %s", a.Actor)
		}
		s.ev(Colorectal, "2024-05-10", KitSent{Replacement: true})
		s.hasNot(Colorectal, "2024-05-10", ActReplacementKit)
		s.ev(Colorectal, "2024-05-25", fit(FITNegative, 1))
		s.state(Colorectal, "2024-05-25", StateWaiting)
	}},
	{Rule: RuleCCRLab48H, Seed: "L1485", Birth: rBirth, Run: func(s *sc) {
		at := func(v string) time.Time { t, _ := time.Parse("2006-01-02 15:04", v); return t }
		late := fit(FITNegative, 3)
		late.Read, late.SentToCentre = at("2024-05-03 10:00"), at("2024-05-07 11:00")
		s.ev(Colorectal, "2024-05-03", late)
		s.note(Colorectal, "2024-05-07", RuleCCRLab48H)
		s2 := newSc(s.t, rBirth)
		ok := fit(FITNegative, 3)
		ok.Read, ok.SentToCentre = at("2024-05-03 10:00"), at("2024-05-07 10:00") // 48 h ouvrées exactly
		s2.ev(Colorectal, "2024-05-03", ok)
		s2.noNote(Colorectal, "2024-05-07", RuleCCRLab48H)
	}},
	{Rule: RuleCCRLabTurnaround, Seed: "L1471, L1472", Birth: rBirth, Run: func(s *sc) {
		r := fit(FITNegative, 3)
		r.Sampled, r.LabReceived = d("2024-04-20"), d("2024-04-24")
		s.ev(Colorectal, "2024-04-29", r) // 9 days after sampling, 3 jours ouvrés after receipt
		s.note(Colorectal, "2024-04-29", RuleCCRLabTurnaround)
		s2 := newSc(s.t, rBirth)
		r.Sampled, r.LabReceived = d("2024-04-25"), d("2024-04-26")
		s2.ev(Colorectal, "2024-04-29", r)
		s2.noNote(Colorectal, "2024-04-29", RuleCCRLabTurnaround)
	}},
	{Rule: RuleCCRPositive, Seed: "L1433", Birth: rBirth, Run: func(s *sc) {
		positiveFIT(s, "2022-03-01")
		s.state(Colorectal, "2022-03-01", StateFollowUp)
		s.due(Colorectal, "2022-03-01", ExpColonoscopy)
		s.has(Colorectal, "2022-06-01", ActDoctorEnquiry, RuleCCRPositive)
	}},
	{Rule: RuleCCRDoctorFirst, Seed: "L1435", Birth: rBirth, Run: func(s *sc) {
		positiveFIT(s, "2022-03-01")
		// Six months on, without the doctor's opinion, no letter to the person.
		s.hasNot(Colorectal, "2022-09-01", ActPersonReminder)
		s.done(Colorectal, "2022-06-02", ActDoctorEnquiry)
		a := s.has(Colorectal, "2022-09-01", ActPersonReminder, RuleCCRDoctorFirst)
		s.window(a, "2022-09-01", "2023-03-01")
	}},
	{Rule: RuleCCRReminder1Y, Seed: "L1436", Birth: rBirth, Run: func(s *sc) {
		s.ev(Colorectal, "2022-03-01", FITResult{Outcome: FITPositive, Value: 90, Threshold: 30, ResultSent: d("2022-03-03")})
		s.done(Colorectal, "2022-06-03", ActDoctorEnquiry)
		a := s.has(Colorectal, "2022-09-03", ActPersonReminder, RuleCCRDoctorFirst)
		s.window(a, "2022-09-03", "2023-03-03")
		s.done(Colorectal, "2022-09-05", ActPersonReminder)
		s.hasNot(Colorectal, "2022-12-04", ActOtherReminder)
		s.has(Colorectal, "2022-12-05", ActOtherReminder, RuleCCRReminder1Y)
		// A configuration that sends the letter after the year is refused.
		var cfg Config
		cfg.Colorectal.PersonReminderAfter = Period{Months: 13}
		if _, err := New(Options{Config: cfg}); err == nil {
			s.t.Fatal("config with the reminder after a year accepted")
		}
	}},
	{Rule: RuleCCRStop2Y, Seed: "L1438", Name: "positive FIT without colonoscopy data", Birth: rBirth, Run: func(s *sc) {
		positiveFIT(s, "2022-03-01")
		s.done(Colorectal, "2022-06-01", ActDoctorEnquiry)
		s.done(Colorectal, "2022-09-01", ActPersonReminder)
		s.done(Colorectal, "2022-12-01", ActOtherReminder)
		s.hasNot(Colorectal, "2024-02-29", ActStopFollowUp)
		s.has(Colorectal, "2024-03-01", ActStopFollowUp, RuleCCRStop2Y)
		s.hasNot(Colorectal, "2024-03-01", ActInvite)
		s.done(Colorectal, "2024-03-02", ActStopFollowUp)
		s.state(Colorectal, "2024-03-02", StateClosed)
		s.has(Colorectal, "2024-03-02", ActInvite, RuleCCRStop2Y)
		s.ev(Colorectal, "2024-03-10", Invitation{})
		s.state(Colorectal, "2024-03-10", StateInvited)
	}},
	{Rule: RuleCCRRefusal, Seed: "L1439", Birth: rBirth, Run: func(s *sc) {
		positiveFIT(s, "2022-03-01")
		s.ev(Colorectal, "2022-04-01", Refusal{})
		s.state(Colorectal, "2022-04-01", StateRefused)
		s.due(Colorectal, "2022-09-01")
		s.due(Colorectal, "2024-02-29")
		s.has(Colorectal, "2024-03-01", ActInvite, RuleCCRRefusal)
	}},
	{Rule: RuleCCRUndecided, Seed: "L1440", Birth: rBirth, Run: func(s *sc) {
		positiveFIT(s, "2022-03-01")
		s.ev(Colorectal, "2022-05-01", Undecided{})
		s.due(Colorectal, "2022-05-01", ActFinalLetter)
		s.done(Colorectal, "2022-05-03", ActFinalLetter)
		s.state(Colorectal, "2022-05-03", StateClosed)
		s.due(Colorectal, "2022-12-01")
		s.has(Colorectal, "2024-03-01", ActInvite, RuleCCRStop2Y)
	}},
	{Rule: RuleCCRColonoscopyResult, Seed: "L1303, L1315", Birth: rBirth, Run: func(s *sc) {
		f := positiveFIT(s, "2022-03-01")
		c := s.ev(Colorectal, "2022-04-15", Colonoscopy{Finding: FindingAdenoma})
		s.state(Colorectal, "2022-04-15", StateIneligible)
		s.ev(Colorectal, "2022-04-25", Histology{Of: c, Finding: FindingAdvancedAdenoma})
		s.due(Colorectal, "2024-06-01")
		_ = f
		// Normal total colonoscopy: 5 years.
		s2 := newSc(s.t, rBirth)
		positiveFIT(s2, "2022-03-01")
		s2.ev(Colorectal, "2022-04-15", Colonoscopy{Finding: FindingNormal})
		s2.state(Colorectal, "2022-04-15", StateExcluded)
		s2.nextDue(Colorectal, "2022-04-15", "2027-04-15", RuleCCRColonoscopy5Y)
		// Incomplete without CT colonography: the follow-up stays open.
		s3 := newSc(s.t, rBirth)
		positiveFIT(s3, "2022-03-01")
		s3.ev(Colorectal, "2022-04-15", Colonoscopy{Incomplete: true, Finding: FindingNormal})
		s3.state(Colorectal, "2022-04-15", StateFollowUp)
		s3.ev(Colorectal, "2022-05-15", CTColonography{})
		s3.nextDue(Colorectal, "2022-05-15", "2024-05-15", RuleCCRCTC2Y)
	}},
}
