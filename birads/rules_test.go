package birads

import "testing"

// Each TestRule_<ID> names its source, fires at least once and passes at
// least once (checkRuleCases enforces both).

// Annexe 2, L1101: 4a-4c "sans objet pour le programme français".
func TestRule_BR_SUBCATEGORY_4ABC_NOT_IN_PROGRAMME(t *testing.T) {
	sub := func(f *Form) {
		withWorkup(f, spiculatedMass(Left), ACR4B, CourseHistology, Ultrasound)
	}
	checkRuleCases(t, "BR_SUBCATEGORY_4ABC_NOT_IN_PROGRAMME", []ruleCase{
		{name: "4b in programme mode", fires: true, form: sub},
		{name: "4b in general mode", fires: false, form: sub, opts: Options{Mode: General}},
		{name: "4 in programme mode", fires: false, form: func(f *Form) { withWorkup(f, spiculatedMass(Left), ACR4, CourseHistology, Ultrasound) }},
	})
}

// Annexe 2, L1101: 6 "ne concerne donc pas les mammographies de dépistage".
func TestRule_BR_CATEGORY_6_NOT_IN_SCREENING(t *testing.T) {
	six := func(f *Form) { withWorkup(f, spiculatedMass(Left), ACR6, CourseHistology, Ultrasound) }
	checkRuleCases(t, "BR_CATEGORY_6_NOT_IN_SCREENING", []ruleCase{
		{name: "6 in programme mode", fires: true, form: six},
		{name: "6 in general mode", fires: false, form: six, opts: Options{Mode: General}},
		{name: "5", fires: false, form: func(f *Form) { withWorkup(f, spiculatedMass(Left), ACR5, CourseHistology, Ultrasound) }},
	})
}

// Annexe 2, L1105: "Le classement concerne chaque sein"; IV.C, L724.
func TestRule_BR_EACH_BREAST_CLASSIFIED(t *testing.T) {
	checkRuleCases(t, "BR_EACH_BREAST_CLASSIFIED", []ruleCase{
		{name: "left unclassified", fires: true, form: func(f *Form) { f.L1.Final.Left = NoCategory }},
		{name: "L2 right unclassified", fires: true, form: func(f *Form) { withL2(f, NoCategory, ACR1) }},
		{name: "absent breast classified", fires: true, form: func(f *Form) { f.History.Mastectomy = []Side{Left} }},
		{name: "absent breast unclassified", fires: false, form: func(f *Form) { f.History.Mastectomy = []Side{Left}; f.L1.Final.Left = NoCategory }},
		{name: "CTI without categories", fires: false, form: func(f *Form) {
			f.L2 = &L2Reading{Reader: "RPPS-2", CTI: &CTI{Reason: CTIPositioning, Action: Retake}}
		}},
		{name: "both classified", fires: false},
	})
}

// Annexe 2, L1112, L1117, L1123: dense breasts without anomaly are 1.
func TestRule_BR_DENSE_NO_ANOMALY_IS_1(t *testing.T) {
	dense := func(c Category) func(*Form) {
		return func(f *Form) { f.L1.Density = Density3; f.L1.Final.Right = c }
	}
	checkRuleCases(t, "BR_DENSE_NO_ANOMALY_IS_1", []ruleCase{
		{name: "dense 2 (L1117)", fires: true, form: dense(ACR2)},
		{name: "dense 3 (L1123)", fires: true, form: dense(ACR3)},
		{name: "dense provisional 0 (L1112)", fires: true, form: func(f *Form) {
			f.L1.Density = Density4
			f.L1.Provisional.Right = ACR0
			f.L1.Final.Right = NoCategory
		}},
		{name: "dense 0 even with abnormal ultrasound (L1112)", fires: true, form: func(f *Form) {
			dense(ACR0)(f)
			f.L1.Ultrasound = &BreastsUS{Right: USSuspicious}
			f.L1.ImmediateWorkup = &Workup{Status: WorkupRefused}
			f.L1.Course = []CourseOfAction{CourseWorkup}
		}},
		{name: "dense L2 0 without anomaly", fires: true, form: func(f *Form) { f.L1.Density = Density3; withL2(f, ACR0, ACR1) }},
		{name: "dense 1", fires: false, form: dense(ACR1)},
		{name: "not dense 2", fires: false, form: func(f *Form) { f.L1.Final.Right = ACR2 }},
		{name: "dense with a finding 2", fires: false, form: func(f *Form) {
			dense(ACR2)(f)
			f.L1.Findings = []Finding{{Side: Right, Kind: KindLymphNode}}
		}},
	})
}

