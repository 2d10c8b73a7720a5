package screening

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// State is the state of a person in one programme.
type State string

// States. Each programme uses a subset (see [Transitions]).
const (
	// StateWaiting: not in a round; the next invitation is due on
	// ProgrammeState.NextDue (which may be years away).
	StateWaiting State = "waiting"
	// StateInvited, StateReminded1, StateReminded2: invited (and reminded)
	// by the insurance body, no test yet.
	StateInvited   State = "invited"
	StateReminded1 State = "reminded-1"
	StateReminded2 State = "reminded-2"
	// StateExcluded: temporarily excluded until ProgrammeState.ExcludedUntil.
	StateExcluded State = "excluded"
	// StateSuspended: cervical screening suspended after a conservative
	// treatment until a professional resumes it.
	StateSuspended State = "suspended"
	// StateIneligible: out of the programme for good (high risk, no
	// cervix, cancer, definitive exclusion).
	StateIneligible State = "ineligible"
	// StateDeceased: the person died.
	StateDeceased State = "deceased"

	// Breast.
	StateAwaitingWorkup State = "awaiting-workup" // first reading ACR 0, immediate workup pending
	StateAwaitingL2     State = "awaiting-l2"     // negative first reading, second reading pending
	StateL2Positive     State = "l2-positive"     // positive second reading, deferred workup pending
	StateCTI            State = "cti"             // technically inadequate images, retake pending
	StateSurveillance   State = "surveillance"    // ACR 3 surveillance

	// Breast, colorectal and cervical.
	StateFollowUp  State = "follow-up" // positive result, diagnostic exams expected
	StateRefused   State = "refused"   // workup or follow-up refused; round closed
	StateUndecided State = "undecided" // refusal not clearly expressed; last letter due
	StateClosed    State = "closed"    // follow-up ended without data
	StateLost      State = "lost"      // perdu(e) de vue declared

	// Colorectal.
	StateNonAnalysable State = "non-analysable" // replacement kit due

	// Cervical.
	StateUnsatisfactory State = "unsatisfactory" // new sample expected within 3 months
	StateRetest         State = "hpv-retest"     // HPV-HR positive, reflex cytology negative: retest at 1 year
)

// restStates are the states out of a round, from which an invitation can
// be due.
var restStates = []State{StateWaiting, StateLost, StateClosed, StateRefused, StateExcluded}

// Trigger is what an event means to a programme's machine: one event kind
// can mean several triggers (a FIT result is "fit-negative",
// "fit-positive" or "fit-non-analysable").
type Trigger string

// Transition is a row of a programme's transition table: Trigger moves a
// person from any of From to To, by Rule. To == "" keeps the state. A
// transition to [StateWaiting] lands in [StateIneligible] instead when a
// definitive reason is recorded (high risk, no cervix, cancer).
type Transition struct {
	Trigger Trigger
	From    []State
	To      State
	Rule    RuleID
}

// InvalidTransitionError reports an event whose trigger the programme's
// table does not allow in the person's state at the event's date.
type InvalidTransitionError struct {
	Programme Programme
	Event     EventID
	Trigger   Trigger
	State     State
}

func (e *InvalidTransitionError) Error() string {
	return fmt.Sprintf("screening: event %s (%s) not allowed in %s state %q (rule %s)", e.Event, e.Trigger, e.Programme, e.State, cite(RuleTransition))
}

// Rule returns [RuleTransition].
func (e *InvalidTransitionError) Rule() RuleID { return RuleTransition }

func states(s ...State) []State { return s }

var (
	inRound     = states(StateInvited, StateReminded1, StateReminded2)
	restOrRound = append(append([]State{}, restStates...), inRound...)
	// screenable: states from which a new screening test may arrive.
	screenable = append(append([]State{}, restOrRound...), StateIneligible)
)

