package birads

import (
	"context"
	"testing"
	"time"
)

// Routing rules: "fires" means the rule is in the decision's chain.

func pendingZero(f *Form) {
	f.L1.Findings = []Finding{calcCluster(Left)}
	f.L1.Provisional.Left, f.L1.Final.Left = ACR0, NoCategory
}

func mobile(f *Form) {
	f.Site.MobileUnit = &MobileUnit{DoctorPresent: true}
}

// IV.B, L681; I.A, L593: immediate workup.
func TestRule_BR_ROUTE_IMMEDIATE_WORKUP(t *testing.T) {
	checkRuleCases(t, "BR_ROUTE_IMMEDIATE_WORKUP", []ruleCase{
		{name: "provisional 0", fires: true, form: pendingZero},
		{name: "abnormal clinical exam, provisional 1", fires: true, form: func(f *Form) {
			f.ClinicalExam = ClinicalAbnormal
			f.L1.Provisional, f.L1.Final = f.L1.Final, Breasts{}
		}},
		{name: "mobile unit without radiologist", fires: false, form: func(f *Form) { pendingZero(f); mobile(f) }},
		{name: "negative", fires: false},
	})
}

// Annexe 2, L1108, L1107: deferred workup by the first reader.
func TestRule_BR_ROUTE_DEFERRED_WORKUP_L1(t *testing.T) {
	checkRuleCases(t, "BR_ROUTE_DEFERRED_WORKUP_L1", []ruleCase{
		{name: "deferred, prior documents", fires: true, form: func(f *Form) {
			pendingZero(f)
			f.L1.ImmediateWorkup = &Workup{Status: WorkupDeferred, Deferral: DeferPriorDocuments}
		}},
		{name: "pending, not deferred", fires: false, form: pendingZero},
	})
}

// IV.D, L735-L736: mobile unit positive.
func TestRule_BR_ROUTE_MOBILE_POSITIVE(t *testing.T) {
	checkRuleCases(t, "BR_ROUTE_MOBILE_POSITIVE", []ruleCase{
		{name: "mobile 0", fires: true, form: func(f *Form) {
			pendingZero(f)
			mobile(f)
			f.L1.ImmediateWorkup = &Workup{Status: WorkupDeferred, Deferral: DeferMobileNoRadiologist}
		}},
		{name: "mobile negative", fires: false, form: mobile},
		{name: "fixed 0", fires: false, form: pendingZero},
	})
}

func refusal(f *Form) {
	pendingZero(f)
	f.L1.Final.Left = ACR0
	f.L1.ImmediateWorkup = &Workup{Status: WorkupRefused}
	f.L1.Course = []CourseOfAction{CourseWorkup}
}

// IV.B, L690-L694: refusal.
func TestRule_BR_ROUTE_REFUSAL(t *testing.T) {
	checkRuleCases(t, "BR_ROUTE_REFUSAL", []ruleCase{
		{name: "refused", fires: true, form: refusal},
		{name: "refused, read in L2 anyway", fires: true, form: func(f *Form) { refusal(f); withL2(f, ACR1, ACR0) }},
		{name: "workup done", fires: false, form: func(f *Form) { withWorkup(f, calcCluster(Left), ACR2, CourseRoutine, MagnificationProfile) }},
	})
}

// V.D, L792, L799; IV.C, L707: positive at first reading.
func TestRule_BR_ROUTE_L1_POSITIVE(t *testing.T) {
	checkRuleCases(t, "BR_ROUTE_L1_POSITIVE", []ruleCase{
		{name: "5", fires: true, form: func(f *Form) { withWorkup(f, spiculatedMass(Left), ACR5, CourseHistology, Ultrasound) }},
		{name: "deferred workup after L1 confirms 4", fires: true, form: func(f *Form) {
			pendingZero(f)
			f.L1.ImmediateWorkup = &Workup{Status: WorkupDeferred, Deferral: DeferPersonWish}
			f.L1.Findings = []Finding{spiculatedMass(Left)}
			f.DeferredWorkup = &DeferredWorkup{After: AfterL1, Exams: []Procedure{Ultrasound}, Conclusion: "x", Final: Breasts{Right: ACR1, Left: ACR5}, Course: []CourseOfAction{CourseHistology}}
		}},
		{name: "2 after workup", fires: false, form: func(f *Form) { withWorkup(f, calcCluster(Left), ACR2, CourseRoutine, MagnificationProfile) }},
	})
}