// IV.B, L679; V.B, L763: an ultrasound does not reclassify a normal mammogram.
func TestRule_BR_US_DOES_NOT_RECLASSIFY(t *testing.T) {
	checkRuleCases(t, "BR_US_DOES_NOT_RECLASSIFY", []ruleCase{
		{name: "normal mammogram, suspicious ultrasound, classified 4", fires: true, form: func(f *Form) {
			f.L1.Ultrasound = &BreastsUS{Left: USSuspicious}
			f.L1.Final.Left = ACR4
			f.L1.Course = []CourseOfAction{CourseHistology}
		}},
		{name: "normal mammogram, suspicious ultrasound, stays 1", fires: false, form: func(f *Form) {
			f.L1.Ultrasound = &BreastsUS{Left: USSuspicious}
			f.L1.Course = []CourseOfAction{CourseHistology}
		}},
		{name: "mammographic finding, 4", fires: false, form: func(f *Form) {
			f.L1.Ultrasound = &BreastsUS{Left: USSuspicious}
			withWorkup(f, spiculatedMass(Left), ACR4, CourseHistology, Ultrasound)
		}},
	})
}

// Annexe 2, L1107: positive before workup is 0.
func TestRule_BR_L1_PROVISIONAL_IS_0(t *testing.T) {
	checkRuleCases(t, "BR_L1_PROVISIONAL_IS_0", []ruleCase{
		{name: "provisional 4", fires: true, form: func(f *Form) {
			withWorkup(f, spiculatedMass(Left), ACR4, CourseHistology, Ultrasound)
			f.L1.Provisional.Left = ACR4
		}},
		{name: "provisional 1 final 4", fires: true, form: func(f *Form) {
			withWorkup(f, spiculatedMass(Left), ACR4, CourseHistology, Ultrasound)
			f.L1.Provisional.Left = ACR1
		}},
		{name: "provisional 0 final 4", fires: false, form: func(f *Form) { withWorkup(f, spiculatedMass(Left), ACR4, CourseHistology, Ultrasound) }},
		{name: "provisional 1 final 2", fires: false, form: func(f *Form) {
			f.L1.Provisional.Left = ACR1
			f.L1.Final.Left = ACR2
			f.L1.Findings = []Finding{{Side: Left, Kind: KindLymphNode}}
		}},
	})
}

// Annexe 2, L1107; IV.B, L693: final 0 only after refusal or deferral.
func TestRule_BR_L1_FINAL_0_ONLY_AFTER_REFUSAL_OR_DEFERRAL(t *testing.T) {
	zero := func(st WorkupStatus, why DeferralReason) func(*Form) {
		return func(f *Form) {
			f.L1.Findings = []Finding{calcCluster(Left)}
			f.L1.Provisional.Left, f.L1.Final.Left = ACR0, ACR0
			f.L1.Course = []CourseOfAction{CourseWorkup}
			if st != NoWorkupStatus {
				f.L1.ImmediateWorkup = &Workup{Status: st, Deferral: why}
			}
		}
	}
	checkRuleCases(t, "BR_L1_FINAL_0_ONLY_AFTER_REFUSAL_OR_DEFERRAL", []ruleCase{
		{name: "final 0 without workup", fires: true, form: zero(NoWorkupStatus, NoDeferralReason)},
		{name: "workup done, no final", fires: true, form: func(f *Form) {
			withWorkup(f, calcCluster(Left), ACR2, CourseRoutine, MagnificationProfile)
			f.L1.Final.Left = NoCategory
		}},
		{name: "final 0 refused", fires: false, form: zero(WorkupRefused, NoDeferralReason)},
		{name: "final 0 deferred", fires: false, form: zero(WorkupDeferred, DeferPriorDocuments)},
	})
}

// Annexe 2, L1108; IV.D, L735: a deferral gives its reason.
func TestRule_BR_DEFERRAL_REASON(t *testing.T) {
	def := func(why DeferralReason) func(*Form) {
		return func(f *Form) {
			f.L1.Findings = []Finding{calcCluster(Left)}
			f.L1.Provisional.Left, f.L1.Final.Left = ACR0, NoCategory
			f.L1.ImmediateWorkup = &Workup{Status: WorkupDeferred, Deferral: why}
		}
	}
	checkRuleCases(t, "BR_DEFERRAL_REASON", []ruleCase{
		{name: "no reason", fires: true, form: def(NoDeferralReason)},
		{name: "mobile reason on a fixed site", fires: true, form: def(DeferMobileNoRadiologist)},
		{name: "reason without deferral", fires: true, form: func(f *Form) {
			withWorkup(f, calcCluster(Left), ACR2, CourseRoutine, MagnificationProfile)
			f.L1.ImmediateWorkup.Deferral = DeferPersonLeft
		}},
		{name: "nothing to explore", fires: true, form: func(f *Form) {
			f.L1.ImmediateWorkup = &Workup{Status: WorkupDeferred, Deferral: DeferPersonLeft}
		}},
		{name: "person left", fires: false, form: def(DeferPersonLeft)},
	})
}

