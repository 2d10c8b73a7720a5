package screening

import (
	"fmt"

	"github.com/radkit/radkit/screening/calendar"
)

// Date is a civil date; see [calendar.Date].
type Date = calendar.Date

// Period is a calendar length; see [calendar.Period].
type Period = calendar.Period

// NoDate is the unset [Date].
const NoDate = calendar.NoDate

// PersonID identifies a person in the centre's records (the centre's own
// identifier, never the NIR: the export pseudonymises it).
type PersonID string

// EventID identifies an event. It is the idempotency key: re-sending an
// event with an ID already stored for that person is a no-op, and sending
// a different event under a stored ID is rejected. IDs are scoped to the
// person, so two feeds may number their events independently as long as
// they do not collide for one person.
type EventID string

// Programme is one of the three organised screening programmes.
type Programme uint8

// The programmes (Arrêté du 16 janvier 2024, articles 4 to 6). NoProgramme
// marks person-level facts (birth, move, death) that concern all three.
const (
	NoProgramme Programme = iota
	Breast                // annexe III
	Colorectal            // annexe IV
	Cervical              // annexe V
)

// Programmes lists the three programmes in order.
var programmes = [...]Programme{Breast, Colorectal, Cervical}

// Programmes returns the three programmes.
func Programmes() []Programme { return append([]Programme(nil), programmes[:]...) }

var programmeNames = [...]string{"", "breast", "colorectal", "cervical"}

func (p Programme) String() string {
	if int(p) < len(programmeNames) {
		if p == NoProgramme {
			return "person"
		}
		return programmeNames[p]
	}
	return fmt.Sprintf("Programme(%d)", uint8(p))
}

// Valid reports whether p is one of the three programmes.
func (p Programme) Valid() bool { return p >= Breast && p <= Cervical }

// MarshalText writes the programme name ("" for NoProgramme).
func (p Programme) MarshalText() ([]byte, error) {
	if p == NoProgramme {
		return []byte{}, nil
	}
	if !p.Valid() {
		return nil, fmt.Errorf("screening: invalid programme %d", uint8(p))
	}
	return []byte(programmeNames[p]), nil
}