func clinicalWorkup(course CourseOfAction) func(*Form) {
	return func(f *Form) {
		f.ClinicalExam = ClinicalAbnormal
		f.L1.ImmediateWorkup = &Workup{Status: WorkupDone, Reason: ReasonClinical, Exams: []Procedure{Ultrasound}, Result: "x"}
		f.L1.Course = []CourseOfAction{course}
	}
}

// V.D, L795: clinical positive with a 1-2 mammogram.
func TestRule_BR_ROUTE_CLINICAL_POSITIVE(t *testing.T) {
	checkRuleCases(t, "BR_ROUTE_CLINICAL_POSITIVE", []ruleCase{
		{name: "workup confirms biopsy", fires: true, form: clinicalWorkup(CourseHistology)},
		{name: "workup reassures", fires: false, form: clinicalWorkup(CourseRoutine)},
	})
}

// IV.B, L676, L684; IV.C, L701: to second reading.
func TestRule_BR_ROUTE_TO_L2(t *testing.T) {
	checkRuleCases(t, "BR_ROUTE_TO_L2", []ruleCase{
		{name: "1-1", fires: true},
		{name: "negativated 2", fires: true, form: func(f *Form) { withWorkup(f, calcCluster(Left), ACR2, CourseRoutine, MagnificationProfile) }},
		{name: "clinical, workup reassures", fires: true, form: clinicalWorkup(CourseRoutine)},
		{name: "mobile negative", fires: true, form: mobile},
		{name: "clinical, workup confirms", fires: false, form: clinicalWorkup(CourseSurveillance)},
		{name: "already read", fires: false, form: func(f *Form) { withL2(f, ACR1, ACR1) }},
	})
}

func mobileDeferred(final Category, course CourseOfAction) func(*Form) {
	return func(f *Form) {
		pendingZero(f)
		mobile(f)
		f.L1.Final.Left = ACR0
		f.L1.Course = []CourseOfAction{CourseWorkup}
		f.L1.ImmediateWorkup = &Workup{Status: WorkupDeferred, Deferral: DeferMobileNoRadiologist}
		f.DeferredWorkup = &DeferredWorkup{After: AfterL1, Exams: []Procedure{MagnificationFace, MagnificationProfile}, Conclusion: "x",
			Final: Breasts{Right: ACR1, Left: final}, Course: []CourseOfAction{course}}
	}
}

// IV.D, L737; annexe 2, L1107: cleared deferred workup after L1 goes to L2.
func TestRule_BR_ROUTE_CLEARED_TO_L2(t *testing.T) {
	checkRuleCases(t, "BR_ROUTE_CLEARED_TO_L2", []ruleCase{
		{name: "mobile cleared", fires: true, form: mobileDeferred(ACR2, CourseRoutine)},
		{name: "mobile confirmed 3", fires: false, form: mobileDeferred(ACR3, CourseSurveillance)},
		{name: "cleared after L2 (L812)", fires: false, form: deferredAfterL2(ACR1, CourseRoutine)},
	})
}

// V.A, L759: negative at both readings.
func TestRule_BR_ROUTE_L2_NEGATIVE(t *testing.T) {
	checkRuleCases(t, "BR_ROUTE_L2_NEGATIVE", []ruleCase{
		{name: "1-1 / 1-1", fires: true, form: func(f *Form) { withL2(f, ACR1, ACR1) }},
		{name: "discordant", fires: false, form: withL2Positive},
		{name: "CTI", fires: false, form: func(f *Form) {
			withL2(f, ACR1, ACR1)
			f.L2.CTI = &CTI{Reason: CTIPositioning, Action: Retake}
		}},
	})
}

// V.E, L808-L809, L786: positive at second reading.
func TestRule_BR_ROUTE_L2_POSITIVE(t *testing.T) {
	checkRuleCases(t, "BR_ROUTE_L2_POSITIVE", []ruleCase{
		{name: "L2 0", fires: true, form: withL2Positive},
		{name: "L2 0 with CTI", fires: true, form: func(f *Form) {
			withL2Positive(f)
			f.L2.CTI = &CTI{Reason: CTIPositioning, Action: Retake}
		}},
		{name: "L2 negative", fires: false, form: func(f *Form) { withL2(f, ACR1, ACR1) }},
	})
}