// Annexe 2, L1107; VI.B, L876: the workup is recorded.
func TestRule_BR_WORKUP_RECORDED(t *testing.T) {
	checkRuleCases(t, "BR_WORKUP_RECORDED", []ruleCase{
		{name: "no result", fires: true, form: func(f *Form) {
			withWorkup(f, calcCluster(Left), ACR2, CourseRoutine, MagnificationProfile)
			f.L1.ImmediateWorkup.Result = ""
		}},
		{name: "no exams", fires: true, form: func(f *Form) {
			withWorkup(f, calcCluster(Left), ACR2, CourseRoutine)
		}},
		{name: "complete", fires: false, form: func(f *Form) {
			withWorkup(f, calcCluster(Left), ACR2, CourseRoutine, MagnificationProfile)
		}},
	})
}

// IV.B, L681, L687; VI.B, L877: the workup's reason matches the exam.
func TestRule_BR_WORKUP_REASON_MATCHES(t *testing.T) {
	checkRuleCases(t, "BR_WORKUP_REASON_MATCHES", []ruleCase{
		{name: "clinical reason, normal clinical exam", fires: true, form: func(f *Form) {
			withWorkup(f, calcCluster(Left), ACR2, CourseRoutine, MagnificationProfile)
			f.L1.ImmediateWorkup.Reason = ReasonClinical
		}},
		{name: "radiological reason, no finding", fires: true, form: func(f *Form) {
			f.ClinicalExam = ClinicalAbnormal
			f.L1.ImmediateWorkup = &Workup{Status: WorkupDone, Reason: ReasonRadiological, Exams: []Procedure{Ultrasound}, Result: "normal"}
		}},
		{name: "clinical reason, abnormal clinical exam", fires: false, form: func(f *Form) {
			f.ClinicalExam = ClinicalAbnormal
			f.L1.ImmediateWorkup = &Workup{Status: WorkupDone, Reason: ReasonClinical, Exams: []Procedure{Ultrasound}, Result: "normal"}
		}},
	})
}

// IV.B, L687; I.A, L593: an abnormal clinical exam needs the workup.
func TestRule_BR_CLINICAL_ABNORMAL_NEEDS_WORKUP(t *testing.T) {
	checkRuleCases(t, "BR_CLINICAL_ABNORMAL_NEEDS_WORKUP", []ruleCase{
		{name: "abnormal, classified, no workup", fires: true, form: func(f *Form) { f.ClinicalExam = ClinicalAbnormal }},
		{name: "abnormal, workup done", fires: false, form: func(f *Form) {
			f.ClinicalExam = ClinicalAbnormal
			f.L1.ImmediateWorkup = &Workup{Status: WorkupDone, Reason: ReasonClinical, Exams: []Procedure{Ultrasound}, Result: "normal"}
		}},
		{name: "abnormal, not yet classified", fires: false, form: func(f *Form) { f.ClinicalExam = ClinicalAbnormal; f.L1.Final = Breasts{} }},
	})
}

// IV.B, L681; annexe 2, L1107: no calcifications without profile and magnification.
func TestRule_BR_CALC_NEEDS_PROFILE_AND_MAGNIFICATION(t *testing.T) {
	checkRuleCases(t, "BR_CALC_NEEDS_PROFILE_AND_MAGNIFICATION", []ruleCase{
		{name: "negativated without views", fires: true, form: func(f *Form) { withWorkup(f, calcCluster(Left), ACR2, CourseRoutine, Ultrasound) }},
		{name: "face magnification only", fires: true, form: func(f *Form) { withWorkup(f, calcCluster(Left), ACR2, CourseRoutine, MagnificationFace) }},
		{name: "deferred workup without views", fires: true, form: func(f *Form) {
			withL2Positive(f)
			f.DeferredWorkup = &DeferredWorkup{After: AfterL2, Exams: []Procedure{Ultrasound}, Conclusion: "rien", Final: Breasts{Left: ACR1}, Course: []CourseOfAction{CourseRoutine}}
		}},
		{name: "profile magnification", fires: false, form: func(f *Form) { withWorkup(f, calcCluster(Left), ACR2, CourseRoutine, MagnificationProfile) }},
		{name: "benign calcifications classified 2 directly", fires: false, form: func(f *Form) {
			f.L1.Findings = []Finding{{Side: Left, Kind: KindCalcifications, Calcifications: &Calcifications{Morphology: MorphVascular}}}
			f.L1.Final.Left = ACR2
		}},
	})
}

