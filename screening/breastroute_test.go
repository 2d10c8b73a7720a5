package screening

import (
	"testing"

	"github.com/radkit/radkit/birads"
)

// routeKeys enumerates the projections of every reading checkIntrinsic
// accepts, in every stage the machine routes.
func routeKeys(t *testing.T) []routeKey {
	var out []routeKey
	cats := []Category{ACR0, ACR1, ACR2, ACR3, ACR4, ACR5}
	for _, c := range cats {
		for _, done := range []bool{false, true} {
			for _, refused := range []bool{false, true} {
				for _, us := range []UltrasoundFollowUp{UltrasoundNone, UltrasoundSurveillance, UltrasoundBiopsy} {
					for _, cti := range []CTI{CTINone, CTIRetake, CTIReprint} {
						for _, rd := range []Reader{ReaderL1, ReaderL2, ReaderDeferred} {
							for _, d := range []Reading{
								{Of: "m", Reader: rd, Category: c, WorkupDone: done, WorkupRefused: refused, Ultrasound: us, CTI: cti},
								{Of: "m", Reader: rd, Right: ACR1, Left: c, WorkupDone: done, WorkupRefused: refused, Ultrasound: us, CTI: cti},
								{Of: "m", Reader: rd, Right: c, Left: c, WorkupDone: done, WorkupRefused: refused, Ultrasound: us, CTI: cti},
							} {
								ev := Event{ID: "r", Person: "p", Programme: Breast, Data: d}
								if checkIntrinsic(&ev) != nil {
									continue
								}
								for _, mobile := range []bool{false, true} {
									for _, clin := range []bool{false, true} {
										for _, st := range []State{StateAwaitingL2, StateAwaitingWorkup, StateL2Positive, StateWaiting} {
											ps := &ProgrammeState{Programme: Breast, State: st}
											ps.e.mobile, ps.e.clinicalAbn, ps.e.ultrasound = mobile, clin, us
											if rd == ReaderL2 {
												d.Ultrasound = UltrasoundNone
											}
											k, ok := routeKeyOf(d, ps)
											if ok {
												out = append(out, k)
											}
										}
									}
								}
							}
						}
					}
				}
			}
		}
	}
	return out
}

// TestBreastRoutingProjection: every reading the machine can receive
// projects to a form birads finds valid and routes, and the decision
// maps to a transition of the breast table.
func TestBreastRoutingProjection(t *testing.T) {
	r, err := newBreastRouter()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[routeKey]bool{}
	for _, k := range routeKeys(t) {
		if seen[k] {
			continue
		}
		seen[k] = true
		dec, err := r.decide(k)
		if err != nil {
			t.Errorf("%+v: %v", k, err)
			continue
		}
		if _, err := triggerOf(dec, k); err != nil {
			t.Errorf("%+v: %v", k, err)
		}
	}
	if len(seen) < 50 {
		t.Fatalf("only %d projections enumerated", len(seen))
	}
}

// TestBiradsDecisionDrivesState: the breast machine's state follows the
// birads decision, not its own reading of the categories: the same first
// reading 3 goes to surveillance at a fixed site and, at a mobile unit
// without a radiologist, to a deferred workup (birads'
// BR_ROUTE_MOBILE_POSITIVE, L735); each state matches what
// birads.Engine.Evaluate decides for the projected form.
func TestBiradsDecisionDrivesState(t *testing.T) {
	eng, err := birads.Prepare(birads.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		mammo   Mammogram
		reading Reading
		outcome birads.Outcome
		want    State
	}{
		{"normal clinical exam, L1 1", Mammogram{}, Reading{Reader: ReaderL1, Category: ACR1}, birads.OutcomeSecondReading, StateAwaitingL2},
		{"mobile unit, L1 1", Mammogram{Mobile: true}, Reading{Reader: ReaderL1, Category: ACR1}, birads.OutcomeSecondReading, StateAwaitingL2},
		{"fixed site, L1 0", Mammogram{}, Reading{Reader: ReaderL1, Category: ACR0}, birads.OutcomeImmediateWorkup, StateAwaitingWorkup},
		{"abnormal clinical exam, L1 1 after its workup", Mammogram{ClinicalAbnormal: true}, Reading{Reader: ReaderL1, Category: ACR1, WorkupDone: true}, birads.OutcomeSecondReading, StateAwaitingL2},
		{"fixed site, L1 5", Mammogram{}, Reading{Reader: ReaderL1, Category: ACR5, WorkupDone: true}, birads.OutcomeL1Positive, StateFollowUp},
		{"fixed site, L1 3", Mammogram{}, Reading{Reader: ReaderL1, Category: ACR3}, birads.OutcomeL1Positive, StateSurveillance},
		{"mobile unit, L1 3", Mammogram{Mobile: true}, Reading{Reader: ReaderL1, Category: ACR3}, birads.OutcomeDeferredWorkup, StateAwaitingWorkup},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSc(t, "1970-03-15")
			m := s.ev(Breast, "2024-05-02", c.mammo)
			c.reading.Of = m
			s.ev(Breast, "2024-05-02", c.reading)
			s.state(Breast, "2024-05-02", c.want)
			ps := &ProgrammeState{Programme: Breast, State: StateWaiting}
			ps.e.mobile, ps.e.clinicalAbn = c.mammo.Mobile, c.mammo.ClinicalAbnormal
			k, _ := routeKeyOf(c.reading, ps)
			rep, err := eng.Evaluate(t.Context(), k.form())
			if err != nil || rep.Decision == nil {
				t.Fatalf("birads: %v %+v", err, rep.Errors)
			}
			if rep.Decision.Outcome != c.outcome {
				t.Fatalf("birads decides %s, the test expects %s", rep.Decision.Outcome, c.outcome)
			}
		})
	}
}
