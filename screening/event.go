package screening

import (
	"encoding/json"
	"fmt"
	"time"
)

// Event is one fact in a person's log. Events are never changed or
// deleted: corrections are new events (a withdrawal, a later result), so
// that the state on any past date can be replayed and explained.
type Event struct {
	// ID is the idempotency key (see [EventID]).
	ID EventID
	// Person the event is about.
	Person PersonID
	// Programme the event belongs to; NoProgramme for person-level facts
	// ([Birth], [Move], [Death]).
	Programme Programme
	// Date the event happened (the exam, the sending of the letter), not
	// the date it was recorded.
	Date Date
	// Data is the typed payload; its [Payload.Kind] is the event's kind.
	Data Payload
}

// Kind returns the kind of e's payload, or "" if it has none.
func (e Event) Kind() Kind {
	if e.Data == nil {
		return ""
	}
	return e.Data.Kind()
}

// String is a short description for logs and explanations.
func (e Event) String() string {
	return fmt.Sprintf("%s %s %s/%s", e.ID, e.Date, e.Programme, e.Kind())
}

// Kind names an event type.
type Kind string

// Payload is an event's typed content. The set is closed: only the types
// of this package implement it.
type Payload interface {
	Kind() Kind
	isPayload()
}

// Event kinds.
const (
	KindBirth               Kind = "birth"
	KindMove                Kind = "move"
	KindDeath               Kind = "death"
	KindHighRisk            Kind = "high-risk"
	KindCervixAbsent        Kind = "cervix-absent"
	KindExclusion           Kind = "exclusion"
	KindExclusionEnd        Kind = "exclusion-end"
	KindOpposition          Kind = "opposition"
	KindOppositionWithdrawn Kind = "opposition-withdrawn"
	KindInvitation          Kind = "invitation"
	KindReminder            Kind = "reminder"
	KindKitOrder            Kind = "kit-order"
	KindKitSent             Kind = "kit-sent"
	KindMammogram           Kind = "mammogram"
	KindReading             Kind = "reading"
	KindFIT                 Kind = "fit"
	KindColonoscopy         Kind = "colonoscopy"
	KindCTColonography      Kind = "ct-colonography"
	KindCervicalTest        Kind = "cervical-test"
	KindReflexCytology      Kind = "reflex-cytology"
	KindColposcopy          Kind = "colposcopy"
	KindHistology           Kind = "histology"
	KindTreatment           Kind = "treatment"
	KindFollowUpInfo        Kind = "follow-up-info"
	KindRefusal             Kind = "refusal"
	KindUndecided           Kind = "undecided"
	KindActionDone          Kind = "action-done"
)

// Birth records the birth date (and sex, informative) from the insurance
// population files (annexe I, L112, L151). It must come before any
// programme event: every age rule needs it.
type Birth struct {
	Birth Date
	Sex   Sex `json:",omitempty"`
}

// Move records a change of main residence; the competent CRCDC is that of
// the main residence (annexe III, L594, L671; annexe IV, L1435).
type Move struct {
	Department string // INSEE code, e.g. "67"
}

// Death ends every programme; later events are rejected.
type Death struct{}

// HighRisk records a higher-than-average risk criterion. Its programme is
// that of the criterion.
type HighRisk struct {
	Criterion RiskCriterion
}

// CervixAbsent records that the person has no cervix (any more): definitive
// exclusion from cervical screening (annexe V, L1577).
type CervixAbsent struct{}

// Exclusion records a temporary exclusion until Until, or a definitive one
// (annexe I, L114-L115; annexe III, I.B; annexe IV, I.C; annexe V, I.B).
// A temporary exclusion must have an Until after its date: an exclusion
// with a forgotten end must not silently become definitive.
type Exclusion struct {
	Reason     string `json:",omitempty"` // free text or an INCa code: "symptoms", "study", ...
	Until      Date   `json:",omitzero"`
	Definitive bool   `json:",omitempty"`
}

// ExclusionEnd ends a temporary exclusion or a suspension early: a
// professional resumes screening (annexe V, L1588).
type ExclusionEnd struct{}

// Opposition records an objection (article 3, IV, L54; annexe II, L453).
type Opposition struct {
	Scope OppositionScope
}