// Triggers common to the three programmes.
const (
	TrigInvitation    Trigger = "invitation"
	TrigReminder1     Trigger = "reminder-1"
	TrigReminder2     Trigger = "reminder-2"
	TrigExclusion     Trigger = "exclusion"
	TrigDefinitive    Trigger = "exclusion-definitive"
	TrigExclusionEnd  Trigger = "exclusion-end"
	TrigHighRisk      Trigger = "high-risk"
	TrigOpposition    Trigger = "opposition"
	TrigDeath         Trigger = "death"
	TrigRefusal       Trigger = "refusal"
	TrigUndecided     Trigger = "undecided"
	TrigLetter        Trigger = "action-done"
	TrigDeclareLost   Trigger = "declare-lost"
	TrigStop          Trigger = "stop-follow-up"
	TrigFinalLetter   Trigger = "final-letter"
	TrigInfoInCare    Trigger = "info-in-care"
	TrigInfoCleared   Trigger = "info-cleared"
	TrigHistoBenign   Trigger = "histology-benign"
	TrigHistoCancer   Trigger = "histology-cancer"
	TrigHistoLesion   Trigger = "histology-lesion"
	TrigPresumedRefus Trigger = "presumed-refusal"
)

// Breast triggers.
const (
	TrigMammogram          Trigger = "mammogram"
	TrigL1Negative         Trigger = "l1-negative"
	TrigL1Pending          Trigger = "l1-acr0"
	TrigL1Refused          Trigger = "l1-workup-refused"
	TrigL1Surveillance     Trigger = "l1-acr3"
	TrigL1Suspicious       Trigger = "l1-acr45"
	TrigL2Negative         Trigger = "l2-negative"
	TrigL2UltrasoundSurv   Trigger = "l2-negative-ultrasound-surveillance"
	TrigL2UltrasoundBiopsy Trigger = "l2-negative-ultrasound-biopsy"
	TrigL2Positive         Trigger = "l2-positive"
	TrigL2CTI              Trigger = "l2-cti"
	TrigDeferredNegative   Trigger = "deferred-negative"
	TrigDeferredNegMobile  Trigger = "deferred-negative-mobile"
	TrigDeferredACR3       Trigger = "deferred-acr3"
	TrigDeferredACR45      Trigger = "deferred-acr45"
	TrigCheckStable        Trigger = "check-acr3"
	TrigCheckBenign        Trigger = "check-acr12"
	TrigCheckSuspicious    Trigger = "check-acr45"
)

// Colorectal triggers.
const (
	TrigKitOrder          Trigger = "kit-order"
	TrigKitSent           Trigger = "kit-sent"
	TrigFITNegative       Trigger = "fit-negative"
	TrigFITPositive       Trigger = "fit-positive"
	TrigFITNonAnalysable  Trigger = "fit-non-analysable"
	TrigColonoscopyNormal Trigger = "colonoscopy-normal"
	TrigColonoscopyLesion Trigger = "colonoscopy-lesion"
	TrigColonoscopyPart   Trigger = "colonoscopy-incomplete"
	TrigCTColonography    Trigger = "ct-colonography"
)

// Cervical triggers.
const (
	TrigCervixAbsent      Trigger = "cervix-absent"
	TrigTestNegative      Trigger = "test-negative"
	TrigTestUnsatisfied   Trigger = "test-unsatisfactory"
	TrigTestUnsatTwice    Trigger = "test-unsatisfactory-twice"
	TrigCytologyAbnormal  Trigger = "cytology-abnormal"
	TrigHPVPositive       Trigger = "hpv-positive"
	TrigReflexNegative    Trigger = "reflex-negative"
	TrigReflexAbnormal    Trigger = "reflex-abnormal"
	TrigColposcopyNormal  Trigger = "colposcopy-normal"
	TrigColposcopyLesion  Trigger = "colposcopy-lesion"
	TrigTreatConservative Trigger = "treatment-conservative"
	TrigHysterectomy      Trigger = "hysterectomy"
	TrigTestSuspended     Trigger = "test-during-suspension"
)

