package screening

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/radkit/radkit/birads"
)

// The L1/L2 routing of a breast reading (to second reading, to a
// workup, positive at first reading, negative, positive at second
// reading, CTI, cleared by a deferred workup...) is decided by package
// birads, the programme's BI-RADS rules engine, so that the centre's
// follow-up and the reading forms follow one reading of annexe III. The
// breast machine projects each reading, with what the episode knows (the
// stage, the mobile unit, the ultrasound, a positive second reading), on
// a birads [birads.Form], asks [birads.Engine.Evaluate] for the
// [birads.Decision], and maps its outcome and follow-up to the trigger of
// its own transition table, whose rules and citations are the ones the
// explanations show. The surveillance checks of an ACR 3 (not a
// screening form) are routed here.
//
// A reading event carries categories, not a whole form: the projection
// fills the form's documentary fields, which the routing does not read
// (equipment, workup exams and conclusion, the second reader's located
// anomaly, the discordance flag, the course of action matching the
// category), with neutral values, so that the form is valid and birads
// routes it. Checking a centre's real forms is [birads.Check]'s job, on
// the forms themselves. A test checks that every reading the machine can
// receive projects to a valid form and a decision.

// routeKey is what the projection depends on; decisions are memoised by
// it (there are a few hundred), so that a fold does not run the rules
// engine for every reading.
type routeKey struct {
	stage            birads.Stage
	after            birads.Trigger // deferred workup: after L1 or L2
	right, left      Category
	workupDone       bool
	workupRefused    bool
	cti              CTI
	ultrasound       UltrasoundFollowUp // L1: the reading's; L2: the episode's
	mobile           bool
	clinicalAbnormal bool
}

type routeResult struct {
	dec *birads.Decision
	err error
}

// breastRouter asks birads and remembers its answers. It is safe for
// concurrent use.
type breastRouter struct {
	eng  *birads.Engine
	memo sync.Map // routeKey -> routeResult
}

