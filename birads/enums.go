package birads

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The form's enumerations share one implementation: each is a uint8 whose
// zero value is "not given", with a table of JSON names indexed by value.
// The tables are never modified.

type enumValue interface{ ~uint8 }

func enumString[T enumValue](names []string, v T) string {
	if int(v) < len(names) {
		return names[v]
	}
	return "?" + strconv.Itoa(int(v))
}

func enumMarshal[T enumValue](names []string, v T, what string) ([]byte, error) {
	if int(v) >= len(names) {
		return nil, fmt.Errorf("birads: invalid %s %d", what, uint8(v))
	}
	return []byte(names[v]), nil
}

func enumUnmarshal[T enumValue](names []string, p *T, b []byte, what string) error {
	s := string(b)
	for i, n := range names {
		if i > 0 && n == s {
			*p = T(i)
			return nil
		}
	}
	return fmt.Errorf("unknown %s %q: want one of %s", what, s, quoteList(names[1:]))
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// Side is a breast.
type Side uint8

// Sides. NoSide is the zero value.
const (
	NoSide Side = iota
	Right
	Left
)

var sideNames = []string{"", "right", "left"}

// Sides lists the two breasts, right first as on the form.
func Sides() [2]Side { return [2]Side{Right, Left} }

func (s Side) String() string                { return enumString(sideNames, s) }
func (s Side) MarshalText() ([]byte, error)  { return enumMarshal(sideNames, s, "side") }
func (s *Side) UnmarshalText(b []byte) error { return enumUnmarshal(sideNames, s, b, "side") }
func (Side) enumValues() []string            { return sideNames[1:] }

// ClinicalExam is the result of the clinical breast exam that is part of
// every screening (L586); the feedback indicators count normal, abnormal
// and not done (L866).
type ClinicalExam uint8

// Clinical exam results.
const (
	NoClinicalExam ClinicalExam = iota
	ClinicalNormal
	ClinicalAbnormal
	ClinicalNotDone
)

var clinicalNames = []string{"", "normal", "abnormal", "not_done"}

func (c ClinicalExam) String() string { return enumString(clinicalNames, c) }
func (c ClinicalExam) MarshalText() ([]byte, error) {
	return enumMarshal(clinicalNames, c, "clinical exam result")
}
func (c *ClinicalExam) UnmarshalText(b []byte) error {
	return enumUnmarshal(clinicalNames, c, b, "clinical exam result")
}
func (ClinicalExam) enumValues() []string { return clinicalNames[1:] }

// EquipmentType is the kind of mammography unit, which the form must
// record (L1206, L1253). Only digital units may take part (L587); the
// analog and digitised-film values exist so that a form declaring them is
// rejected by a rule that cites the text, not by a decoding error.
type EquipmentType uint8

// Equipment types.
const (
	NoEquipmentType        EquipmentType = iota
	EquipmentDR                          // full-field digital radiography
	EquipmentCR                          // computed radiography, phosphor plates (ERLM)
	EquipmentScanning                    // scanning (slot) system
	EquipmentDigitisedFilm               // analog films digitised afterwards: not allowed (L1137)
	EquipmentAnalog                      // analog screen-film: not allowed (L587)
)

var equipmentNames = []string{"", "DR", "CR", "scanning", "digitised_film", "analog"}

func (e EquipmentType) String() string { return enumString(equipmentNames, e) }
func (e EquipmentType) MarshalText() ([]byte, error) {
	return enumMarshal(equipmentNames, e, "equipment type")
}
func (e *EquipmentType) UnmarshalText(b []byte) error {
	return enumUnmarshal(equipmentNames, e, b, "equipment type")
}
func (EquipmentType) enumValues() []string { return equipmentNames[1:] }

// ReadingMode is how the first reader read the images (L1253).
type ReadingMode uint8

// Reading modes.
const (
	NoReadingMode ReadingMode = iota
	ReadingConsole
	ReadingPrintedFilms
)

var readingNames = []string{"", "console", "printed_films"}

func (r ReadingMode) String() string { return enumString(readingNames, r) }
func (r ReadingMode) MarshalText() ([]byte, error) {
	return enumMarshal(readingNames, r, "reading mode")
}
func (r *ReadingMode) UnmarshalText(b []byte) error {
	return enumUnmarshal(readingNames, r, b, "reading mode")
}
func (ReadingMode) enumValues() []string { return readingNames[1:] }

// FindingKind is the kind of a mammographic finding, as annexe 2's table
// describes them (L1066-L1099).
type FindingKind uint8

// Finding kinds.
const (
	NoFindingKind FindingKind = iota
	KindMass
	KindCalcifications
	KindFocalAsymmetry
	KindDistortion
	KindLymphNode // intramammary lymph node (L1067)
)

var findingKindNames = []string{"", "mass", "calcifications", "focal_asymmetry", "architectural_distortion", "lymph_node"}

func (k FindingKind) String() string { return enumString(findingKindNames, k) }
func (k FindingKind) MarshalText() ([]byte, error) {
	return enumMarshal(findingKindNames, k, "finding kind")
}
func (k *FindingKind) UnmarshalText(b []byte) error {
	return enumUnmarshal(findingKindNames, k, b, "finding kind")
}
func (FindingKind) enumValues() []string { return findingKindNames[1:] }

// Evolution compares a finding with the previous exam. Annexe 2 uses it
// in several rows ("ayant augmenté", "évolutive") and forbids 3 for a new
// or more suspicious image (L1123).
type Evolution uint8

// Evolutions. NoEvolution (not given) and NoPrior (no previous exam to
// compare with) say nothing about change.
const (
	NoEvolution Evolution = iota
	NoPrior
	EvolutionNew            // "image d'apparition récente"
	EvolutionStable         // unchanged since the previous exam
	EvolutionIncreased      // grew in size or number
	EvolutionMoreSuspicious // "plus suspecte que sur un examen précédent"
	EvolutionDecreased
)

var evolutionNames = []string{"", "no_prior", "new", "stable", "increased", "more_suspicious", "decreased"}

func (e Evolution) String() string { return enumString(evolutionNames, e) }
func (e Evolution) MarshalText() ([]byte, error) {
	return enumMarshal(evolutionNames, e, "evolution")
}
func (e *Evolution) UnmarshalText(b []byte) error {
	return enumUnmarshal(evolutionNames, e, b, "evolution")
}
func (Evolution) enumValues() []string { return evolutionNames[1:] }

// worse reports whether the finding appeared or changed for the worse.
func (e Evolution) worse() bool {
	return e == EvolutionNew || e == EvolutionIncreased || e == EvolutionMoreSuspicious
}

// MassShape describes a mass.
type MassShape uint8

// Mass shapes; lobulated is the text's "discrètement polycyclique".
const (
	NoMassShape MassShape = iota
	ShapeRound
	ShapeOval
	ShapeLobulated
	ShapeIrregular
)

var massShapeNames = []string{"", "round", "oval", "lobulated", "irregular"}

func (m MassShape) String() string { return enumString(massShapeNames, m) }
func (m MassShape) MarshalText() ([]byte, error) {
	return enumMarshal(massShapeNames, m, "mass shape")
}
func (m *MassShape) UnmarshalText(b []byte) error {
	return enumUnmarshal(massShapeNames, m, b, "mass shape")
}
func (MassShape) enumValues() []string { return massShapeNames[1:] }

// MassMargins describes a mass's contour (L1079, L1088, L1098, L1099).
type MassMargins uint8

// Mass margins; obscured is "masqués par du tissu fibro-glandulaire
// normal", indistinct is "flou".
const (
	NoMassMargins MassMargins = iota
	MarginsCircumscribed
	MarginsMicrolobulated
	MarginsObscured
	MarginsIndistinct
	MarginsIrregular
	MarginsSpiculated
)

var massMarginsNames = []string{"", "circumscribed", "microlobulated", "obscured", "indistinct", "irregular", "spiculated"}

func (m MassMargins) String() string { return enumString(massMarginsNames, m) }
func (m MassMargins) MarshalText() ([]byte, error) {
	return enumMarshal(massMarginsNames, m, "mass margins")
}
func (m *MassMargins) UnmarshalText(b []byte) error {
	return enumUnmarshal(massMarginsNames, m, b, "mass margins")
}
func (MassMargins) enumValues() []string { return massMarginsNames[1:] }

// MassUltrasound is what ultrasound showed of a mass.
type MassUltrasound uint8

// Ultrasound appearances of a mass.
const (
	NoMassUltrasound MassUltrasound = iota
	USNotDone
	USTypicalCyst // "kyste(s) typique(s) en échographie" (L1068)
	USSolid       // "non liquidienne" (L1079, L1088)
	USOther
)

var massUSNames = []string{"", "not_done", "typical_cyst", "solid", "other"}

func (m MassUltrasound) String() string { return enumString(massUSNames, m) }
func (m MassUltrasound) MarshalText() ([]byte, error) {
	return enumMarshal(massUSNames, m, "mass ultrasound")
}
func (m *MassUltrasound) UnmarshalText(b []byte) error {
	return enumUnmarshal(massUSNames, m, b, "mass ultrasound")
}
func (MassUltrasound) enumValues() []string { return massUSNames[1:] }

// done reports whether an ultrasound of the mass was done.
func (m MassUltrasound) done() bool { return m != NoMassUltrasound && m != USNotDone }

// Morphology is the morphology of calcifications (L1071-L1097).
type Morphology uint8

// Calcification morphologies. The first eight are the typically benign
// ones of row 2 (L1071, L1072).
const (
	NoMorphology Morphology = iota
	MorphSkin
	MorphVascular
	MorphRodLike
	MorphLucentCentred
	MorphRim // "pariétales"
	MorphMilkOfCalcium
	MorphDystrophic
	MorphSuture
	MorphRound
	MorphAmorphous
	MorphDustLike // "poussiéreuses"
	MorphPolymorphous
	MorphCoarseHeterogeneous
	MorphFinePolymorphous
	MorphFineLinear
	MorphFineLinearBranching
)

var morphologyNames = []string{"", "skin", "vascular", "rod_like", "lucent_centred", "rim", "milk_of_calcium",
	"dystrophic", "suture", "round", "amorphous", "dust_like", "polymorphous", "coarse_heterogeneous",
	"fine_polymorphous", "fine_linear", "fine_linear_branching"}

func (m Morphology) String() string { return enumString(morphologyNames, m) }
func (m Morphology) MarshalText() ([]byte, error) {
	return enumMarshal(morphologyNames, m, "calcification morphology")
}
func (m *Morphology) UnmarshalText(b []byte) error {
	return enumUnmarshal(morphologyNames, m, b, "calcification morphology")
}
func (Morphology) enumValues() []string { return morphologyNames[1:] }

// typicallyBenign reports the morphologies of rows 2.6 and 2.7.
func (m Morphology) typicallyBenign() bool { return m >= MorphSkin && m <= MorphSuture }

// Number is how many calcifications: "peu nombreuses" or "nombreuses".
type Number uint8

// Numbers of calcifications.
const (
	NoNumber Number = iota
	Few
	Numerous
)

var numberNames = []string{"", "few", "numerous"}

func (n Number) String() string                { return enumString(numberNames, n) }
func (n Number) MarshalText() ([]byte, error)  { return enumMarshal(numberNames, n, "number") }
func (n *Number) UnmarshalText(b []byte) error { return enumUnmarshal(numberNames, n, b, "number") }
func (Number) enumValues() []string            { return numberNames[1:] }

// Distribution is how calcifications are distributed.
type Distribution uint8

// Distributions; cluster is "groupées en amas".
const (
	NoDistribution Distribution = iota
	DistDiffuse
	DistCluster
	DistLinear
	DistSegmental
	DistRegional
)

var distributionNames = []string{"", "diffuse", "cluster", "linear", "segmental", "regional"}

func (d Distribution) String() string { return enumString(distributionNames, d) }
func (d Distribution) MarshalText() ([]byte, error) {
	return enumMarshal(distributionNames, d, "distribution")
}
func (d *Distribution) UnmarshalText(b []byte) error {
	return enumUnmarshal(distributionNames, d, b, "distribution")
}
func (Distribution) enumValues() []string { return distributionNames[1:] }

// ClusterShape is the outline of a cluster of calcifications.
type ClusterShape uint8

// Cluster shapes; other is "ni ronds, ni ovales" (L1084).
const (
	NoClusterShape ClusterShape = iota
	ClusterRound
	ClusterOval
	ClusterOther
)

var clusterShapeNames = []string{"", "round", "oval", "other"}

func (c ClusterShape) String() string { return enumString(clusterShapeNames, c) }
func (c ClusterShape) MarshalText() ([]byte, error) {
	return enumMarshal(clusterShapeNames, c, "cluster shape")
}
func (c *ClusterShape) UnmarshalText(b []byte) error {
	return enumUnmarshal(clusterShapeNames, c, b, "cluster shape")
}
func (ClusterShape) enumValues() []string { return clusterShapeNames[1:] }

// Association is what calcifications are associated with (L1096).
type Association uint8

// Associations.
const (
	NoAssociation Association = iota
	WithMass
	WithDistortion
)

var associationNames = []string{"", "mass", "distortion"}

func (a Association) String() string { return enumString(associationNames, a) }
func (a Association) MarshalText() ([]byte, error) {
	return enumMarshal(associationNames, a, "association")
}
func (a *Association) UnmarshalText(b []byte) error {
	return enumUnmarshal(associationNames, a, b, "association")
}
func (Association) enumValues() []string { return associationNames[1:] }

// Borders are the borders of a focal asymmetry (L1080, L1089).
type Borders uint8

// Borders.
const (
	NoBorders Borders = iota
	Concave
	Convex
)

var bordersNames = []string{"", "concave", "convex"}

func (b Borders) String() string                { return enumString(bordersNames, b) }
func (b Borders) MarshalText() ([]byte, error)  { return enumMarshal(bordersNames, b, "borders") }
func (b *Borders) UnmarshalText(p []byte) error { return enumUnmarshal(bordersNames, b, p, "borders") }
func (Borders) enumValues() []string            { return bordersNames[1:] }

// Quadrant locates an anomaly on the breast diagram ("schéma", L806).
type Quadrant uint8

// Quadrants and their unions (upper, lower, outer, inner), the central
// (retro-areolar) region and the axillary tail.
const (
	NoQuadrant Quadrant = iota
	UpperOuter
	UpperInner
	LowerOuter
	LowerInner
	Central
	AxillaryTail
	UpperUnion
	LowerUnion
	OuterUnion
	InnerUnion
)

var quadrantNames = []string{"", "upper_outer", "upper_inner", "lower_outer", "lower_inner", "central",
	"axillary_tail", "upper", "lower", "outer", "inner"}

func (q Quadrant) String() string { return enumString(quadrantNames, q) }
func (q Quadrant) MarshalText() ([]byte, error) {
	return enumMarshal(quadrantNames, q, "quadrant")
}
func (q *Quadrant) UnmarshalText(b []byte) error {
	return enumUnmarshal(quadrantNames, q, b, "quadrant")
}
func (Quadrant) enumValues() []string { return quadrantNames[1:] }

// Depth is the depth of an anomaly from the nipple.
type Depth uint8

// Depths (thirds).
const (
	NoDepth Depth = iota
	Anterior
	Middle
	Posterior
)

var depthNames = []string{"", "anterior", "middle", "posterior"}

func (d Depth) String() string                { return enumString(depthNames, d) }
func (d Depth) MarshalText() ([]byte, error)  { return enumMarshal(depthNames, d, "depth") }
func (d *Depth) UnmarshalText(b []byte) error { return enumUnmarshal(depthNames, d, b, "depth") }
func (Depth) enumValues() []string            { return depthNames[1:] }

// Procedure is an extra view or examination: extra views of the screening
// day (L1050), exams of a workup (L681, L1119), exams the second reader
// proposes (L806).
type Procedure uint8

// Procedures. A profile magnification is both a profile view and a
// magnification.
const (
	NoProcedure Procedure = iota
	ProfileView
	MagnificationFace    // "agrandissement de face"
	MagnificationProfile // "agrandissement de profil"
	SpotCompression
	Ultrasound
	MRI
	Biopsy
	OtherProcedure
)

var procedureNames = []string{"", "profile_view", "magnification_face", "magnification_profile",
	"spot_compression", "ultrasound", "mri", "biopsy", "other"}

func (p Procedure) String() string { return enumString(procedureNames, p) }
func (p Procedure) MarshalText() ([]byte, error) {
	return enumMarshal(procedureNames, p, "procedure")
}
func (p *Procedure) UnmarshalText(b []byte) error {
	return enumUnmarshal(procedureNames, p, b, "procedure")
}
func (Procedure) enumValues() []string { return procedureNames[1:] }

// USResult is the result of a breast ultrasound.
type USResult uint8

// Ultrasound results; benign and suspicious are both abnormal.
const (
	NoUSResult USResult = iota
	USNormal
	USBenign
	USSuspicious
)

var usResultNames = []string{"", "normal", "benign", "suspicious"}

func (u USResult) String() string { return enumString(usResultNames, u) }
func (u USResult) MarshalText() ([]byte, error) {
	return enumMarshal(usResultNames, u, "ultrasound result")
}
func (u *USResult) UnmarshalText(b []byte) error {
	return enumUnmarshal(usResultNames, u, b, "ultrasound result")
}
func (USResult) enumValues() []string { return usResultNames[1:] }

// abnormal reports whether the ultrasound found something.
func (u USResult) abnormal() bool { return u == USBenign || u == USSuspicious }

// WorkupStatus is the state of the first reader's immediate diagnostic
// workup ("bilan de diagnostic immédiat", L681).
type WorkupStatus uint8

// Workup statuses.
const (
	NoWorkupStatus WorkupStatus = iota
	WorkupDone
	WorkupDeferred // done later, exceptionally (L1108)
	WorkupRefused  // the person refused it (L690)
)

var workupStatusNames = []string{"", "done", "deferred", "refused"}

func (w WorkupStatus) String() string { return enumString(workupStatusNames, w) }
func (w WorkupStatus) MarshalText() ([]byte, error) {
	return enumMarshal(workupStatusNames, w, "workup status")
}
func (w *WorkupStatus) UnmarshalText(b []byte) error {
	return enumUnmarshal(workupStatusNames, w, b, "workup status")
}
func (WorkupStatus) enumValues() []string { return workupStatusNames[1:] }

// WorkupReason is why an immediate workup was done (L876-L878).
type WorkupReason uint8

// Workup reasons.
const (
	NoWorkupReason WorkupReason = iota
	ReasonRadiological
	ReasonClinical
	ReasonBoth
)

var workupReasonNames = []string{"", "radiological", "clinical", "both"}

func (w WorkupReason) String() string { return enumString(workupReasonNames, w) }
func (w WorkupReason) MarshalText() ([]byte, error) {
	return enumMarshal(workupReasonNames, w, "workup reason")
}
func (w *WorkupReason) UnmarshalText(b []byte) error {
	return enumUnmarshal(workupReasonNames, w, b, "workup reason")
}
func (WorkupReason) enumValues() []string { return workupReasonNames[1:] }

// DeferralReason is why an immediate workup was deferred: the four cases
// of L1108, and a mobile unit without a radiologist, where no immediate
// workup is possible (L732, L735).
type DeferralReason uint8

// Deferral reasons.
const (
	NoDeferralReason         DeferralReason = iota
	DeferPriorDocuments                     // "nécessité de récupérer les documents de référence"
	DeferPersonLeft                         // "personne repartie avant que l'image ne soit vue"
	DeferPersonWish                         // "souhait de la personne de ne pas faire le bilan extemporanément"
	DeferUltrasoundRefused                  // "refus de l'échographie"
	DeferMobileNoRadiologist                // mobile unit without a radiologist (L735)
)

var deferralNames = []string{"", "prior_documents", "person_left", "person_wish", "ultrasound_refused", "mobile_unit"}

func (d DeferralReason) String() string { return enumString(deferralNames, d) }
func (d DeferralReason) MarshalText() ([]byte, error) {
	return enumMarshal(deferralNames, d, "deferral reason")
}
func (d *DeferralReason) UnmarshalText(b []byte) error {
	return enumUnmarshal(deferralNames, d, b, "deferral reason")
}
func (DeferralReason) enumValues() []string { return deferralNames[1:] }

// CourseOfAction is the recommended next step ("conduite à tenir", L685,
// L795): it must agree with the final category (L689, L1126).
type CourseOfAction uint8

// Courses of action. Routine is "nothing particular": second reading and
// the next invitation (L1116).
const (
	NoCourse CourseOfAction = iota
	CourseRoutine
	CourseWorkup // diagnostic workup (complementary exams)
	CourseSurveillance
	CourseSpecialistOpinion
	CourseHistology
)

var courseNames = []string{"", "routine", "workup", "surveillance", "specialist_opinion", "histology"}

func (c CourseOfAction) String() string { return enumString(courseNames, c) }
func (c CourseOfAction) MarshalText() ([]byte, error) {
	return enumMarshal(courseNames, c, "course of action")
}
func (c *CourseOfAction) UnmarshalText(b []byte) error {
	return enumUnmarshal(courseNames, c, b, "course of action")
}
func (CourseOfAction) enumValues() []string { return courseNames[1:] }

// CTIReason is why the second reader judged images technically inadequate
// (L834, L1248-L1249).
type CTIReason uint8

// CTI reasons: positioning and image quality call for a retake, print
// quality for a reprint if the image was archived (L1248-L1249).
const (
	NoCTIReason CTIReason = iota
	CTIPositioning
	CTIImageQuality
	CTIPrintQuality
)

var ctiReasonNames = []string{"", "positioning", "image_quality", "print_quality"}

func (c CTIReason) String() string { return enumString(ctiReasonNames, c) }
func (c CTIReason) MarshalText() ([]byte, error) {
	return enumMarshal(ctiReasonNames, c, "CTI reason")
}
func (c *CTIReason) UnmarshalText(b []byte) error {
	return enumUnmarshal(ctiReasonNames, c, b, "CTI reason")
}
func (CTIReason) enumValues() []string { return ctiReasonNames[1:] }

// CTIAction is what the second reader asks for.
type CTIAction uint8

// CTI actions.
const (
	NoCTIAction CTIAction = iota
	Retake
	Reprint
)

var ctiActionNames = []string{"", "retake", "reprint"}

func (c CTIAction) String() string { return enumString(ctiActionNames, c) }
func (c CTIAction) MarshalText() ([]byte, error) {
	return enumMarshal(ctiActionNames, c, "CTI action")
}
func (c *CTIAction) UnmarshalText(b []byte) error {
	return enumUnmarshal(ctiActionNames, c, b, "CTI action")
}
func (CTIAction) enumValues() []string { return ctiActionNames[1:] }

// Trigger is the reading whose positive result a deferred workup explores.
// It decides what happens when the workup clears the image: after the
// first reading it goes to second reading (L1107, L737), after the second
// it does not (L812).
type Trigger uint8

// Triggers.
const (
	NoTrigger Trigger = iota
	AfterL1
	AfterL2
)

var triggerNames = []string{"", "l1", "l2"}

func (t Trigger) String() string { return enumString(triggerNames, t) }
func (t Trigger) MarshalText() ([]byte, error) {
	return enumMarshal(triggerNames, t, "trigger")
}
func (t *Trigger) UnmarshalText(b []byte) error {
	return enumUnmarshal(triggerNames, t, b, "trigger")
}
func (Trigger) enumValues() []string { return triggerNames[1:] }

// Date is a calendar date, "2006-01-02" in JSON. The zero Date is "not
// given".
type Date struct{ t time.Time }

// NewDate returns the date of year, month and day.
func NewDate(year int, month time.Month, day int) Date {
	return Date{time.Date(year, month, day, 0, 0, 0, 0, time.UTC)}
}

// ParseDate parses "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return Date{t}, nil
}

// IsZero reports whether the date is not given.
func (d Date) IsZero() bool { return d.t.IsZero() }

// Time returns midnight UTC of the date.
func (d Date) Time() time.Time { return d.t }

// AddDate adds years, months and days as [time.Time.AddDate] does.
func (d Date) AddDate(y, m, days int) Date { return Date{d.t.AddDate(y, m, days)} }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(time.DateOnly)
}

// MarshalText encodes the date as "2006-01-02".
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses "2006-01-02".
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