func common(p Programme, cycleRule RuleID, reminderRule RuleID) []Transition {
	live := liveStates(p)
	return []Transition{
		{TrigInvitation, append([]State{}, restOrRound...), StateInvited, cycleRule},
		{TrigReminder1, states(StateInvited), StateReminded1, reminderRule},
		{TrigReminder2, states(StateReminded1), StateReminded2, reminderRule},
		{TrigExclusion, live, StateExcluded, RuleExclusion},
		{TrigDefinitive, live, StateIneligible, RuleExclusion},
		{TrigExclusionEnd, states(StateExcluded, StateSuspended), StateWaiting, RuleExclusion},
		// An opposition (to reminders, or to the processing of results)
		// can be expressed at any time (Arrêté 2024, L453), including
		// after a person left the programme: it still governs what the
		// centre may do with the results it holds.
		{TrigOpposition, append(live, StateIneligible), "", RuleOpposeReminders},
		{TrigLetter, append(live, StateIneligible), "", RuleIdempotent},
		{TrigDeath, append(live, StateIneligible), StateDeceased, RuleDeath},
	}
}

// liveStates returns every state of p a person can be in, but deceased
// and ineligible.
func liveStates(p Programme) []State {
	base := append(append([]State{}, restOrRound...), StateFollowUp, StateUndecided)
	switch p {
	case Breast:
		base = append(base, StateAwaitingWorkup, StateAwaitingL2, StateL2Positive, StateCTI, StateSurveillance)
	case Colorectal:
		base = append(base, StateNonAnalysable)
	case Cervical:
		base = append(base, StateUnsatisfactory, StateRetest, StateSuspended)
	}
	return base
}

// followUpStates are the states of an open follow-up per programme.
func followUpStates(p Programme) []State {
	switch p {
	case Breast:
		return states(StateAwaitingWorkup, StateL2Positive, StateCTI, StateSurveillance, StateFollowUp)
	case Cervical:
		return states(StateFollowUp, StateRetest)
	}
	return states(StateFollowUp)
}

var transitions = map[Programme][]Transition{}