// IV.B, L681; annexe 2, L1107: no mass without ultrasound.
func TestRule_BR_MASS_NEEDS_ULTRASOUND(t *testing.T) {
	noUS := Finding{Side: Left, Kind: KindMass, Mass: &Mass{Shape: ShapeOval, Margins: MarginsObscured}}
	checkRuleCases(t, "BR_MASS_NEEDS_ULTRASOUND", []ruleCase{
		{name: "4 without ultrasound", fires: true, form: func(f *Form) { withWorkup(f, noUS, ACR4, CourseHistology, SpotCompression) }},
		{name: "4 with ultrasound", fires: false, form: func(f *Form) { withWorkup(f, noUS, ACR4, CourseHistology, Ultrasound) }},
		{name: "mass ultrasound described", fires: false, form: func(f *Form) { withWorkup(f, spiculatedMass(Left), ACR5, CourseHistology, SpotCompression) }},
	})
}

// Annexe 2, L1119: 3 only after a workup with the minimum exams.
func TestRule_BR_CAT3_ONLY_AFTER_WORKUP(t *testing.T) {
	checkRuleCases(t, "BR_CAT3_ONLY_AFTER_WORKUP", []ruleCase{
		{name: "3 without workup", fires: true, form: func(f *Form) {
			f.L1.Findings = []Finding{calcCluster(Left)}
			f.L1.Final.Left = ACR3
			f.L1.ExtraViews = []Procedure{MagnificationFace, MagnificationProfile}
			f.L1.Course = []CourseOfAction{CourseSurveillance}
		}},
		{name: "3 with profile magnification only", fires: true, form: func(f *Form) {
			withWorkup(f, calcCluster(Left), ACR3, CourseSurveillance, MagnificationProfile)
		}},
		{name: "3 with face and profile magnification", fires: false, form: func(f *Form) {
			withWorkup(f, calcCluster(Left), ACR3, CourseSurveillance, MagnificationFace, MagnificationProfile)
		}},
		{name: "3 mass with ultrasound", fires: false, form: func(f *Form) {
			withWorkup(f, solidMass(Left), ACR3, CourseSurveillance, Ultrasound)
		}},
	})
}

// Annexe 2, L1123: not 3 for a new, more suspicious or suspicious image.
func TestRule_BR_CAT3_NOT_FOR_NEW_OR_SUSPICIOUS(t *testing.T) {
	mass := func(ev Evolution, m MassMargins) func(*Form) {
		return func(f *Form) {
			fd := solidMass(Left)
			fd.Evolution, fd.Mass.Margins = ev, m
			withWorkup(f, fd, ACR3, CourseSurveillance, Ultrasound)
		}
	}
	checkRuleCases(t, "BR_CAT3_NOT_FOR_NEW_OR_SUSPICIOUS", []ruleCase{
		{name: "new image", fires: true, form: mass(EvolutionNew, MarginsCircumscribed)},
		{name: "more suspicious", fires: true, form: mass(EvolutionMoreSuspicious, MarginsCircumscribed)},
		{name: "suspicious even stable", fires: true, form: mass(EvolutionStable, MarginsMicrolobulated)},
		{name: "first exam, circumscribed", fires: false, form: mass(NoPrior, MarginsCircumscribed)},
	})
}

// Annexe 2, L1117: a 3 stable after two years is 2.
func TestRule_BR_CAT3_STABLE_2Y_IS_2(t *testing.T) {
	watched := func(since Date, c Category) func(*Form) {
		return func(f *Form) {
			fd := solidMass(Left)
			fd.Evolution = EvolutionStable
			fd.Surveillance = &Surveillance{Since: since}
			course := CourseSurveillance
			if c == ACR2 {
				course = CourseRoutine
			}
			withWorkup(f, fd, c, course, Ultrasound)
		}
	}
	checkRuleCases(t, "BR_CAT3_STABLE_2Y_IS_2", []ruleCase{
		{name: "stable 2 years, kept 3", fires: true, form: watched(NewDate(2023, 3, 1), ACR3)},
		{name: "stable 2 years, reclassified 2", fires: false, form: watched(NewDate(2023, 3, 1), ACR2)},
		{name: "stable 1 year, 3", fires: false, form: watched(NewDate(2024, 3, 1), ACR3)},
	})
}

// IV.B, L690, L693: after a refusal the mammogram stays 0.
func TestRule_BR_REFUSAL_STAYS_0(t *testing.T) {
	refused := func(final Category) func(*Form) {
		return func(f *Form) {
			f.L1.Findings = []Finding{calcCluster(Left)}
			f.L1.Provisional.Left, f.L1.Final.Left = ACR0, final
			f.L1.ImmediateWorkup = &Workup{Status: WorkupRefused}
			f.L1.Course = []CourseOfAction{CourseWorkup}
		}
	}
	checkRuleCases(t, "BR_REFUSAL_STAYS_0", []ruleCase{
		{name: "refused, final 2", fires: true, form: refused(ACR2)},
		{name: "refusal without a 0", fires: true, form: func(f *Form) { f.L1.ImmediateWorkup = &Workup{Status: WorkupRefused} }},
		{name: "refused, stays 0", fires: false, form: refused(ACR0)},
	})
}

