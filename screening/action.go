package screening

import "fmt"

// ActionKind names something that is due: an invitation, a reminder, a
// letter, a declaration, or an exam the centre expects from a
// professional.
type ActionKind string

// Actor says who must act.
type Actor string

// Actors.
const (
	ActorInsurance    Actor = "insurance"    // the assurance maladie body (invitations, reminders)
	ActorCentre       Actor = "centre"       // the CRCDC
	ActorSupplier     Actor = "supplier"     // the FIT kit supplier
	ActorProfessional Actor = "professional" // a radiologist, prescriber or laboratory: an expected exam
)

// Actions. Invitations and reminders are completed by [Invitation] and
// [Reminder] events, the replacement kit by [KitSent], expected exams by
// the exam events themselves, and every other action by an [ActionDone]
// event naming it.
const (
	ActInvite    ActionKind = "invite"
	ActReminder1 ActionKind = "reminder-1"
	ActReminder2 ActionKind = "reminder-2"

	// Breast.
	ActResultLetter         ActionKind = "result-letter"           // BRE-RESULT-15D
	ActL2DoctorLetter       ActionKind = "l2-doctor-letter"        // BRE-L2-POSITIVE
	ActL2PersonLetter       ActionKind = "l2-person-letter"        // BRE-L2-POSITIVE
	ActACR0ContactL1        ActionKind = "acr0-contact-l1"         // BRE-ACR0-CHASE
	ActACR0Reminder1        ActionKind = "acr0-reminder-1"         // BRE-ACR0-CHASE
	ActACR0Reminder2        ActionKind = "acr0-reminder-2"         // BRE-ACR0-CHASE
	ActPresumeRefusal       ActionKind = "presume-refusal"         // BRE-ACR0-REFUSAL
	ActRefusalPersonLetter  ActionKind = "refusal-person-letter"   // BRE-REFUSAL
	ActRefusalDoctorLetter  ActionKind = "refusal-doctor-letter"   // BRE-REFUSAL
	ActCTIRadiologistLetter ActionKind = "cti-radiologist-letter"  // BRE-CTI
	ActCTIPersonLetter      ActionKind = "cti-person-letter"       // BRE-CTI
	ActCTIRetakeReminder    ActionKind = "cti-retake-reminder"     // BRE-CTI-6M
	ActACR3RequestL1        ActionKind = "acr3-request-l1"         // BRE-ACR3-1Y
	ActACR3RequestPerson    ActionKind = "acr3-request-person"     // BRE-ACR3-1Y
	ActACR3Reminder         ActionKind = "acr3-reminder"           // BRE-ACR3-1Y
	ActNewsRequest          ActionKind = "news-request"            // BRE-ACR45-FOLLOWUP
	ActPersonalContact      ActionKind = "personal-contact"        // BRE-ACR45-FOLLOWUP
	ActPathologyRequest     ActionKind = "pathology-request"       // BRE-ACR45-FOLLOWUP
	ExpSecondReading        ActionKind = "expect-second-reading"   // BRE-L1-NEGATIVE
	ExpImmediateWorkup      ActionKind = "expect-immediate-workup" // BRE-L1-WORKUP
	ExpDeferredWorkup       ActionKind = "expect-deferred-workup"  // BRE-L2-POSITIVE
	ExpRetake               ActionKind = "expect-retake"           // BRE-CTI
	ExpCheck1               ActionKind = "expect-check-1"          // BRE-ACR3-SURVEILLANCE
	ExpCheck2               ActionKind = "expect-check-2"          // BRE-ACR3-SURVEILLANCE

	// Colorectal.
	ActOrderReminder  ActionKind = "order-reminder"  // CCR-ORDER-REMINDER
	ActReplacementKit ActionKind = "replacement-kit" // CCR-NONANALYSABLE-KIT
	ActDoctorEnquiry  ActionKind = "doctor-enquiry"  // CCR-POSITIVE-FOLLOWUP
	ActPersonReminder ActionKind = "person-reminder" // CCR-REMINDER-1Y
	ActOtherReminder  ActionKind = "other-reminder"  // CCR-REMINDER-1Y
	ActStopFollowUp   ActionKind = "stop-follow-up"  // CCR-STOP-2Y
	ExpColonoscopy    ActionKind = "expect-colonoscopy"

	// Colorectal and cervical.
	ActFinalLetter ActionKind = "final-letter" // CCR-UNDECIDED, CCU-UNDECIDED

	// Breast and cervical.
	ActDeclareLost ActionKind = "declare-lost" // BRE-LOST-1Y, CCU-LOST-18M

	// Cervical.
	ActFollowUpEnquiry    ActionKind = "follow-up-enquiry"   // CCU-FOLLOWUP-6M-8M
	ActReminderPrescriber ActionKind = "reminder-prescriber" // CCU-REMINDERS-3M
	ActReminderDoctor     ActionKind = "reminder-doctor"     // CCU-REMINDERS-3M
	ActReminderPerson     ActionKind = "reminder-person"     // CCU-REMINDERS-3M
	ExpResample           ActionKind = "expect-resample"     // CCU-UNSATISFACTORY-3M
	ExpReflexCytology     ActionKind = "expect-reflex-cytology"
	ExpHPVRetest          ActionKind = "expect-hpv-retest" // CCU-TRIAGE
	ExpDiagnosticWorkup   ActionKind = "expect-diagnostic-workup"
)