// OppositionWithdrawn withdraws an [Opposition].
type OppositionWithdrawn struct {
	Scope OppositionScope
}

// Invitation records an invitation sent by the insurance body; its Date
// is the sending date, the anchor of the re-invitation délai (annexe III,
// L621; annexe V, L1674).
type Invitation struct {
	Channel Channel `json:",omitempty"`
}

// Reminder records a reminder (relance) sent by the insurance body: N is 1
// or 2. Kit reports that a FIT kit (colorectal) or a self-sampling kit
// (cervical) was enclosed.
type Reminder struct {
	N       int
	Kit     bool    `json:",omitempty"`
	Channel Channel `json:",omitempty"`
}

// KitOrder records a FIT kit handed over or ordered (annexe IV, III.B).
// ConsentDigitalReminder is the opt-in to the SMS or e-mail reminder one
// month after an online order (L1396).
type KitOrder struct {
	Channel                Channel
	ConsentDigitalReminder bool `json:",omitempty"`
}

// KitSent records a kit shipped by the supplier, e.g. the replacement kit
// after a non-analysable test (annexe IV, L1423).
type KitSent struct {
	Replacement bool `json:",omitempty"`
}

// Mammogram records a screening mammography (clinical exam and two views
// per breast, annexe III, L586).
type Mammogram struct {
	// Partial marks an exam that is not a complete bilateral mammogram
	// (an ACR 3 check of one breast): the 24-month délai runs from the
	// last complete one (L773).
	Partial bool `json:",omitempty"`
	// Mobile marks a mobile unit without a radiologist on board (L735):
	// a positive first reading waits for a deferred workup by a
	// radiologist, which, if it clears the image, sends the mammogram
	// back to second reading (L737).
	Mobile bool `json:",omitempty"`
	// Retake marks the retake of technically inadequate images (L835).
	Retake bool `json:",omitempty"`
	// ClinicalAbnormal is an abnormal clinical breast exam (L687).
	ClinicalAbnormal bool `json:",omitempty"`
}

// Reading records a BI-RADS reading of a mammogram: the first reading
// (with its immediate workup), the second reading, a deferred workup or an
// ACR 3 surveillance check. It is a result: Of must name a stored
// [Mammogram].
type Reading struct {
	Of     EventID
	Reader Reader
	// Category is the exam-level category; NoCategory derives it from
	// Right and Left with [ExamCategory].
	Category    Category `json:",omitzero"`
	Right, Left Category `json:",omitzero"`
	// WorkupDone reports a completed immediate workup (L1107).
	WorkupDone bool `json:",omitempty"`
	// WorkupRefused reports that the person refused the workup (L690).
	WorkupRefused bool `json:",omitempty"`
	// CTI is set by a second reader who finds the images technically
	// inadequate (L834).
	CTI CTI `json:",omitempty"`
	// Ultrasound is set by a first reader whose ultrasound, done with a
	// negative mammogram, needs a follow-up of its own (L761-L764): the
	// mammogram stays ACR 1 or 2 and goes to second reading.
	Ultrasound UltrasoundFollowUp `json:",omitempty"`
}

// UltrasoundFollowUp is the follow-up a suspicious ultrasound needs when
// the mammogram is negative (annexe III, V.B, L764).
type UltrasoundFollowUp string

// Ultrasound follow-ups.
const (
	UltrasoundNone         UltrasoundFollowUp = ""
	UltrasoundSurveillance UltrasoundFollowUp = "surveillance" // followed like ACR 3
	UltrasoundBiopsy       UltrasoundFollowUp = "biopsy"       // followed like ACR 4-5
)

// FITResult records a faecal immunochemical test read by the laboratory.
// The event Date is the reading date. Value and Threshold are stored with
// the result because the threshold "peut évoluer" (annexe IV, L1463) and
// must be on every report (L1524).
type FITResult struct {
	Outcome FITOutcome
	// Value is the haemoglobin concentration, in µg Hb per g of stool
	// (the text's "par microgramme de selle", L1524, is a typo).
	Value     float64 `json:",omitempty"`
	Threshold float64 `json:",omitempty"`
	// Sampled is the sampling date written on the tube; LabReceived the
	// date the laboratory received the sample. Zero: unknown, not
	// checked.
	Sampled     Date `json:",omitzero"`
	LabReceived Date `json:",omitzero"`
	// Read is the reading instant; SentToCentre is the instant the
	// result reached the CRCDC. Both zero: not checked.
	Read         time.Time `json:",omitzero"`
	SentToCentre time.Time `json:",omitzero"`
	// ResultSent is the date the result was sent to the person and the
	// doctors; zero means the reading date. It anchors the colorectal
	// follow-up délais (L1436).
	ResultSent Date `json:",omitzero"`
	// Reasons lists why a sample was non-analysable.
	Reasons []string `json:",omitempty"`
}