// UnmarshalText reads a programme name; "" is NoProgramme. An unknown
// name is an error (the ingestion then rejects the event with rule
// GEN-UNKNOWN).
func (p *Programme) UnmarshalText(b []byte) error {
	v, err := ParseProgramme(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// ParseProgramme reads a programme name ("breast", "colorectal",
// "cervical"; "" is NoProgramme).
func ParseProgramme(s string) (Programme, error) {
	if s == "" {
		return NoProgramme, nil
	}
	for i, n := range programmeNames {
		if i > 0 && n == s {
			return Programme(i), nil
		}
	}
	return NoProgramme, fmt.Errorf("%w: programme %q", ErrUnknownCode, s)
}

func (p Programme) index() int { return int(p) - 1 }

// Sex is recorded where a programme needs it; no programme of the arrêté
// uses it (the breast annex speaks of "personnes", the cervical one of
// people with a cervix), so it is informative only.
type Sex string

// Sex values.
const (
	SexUnknown Sex = ""
	SexFemale  Sex = "F"
	SexMale    Sex = "M"
)

// Channel is how an invitation, a reminder or a kit reached the person.
type Channel string

// Channels (annexe I, III: post, or online for people with a secure
// account; annexe IV, III.B: the four kit channels).
const (
	ChannelPost       Channel = "post"
	ChannelOnline     Channel = "online"
	ChannelDoctor     Channel = "doctor"
	ChannelPharmacist Channel = "pharmacist"
	ChannelCRCDC      Channel = "crcdc"
	ChannelPhone      Channel = "phone"
	ChannelSMS        Channel = "sms"
)

var channels = map[Channel]bool{ChannelPost: true, ChannelOnline: true, ChannelDoctor: true, ChannelPharmacist: true, ChannelCRCDC: true, ChannelPhone: true, ChannelSMS: true, "": true}

// RiskCriterion is a reason for a higher-than-average risk.
type RiskCriterion string

// Risk criteria. The colorectal ones are the six of annexe IV, I.B
// (L1303-L1308); they take the person out of the average-risk programme.
// The breast ones (annexe III, I.B, L604) send the person to personalised
// follow-up. The cervical ones (annexe V, I.B, L1589-L1592) do not exclude:
// they are flags.
const (
	RiskPersonalAdenomaOrCRC RiskCriterion = "personal-adenoma-or-crc" // L1303
	RiskIBD                  RiskCriterion = "ibd"                     // L1304
	RiskFamilyAdenoma1st     RiskCriterion = "family-adenoma-1st"      // L1305
	RiskFamilyCRC            RiskCriterion = "family-crc"              // L1306
	RiskFAP                  RiskCriterion = "fap"                     // L1307
	RiskLynch                RiskCriterion = "lynch"                   // L1308

	RiskBreastCancerHistory RiskCriterion = "breast-cancer-history" // L604
	RiskBreastHigh          RiskCriterion = "breast-high-risk"      // L604, HAS risque aggravé

	RiskImmunodepressed RiskCriterion = "immunodepressed" // L1591
	RiskDES             RiskCriterion = "des"             // L1592
)

var riskProgramme = map[RiskCriterion]Programme{
	RiskPersonalAdenomaOrCRC: Colorectal, RiskIBD: Colorectal, RiskFamilyAdenoma1st: Colorectal,
	RiskFamilyCRC: Colorectal, RiskFAP: Colorectal, RiskLynch: Colorectal,
	RiskBreastCancerHistory: Breast, RiskBreastHigh: Breast,
	RiskImmunodepressed: Cervical, RiskDES: Cervical,
}

// Category is an exam-level or per-breast BI-RADS (ACR) assessment
// category, [ACR0] to [ACR5]. The zero value is [NoCategory] (unset), so
// that a forgotten field is never read as category 0. 6 and the 4a/4b/4c
// subdivisions are "sans objet" for the programme (annexe III, annexe 2,
// L1101) and cannot be represented. In JSON a category is its number, 0 to
// 5.
type Category uint8

// Categories.
const (
	NoCategory Category = iota
	ACR0                // "en attente d'un bilan de diagnostic", provisional
	ACR1                // normal
	ACR2                // benign, PPV 0 %
	ACR3                // probably benign, PPV < 2 %
	ACR4                // suspicious
	ACR5                // malignant, PPV > 95 %
)

// ACR returns the category numbered n (0 to 5), or NoCategory.
func ACR(n int) Category {
	if n < 0 || n > 5 {
		return NoCategory
	}
	return Category(n + 1)
}

// Number returns 0 to 5, or -1 for NoCategory.
func (c Category) Number() int { return int(c) - 1 }

// Valid reports whether c is ACR0 to ACR5.
func (c Category) Valid() bool { return c >= ACR0 && c <= ACR5 }

// Negative reports whether c is 1 or 2 (the indicators' "négatif",
// annexe III, L868).
func (c Category) Negative() bool { return c == ACR1 || c == ACR2 }

func (c Category) String() string {
	if !c.Valid() {
		return "-"
	}
	return fmt.Sprintf("ACR %d", c.Number())
}

// MarshalJSON writes the number 0 to 5, or null.
func (c Category) MarshalJSON() ([]byte, error) {
	if !c.Valid() {
		return []byte("null"), nil
	}
	return []byte{byte('0' + c.Number())}, nil
}

// UnmarshalJSON reads a number 0 to 5 or null; anything else wraps
// [ErrUnknownCode].
func (c *Category) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*c = NoCategory
		return nil
	}
	if len(s) == 1 && s[0] >= '0' && s[0] <= '5' {
		*c = ACR(int(s[0] - '0'))
		return nil
	}
	return fmt.Errorf("%w: BI-RADS category %s (want 0 to 5)", ErrUnknownCode, s)
}

// ExamCategory returns the exam-level category of two breasts: the most
// severe, with 0 ("en attente de bilan") above 1 and 2 but below 3 to 5
// (ambiguity 3 of the breast digest: 0 is a pending positive that the
// workup resolves). An unset breast is ignored.
func ExamCategory(right, left Category) Category {
	rank := func(c Category) int {
		switch {
		case !c.Valid():
			return -1
		case c == ACR0:
			return 3
		case c >= ACR3:
			return int(c) + 1
		}
		return int(c)
	}
	if rank(right) >= rank(left) {
		return right
	}
	return left
}

// Reader says who produced a breast reading.
type Reader string

// Readers (annexe III, IV and V).
const (
	ReaderL1           Reader = "L1"           // first reader, with immediate workup if any
	ReaderL2           Reader = "L2"           // second reader at the CRCDC
	ReaderDeferred     Reader = "deferred"     // deferred workup (bilan différé), L810
	ReaderSurveillance Reader = "surveillance" // ACR 3 surveillance check, L821
)

// CTI is the reason second reading found technically inadequate images
// (annexe III, annexe 3, V.2, L1246-L1249).
type CTI string