// IV.B, L689; annexe 2, L1116, L1120, L1125; V.D, L795: course matches category.
func TestRule_BR_COURSE_MATCHES_CATEGORY(t *testing.T) {
	checkRuleCases(t, "BR_COURSE_MATCHES_CATEGORY", []ruleCase{
		{name: "4 without histology", fires: true, form: func(f *Form) { withWorkup(f, spiculatedMass(Left), ACR4, CourseSurveillance, Ultrasound) }},
		{name: "3 routine", fires: true, form: func(f *Form) {
			withWorkup(f, calcCluster(Left), ACR3, CourseRoutine, MagnificationFace, MagnificationProfile)
		}},
		{name: "1 surveillance, normal clinical exam", fires: true, form: func(f *Form) { f.L1.Course = []CourseOfAction{CourseSurveillance} }},
		{name: "refusal 0 without workup course", fires: true, form: func(f *Form) {
			f.L1.Findings = []Finding{calcCluster(Left)}
			f.L1.Provisional.Left, f.L1.Final.Left = ACR0, ACR0
			f.L1.ImmediateWorkup = &Workup{Status: WorkupRefused}
		}},
		{name: "1 surveillance, abnormal clinical exam (L795)", fires: false, form: func(f *Form) {
			f.ClinicalExam = ClinicalAbnormal
			f.L1.ImmediateWorkup = &Workup{Status: WorkupDone, Reason: ReasonClinical, Exams: []Procedure{Ultrasound}, Result: "kyste"}
			f.L1.Course = []CourseOfAction{CourseSurveillance}
		}},
		{name: "5 histology", fires: false, form: func(f *Form) { withWorkup(f, spiculatedMass(Left), ACR5, CourseHistology, Ultrasound) }},
		{name: "1 routine", fires: false},
	})
}

// Annexe 2, L1107; IV.B, L693: a 0 does not go to L2, except after a refusal.
func TestRule_BR_CAT0_NOT_TO_L2(t *testing.T) {
	zeroL2 := func(st WorkupStatus) func(*Form) {
		return func(f *Form) {
			f.L1.Findings = []Finding{calcCluster(Left)}
			f.L1.Provisional.Left, f.L1.Final.Left = ACR0, ACR0
			f.L1.ImmediateWorkup = &Workup{Status: st, Deferral: map[bool]DeferralReason{true: DeferPersonLeft}[st == WorkupDeferred]}
			f.L1.Course = []CourseOfAction{CourseWorkup}
			withL2(f, ACR1, ACR0)
		}
	}
	checkRuleCases(t, "BR_CAT0_NOT_TO_L2", []ruleCase{
		{name: "0 deferred sent to L2", fires: true, form: zeroL2(WorkupDeferred)},
		{name: "0 refused sent to L2", fires: false, form: zeroL2(WorkupRefused)},
		{name: "1 sent to L2", fires: false, form: func(f *Form) { withL2(f, ACR1, ACR1) }},
	})
}

// IV.C, L707; V.D, L792: positives at L1 skip L2.
func TestRule_BR_L1_POSITIVE_NOT_TO_L2(t *testing.T) {
	checkRuleCases(t, "BR_L1_POSITIVE_NOT_TO_L2", []ruleCase{
		{name: "4 sent to L2", fires: true, form: func(f *Form) {
			withWorkup(f, spiculatedMass(Left), ACR4, CourseHistology, Ultrasound)
			withL2(f, ACR1, ACR4)
			f.L2.Course = []CourseOfAction{CourseSpecialistOpinion}
		}},
		{name: "clinical positive sent to L2 (L795)", fires: true, form: func(f *Form) {
			f.ClinicalExam = ClinicalAbnormal
			f.L1.ImmediateWorkup = &Workup{Status: WorkupDone, Reason: ReasonClinical, Exams: []Procedure{Ultrasound}, Result: "nodule"}
			f.L1.Course = []CourseOfAction{CourseHistology}
			withL2(f, ACR1, ACR1)
		}},
		{name: "2 after workup sent to L2", fires: false, form: func(f *Form) {
			withWorkup(f, calcCluster(Left), ACR2, CourseRoutine, MagnificationProfile)
			withL2(f, ACR1, ACR2)
		}},
	})
}

// IV.C, L719; IV.D, L734: never the same reader twice.
func TestRule_BR_SAME_READER_NOT_L1_AND_L2(t *testing.T) {
	checkRuleCases(t, "BR_SAME_READER_NOT_L1_AND_L2", []ruleCase{
		{name: "same reader, other case and spacing", fires: true, form: func(f *Form) { withL2(f, ACR1, ACR1); f.L2.Reader = " rpps-1 " }},
		{name: "different readers", fires: false, form: func(f *Form) { withL2(f, ACR1, ACR1) }},
	})
}