// Colonoscopy records a colonoscopy, after a positive FIT or outside the
// programme (history).
type Colonoscopy struct {
	Incomplete bool `json:",omitempty"`
	Finding    Finding
}

// CTColonography records a CT colonography (colo-scanner), alone or after
// an incomplete colonoscopy (annexe IV, L1319).
type CTColonography struct{}

// CervicalTest records a primary cervical screening test and its result.
type CervicalTest struct {
	Test   CervicalTestKind
	Sample SampleKind `json:",omitempty"` // default clinician
	Result CervicalResult
}

// ReflexCytology records the reflex cytology on the sample of a positive
// HPV-HR test (annexe V, L1630). Of must name that [CervicalTest].
type ReflexCytology struct {
	Of     EventID
	Result CervicalResult
}

// Colposcopy records a colposcopy (annexe V, L1631).
type Colposcopy struct {
	Finding Finding
}

// Histology records a pathology result. Of names the exam it explores (a
// mammogram, a colonoscopy, a colposcopy).
type Histology struct {
	Of      EventID
	Finding Finding
	// SizeMM is the invasive tumour size, for the "% invasive ≤ 10 mm"
	// indicator (annexe III, L1005); 0 if unknown.
	SizeMM float64 `json:",omitempty"`
}

// Treatment records a cervical treatment.
type Treatment struct {
	Treatment TreatmentKind
}

// FollowUpInfo records follow-up information the centre received from a
// professional or the person.
type FollowUpInfo struct {
	Status FollowUpStatus
}

// Refusal records that the person refused the recommended workup or
// follow-up exams, notified by the doctor or the person (annexe III, L690;
// annexe IV, L1439; annexe V, L1721).
type Refusal struct{}

// Undecided records that a refusal was not clearly expressed (annexe IV,
// L1440; annexe V, L1722).
type Undecided struct{}

// ActionDone records that a due [Action] was performed: a letter sent, a
// contact made, a declaration (perdu de vue, presumed refusal) or a
// closure. It is how [Engine.Due] learns not to propose it again.
type ActionDone struct {
	Action  ActionKind
	Channel Channel `json:",omitempty"`
}

func (Birth) Kind() Kind               { return KindBirth }
func (Move) Kind() Kind                { return KindMove }
func (Death) Kind() Kind               { return KindDeath }
func (HighRisk) Kind() Kind            { return KindHighRisk }
func (CervixAbsent) Kind() Kind        { return KindCervixAbsent }
func (Exclusion) Kind() Kind           { return KindExclusion }
func (ExclusionEnd) Kind() Kind        { return KindExclusionEnd }
func (Opposition) Kind() Kind          { return KindOpposition }
func (OppositionWithdrawn) Kind() Kind { return KindOppositionWithdrawn }
func (Invitation) Kind() Kind          { return KindInvitation }
func (Reminder) Kind() Kind            { return KindReminder }
func (KitOrder) Kind() Kind            { return KindKitOrder }
func (KitSent) Kind() Kind             { return KindKitSent }
func (Mammogram) Kind() Kind           { return KindMammogram }
func (Reading) Kind() Kind             { return KindReading }
func (FITResult) Kind() Kind           { return KindFIT }
func (Colonoscopy) Kind() Kind         { return KindColonoscopy }
func (CTColonography) Kind() Kind      { return KindCTColonography }
func (CervicalTest) Kind() Kind        { return KindCervicalTest }
func (ReflexCytology) Kind() Kind      { return KindReflexCytology }
func (Colposcopy) Kind() Kind          { return KindColposcopy }
func (Histology) Kind() Kind           { return KindHistology }
func (Treatment) Kind() Kind           { return KindTreatment }
func (FollowUpInfo) Kind() Kind        { return KindFollowUpInfo }
func (Refusal) Kind() Kind             { return KindRefusal }
func (Undecided) Kind() Kind           { return KindUndecided }
func (ActionDone) Kind() Kind          { return KindActionDone }