// V.G, L835, L837, L843: technically inadequate images.
func TestRule_BR_ROUTE_CTI(t *testing.T) {
	checkRuleCases(t, "BR_ROUTE_CTI", []ruleCase{
		{name: "CTI retake", fires: true, form: func(f *Form) {
			f.L2 = &L2Reading{Reader: "RPPS-2", CTI: &CTI{Reason: CTIPositioning, Action: Retake}}
		}},
		{name: "no CTI", fires: false, form: func(f *Form) { withL2(f, ACR1, ACR1) }},
	})
}

func deferredAfterL2(final Category, course CourseOfAction) func(*Form) {
	return func(f *Form) {
		withL2Positive(f)
		f.DeferredWorkup = &DeferredWorkup{After: AfterL2, Exams: []Procedure{MagnificationFace, MagnificationProfile, Ultrasound}, Conclusion: "x",
			Findings: []Finding{calcCluster(Left)}, Final: Breasts{Left: final}, Course: []CourseOfAction{course}}
	}
}

// V.E, L812: cleared after L2, no new second reading.
func TestRule_BR_ROUTE_CLEARED_NO_NEW_L2(t *testing.T) {
	checkRuleCases(t, "BR_ROUTE_CLEARED_NO_NEW_L2", []ruleCase{
		{name: "cleared", fires: true, form: deferredAfterL2(ACR1, CourseRoutine)},
		{name: "confirmed 3", fires: false, form: deferredAfterL2(ACR3, CourseSurveillance)},
		{name: "mobile cleared after L1", fires: false, form: mobileDeferred(ACR1, CourseRoutine)},
	})
}

// V.E, L811: positive after the deferred workup.
func TestRule_BR_ROUTE_POSITIVE_AFTER_WORKUP(t *testing.T) {
	checkRuleCases(t, "BR_ROUTE_POSITIVE_AFTER_WORKUP", []ruleCase{
		{name: "confirmed 3", fires: true, form: deferredAfterL2(ACR3, CourseSurveillance)},
		{name: "cleared", fires: false, form: deferredAfterL2(ACR2, CourseRoutine)},
	})
}

// Annexe 2, L1120; V.F, L823; V.C, L773: category 3 surveillance.
func TestRule_BR_ROUTE_ACR3_SURVEILLANCE(t *testing.T) {
	checkRuleCases(t, "BR_ROUTE_ACR3_SURVEILLANCE", []ruleCase{
		{name: "L1 3", fires: true, form: func(f *Form) {
			withWorkup(f, calcCluster(Left), ACR3, CourseSurveillance, MagnificationFace, MagnificationProfile)
		}},
		{name: "deferred 3 after L2", fires: true, form: deferredAfterL2(ACR3, CourseSurveillance)},
		{name: "clinical positive, surveillance", fires: true, form: clinicalWorkup(CourseSurveillance)},
		{name: "3 with biopsy (L779)", fires: false, form: func(f *Form) {
			withWorkup(f, calcCluster(Left), ACR3, CourseHistology, MagnificationFace, MagnificationProfile)
		}},
		{name: "5", fires: false, form: func(f *Form) { withWorkup(f, spiculatedMass(Left), ACR5, CourseHistology, Ultrasound) }},
	})
}

// Annexe 2, L1125; V.C, L769, L780: histology follow-up.
func TestRule_BR_ROUTE_ACR45_HISTOLOGY(t *testing.T) {
	checkRuleCases(t, "BR_ROUTE_ACR45_HISTOLOGY", []ruleCase{
		{name: "5", fires: true, form: func(f *Form) { withWorkup(f, spiculatedMass(Left), ACR5, CourseHistology, Ultrasound) }},
		{name: "3 with biopsy (L779)", fires: true, form: func(f *Form) {
			withWorkup(f, calcCluster(Left), ACR3, CourseHistology, MagnificationFace, MagnificationProfile)
		}},
		{name: "3 surveillance", fires: false, form: func(f *Form) {
			withWorkup(f, calcCluster(Left), ACR3, CourseSurveillance, MagnificationFace, MagnificationProfile)
		}},
	})
}