func newBreastRouter() (*breastRouter, error) {
	// The decision's letters are dated from Now; the machine uses the
	// outcome only, so a fixed clock keeps decisions deterministic.
	eng, err := birads.Prepare(birads.Options{Now: func() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		return nil, err
	}
	return &breastRouter{eng: eng}, nil
}

func biradsCat(c Category) birads.Category {
	switch c {
	case ACR0:
		return birads.ACR0
	case ACR1:
		return birads.ACR1
	case ACR2:
		return birads.ACR2
	case ACR3:
		return birads.ACR3
	case ACR4:
		return birads.ACR4
	case ACR5:
		return birads.ACR5
	}
	return birads.NoCategory
}

// breasts returns the per-breast categories of a reading: its Right and
// Left when given (a missing side read as 1), else the exam-level
// category on the right breast and a normal left one (the exam-level
// category is the most severe, so the routing is the same).
func (d Reading) breasts() (right, left Category) {
	if d.Right.Valid() || d.Left.Valid() {
		right, left = d.Right, d.Left
		if !right.Valid() {
			right = ACR1
		}
		if !left.Valid() {
			left = ACR1
		}
		return right, left
	}
	c := d.category()
	if c.Negative() {
		return c, c
	}
	return c, ACR1
}

// rank orders categories by severity (ACR 0 above 1-2, below 3-5).
func rank(c Category) int {
	switch c {
	case ACR1:
		return 1
	case ACR2:
		return 2
	case ACR0:
		return 3
	}
	return int(c) + 1
}

func courseFor(b birads.Breasts) []birads.CourseOfAction {
	c, _ := b.Exam()
	switch {
	case c == birads.ACR0:
		return []birads.CourseOfAction{birads.CourseWorkup}
	case c == birads.ACR3:
		return []birads.CourseOfAction{birads.CourseSurveillance}
	case c == birads.ACR4 || c == birads.ACR5:
		return []birads.CourseOfAction{birads.CourseHistology}
	}
	return []birads.CourseOfAction{birads.CourseRoutine}
}

// form projects a routeKey on a birads form (see the comment above).
func (k routeKey) form() *birads.Form {
	exam := birads.NewDate(2024, 1, 1)
	f := &birads.Form{Version: birads.FormVersion, PersonRef: "screening", ExamDate: exam,
		Site:         birads.Site{ID: "screening"},
		Equipment:    birads.Equipment{Type: birads.EquipmentDR, Brand: "n/a", Console: "n/a", Reading: birads.ReadingConsole},
		ClinicalExam: birads.ClinicalNormal,
		L1:           birads.L1Reading{Reader: "L1", Density: birads.Density1},
	}
	if k.clinicalAbnormal {
		f.ClinicalExam = birads.ClinicalAbnormal
	}
	if k.mobile {
		f.Site.MobileUnit = &birads.MobileUnit{RadiologistOnBoard: false, DoctorPresent: true}
	}
	this := birads.Breasts{Right: biradsCat(k.right), Left: biradsCat(k.left)}
	normal := birads.Breasts{Right: birads.ACR1, Left: birads.ACR1}
	positive := birads.Breasts{Right: birads.ACR0, Left: birads.ACR1}
	side := birads.Right
	if k.right.Negative() && !k.left.Negative() {
		// The positive breast of this reading is the one the workup
		// explored.
		positive, side = birads.Breasts{Right: birads.ACR1, Left: birads.ACR0}, birads.Left
	}
	if !k.right.Negative() && !k.left.Negative() {
		positive = birads.Breasts{Right: birads.ACR0, Left: birads.ACR0}
	}
	workup := func(st birads.WorkupStatus) *birads.Workup {
		w := &birads.Workup{Status: st, Reason: birads.ReasonRadiological}
		switch st {
		case birads.WorkupDone:
			w.Exams, w.Result = []birads.Procedure{birads.Ultrasound}, "n/a"
		case birads.WorkupDeferred:
			w.Deferral = birads.DeferPersonWish
			if k.mobile {
				w.Deferral = birads.DeferMobileNoRadiologist
			}
		}
		return w
	}
	l2 := func(cats birads.Breasts) *birads.L2Reading {
		r := &birads.L2Reading{Reader: "L2", Categories: cats}
		for _, sd := range birads.Sides() {
			if c := cats.Get(sd); c != birads.NoCategory && !c.Negative() {
				r.Discordant = true
				r.Anomalies = append(r.Anomalies, birads.L2Anomaly{Side: sd, Kind: birads.KindMass,
					Location: &birads.Location{Quadrant: birads.UpperOuter}, Description: "n/a"})
				r.ProposedExams = []birads.Procedure{birads.Ultrasound}
			}
		}
		return r
	}
	finding := func() {
		// The mammographic anomaly a radiological workup is about.
		f.L1.Findings = []birads.Finding{{Side: side, Kind: birads.KindMass,
			Mass: &birads.Mass{Shape: birads.ShapeOval, Margins: birads.MarginsCircumscribed, Ultrasound: birads.USSolid}, Description: "n/a"}}
	}
	us := func() {
		if k.ultrasound == UltrasoundNone {
			return
		}
		f.L1.Ultrasound = &birads.BreastsUS{Right: birads.USSuspicious}
		if k.ultrasound == UltrasoundBiopsy {
			f.L1.Course = []birads.CourseOfAction{birads.CourseHistology}
		} else {
			f.L1.Course = []birads.CourseOfAction{birads.CourseSurveillance}
		}
	}
	switch k.stage {
	case birads.StageL1:
		switch {
		case k.workupRefused:
			f.L1.Provisional, f.L1.Final = this, this
			f.L1.ImmediateWorkup = workup(birads.WorkupRefused)
			f.L1.Course = courseFor(this)
		case k.right == ACR0 || k.left == ACR0:
			f.L1.Provisional = this
		case k.mobile && (!k.right.Negative() || !k.left.Negative()):
			// Positive at a mobile unit without a radiologist: a
			// positive mammogram (0 before the workup), the workup
			// deferred to a radiologist (L735).
			f.L1.Provisional = positive
		case k.workupDone:
			f.L1.Provisional, f.L1.Final = positive, this
			f.L1.ImmediateWorkup = workup(birads.WorkupDone)
			f.L1.Course = courseFor(this)
		default:
			f.L1.Final = this
			f.L1.Course = courseFor(this)
		}
		if !k.right.Negative() || !k.left.Negative() || k.workupDone || k.workupRefused {
			finding()
		}
		us()
	case birads.StageL2:
		f.L1.Final = normal
		f.L1.Course = courseFor(normal)
		us()
		f.L2 = l2(this)
		worst := k.right
		if rank(k.left) > rank(worst) {
			worst = k.left
		}
		switch worst {
		case ACR3, ACR4:
			// L2 gives 3 or 4 only after the first reader's immediate
			// workup (L1109).
			f.L1.Provisional = positive
			f.L1.ImmediateWorkup = workup(birads.WorkupDone)
			finding()
		case ACR5:
			f.L2.ObviousCancer = true
		}
		if worst == ACR3 || worst == ACR4 || worst == ACR5 {
			f.L2.Course = []birads.CourseOfAction{birads.CourseSpecialistOpinion}
		}
		if k.cti != CTINone {
			f.L2 = &birads.L2Reading{Reader: "L2", CTI: &birads.CTI{Reason: birads.CTIPositioning, Action: birads.Retake}}
			if k.cti == CTIReprint {
				f.L2.CTI = &birads.CTI{Reason: birads.CTIPrintQuality, Action: birads.Reprint, ImageArchived: true}
			}
		}
	case birads.StageDeferredWorkup:
		dw := &birads.DeferredWorkup{After: k.after, Exams: []birads.Procedure{birads.Ultrasound}, Conclusion: "n/a", Final: this, Course: courseFor(this)}
		if k.after == birads.AfterL2 {
			f.L1.Final = normal
			f.L1.Course = courseFor(normal)
			f.L2 = l2(positive)
		} else {
			f.L1.Provisional = positive
			f.L1.ImmediateWorkup = workup(birads.WorkupDeferred)
			finding()
		}
		f.DeferredWorkup = dw
	}
	return f
}

// decide returns birads' decision for k, memoised.
func (r *breastRouter) decide(k routeKey) (*birads.Decision, error) {
	if v, ok := r.memo.Load(k); ok {
		res := v.(routeResult)
		return res.dec, res.err
	}
	rep, err := r.eng.Evaluate(context.Background(), k.form())
	res := routeResult{dec: rep.Decision, err: err}
	if err == nil && rep.Decision == nil {
		res.err = fmt.Errorf("birads finds the projected form invalid: %w", rep.Err())
	}
	r.memo.Store(k, res)
	return res.dec, res.err
}

// routeKey returns the projection key of reading d in the episode of ps.
func routeKeyOf(d Reading, ps *ProgrammeState) (routeKey, bool) {
	r, l := d.breasts()
	k := routeKey{right: r, left: l, workupDone: d.WorkupDone, workupRefused: d.WorkupRefused, cti: d.CTI}
	switch d.Reader {
	case ReaderL1:
		// The clinical exam and the mobile unit route the first reading
		// (L593, L735) and its deferred workup, not the later stages.
		k.stage, k.ultrasound = birads.StageL1, d.Ultrasound
		k.mobile, k.clinicalAbnormal = ps.e.mobile, ps.e.clinicalAbn
		c := d.category()
		definitive := !d.WorkupRefused && c != ACR0
		if definitive && (ps.State == StateAwaitingWorkup || k.clinicalAbnormal || !c.Negative() && !k.mobile) {
			// A definitive category after a positive mammogram or an
			// abnormal clinical exam, and any 3 to 5, are the immediate
			// workup's (L593, L1107, L1120); a mobile unit without a
			// radiologist sends a positive mammogram to a deferred
			// workup instead (L735).
			k.workupDone = true
		}
		if k.workupDone {
			// An immediate workup means a radiologist on site: a
			// mobile unit without one cannot do it (L735).
			k.mobile = false
		}
	case ReaderL2:
		k.stage, k.ultrasound = birads.StageL2, ps.e.ultrasound
	case ReaderDeferred:
		k.stage, k.after = birads.StageDeferredWorkup, birads.AfterL2
		if ps.State == StateAwaitingWorkup {
			k.after, k.mobile = birads.AfterL1, ps.e.mobile
		}
	default:
		return k, false
	}
	return k, true
}

// routeReading returns the trigger of reading d: birads' decision for the
// first and second readings and the deferred workups, the category for
// the surveillance checks.
func (f *folder) routeReading(d Reading, ps *ProgrammeState) (Trigger, error) {
	k, ok := routeKeyOf(d, ps)
	if !ok {
		return surveillanceTrigger(d.category()), nil
	}
	if ps.State == StateRefused && d.Reader == ReaderDeferred && !ps.e.l2Positive {
		// A workup done after all by a person who refused it at the
		// first reading: the form's workup is "refused", for which
		// birads has no later deferred workup; route by the category,
		// like a deferred workup (BRE-DEFERRED-FIXED).
		return deferredTrigger(d.category()), nil
	}
	dec, err := f.br.decide(k)
	if err != nil {
		return "", fmt.Errorf("%w: reading routing: %v", ErrUnknownCode, err)
	}
	return triggerOf(dec, k)
}

func surveillanceTrigger(c Category) Trigger {
	switch {
	case c.Negative():
		return TrigCheckBenign
	case c == ACR3:
		return TrigCheckStable
	}
	return TrigCheckSuspicious
}

func deferredTrigger(c Category) Trigger {
	switch {
	case c.Negative():
		return TrigDeferredNegative
	case c == ACR3:
		return TrigDeferredACR3
	}
	return TrigDeferredACR45
}

// triggerOf maps a birads decision to the breast machine's trigger.
func triggerOf(dec *birads.Decision, k routeKey) (Trigger, error) {
	follow := func(surv, hist Trigger) (Trigger, error) {
		switch dec.FollowUp {
		case birads.FollowSurveillance:
			return surv, nil
		case birads.FollowHistology:
			return hist, nil
		}
		return "", fmt.Errorf("%w: birads outcome %s with follow-up %q", ErrUnknownCode, dec.Outcome, dec.FollowUp)
	}
	switch dec.Outcome {
	case birads.OutcomeImmediateWorkup, birads.OutcomeDeferredWorkup:
		if k.stage == birads.StageL1 {
			return TrigL1Pending, nil
		}
	case birads.OutcomeRefusal:
		if k.stage == birads.StageL1 {
			return TrigL1Refused, nil
		}
	case birads.OutcomeSecondReading:
		switch k.stage {
		case birads.StageL1:
			return TrigL1Negative, nil
		case birads.StageDeferredWorkup:
			return TrigDeferredNegMobile, nil
		}
	case birads.OutcomeL1Positive:
		if k.stage == birads.StageDeferredWorkup {
			return follow(TrigDeferredACR3, TrigDeferredACR45)
		}
		return follow(TrigL1Surveillance, TrigL1Suspicious)
	case birads.OutcomeNegative:
		if dec.FollowUp == birads.FollowUltrasound {
			if k.ultrasound == UltrasoundBiopsy {
				return TrigL2UltrasoundBiopsy, nil
			}
			return TrigL2UltrasoundSurv, nil
		}
		return TrigL2Negative, nil
	case birads.OutcomeL2Positive:
		return TrigL2Positive, nil
	case birads.OutcomeCTI:
		return TrigL2CTI, nil
	case birads.OutcomeCleared:
		return TrigDeferredNegative, nil
	case birads.OutcomePositiveAfterWorkup:
		return follow(TrigDeferredACR3, TrigDeferredACR45)
	}
	return "", fmt.Errorf("%w: birads outcome %s at stage %s has no breast transition", ErrUnknownCode, dec.Outcome, k.stage)
}