// V.E, L804; annexe 2, L1109; V.E, L807: discordance is 0 with two exceptions.
func TestRule_BR_L2_DISCORDANCE_IS_0(t *testing.T) {
	disc := func(c Category, obvious, workup bool) func(*Form) {
		return func(f *Form) {
			if workup {
				withWorkup(f, calcCluster(Left), ACR2, CourseRoutine, MagnificationProfile)
			}
			withL2Positive(f)
			f.L2.Categories.Left = c
			f.L2.ObviousCancer = obvious
			if c != ACR0 && !obvious {
				f.L2.Course = []CourseOfAction{CourseSpecialistOpinion}
			}
		}
	}
	checkRuleCases(t, "BR_L2_DISCORDANCE_IS_0", []ruleCase{
		{name: "4 without L1 workup", fires: true, form: disc(ACR4, false, false)},
		{name: "5 not obvious, no workup", fires: true, form: disc(ACR5, false, false)},
		{name: "0", fires: false, form: disc(ACR0, false, false)},
		{name: "5 obvious cancer", fires: false, form: disc(ACR5, true, false)},
		{name: "4 after L1's negative workup", fires: false, form: disc(ACR4, false, true)},
	})
}

// V.E, L805; annexe 2, L1109: L2 never 3 without workup.
func TestRule_BR_L2_NO_3_WITHOUT_WORKUP(t *testing.T) {
	checkRuleCases(t, "BR_L2_NO_3_WITHOUT_WORKUP", []ruleCase{
		{name: "3 without workup", fires: true, form: func(f *Form) {
			withL2Positive(f)
			f.L2.Categories.Left = ACR3
			f.L2.Course = []CourseOfAction{CourseSpecialistOpinion}
		}},
		{name: "3 after a workup without magnification", fires: true, form: func(f *Form) {
			withWorkup(f, solidMass(Left), ACR2, CourseRoutine, Ultrasound)
			withL2Positive(f)
			f.L2.Categories.Left = ACR3
			f.L2.Course = []CourseOfAction{CourseSpecialistOpinion}
		}},
		{name: "3 after a complete workup", fires: false, form: func(f *Form) {
			withWorkup(f, calcCluster(Left), ACR2, CourseRoutine, MagnificationProfile, MagnificationFace)
			withL2Positive(f)
			f.L2.Categories.Left = ACR3
			f.L2.Course = []CourseOfAction{CourseSpecialistOpinion}
		}},
	})
}

// V.E, L807: L2 3-5 asks for a specialist opinion.
func TestRule_BR_L2_SPECIALIST_OPINION(t *testing.T) {
	l2 := func(c Category, obvious bool, course ...CourseOfAction) func(*Form) {
		return func(f *Form) {
			withWorkup(f, calcCluster(Left), ACR2, CourseRoutine, MagnificationProfile, MagnificationFace)
			withL2Positive(f)
			f.L2.Categories.Left, f.L2.ObviousCancer, f.L2.Course = c, obvious, course
		}
	}
	checkRuleCases(t, "BR_L2_SPECIALIST_OPINION", []ruleCase{
		{name: "4 without opinion", fires: true, form: l2(ACR4, false)},
		{name: "4 with opinion", fires: false, form: l2(ACR4, false, CourseSpecialistOpinion)},
		{name: "5 obvious, histology", fires: false, form: l2(ACR5, true, CourseHistology)},
	})
}

// V.E, L806; annexe 2, L1110: L2 locates on the diagram.
func TestRule_BR_L2_LOCATE_ANOMALY(t *testing.T) {
	checkRuleCases(t, "BR_L2_LOCATE_ANOMALY", []ruleCase{
		{name: "no location", fires: true, form: func(f *Form) { withL2Positive(f); f.L2.Anomalies[0].Location = nil }},
		{name: "no description", fires: true, form: func(f *Form) { withL2Positive(f); f.L2.Anomalies[0].Description = "" }},
		{name: "other breast only", fires: true, form: func(f *Form) { withL2Positive(f); f.L2.Anomalies[0].Side = Right }},
		{name: "clock position", fires: false, form: func(f *Form) { withL2Positive(f); f.L2.Anomalies[0].Location = &Location{Clock: 2} }},
	})
}

// V.E, L806; annexe 2, L1110: L2 proposes exams or a course.
func TestRule_BR_L2_PROPOSE_WORKUP(t *testing.T) {
	checkRuleCases(t, "BR_L2_PROPOSE_WORKUP", []ruleCase{
		{name: "nothing proposed", fires: true, form: func(f *Form) { withL2Positive(f); f.L2.ProposedExams = nil }},
		{name: "exams proposed", fires: false, form: withL2Positive},
		{name: "concordant", fires: false, form: func(f *Form) { withL2(f, ACR1, ACR1) }},
	})
}