func (Birth) isPayload()               {}
func (Move) isPayload()                {}
func (Death) isPayload()               {}
func (HighRisk) isPayload()            {}
func (CervixAbsent) isPayload()        {}
func (Exclusion) isPayload()           {}
func (ExclusionEnd) isPayload()        {}
func (Opposition) isPayload()          {}
func (OppositionWithdrawn) isPayload() {}
func (Invitation) isPayload()          {}
func (Reminder) isPayload()            {}
func (KitOrder) isPayload()            {}
func (KitSent) isPayload()             {}
func (Mammogram) isPayload()           {}
func (Reading) isPayload()             {}
func (FITResult) isPayload()           {}
func (Colonoscopy) isPayload()         {}
func (CTColonography) isPayload()      {}
func (CervicalTest) isPayload()        {}
func (ReflexCytology) isPayload()      {}
func (Colposcopy) isPayload()          {}
func (Histology) isPayload()           {}
func (Treatment) isPayload()           {}
func (FollowUpInfo) isPayload()        {}
func (Refusal) isPayload()             {}
func (Undecided) isPayload()           {}
func (ActionDone) isPayload()          {}

// kindSpec says, for each kind, which programmes it may belong to, how it
// ranks among same-day events (exams before their results, results before
// the letters they cause, death last) and how to decode it.
type kindSpec struct {
	programmes []Programme // empty: NoProgramme only
	rank       int
	decode     func([]byte) (Payload, error)
}

func dec[T Payload](b []byte) (Payload, error) {
	var v T
	if len(b) > 0 {
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, err
		}
	}
	return v, nil
}

var all3 = []Programme{Breast, Colorectal, Cervical}

// kindSpecs is immutable after initialisation.
var kindSpecs = map[Kind]kindSpec{
	KindBirth:               {nil, 0, dec[Birth]},
	KindMove:                {nil, 1, dec[Move]},
	KindHighRisk:            {all3, 2, dec[HighRisk]},
	KindCervixAbsent:        {[]Programme{Cervical}, 2, dec[CervixAbsent]},
	KindExclusion:           {all3, 3, dec[Exclusion]},
	KindExclusionEnd:        {all3, 4, dec[ExclusionEnd]},
	KindOpposition:          {all3, 5, dec[Opposition]},
	KindOppositionWithdrawn: {all3, 6, dec[OppositionWithdrawn]},
	KindInvitation:          {all3, 10, dec[Invitation]},
	KindReminder:            {all3, 11, dec[Reminder]},
	KindKitOrder:            {[]Programme{Colorectal}, 12, dec[KitOrder]},
	KindKitSent:             {[]Programme{Colorectal}, 61, dec[KitSent]}, // after the result it answers
	KindMammogram:           {[]Programme{Breast}, 20, dec[Mammogram]},
	KindFIT:                 {[]Programme{Colorectal}, 20, dec[FITResult]},
	KindCervicalTest:        {[]Programme{Cervical}, 20, dec[CervicalTest]},
	KindColonoscopy:         {[]Programme{Colorectal}, 21, dec[Colonoscopy]},
	KindCTColonography:      {[]Programme{Colorectal}, 22, dec[CTColonography]},
	KindColposcopy:          {[]Programme{Cervical}, 21, dec[Colposcopy]},
	KindReading:             {[]Programme{Breast}, 30, dec[Reading]}, // + reader sub-rank
	KindReflexCytology:      {[]Programme{Cervical}, 30, dec[ReflexCytology]},
	KindHistology:           {all3, 40, dec[Histology]},
	KindTreatment:           {[]Programme{Cervical}, 41, dec[Treatment]},
	KindFollowUpInfo:        {all3, 42, dec[FollowUpInfo]},
	KindRefusal:             {all3, 50, dec[Refusal]},
	KindUndecided:           {all3, 51, dec[Undecided]},
	KindActionDone:          {all3, 60, dec[ActionDone]},
	KindDeath:               {nil, 99, dec[Death]},
}

