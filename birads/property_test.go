package birads

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"testing/quick"
)

var allCategories = []Category{NoCategory, ACR0, ACR1, ACR2, ACR3, ACR4, ACR4A, ACR4B, ACR4C, ACR5, ACR6}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// randomFinding draws a finding from annexe 2's vocabulary.
func randomFinding(r *rand.Rand, s Side) Finding {
	f := Finding{Side: s, Evolution: Evolution(r.IntN(7))}
	switch r.IntN(5) {
	case 0:
		f.Kind = KindMass
		f.Mass = &Mass{Shape: MassShape(r.IntN(5)), Margins: MassMargins(r.IntN(7)), MixedDensity: r.IntN(8) == 0,
			CoarseCalcifications: r.IntN(6) == 0, Ultrasound: MassUltrasound(r.IntN(5))}
	case 1:
		f.Kind = KindCalcifications
		f.Calcifications = &Calcifications{Morphology: Morphology(r.IntN(17)), Number: Number(r.IntN(3)),
			Distribution: Distribution(r.IntN(6)), ClusterShape: ClusterShape(r.IntN(4)), Associated: Association(r.IntN(3))}
	case 2:
		f.Kind = KindFocalAsymmetry
		f.Asymmetry = &Asymmetry{Borders: Borders(r.IntN(3)), MixedWithFat: r.IntN(2) == 0}
	case 3:
		f.Kind = KindDistortion
		f.Distortion = &Distortion{KnownScar: r.IntN(2) == 0}
	default:
		f.Kind = KindLymphNode
	}
	if r.IntN(5) == 0 {
		f.Surveillance = &Surveillance{Since: NewDate(2022+r.IntN(3), 1, 1)}
	}
	return f
}

// randomForm draws a form from the pieces the tests use, most of them
// plausible, many of them not.
func randomForm(r *rand.Rand) *Form {
	f := baseForm()
	f.L1.Density = Density(1 + r.IntN(4))
	f.ClinicalExam = pick(r, ClinicalNormal, ClinicalNormal, ClinicalAbnormal, ClinicalNotDone)
	for range r.IntN(3) {
		f.L1.Findings = append(f.L1.Findings, randomFinding(r, pick(r, Right, Left)))
	}
	f.L1.Final = Breasts{Right: pick(r, ACR1, ACR1, ACR2, ACR3, ACR4, ACR5, ACR0, NoCategory), Left: pick(r, ACR1, ACR1, ACR2, ACR3, ACR5, ACR0)}
	if r.IntN(3) == 0 {
		f.L1.Provisional = Breasts{Right: pick(r, ACR0, ACR1, NoCategory), Left: pick(r, ACR0, ACR1, ACR2)}
	}
	if r.IntN(2) == 0 {
		st := pick(r, WorkupDone, WorkupDone, WorkupRefused, WorkupDeferred)
		w := &Workup{Status: st}
		if st == WorkupDone {
			w.Reason = pick(r, ReasonRadiological, ReasonClinical, ReasonBoth)
			w.Exams = []Procedure{pick(r, Ultrasound, MagnificationFace, MagnificationProfile), pick(r, Ultrasound, MagnificationFace, MagnificationProfile, ProfileView)}
			w.Result = "x"
		}
		if st == WorkupDeferred {
			w.Deferral = pick(r, DeferPriorDocuments, DeferPersonWish)
		}
		f.L1.ImmediateWorkup = w
	}
	if r.IntN(4) == 0 {
		f.L1.Ultrasound = &BreastsUS{Right: USResult(r.IntN(4)), Left: USResult(r.IntN(4))}
	}
	f.L1.Course = []CourseOfAction{pick(r, CourseRoutine, CourseRoutine, CourseSurveillance, CourseHistology, CourseWorkup, CourseSpecialistOpinion)}
	if r.IntN(6) == 0 {
		f.Site.MobileUnit = &MobileUnit{RadiologistOnBoard: r.IntN(2) == 0, DoctorPresent: true}
	}
	f.NoDoctor = r.IntN(5) == 0
	switch r.IntN(4) {
	case 0:
		withL2(f, pick(r, ACR1, ACR2, ACR0), pick(r, ACR1, ACR2))
	case 1:
		withL2Positive(f)
		if r.IntN(2) == 0 {
			f.DeferredWorkup = &DeferredWorkup{After: AfterL2, Exams: []Procedure{MagnificationFace, MagnificationProfile, Ultrasound},
				Conclusion: "x", Final: Breasts{Left: pick(r, ACR1, ACR2, ACR3, ACR4, ACR5)}, Course: []CourseOfAction{pick(r, CourseRoutine, CourseSurveillance, CourseHistology)}}
		}
	case 2:
		if r.IntN(2) == 0 {
			f.L2 = &L2Reading{Reader: "RPPS-2", CTI: &CTI{Reason: CTIPrintQuality, Action: Retake}}
		}
	}
	return f
}