// V.E, L806; VI.B, L899: the discordance flag.
func TestRule_BR_L2_DISCORDANCE_FLAG(t *testing.T) {
	checkRuleCases(t, "BR_L2_DISCORDANCE_FLAG", []ruleCase{
		{name: "discordant not marked", fires: true, form: func(f *Form) { withL2Positive(f); f.L2.Discordant = false }},
		{name: "concordant marked", fires: true, form: func(f *Form) { withL2(f, ACR1, ACR1); f.L2.Discordant = true }},
		{name: "1 vs 2 is not discordance", fires: false, form: func(f *Form) {
			f.L1.Final.Left = ACR2
			f.L1.Findings = []Finding{{Side: Left, Kind: KindLymphNode}}
			withL2(f, ACR1, ACR1)
		}},
		{name: "discordant marked", fires: false, form: withL2Positive},
	})
}

// IV.C, L700; V.E, L807: L2 does not order ultrasound for normal dense breasts.
func TestRule_BR_L2_NO_ULTRASOUND_FOR_DENSE(t *testing.T) {
	dense := func(f *Form) {
		f.L1.Density = Density4
		withL2(f, ACR1, ACR1)
		f.L2.ProposedExams = []Procedure{Ultrasound}
	}
	checkRuleCases(t, "BR_L2_NO_ULTRASOUND_FOR_DENSE", []ruleCase{
		{name: "dense, no anomaly, ultrasound", fires: true, form: dense},
		{name: "not dense", fires: false, form: func(f *Form) { dense(f); f.L1.Density = Density2 }},
		{name: "anomaly located", fires: false, form: func(f *Form) {
			dense(f)
			f.L2.Anomalies = []L2Anomaly{{Side: Left, Kind: KindMass, Location: &Location{Clock: 3}, Description: "masse"}}
		}},
	})
}

// Annexe 3, V.2, L1246-L1249: CTI reason and action.
func TestRule_BR_CTI_REASON_AND_ACTION(t *testing.T) {
	cti := func(r CTIReason, a CTIAction, archived bool) func(*Form) {
		return func(f *Form) {
			f.L2 = &L2Reading{Reader: "RPPS-2", CTI: &CTI{Reason: r, Action: a, ImageArchived: archived}}
		}
	}
	checkRuleCases(t, "BR_CTI_REASON_AND_ACTION", []ruleCase{
		{name: "no reason", fires: true, form: cti(NoCTIReason, Retake, false)},
		{name: "positioning reprinted", fires: true, form: cti(CTIPositioning, Reprint, true)},
		{name: "print, not archived, reprint", fires: true, form: cti(CTIPrintQuality, Reprint, false)},
		{name: "print, archived, reprint", fires: false, form: cti(CTIPrintQuality, Reprint, true)},
		{name: "image quality retake", fires: false, form: cti(CTIImageQuality, Retake, false)},
	})
}

// V.E, L810; annexe 2, L1108; IV.D, L735: what a deferred workup follows.
func TestRule_BR_DEFERRED_WORKUP_TRIGGER(t *testing.T) {
	dw := func(after Trigger) *DeferredWorkup {
		return &DeferredWorkup{After: after, Exams: []Procedure{MagnificationProfile}, Conclusion: "rien", Final: Breasts{Left: ACR1}, Course: []CourseOfAction{CourseRoutine}}
	}
	checkRuleCases(t, "BR_DEFERRED_WORKUP_TRIGGER", []ruleCase{
		{name: "after L2 without L2", fires: true, form: func(f *Form) { f.DeferredWorkup = dw(AfterL2) }},
		{name: "after L1 without deferral", fires: true, form: func(f *Form) { f.DeferredWorkup = dw(AfterL1) }},
		{name: "after positive L2", fires: false, form: func(f *Form) { withL2Positive(f); f.DeferredWorkup = dw(AfterL2) }},
	})
}

// V.E, L810: the deferred-workup form is complete.
func TestRule_BR_DEFERRED_WORKUP_COMPLETE(t *testing.T) {
	checkRuleCases(t, "BR_DEFERRED_WORKUP_COMPLETE", []ruleCase{
		{name: "no final for the breast explored", fires: true, form: func(f *Form) {
			withL2Positive(f)
			f.DeferredWorkup = &DeferredWorkup{After: AfterL2, Exams: []Procedure{MagnificationProfile}, Conclusion: "x", Final: Breasts{Right: ACR1}, Course: []CourseOfAction{CourseRoutine}}
		}},
		{name: "no conclusion", fires: true, form: func(f *Form) {
			withL2Positive(f)
			f.DeferredWorkup = &DeferredWorkup{After: AfterL2, Exams: []Procedure{MagnificationProfile}, Final: Breasts{Left: ACR1}, Course: []CourseOfAction{CourseRoutine}}
		}},
		{name: "complete", fires: false, form: func(f *Form) {
			withL2Positive(f)
			f.DeferredWorkup = &DeferredWorkup{After: AfterL2, Exams: []Procedure{MagnificationProfile}, Conclusion: "x", Final: Breasts{Left: ACR1}, Course: []CourseOfAction{CourseRoutine}}
		}},
	})
}