func init() {
	// Breast (annexe III).
	b := common(Breast, RuleBreastInterval, RuleBreastRemind12M)
	fu := followUpStates(Breast)
	shot := append(append([]State{}, screenable...), StateCTI)
	b = append(b,
		Transition{TrigHighRisk, liveStates(Breast), "", RuleBreastHighRisk},
		Transition{TrigInvitation, states(StateSurveillance), StateInvited, RuleBreastACR3Next},
		Transition{TrigMammogram, shot, "", RuleBreastL1Negative},
		Transition{TrigL1Negative, shot, StateAwaitingL2, RuleBreastL1Negative},
		Transition{TrigL1Negative, states(StateAwaitingWorkup), StateAwaitingL2, RuleBreastL1Negative},
		Transition{TrigL1Pending, shot, StateAwaitingWorkup, RuleBreastL1Workup},
		Transition{TrigL1Refused, append(append([]State{}, shot...), StateAwaitingWorkup), StateRefused, RuleBreastRefusal},
		Transition{TrigL1Surveillance, append(append([]State{}, shot...), StateAwaitingWorkup), StateSurveillance, RuleBreastL1Positive},
		Transition{TrigL1Suspicious, append(append([]State{}, shot...), StateAwaitingWorkup), StateFollowUp, RuleBreastL1Positive},
		Transition{TrigL2Negative, states(StateAwaitingL2), StateWaiting, RuleBreastNegative2Y},
		Transition{TrigL2UltrasoundSurv, states(StateAwaitingL2), StateSurveillance, RuleBreastUltrasound},
		Transition{TrigL2UltrasoundBiopsy, states(StateAwaitingL2), StateFollowUp, RuleBreastUltrasound},
		Transition{TrigL2Positive, states(StateAwaitingL2), StateL2Positive, RuleBreastL2Positive},
		Transition{TrigL2CTI, states(StateAwaitingL2), StateCTI, RuleBreastCTI},
		Transition{TrigDeferredNegative, states(StateL2Positive, StateRefused), StateWaiting, RuleBreastDeferredFixed},
		Transition{TrigDeferredNegMobile, states(StateAwaitingWorkup), StateAwaitingL2, RuleBreastMobile},
		Transition{TrigDeferredACR3, states(StateL2Positive, StateRefused, StateAwaitingWorkup), StateSurveillance, RuleBreastDeferredFixed},
		Transition{TrigDeferredACR45, states(StateL2Positive, StateRefused, StateAwaitingWorkup), StateFollowUp, RuleBreastDeferredFixed},
		Transition{TrigPresumedRefus, states(StateL2Positive), StateRefused, RuleBreastACR0Refusal},
		Transition{TrigCheckStable, states(StateSurveillance), "", RuleBreastACR3},
		Transition{TrigCheckBenign, states(StateSurveillance), StateWaiting, RuleBreastACR3Next},
		Transition{TrigCheckSuspicious, states(StateSurveillance), StateFollowUp, RuleBreastACR45},
		Transition{TrigHistoBenign, states(StateFollowUp, StateSurveillance), StateWaiting, RuleBreastBenign24M},
		Transition{TrigInfoCleared, states(StateFollowUp, StateSurveillance), StateWaiting, RuleBreastBenign24M},
		Transition{TrigHistoCancer, append(fu, restOrRound...), StateIneligible, RuleBreastCancer},
		Transition{TrigInfoInCare, fu, "", RuleBreastACR45},
		Transition{TrigRefusal, append(append([]State{}, fu...), StateAwaitingWorkup), StateRefused, RuleBreastRefusal},
		Transition{TrigDeclareLost, states(StateFollowUp, StateSurveillance), StateLost, RuleBreastLost1Y},
	)
	transitions[Breast] = b

	// Colorectal (annexe IV).
	r := common(Colorectal, RuleCCRInterval, RuleCCRRemind12M)
	test := append(append([]State{}, screenable...), StateNonAnalysable)
	r = append(r,
		Transition{TrigHighRisk, liveStates(Colorectal), "", RuleCCRHighRisk},
		Transition{TrigInvitation, states(StateNonAnalysable), StateInvited, RuleCCRReinvite},
		Transition{TrigKitOrder, liveStates(Colorectal), "", RuleCCROrderReminder},
		Transition{TrigKitSent, liveStates(Colorectal), "", RuleCCRNonAnalysableKit},
		Transition{TrigFITNegative, test, StateWaiting, RuleCCRNegative2Y},
		Transition{TrigFITNonAnalysable, test, StateNonAnalysable, RuleCCRNonAnalysableKit},
		Transition{TrigFITPositive, test, StateFollowUp, RuleCCRPositive},
		Transition{TrigColonoscopyNormal, append(append([]State{}, test...), StateFollowUp, StateRefused, StateUndecided), StateExcluded, RuleCCRColonoscopy5Y},
		Transition{TrigColonoscopyLesion, append(append([]State{}, test...), StateFollowUp, StateRefused, StateUndecided, StateExcluded), StateIneligible, RuleCCRColonoscopyResult},
		Transition{TrigColonoscopyPart, append(append([]State{}, test...), StateFollowUp, StateExcluded), "", RuleCCRColonoscopyResult},
		Transition{TrigCTColonography, append(append([]State{}, test...), StateFollowUp, StateRefused, StateUndecided), StateExcluded, RuleCCRCTC2Y},
		Transition{TrigHistoBenign, states(StateFollowUp), "", RuleCCRColonoscopyResult},
		Transition{TrigHistoLesion, append(append([]State{}, test...), StateFollowUp, StateExcluded), StateIneligible, RuleCCRColonoscopyResult},
		Transition{TrigHistoCancer, append(append([]State{}, test...), StateFollowUp, StateExcluded), StateIneligible, RuleCCRColonoscopyResult},
		Transition{TrigInfoInCare, states(StateFollowUp), "", RuleCCRPositive},
		Transition{TrigInfoCleared, states(StateFollowUp), StateExcluded, RuleCCRColonoscopy5Y},
		Transition{TrigRefusal, states(StateFollowUp, StateUndecided), StateRefused, RuleCCRRefusal},
		Transition{TrigUndecided, states(StateFollowUp), StateUndecided, RuleCCRUndecided},
		Transition{TrigFinalLetter, states(StateUndecided), StateClosed, RuleCCRUndecided},
		Transition{TrigStop, states(StateFollowUp), StateClosed, RuleCCRStop2Y},
	)
	transitions[Colorectal] = r

	// Cervical (annexe V).
	v := common(Cervical, RuleCCUInviteOverdue, RuleCCURemind12M)
	ctest := append(append([]State{}, restOrRound...), StateUnsatisfactory)
	cfu := states(StateFollowUp, StateRetest)
	v = append(v,
		Transition{TrigHighRisk, liveStates(Cervical), "", RuleCCUHigherRisk},
		Transition{TrigInvitation, states(StateUnsatisfactory), StateInvited, RuleCCUInviteOverdue},
		Transition{TrigCervixAbsent, append(liveStates(Cervical), StateIneligible), StateIneligible, RuleCCUNoCervix},
		Transition{TrigHysterectomy, append(liveStates(Cervical), StateIneligible), StateIneligible, RuleCCUNoCervix},
		Transition{TrigTestNegative, ctest, StateWaiting, RuleCCUCytologyInterval},
		Transition{TrigTestNegative, states(StateRetest), StateWaiting, RuleCCUTriage},
		Transition{TrigTestUnsatisfied, append(append([]State{}, restOrRound...), StateRetest), StateUnsatisfactory, RuleCCUUnsatisfactory3M},
		Transition{TrigTestUnsatTwice, states(StateUnsatisfactory), StateWaiting, RuleCCUUnsatisfactory2},
		Transition{TrigCytologyAbnormal, append(append([]State{}, ctest...), StateRetest), StateFollowUp, RuleCCUFollowUp},
		Transition{TrigHPVPositive, ctest, StateFollowUp, RuleCCUFollowUp},
		Transition{TrigHPVPositive, states(StateRetest), StateFollowUp, RuleCCUTriage},
		Transition{TrigReflexNegative, states(StateFollowUp), StateRetest, RuleCCUTriage},
		Transition{TrigReflexAbnormal, states(StateFollowUp), "", RuleCCUTriage},
		Transition{TrigTestSuspended, states(StateSuspended), "", RuleCCUSuspension},
		Transition{TrigColposcopyNormal, cfu, StateWaiting, RuleCCUFollowUpEnd},
		Transition{TrigColposcopyLesion, cfu, "", RuleCCUFollowUpEnd},
		Transition{TrigHistoBenign, cfu, StateWaiting, RuleCCUFollowUpEnd},
		Transition{TrigHistoLesion, cfu, "", RuleCCUFollowUpEnd},
		Transition{TrigHistoCancer, append(cfu, restOrRound...), StateSuspended, RuleCCUFollowUpEnd},
		Transition{TrigInfoCleared, cfu, StateWaiting, RuleCCUFollowUpEnd},
		Transition{TrigInfoInCare, cfu, "", RuleCCUFollowUpEnd},
		Transition{TrigTreatConservative, liveStates(Cervical), StateSuspended, RuleCCUSuspension},
		Transition{TrigRefusal, append(cfu, StateUndecided), StateRefused, RuleCCURefusal},
		Transition{TrigUndecided, cfu, StateUndecided, RuleCCUUndecided},
		Transition{TrigFinalLetter, states(StateUndecided), StateClosed, RuleCCUUndecided},
		Transition{TrigDeclareLost, cfu, StateLost, RuleCCULost18M},
	)
	transitions[Cervical] = v
}