// Invariant: a dense breast with no mammographic anomaly is 1 (annexe 2,
// L1112, L1117, L1123): BR_DENSE_NO_ANOMALY_IS_1 fires exactly when its
// first-reading category is something else, and annexe 2's suggestion
// for it is 1.
func TestPropertyDenseNoAnomalyIs1(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	e := testEngine(t, Options{Mode: General})
	for range 2000 {
		f := randomForm(r)
		f.L2, f.DeferredWorkup = nil, nil
		f.L1.Density = pick(r, Density3, Density4)
		s := pick(r, Right, Left)
		f.L1.Findings = slices.DeleteFunc(f.L1.Findings, func(fd Finding) bool { return fd.Side == s })
		c := pick(r, allCategories...)
		f.L1.Final = f.L1.Final.Set(s, c)
		f.L1.Provisional = f.L1.Provisional.Set(s, NoCategory)
		rep, err := e.Evaluate(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		fired := false
		for _, v := range rep.Errors {
			fired = fired || v.Rule == RuleDenseNoAnomalyIs1 && v.Side == s
		}
		if want := c != NoCategory && c != ACR1; fired != want {
			t.Fatalf("%s breast %s: fired %v, want %v", s, c, fired, want)
		}
		if sg := Suggest(f.L1.Findings, s, f.ExamDate); sg.Category != ACR1 || !sg.Complete {
			t.Fatalf("suggestion %+v, want 1", sg)
		}
	}
}

// Invariants of the exam-level category: it is one of the breasts', at
// least as severe as each, and pending exactly when a breast is 0.
func TestPropertyExamCategory(t *testing.T) {
	f := func(a, b uint8) bool {
		r, l := allCategories[int(a)%len(allCategories)], allCategories[int(b)%len(allCategories)]
		c, pending := Breasts{Right: r, Left: l}.Exam()
		return (c == r || c == l) && c.Severity() >= r.Severity() && c.Severity() >= l.Severity() &&
			pending == (r == ACR0 || l == ACR0)
	}
	if err := quick.Check(f, nil); err != nil {
		t.Error(err)
	}
}

// Every category survives a JSON round trip.
func TestPropertyCategoryJSON(t *testing.T) {
	f := func(a uint8) bool {
		c := allCategories[int(a)%len(allCategories)]
		b, err := json.Marshal(Breasts{Right: c})
		if err != nil {
			return false
		}
		var got Breasts
		return json.Unmarshal(b, &got) == nil && got.Right == c
	}
	if err := quick.Check(f, nil); err != nil {
		t.Error(err)
	}
}

// Invariant: adding a finding never lowers a breast's suggestion, and the
// suggestion is at least each finding's own row.
func TestPropertySuggestionMonotone(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	date := NewDate(2025, 3, 14)
	for range 5000 {
		var fs []Finding
		prev := Suggest(fs, Left, date)
		for range 1 + r.IntN(4) {
			fd := randomFinding(r, Left)
			fs = append(fs, fd)
			got := Suggest(fs, Left, date)
			own, _ := findingRows(&fd, stable2y(&fd, date, 24))
			if len(fs) > 1 && got.Category.Severity() < prev.Category.Severity() || got.Category.Severity() < own.Severity() {
				t.Fatalf("findings %+v: suggestion %s after %s, own row %s", fs, got.Category, prev.Category, own)
			}
			prev = got
		}
	}
}

// Invariants of evaluation on random forms: it never panics, it is
// deterministic, every valid form gets an outcome with a non-empty chain
// of rules, and an invalid one gets no decision.
func TestPropertyValidFormsAreRouted(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	e := testEngine(t, Options{})
	valid := 0
	for range 3000 {
		f := randomForm(r)
		rep, err := e.Evaluate(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := e.Evaluate(context.Background(), f)
		if !reflect.DeepEqual(rep, again) {
			t.Fatal("evaluation is not deterministic")
		}
		if !rep.Valid {
			if rep.Decision != nil {
				t.Fatal("decision on an invalid form")
			}
			continue
		}
		valid++
		if rep.Decision == nil || rep.Decision.Outcome == NoOutcome || len(rep.Decision.Fired) == 0 {
			b, _ := json.Marshal(f)
			t.Fatalf("valid form not routed: %s\n%+v", b, rep.Decision)
		}
	}
	if valid < 50 {
		t.Errorf("only %d valid forms drawn: the generator needs work", valid)
	}
}