// Annexe 3, IV.1, L1206; VI, L1253: equipment recorded.
func TestRule_BR_EQUIPMENT_RECORDED(t *testing.T) {
	checkRuleCases(t, "BR_EQUIPMENT_RECORDED", []ruleCase{
		{name: "nothing", fires: true, form: func(f *Form) { f.Equipment = Equipment{} }},
		{name: "no brand", fires: true, form: func(f *Form) { f.Equipment.Brand = " " }},
		{name: "complete", fires: false},
	})
}

// Introduction, L587; annexe 3, I, L1137: digital only.
func TestRule_BR_DIGITAL_ONLY(t *testing.T) {
	checkRuleCases(t, "BR_DIGITAL_ONLY", []ruleCase{
		{name: "digitised films", fires: true, form: func(f *Form) { f.Equipment.Type = EquipmentDigitisedFilm }},
		{name: "analog", fires: true, form: func(f *Form) { f.Equipment.Type = EquipmentAnalog }},
		{name: "CR", fires: false, form: func(f *Form) { f.Equipment.Type = EquipmentCR }},
	})
}

// Annexe 3, IV.2, L1210, L1216: first reading on a console.
func TestRule_BR_L1_READ_ON_CONSOLE(t *testing.T) {
	checkRuleCases(t, "BR_L1_READ_ON_CONSOLE", []ruleCase{
		{name: "printed films", fires: true, form: func(f *Form) { f.Equipment.Reading = ReadingPrintedFilms }},
		{name: "console", fires: false},
	})
}

// IV.D, L732: mobile unit without a radiologist.
func TestRule_BR_MOBILE_WITHOUT_RADIOLOGIST(t *testing.T) {
	checkRuleCases(t, "BR_MOBILE_WITHOUT_RADIOLOGIST", []ruleCase{
		{name: "no doctor", fires: true, form: func(f *Form) { f.Site.MobileUnit = &MobileUnit{} }},
		{name: "immediate workup claimed", fires: true, form: func(f *Form) {
			f.Site.MobileUnit = &MobileUnit{DoctorPresent: true}
			withWorkup(f, calcCluster(Left), ACR2, CourseRoutine, MagnificationProfile)
		}},
		{name: "doctor present", fires: false, form: func(f *Form) { f.Site.MobileUnit = &MobileUnit{DoctorPresent: true} }},
		{name: "radiologist on board", fires: false, form: func(f *Form) { f.Site.MobileUnit = &MobileUnit{RadiologistOnBoard: true} }},
	})
}

// Introduction, L586: the screening includes a clinical exam.
func TestRule_BR_CLINICAL_EXAM_DONE(t *testing.T) {
	checkRuleCases(t, "BR_CLINICAL_EXAM_DONE", []ruleCase{
		{name: "not done", fires: true, form: func(f *Form) { f.ClinicalExam = ClinicalNotDone }},
		{name: "normal", fires: false},
	})
}

// Annexe 2, L1121: biopsy of a 3 is exceptional.
func TestRule_BR_CAT3_BIOPSY_EXCEPTIONAL(t *testing.T) {
	checkRuleCases(t, "BR_CAT3_BIOPSY_EXCEPTIONAL", []ruleCase{
		{name: "3 with histology", fires: true, form: func(f *Form) {
			withWorkup(f, calcCluster(Left), ACR3, CourseHistology, MagnificationFace, MagnificationProfile)
		}},
		{name: "3 with surveillance", fires: false, form: func(f *Form) {
			withWorkup(f, calcCluster(Left), ACR3, CourseSurveillance, MagnificationFace, MagnificationProfile)
		}},
	})
}

// Annexe 2, L1064-L1099: the reader's category against the table.
func TestRule_BR_FINDINGS_SUGGESTION(t *testing.T) {
	checkRuleCases(t, "BR_FINDINGS_SUGGESTION", []ruleCase{
		{name: "spiculated mass classified 4 (row 5.7)", fires: true, form: func(f *Form) {
			withWorkup(f, spiculatedMass(Left), ACR4, CourseHistology, Ultrasound)
		}},
		{name: "no finding classified 2 (row 1)", fires: true, form: func(f *Form) { f.L1.Final.Right = ACR2 }},
		{name: "spiculated mass classified 5", fires: false, form: func(f *Form) {
			withWorkup(f, spiculatedMass(Left), ACR5, CourseHistology, Ultrasound)
		}},
		{name: "unmatched finding classified higher", fires: false, form: func(f *Form) {
			fd := Finding{Side: Left, Kind: KindCalcifications, Calcifications: &Calcifications{Morphology: MorphAmorphous, Distribution: DistRegional}}
			withWorkup(f, fd, ACR4, CourseHistology, MagnificationProfile)
		}},
	})
}