// actionSpec says who performs an action and whether an [ActionDone]
// event may record it.
type actionSpec struct {
	actor      Actor
	actionDone bool // completed by an ActionDone event
}

var actionSpecs = map[ActionKind]actionSpec{
	ActInvite: {ActorInsurance, false}, ActReminder1: {ActorInsurance, false}, ActReminder2: {ActorInsurance, false},
	ActResultLetter: {ActorCentre, true}, ActL2DoctorLetter: {ActorCentre, true}, ActL2PersonLetter: {ActorCentre, true},
	ActACR0ContactL1: {ActorCentre, true}, ActACR0Reminder1: {ActorCentre, true}, ActACR0Reminder2: {ActorCentre, true},
	ActPresumeRefusal: {ActorCentre, true}, ActRefusalPersonLetter: {ActorCentre, true}, ActRefusalDoctorLetter: {ActorCentre, true},
	ActCTIRadiologistLetter: {ActorCentre, true}, ActCTIPersonLetter: {ActorCentre, true}, ActCTIRetakeReminder: {ActorCentre, true},
	ActACR3RequestL1: {ActorCentre, true}, ActACR3RequestPerson: {ActorCentre, true}, ActACR3Reminder: {ActorCentre, true},
	ActNewsRequest: {ActorCentre, true}, ActPersonalContact: {ActorCentre, true}, ActPathologyRequest: {ActorCentre, true},
	ExpSecondReading: {ActorProfessional, false}, ExpImmediateWorkup: {ActorProfessional, false}, ExpDeferredWorkup: {ActorProfessional, false},
	ExpRetake: {ActorProfessional, false}, ExpCheck1: {ActorProfessional, false}, ExpCheck2: {ActorProfessional, false},
	ActOrderReminder: {ActorInsurance, true}, ActReplacementKit: {ActorSupplier, false}, ActDoctorEnquiry: {ActorCentre, true},
	ActPersonReminder: {ActorCentre, true}, ActOtherReminder: {ActorCentre, true}, ActStopFollowUp: {ActorCentre, true},
	ExpColonoscopy: {ActorProfessional, false}, ActFinalLetter: {ActorCentre, true}, ActDeclareLost: {ActorCentre, true},
	ActFollowUpEnquiry: {ActorCentre, true}, ActReminderPrescriber: {ActorCentre, true}, ActReminderDoctor: {ActorCentre, true},
	ActReminderPerson: {ActorCentre, true}, ExpResample: {ActorProfessional, false}, ExpReflexCytology: {ActorProfessional, false},
	ExpHPVRetest: {ActorProfessional, false}, ExpDiagnosticWorkup: {ActorProfessional, false},
}

// Actor returns who performs k.
func (k ActionKind) Actor() Actor { return actionSpecs[k].actor }

// Expectation reports whether k is an exam expected from a professional
// rather than something the centre or the insurance body does.
func (k ActionKind) Expectation() bool { return actionSpecs[k].actor == ActorProfessional }

// Action is something due for a person on a date.
type Action struct {
	Person    PersonID
	Programme Programme
	Kind      ActionKind
	Actor     Actor
	Rule      RuleID
	// From is the date the action became due; Deadline the date by which
	// it must be done (NoDate: none set by the text or the référentiel).
	From     Date
	Deadline Date
	// Episode identifies the round or follow-up the action belongs to
	// (its opening date): the same kind of action in a new round is a new
	// action.
	Episode Date
	// Kit reports that a kit goes with the action (the colorectal kit or
	// the cervical self-sampling kit with the second reminder).
	Kit bool `json:",omitempty"`
}

// Key identifies the action across Due runs: person, programme, kind and
// episode.
func (a Action) Key() string {
	return fmt.Sprintf("%s|%s|%s|%s", a.Person, a.Programme, a.Kind, a.Episode)
}

// Overdue reports whether the deadline has passed on at.
func (a Action) Overdue(at Date) bool { return a.Deadline != NoDate && at > a.Deadline }

func (a Action) String() string {
	s := fmt.Sprintf("%s %s %s from %s", a.Person, a.Programme, a.Kind, a.From)
	if a.Deadline != NoDate {
		s += " by " + a.Deadline.String()
	}
	if a.Kit {
		s += " (with kit)"
	}
	return s + " [" + string(a.Rule) + "]"
}
