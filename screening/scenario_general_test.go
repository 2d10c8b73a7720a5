package screening

import (
	"context"
	"encoding/json"
	"errors"
)

var generalScenarios = []scenario{
	{Rule: RuleIdempotent, Seed: "L465", Birth: rBirth, Run: func(s *sc) {
		e := s.mk(Colorectal, "2021-03-01", fit(FITPositive, 80))
		ctx := context.Background()
		for i := 0; i < 3; i++ {
			res, err := s.eng.Ingest(ctx, []Event{e})
			if err != nil || len(res.Rejected) > 0 {
				s.t.Fatal(err, res.Rejected)
			}
			if (i == 0) != (res.Accepted == 1) || (i > 0) != (res.Duplicates == 1) {
				s.t.Fatalf("send %d: %+v", i, res)
			}
		}
		evs, _ := s.eng.Store().Events(ctx, s.person)
		if len(evs) != 2 {
			s.t.Fatalf("%d events stored, want 2 (birth, FIT)", len(evs))
		}
		// The same ID with another content is a conflict.
		e2 := e
		e2.Data = fit(FITNegative, 3)
		res, _ := s.eng.Ingest(ctx, []Event{e2})
		if len(res.Rejected) != 1 || !errors.Is(res.Rejected[0].Err, ErrConflict) {
			s.t.Fatalf("conflict not rejected: %+v", res)
		}
		s.state(Colorectal, "2021-03-01", StateFollowUp)
	}},
	{Rule: RuleUnknown, Seed: "L30", Birth: bBirth, Run: func(s *sc) {
		s.reject(Colorectal, "2024-05-02", Mammogram{}, ErrUnknownCode)
		s.reject(NoProgramme, "2024-05-02", Invitation{}, ErrUnknownCode)
		s.reject(Breast, "2024-05-02", ActionDone{Action: "send-flowers"}, ErrUnknownCode)
		s.reject(Breast, "2024-05-02", ActionDone{Action: ActInvite}, ErrUnknownCode)
		var e Event
		for _, js := range []string{
			`{"id":"x","person":"P1","programme":"prostate","date":"2024-05-02","kind":"invitation"}`,
			`{"id":"x","person":"P1","programme":"breast","date":"2024-05-02","kind":"tomosynthesis"}`,
			`{"id":"x","person":"P1","programme":"breast","date":"2024-05-02","kind":"reading","data":{"Of":"m","Reader":"L1","Category":6}}`,
		} {
			if err := json.Unmarshal([]byte(js), &e); !errors.Is(err, ErrUnknownCode) {
				s.t.Fatalf("%s: %v", js, err)
			}
		}
	}},
	{Rule: RuleFuture, Seed: "L465", Birth: bBirth, Run: func(s *sc) {
		s.setNow("2024-06-01")
		ee := s.reject(Breast, "2024-06-02", Invitation{}, ErrFutureDate)
		if ee.Rule != RuleFuture || ee.Event == "" {
			s.t.Fatalf("error %v", ee)
		}
		s.ev(Breast, "2024-06-01", Invitation{})
	}},
	{Rule: RuleReference, Seed: "L465", Birth: bBirth, Run: func(s *sc) {
		s.reject(Breast, "2024-05-02", l1("nothing", ACR1), ErrNoExam)
		inv := s.ev(Breast, "2024-04-02", Invitation{})
		s.reject(Breast, "2024-05-02", l1(inv, ACR1), ErrNoExam)
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.reject(Breast, "2024-05-01", l1(m, ACR1), ErrNoExam)
		s.reject(Breast, "2024-05-03", Histology{Finding: FindingBenign}, ErrMissingField)
		// Exam and result in one batch: accepted in canonical order.
		s2 := newSc(s.t, bBirth)
		m2 := s2.mk(Breast, "2024-05-02", Mammogram{})
		r2 := s2.mk(Breast, "2024-05-02", l1(m2.ID, ACR1))
		res, err := s2.eng.Ingest(context.Background(), []Event{r2, m2})
		if err != nil || res.Accepted != 2 {
			s2.t.Fatalf("%+v %v", res, err)
		}
	}},
	{Rule: RuleBirthFirst, Seed: "L112", Run: func(s *sc) {
		s.reject(Breast, "2024-05-02", Invitation{}, ErrNoBirth)
		s.ev(NoProgramme, "2024-05-01", Birth{Birth: d(bBirth)})
		s.ev(Breast, "2024-05-02", Invitation{})
	}},
	{Rule: RuleDeath, Seed: "L112", Birth: bBirth, Run: func(s *sc) {
		m := s.ev(Breast, "2024-05-02", Mammogram{})
		s.ev(Breast, "2024-05-02", l1(m, ACR4))
		s.ev(NoProgramme, "2024-06-01", Death{})
		s.state(Breast, "2024-06-01", StateDeceased)
		s.state(Colorectal, "2024-06-01", StateDeceased)
		s.due(Breast, "2024-09-01")
		s.due(Colorectal, "2024-09-01")
		s.reject(Breast, "2024-06-02", ActionDone{Action: ActNewsRequest}, ErrAfterDeath)
	}},
	{Rule: RuleTransition, Seed: "L465", Birth: rBirth, Run: func(s *sc) {
		s.ev(Colorectal, "2021-01-10", Invitation{})
		ee := s.reject(Colorectal, "2021-02-10", Undecided{}, ErrTransition)
		var it *InvalidTransitionError
		if !errors.As(ee, &it) || it.State != StateInvited || it.Trigger != TrigUndecided {
			s.t.Fatalf("error %#v", ee.Err)
		}
		if !Can(Colorectal, StateFollowUp, TrigUndecided) || Can(Colorectal, StateInvited, TrigUndecided) {
			s.t.Fatal("Can")
		}
	}},
	{Rule: RuleOpposeReminders, Seed: "L54", Birth: rBirth, Run: func(s *sc) {
		s.ev(Colorectal, "2021-01-10", Invitation{})
		s.ev(Colorectal, "2021-02-01", Opposition{Scope: OpposeReminders})
		s.due(Colorectal, "2021-06-01")
		s.due(Colorectal, "2022-01-09")
		// The next cycle's invitation comes, and its reminders.
		s.has(Colorectal, "2023-01-10", ActInvite, RuleCCRReinvite)
		s.ev(Colorectal, "2023-01-10", Invitation{})
		s.has(Colorectal, "2023-05-10", ActReminder1, RuleCCRRemind12M)
	}},
	{Rule: RuleNoOpposeInvitation, Seed: "L53", Birth: bBirth, Run: func(s *sc) {
		s.ev(Breast, "2024-01-10", Opposition{Scope: OpposeReminders})
		s.has(Breast, "2024-03-15", ActInvite, RuleBreastInterval)
		s.ev(Breast, "2024-03-20", Invitation{})
		s.hasNot(Breast, "2024-07-20", ActReminder1)
	}},
	{Rule: RuleOpposeResults, Seed: "L453, L1662, L1730", Birth: vOld, Run: func(s *sc) {
		s.ev(Cervical, "2021-01-10", cyto(ResultHSIL))
		s.ev(Cervical, "2021-02-01", Opposition{Scope: OpposeResults})
		s.reject(Cervical, "2021-03-01", Colposcopy{Finding: FindingNormal}, ErrResultsOpposed)
		s.due(Cervical, "2021-12-01")
		s.ev(Cervical, "2021-04-01", OppositionWithdrawn{Scope: OpposeResults})
		s.ev(Cervical, "2021-04-02", Colposcopy{Finding: FindingNormal})
		// Opposing stays possible once she has left the programme (L453
		// sets no condition): it governs the results the centre holds.
		s.ev(Cervical, "2021-06-01", Exclusion{Reason: "study", Definitive: true})
		s.ev(Cervical, "2021-07-01", Opposition{Scope: OpposeResults})
		s.state(Cervical, "2021-07-01", StateIneligible)
	}},
	{Rule: RuleExclusion, Seed: "L114-L115", Birth: rBirth, Run: func(s *sc) {
		s.ev(Colorectal, "2020-05-01", Exclusion{Reason: "symptoms", Until: d("2021-05-01")})
		s.state(Colorectal, "2020-06-10", StateExcluded)
		s.due(Colorectal, "2021-04-30")
		s.has(Colorectal, "2021-05-01", ActInvite, RuleExclusion)
		s.reject(Colorectal, "2021-06-01", Exclusion{Reason: "study"}, ErrMissingField)
		s.ev(Colorectal, "2021-06-01", Exclusion{Reason: "study", Definitive: true})
		s.state(Colorectal, "2021-06-01", StateIneligible)
		s.due(Colorectal, "2030-01-01")
	}},
	{Rule: RuleMove, Seed: "L594, L1435", Birth: rBirth, Run: func(s *sc) {
		s.ev(Colorectal, "2021-01-10", Invitation{})
		s.ev(NoProgramme, "2021-02-10", Move{Department: "57"})
		st, _ := s.eng.State(context.Background(), s.person, d("2021-02-10"))
		if st.Department != "57" {
			s.t.Fatalf("department %q", st.Department)
		}
		s.state(Colorectal, "2021-02-10", StateInvited)
	}},
	{Rule: RuleFollowUpAge, Seed: "L387", Birth: rBirth, Run: func(s *sc) {
		positiveFIT(s, "2045-05-01") // 74
		s.has(Colorectal, "2045-08-01", ActDoctorEnquiry, RuleCCRPositive)
		var cfg Config
		cfg.StopFollowUpAtAge = true
		s2 := newSc(s.t, rBirth, cfg)
		positiveFIT(s2, "2045-05-01")
		s2.hasNot(Colorectal, "2045-08-01", ActDoctorEnquiry)
	}},
}
