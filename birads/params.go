package birads

import (
	"fmt"
	"reflect"
	"time"
)

// Params are the numbers of the rules. A zero field takes its default,
// the value the arrêté gives (line in brackets); a negative one is an
// [*OptionsError]. They are parameters because a CRCDC may be granted a
// dérogation, because the INCa référentiels the arrêté defers to may fix
// other values, and so that tests can probe the thresholds.
type Params struct {
	// L1MinPerYear is the first reader's yearly minimum of mammograms,
	// whatever the practice (default 500 [L631, L637]).
	L1MinPerYear int
	// L1FirstYearMin is the first-year minimum the CRCDC may accept for a
	// new installation or a particular geography, the reader then
	// attending second readings to read L1MinPerYear in all (default 300
	// [L639]).
	L1FirstYearMin int
	// L2PracticeMinPerYear is the second reader's yearly minimum of
	// mammograms in their own practice (default 500 [L713]).
	L2PracticeMinPerYear int
	// L2MinPerYear is the second reader's yearly minimum of second
	// readings, on top of their practice (default 1500 [L713]).
	L2MinPerYear int
	// L2CheckAfterYears is when L2MinPerYear is first checked, counted
	// from the start of second reading; it is then checked yearly
	// (default 2 [L713]).
	L2CheckAfterYears int
	// RetiredL2Min is the minimum of second readings of a second reader
	// who recently stopped practising (default 2000 [L714]; the text
	// gives no period, a year is implied).
	RetiredL2Min int

	// ResultsWithinDays bounds the time from the mammogram to the CRCDC's
	// sending the images and report of an exam negative at both readings
	// (default 15 [L759]).
	ResultsWithinDays int
	// PersonLetterMinHours and PersonLetterMaxHours place the letter to the
	// person after the letter to the doctor when the second reading is
	// positive (defaults 24 and 48 [L809]).
	PersonLetterMinHours, PersonLetterMaxHours int
	// ReinviteMonths is the screening interval (default 24 [L586, L759,
	// L1114]).
	ReinviteMonths int
	// ACR3CheckMonths is the interval of the two surveillance checks of a
	// category 3 (default 6 [L1120]).
	ACR3CheckMonths int
	// ACR3StableMonths is the surveillance after which a stable category 3
	// is reclassified 2 (default 24 [L1117]).
	ACR3StableMonths int
	// ACR3ReminderMonths is when the CRCDC asks the first reader for the
	// surveillance results it has not received. Section V.C defers to the
	// INCa référentiel (L771), which we do not have; section V.F says one
	// year (default 12 [L823]).
	ACR3ReminderMonths int
	// NextCompleteMonths is when the next complete bilateral mammogram is
	// due after a category 3, from the previous complete one (default 24
	// [L773, L825]).
	NextCompleteMonths int
	// CTIRetakeMonths is the limit the CTI reminder gives for redoing the
	// images (default 6 [L843]). The text does not say from when; this
	// package counts from the mammogram, the earlier of the two possible
	// anchors.
	CTIRetakeMonths int
	// LostToFollowUpMonths is when a person with a positive result and no
	// news despite reminders is "perdue de vue" (default 12 [L769]).
	LostToFollowUpMonths int
	// SecondReminderMonths is the delay of the second reminder when a
	// second-reading 0 has no deferred-workup result (default 1 [L786]).
	SecondReminderMonths int
	// FollowUpNoNewsDays is the delay after which the CRCDC chases a
	// positive result with no news: the arrêté defers it to the INCa
	// follow-up référentiel (L780, L783, L843), which we do not have.
	// There is no default: 0 leaves it unset, and the follow-up actions
	// then carry no date and say the delay is the référentiel's.
	FollowUpNoNewsDays int
}

// DefaultParams returns the arrêté's values.
func DefaultParams() Params {
	p, _ := Params{}.resolve()
	return p
}

// paramDefaults are the arrêté's values, by field name.
var paramDefaults = map[string]int{
	"L1MinPerYear": 500, "L1FirstYearMin": 300, "L2PracticeMinPerYear": 500, "L2MinPerYear": 1500,
	"L2CheckAfterYears": 2, "RetiredL2Min": 2000, "ResultsWithinDays": 15, "PersonLetterMinHours": 24,
	"PersonLetterMaxHours": 48, "ReinviteMonths": 24, "ACR3CheckMonths": 6, "ACR3StableMonths": 24,
	"ACR3ReminderMonths": 12, "NextCompleteMonths": 24, "CTIRetakeMonths": 6, "LostToFollowUpMonths": 12,
	"SecondReminderMonths": 1, "FollowUpNoNewsDays": 0,
}

// resolve fills the defaults and checks the values.
func (p Params) resolve() (Params, error) {
	v := reflect.ValueOf(&p).Elem()
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		f := v.Field(i)
		switch {
		case f.Int() < 0:
			return p, &OptionsError{"Params." + name, fmt.Sprintf("must not be negative, got %d", f.Int())}
		case f.Int() == 0:
			f.SetInt(int64(paramDefaults[name]))
		}
	}
	if p.PersonLetterMaxHours < p.PersonLetterMinHours {
		return p, &OptionsError{"Params.PersonLetterMaxHours", "less than PersonLetterMinHours"}
	}
	return p, nil
}