// IV.B, L680: suspicious ultrasound, quick second reading.
func TestRule_BR_ROUTE_US_SUSPICIOUS_FAST_L2(t *testing.T) {
	checkRuleCases(t, "BR_ROUTE_US_SUSPICIOUS_FAST_L2", []ruleCase{
		{name: "suspicious ultrasound", fires: true, form: func(f *Form) {
			f.L1.Ultrasound = &BreastsUS{Right: USSuspicious}
			f.L1.Course = []CourseOfAction{CourseSurveillance}
		}},
		{name: "benign ultrasound", fires: false, form: func(f *Form) { f.L1.Ultrasound = &BreastsUS{Right: USBenign} }},
	})
}

// V.B, L763-L764: negative screening with positive ultrasound.
func TestRule_BR_ROUTE_NEGATIVE_US_POSITIVE(t *testing.T) {
	checkRuleCases(t, "BR_ROUTE_NEGATIVE_US_POSITIVE", []ruleCase{
		{name: "L2 negative, suspicious ultrasound", fires: true, form: func(f *Form) {
			f.L1.Ultrasound = &BreastsUS{Left: USSuspicious}
			f.L1.Course = []CourseOfAction{CourseHistology}
			withL2(f, ACR1, ACR1)
		}},
		{name: "L2 negative, normal ultrasound", fires: false, form: func(f *Form) {
			f.L1.Ultrasound = &BreastsUS{Left: USNormal}
			withL2(f, ACR1, ACR1)
		}},
	})
}

// V.E, L815: no designated doctor.
func TestRule_BR_ROUTE_NO_DOCTOR(t *testing.T) {
	checkRuleCases(t, "BR_ROUTE_NO_DOCTOR", []ruleCase{
		{name: "no doctor, L2 positive", fires: true, form: func(f *Form) { withL2Positive(f); f.NoDoctor = true }},
		{name: "doctor named", fires: false, form: withL2Positive},
	})
}

// The letters after a positive second reading: doctor at once, the
// person 24 to 48 hours later (V.E, L809); no doctor letter when none is
// designated (L815).
func TestL2PositiveLetters(t *testing.T) {
	f := baseForm()
	withL2Positive(f)
	rep, err := testEngine(t, Options{}).Evaluate(context.Background(), f)
	if err != nil || rep.Decision == nil {
		t.Fatal(err, rep.Errors)
	}
	var doctor, person *Action
	for i, a := range rep.Decision.Actions {
		if a.Rule == "BR_ROUTE_L2_POSITIVE" && a.By == PartyCRCDC && a.To == PartyDoctor {
			doctor = &rep.Decision.Actions[i]
		}
		if a.Rule == "BR_ROUTE_L2_POSITIVE" && a.By == PartyCRCDC && a.To == PartyPerson {
			person = &rep.Decision.Actions[i]
		}
	}
	if doctor == nil || person == nil {
		t.Fatalf("letters missing: %+v", rep.Decision.Actions)
	}
	if !doctor.Due.Equal(testNow) || !person.NotBefore.Equal(testNow.Add(24*time.Hour)) || !person.Due.Equal(testNow.Add(48*time.Hour)) {
		t.Errorf("doctor %v, person %v-%v", doctor.Due, person.NotBefore, person.Due)
	}
	f.NoDoctor = true
	rep, _ = testEngine(t, Options{}).Evaluate(context.Background(), f)
	for _, a := range rep.Decision.Actions {
		if a.To == PartyDoctor {
			t.Errorf("letter to a doctor with none designated: %+v", a)
		}
	}
}

// The negative result is due 15 days after the mammogram (V.A, L759) and
// the next invitation two years after it.
func TestL2NegativeDates(t *testing.T) {
	f := baseForm()
	withL2(f, ACR1, ACR1)
	rep, _ := testEngine(t, Options{}).Evaluate(context.Background(), f)
	a := rep.Decision.Actions[0]
	if want := time.Date(2025, 3, 29, 0, 0, 0, 0, time.UTC); a.Due == nil || !a.Due.Equal(want) {
		t.Errorf("due %v, want %v", a.Due, want)
	}
	rep, _ = testEngine(t, Options{Params: Params{ResultsWithinDays: 10}}).Evaluate(context.Background(), f)
	if want := time.Date(2025, 3, 24, 0, 0, 0, 0, time.UTC); !rep.Decision.Actions[0].Due.Equal(want) {
		t.Errorf("with 10 days: due %v, want %v", rep.Decision.Actions[0].Due, want)
	}
}