// CTI reasons.
const (
	CTINone    CTI = ""
	CTIRetake  CTI = "retake"  // positioning or image quality: redo
	CTIReprint CTI = "reprint" // print quality: reprint if archived
)

// FITOutcome is the result of a faecal immunochemical test: exactly three
// values (annexe IV, L1422).
type FITOutcome string

// FIT outcomes.
const (
	FITPositive      FITOutcome = "positive"
	FITNegative      FITOutcome = "negative"
	FITNonAnalysable FITOutcome = "non-analysable"
)

// CervicalTestKind is the primary cervical screening test.
type CervicalTestKind string

// Cervical tests (annexe V, II).
const (
	TestCytology CervicalTestKind = "cytology"
	TestHPV      CervicalTestKind = "hpv"
)

// SampleKind says who took a cervical sample.
type SampleKind string

// Sample kinds (annexe V, II.A and II.B).
const (
	SampleClinician SampleKind = "clinician"
	SampleSelf      SampleKind = "self" // auto-prélèvement vaginal (APV)
)

// CervicalResult is a cytology (Bethesda 2014) or HPV-HR result code. The
// arrêté names only "non satisfaisant", "négatif" and "anormal/positif"
// (L1689-L1700); the Bethesda categories come from the INCa codes it
// refers to (L1624) and are mapped to grades by [CervicalConfig].
type CervicalResult string

// Cervical result codes.
const (
	ResultUnsatisfactory CervicalResult = "unsatisfactory"
	ResultNILM           CervicalResult = "NILM" // cytology negative
	ResultASCUS          CervicalResult = "ASC-US"
	ResultLSIL           CervicalResult = "LSIL"
	ResultASCH           CervicalResult = "ASC-H"
	ResultHSIL           CervicalResult = "HSIL"
	ResultAGC            CervicalResult = "AGC"
	ResultAIS            CervicalResult = "AIS"
	ResultSCC            CervicalResult = "SCC"
	ResultAdenocarcinoma CervicalResult = "adenocarcinoma"
	ResultHPVNegative    CervicalResult = "hpv-negative"
	ResultHPVPositive    CervicalResult = "hpv-positive"
)

var cytologyCodes = map[CervicalResult]bool{ResultUnsatisfactory: true, ResultNILM: true, ResultASCUS: true, ResultLSIL: true, ResultASCH: true, ResultHSIL: true, ResultAGC: true, ResultAIS: true, ResultSCC: true, ResultAdenocarcinoma: true}

var hpvCodes = map[CervicalResult]bool{ResultUnsatisfactory: true, ResultHPVNegative: true, ResultHPVPositive: true}

// Finding is the outcome of a colonoscopy, colposcopy or histology.
type Finding string

// Findings.
const (
	FindingNormal          Finding = "normal"
	FindingBenign          Finding = "benign"
	FindingAdenoma         Finding = "adenoma"
	FindingAdvancedAdenoma Finding = "advanced-adenoma"
	FindingLowGrade        Finding = "low-grade"  // CIN1
	FindingHighGrade       Finding = "high-grade" // CIN2+, AIS
	FindingCancerInSitu    Finding = "cancer-in-situ"
	FindingCancerInvasive  Finding = "cancer-invasive"
)

var findings = map[Finding]bool{FindingNormal: true, FindingBenign: true, FindingAdenoma: true, FindingAdvancedAdenoma: true, FindingLowGrade: true, FindingHighGrade: true, FindingCancerInSitu: true, FindingCancerInvasive: true}

// Cancer reports whether f is a cancer.
func (f Finding) Cancer() bool { return f == FindingCancerInSitu || f == FindingCancerInvasive }

// TreatmentKind is a cervical treatment.
type TreatmentKind string

// Treatments (annexe V, I.B, L1586; VI.D, L1707).
const (
	TreatmentConservative TreatmentKind = "conservative" // conisation, laser, cryotherapy, LEEP
	TreatmentHysterectomy TreatmentKind = "hysterectomy"
)

// OppositionScope says what a person opposed.
type OppositionScope string

// Opposition scopes: reminders for one invitation cycle (article 3, IV,
// L54) or the processing of results by the CRCDC (annexe II, L453).
const (
	OpposeReminders OppositionScope = "reminders"
	OpposeResults   OppositionScope = "results"
)

// FollowUpStatus is follow-up information a centre receives.
type FollowUpStatus string

// Follow-up statuses (annexe III, V.C, L770, simplified to what changes
// the state).
const (
	FollowUpInCare  FollowUpStatus = "in-care" // exams or care under way: news received
	FollowUpCleared FollowUpStatus = "cleared" // explored, no lesion needing care: back to screening
)