// Transitions returns the transition table of programme p.
func Transitions(p Programme) []Transition {
	out := make([]Transition, len(transitions[p]))
	for i, t := range transitions[p] {
		t.From = append([]State(nil), t.From...)
		out[i] = t
	}
	return out
}

type transitionKey struct {
	p    Programme
	trig Trigger
	s    State
}

// transitionIndex maps (programme, trigger, state) to the first matching
// transition of the table (the table's order decides, as a scan would):
// every folded event looks one up. Built once, on first use (the table
// is filled by init), never changed.
var transitionIndex = sync.OnceValue(func() map[transitionKey]Transition {
	m := map[transitionKey]Transition{}
	for p, ts := range transitions {
		for _, t := range ts {
			for _, f := range t.From {
				k := transitionKey{p, t.Trigger, f}
				if _, ok := m[k]; !ok {
					m[k] = t
				}
			}
		}
	}
	return m
})

// find returns the transition of p for trigger in state s.
func find(p Programme, trig Trigger, s State) (Transition, bool) {
	t, ok := transitionIndex()[transitionKey{p, trig, s}]
	return t, ok
}

// Can reports whether trigger is allowed in state s of programme p.
func Can(p Programme, s State, trigger Trigger) bool {
	_, ok := find(p, trigger, s)
	return ok
}