// Kinds returns every event kind, in canonical same-day order.
func Kinds() []Kind {
	out := make([]Kind, 0, len(kindSpecs))
	for k := range kindSpecs {
		out = append(out, k)
	}
	sortKinds(out)
	return out
}

func sortKinds(ks []Kind) {
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && (kindSpecs[ks[j]].rank < kindSpecs[ks[j-1]].rank || kindSpecs[ks[j]].rank == kindSpecs[ks[j-1]].rank && ks[j] < ks[j-1]); j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
}

func readerRank(r Reader) int {
	switch r {
	case ReaderL2:
		return 1
	case ReaderDeferred:
		return 2
	case ReaderSurveillance:
		return 3
	}
	return 0
}

// rank orders events of one day: see [kindSpec].
func (e Event) rank() int {
	return payloadRank(e.Data)
}

// payloadRank is kindSpecs[kind].rank*10 (plus the reader's sub-rank),
// by a type switch: the canonical order is compared on every sort and
// insertion, and a map lookup by kind name per comparison dominated
// ingestion. A test checks it against kindSpecs.
func payloadRank(p Payload) int {
	switch d := p.(type) {
	case Birth:
		return 0
	case Move:
		return 10
	case HighRisk, CervixAbsent:
		return 20
	case Exclusion:
		return 30
	case ExclusionEnd:
		return 40
	case Opposition:
		return 50
	case OppositionWithdrawn:
		return 60
	case Invitation:
		return 100
	case Reminder:
		return 110
	case KitOrder:
		return 120
	case Mammogram, FITResult, CervicalTest:
		return 200
	case Colonoscopy, Colposcopy:
		return 210
	case CTColonography:
		return 220
	case Reading:
		return 300 + readerRank(d.Reader)
	case ReflexCytology:
		return 300
	case Histology:
		return 400
	case Treatment:
		return 410
	case FollowUpInfo:
		return 420
	case Refusal:
		return 500
	case Undecided:
		return 510
	case ActionDone:
		return 600
	case KitSent:
		return 610
	case Death:
		return 990
	}
	return 0
}

// before is the canonical order of a person's log: date, then same-day
// rank, then ID. The fold sorts by it, which is what makes the state
// independent of arrival order.
func before(a, b Event) bool {
	if a.Date != b.Date {
		return a.Date < b.Date
	}
	if ra, rb := a.rank(), b.rank(); ra != rb {
		return ra < rb
	}
	return a.ID < b.ID
}

type eventJSON struct {
	ID        EventID         `json:"id"`
	Person    PersonID        `json:"person"`
	Programme Programme       `json:"programme,omitempty"`
	Date      Date            `json:"date"`
	Kind      Kind            `json:"kind"`
	Data      json.RawMessage `json:"data,omitempty"`
}

// MarshalJSON writes {"id", "person", "programme", "date", "kind", "data"}.
func (e Event) MarshalJSON() ([]byte, error) {
	if e.Data == nil {
		return nil, fmt.Errorf("screening: event %s has no payload", e.ID)
	}
	data, err := json.Marshal(e.Data)
	if err != nil {
		return nil, err
	}
	if string(data) == "{}" {
		data = nil
	}
	return json.Marshal(eventJSON{e.ID, e.Person, e.Programme, e.Date, e.Kind(), data})
}

// UnmarshalJSON reads what MarshalJSON writes. An unknown kind or
// programme is an error wrapping [ErrUnknownCode].
func (e *Event) UnmarshalJSON(b []byte) error {
	var j eventJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	spec, ok := kindSpecs[j.Kind]
	if !ok {
		return fmt.Errorf("%w: event kind %q", ErrUnknownCode, j.Kind)
	}
	p, err := spec.decode(j.Data)
	if err != nil {
		return fmt.Errorf("screening: event %s (%s): %w", j.ID, j.Kind, err)
	}
	*e = Event{ID: j.ID, Person: j.Person, Programme: j.Programme, Date: j.Date, Data: p}
	return nil
}

// SortEvents sorts a log into canonical order (date, same-day rank, ID),
// the order [Store] implementations return logs in.
func SortEvents(evs []Event) { sortEvents(evs) }