// Outcome is what happens next to an exam.
type Outcome uint8

// Outcomes.
const (
	NoOutcome Outcome = iota
	// OutcomeImmediateWorkup: the mammogram is positive (0) and the first
	// reader does the immediate diagnostic workup (L681).
	OutcomeImmediateWorkup
	// OutcomeDeferredWorkup: a workup will be done later, by the first
	// reader (L1108) or, for a mobile unit without a radiologist, by a
	// radiologist of the person's choice (L735).
	OutcomeDeferredWorkup
	// OutcomeSecondReading: send the exam to the CRCDC for second reading
	// (L676, L684, L701-L705).
	OutcomeSecondReading
	// OutcomeL1Positive: positive at first reading, no second reading,
	// CRCDC follow-up (L790-L799).
	OutcomeL1Positive
	// OutcomeRefusal: the person refused the workup; the mammogram stays 0
	// (L690-L694).
	OutcomeRefusal
	// OutcomeNegative: negative at both readings (L751-L759).
	OutcomeNegative
	// OutcomeL2Positive: positive at second reading; deferred workup by
	// the first reader (L801-L816).
	OutcomeL2Positive
	// OutcomeCTI: images to redo or reprint, then a new second reading
	// (L832-L843).
	OutcomeCTI
	// OutcomeCleared: a deferred workup after a positive second reading
	// cleared the image; no new second reading (L812).
	OutcomeCleared
	// OutcomePositiveAfterWorkup: a deferred workup after a positive second
	// reading confirmed 3, 4 or 5 (L810-L811, L818-L830).
	OutcomePositiveAfterWorkup
)

var outcomeNames = []string{"", "immediate_workup", "deferred_workup", "second_reading", "l1_positive",
	"refusal", "negative", "l2_positive", "cti", "cleared", "positive_after_workup"}

func (o Outcome) String() string               { return enumString(outcomeNames, o) }
func (o Outcome) MarshalText() ([]byte, error) { return enumMarshal(outcomeNames, o, "outcome") }

// FollowUp is the CRCDC follow-up a positive result starts.
type FollowUp uint8

// Follow-ups.
const (
	NoFollowUp FollowUp = iota
	// FollowSurveillance: category 3, two checks six months apart (L1120,
	// L818-L830).
	FollowSurveillance
	// FollowHistology: categories 4 and 5, histology and care decided in a
	// multidisciplinary meeting (L1125, L780-L782).
	FollowHistology
	// FollowUltrasound: negative screening with a positive ultrasound,
	// followed like the image it is (L761-L765).
	FollowUltrasound
)

var followUpNames = []string{"", "surveillance", "histology", "ultrasound"}

func (f FollowUp) String() string               { return enumString(followUpNames, f) }
func (f FollowUp) MarshalText() ([]byte, error) { return enumMarshal(followUpNames, f, "follow-up") }

// Stage is the last reading a decision is about.
type Stage uint8

// Stages.
const (
	NoStage Stage = iota
	StageL1
	StageDeferredWorkup
	StageL2
)

var stageNames = []string{"", "l1", "deferred_workup", "l2"}

func (s Stage) String() string               { return enumString(stageNames, s) }
func (s Stage) MarshalText() ([]byte, error) { return enumMarshal(stageNames, s, "stage") }

// Party is who acts or receives.
type Party string

// Parties.
const (
	PartyCRCDC       Party = "crcdc"
	PartyFirstReader Party = "first_reader"
	PartyRadiologist Party = "radiologist" // the radiologist the person chooses
	PartyPerson      Party = "person"
	PartyDoctor      Party = "doctor" // the doctor(s), gynaecologist or midwife the person named
)

// Action is one step a decision requires.
type Action struct {
	Rule      RuleID     `json:"rule"`
	By        Party      `json:"by"`
	To        Party      `json:"to,omitempty"`
	What      Text       `json:"what"`
	NotBefore *time.Time `json:"not_before,omitempty"`
	Due       *time.Time `json:"due,omitempty"`
}

// Decision is the routing of an exam: the outcome, the follow-up, the
// actions, and the chain of routing rules that produced them.
type Decision struct {
	Stage    Stage    `json:"stage"`
	Outcome  Outcome  `json:"outcome"`
	FollowUp FollowUp `json:"follow_up,omitempty"`
	Category Category `json:"category"`
	Pending  bool     `json:"pending,omitempty"`
	// SecondReading says whether a second reading follows: "required",
	// "recommended" (after a refusal, L693), "new" (after CTI, L835) or
	// "" (none).
	SecondReading string   `json:"second_reading,omitempty"`
	Actions       []Action `json:"actions,omitempty"`
	Fired         []RuleID `json:"fired"`
}

func timePtr(t time.Time) *time.Time { return &t }