// Available returns the triggers allowed in state s of programme p, sorted.
func Available(p Programme, s State) []Trigger {
	seen := map[Trigger]bool{}
	var out []Trigger
	for _, t := range transitions[p] {
		for _, f := range t.From {
			if f == s && !seen[t.Trigger] {
				seen[t.Trigger] = true
				out = append(out, t.Trigger)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Mermaid renders programme p's transition table as a Mermaid state
// diagram. Self-loops (transitions that keep the state) and the
// transitions every state shares (exclusion, death, opposition, actions
// done) are left out so that the diagram shows the programme's path; the
// table itself ([Transitions]) is complete.
func Mermaid(p Programme) string {
	var sb strings.Builder
	sb.WriteString("stateDiagram-v2\n")
	fmt.Fprintf(&sb, "    %%%% %s programme, generated from screening.Transitions(%s)\n", p, p)
	sb.WriteString("    [*] --> waiting\n")
	type edge struct{ from, to State }
	labels := map[edge][]string{}
	var order []edge
	for _, t := range transitions[p] {
		switch t.Trigger {
		case TrigExclusion, TrigDefinitive, TrigDeath, TrigOpposition, TrigLetter, TrigHighRisk:
			continue
		}
		if t.To == "" {
			continue
		}
		for _, f := range t.From {
			if f == t.To || f == StateIneligible && t.To != StateIneligible && t.Trigger != TrigExclusionEnd {
				continue
			}
			e := edge{f, t.To}
			if _, ok := labels[e]; !ok {
				order = append(order, e)
			}
			lbl := fmt.Sprintf("%s [%s]", t.Trigger, t.Rule)
			dup := false
			for _, l := range labels[e] {
				dup = dup || l == lbl
			}
			if !dup {
				labels[e] = append(labels[e], lbl)
			}
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].from != order[j].from {
			return order[i].from < order[j].from
		}
		return order[i].to < order[j].to
	})
	id := func(s State) string { return strings.ReplaceAll(string(s), "-", "_") }
	for _, e := range order {
		fmt.Fprintf(&sb, "    %s --> %s: %s\n", id(e.from), id(e.to), strings.Join(labels[e], "<br/>"))
	}
	fmt.Fprintf(&sb, "    %s --> [*]\n", id(StateIneligible))
	return sb.String()
}
