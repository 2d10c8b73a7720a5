package birads

// The interpretation form ("fiche d'interprétation") of the programme.
//
// The national model is published outside the arrêté (JO n° 268 du 18
// novembre 2016, texte n° 19, L1257), which we do not have; these types
// hold every item the arrêté itself says the form carries (digest section
// 5.1): history (L595), clinical exam (L866), categories per breast
// (L1105-L1110), density (L1103), ultrasound (L679), immediate workup
// (L876-L878, L1107), extra views (L871), course of action (L685, L795),
// refusal (L690), second-reader location and proposals (L806, L1110), CTI
// (L835, L1246), absence of a designated doctor (L815), equipment and
// reading mode (L1206, L1253), and the deferred-workup form (L810).
//
// Struct tags: json names the field, birads:"required" makes the strict
// decoder report it when absent, and doc is the description the JSON
// Schema carries.

// FormVersion is the version of the JSON encoding of [Form] this package
// reads and writes.
const FormVersion = "1"

// Form is one screening exam's interpretation form: the first reading and,
// as they happen, the second reading and the deferred workup.
type Form struct {
	Schema         string          `json:"$schema,omitempty" doc:"URI of the JSON Schema; ignored"`
	Version        string          `json:"version" birads:"required" doc:"Form encoding version; must be \"1\""`
	PersonRef      string          `json:"person_ref" birads:"required" doc:"Pseudonymous reference of the person; do not put the NIR or a name here"`
	ExamDate       Date            `json:"exam_date" birads:"required" doc:"Date of the screening mammogram, YYYY-MM-DD"`
	Site           Site            `json:"site" birads:"required"`
	Equipment      Equipment       `json:"equipment" doc:"Equipment type, brand and console; the form must record them (L1206)"`
	ClinicalExam   ClinicalExam    `json:"clinical_exam" birads:"required" doc:"Clinical breast exam: normal, abnormal or not_done (L586, L866)"`
	History        History         `json:"history" doc:"Prostheses and surgical history, noted for the second reader (L595)"`
	NoDoctor       bool            `json:"no_designated_doctor,omitempty" doc:"The person named no doctor: the CRCDC notifies the result itself (L815)"`
	L1             L1Reading       `json:"l1" birads:"required"`
	L2             *L2Reading      `json:"l2,omitempty"`
	DeferredWorkup *DeferredWorkup `json:"deferred_workup,omitempty"`
}

// Site is where the mammogram was taken.
type Site struct {
	ID         string      `json:"id" birads:"required" doc:"Identifier of the radiology site"`
	MobileUnit *MobileUnit `json:"mobile_unit,omitempty" doc:"Present when the exam was done in a mobile unit (L728-L740)"`
}

// MobileUnit describes a mobile unit (L728-L740).
type MobileUnit struct {
	RadiologistOnBoard bool `json:"radiologist_on_board" birads:"required" doc:"A radiologist read the images on board"`
	DoctorPresent      bool `json:"doctor_present,omitempty" doc:"Without a radiologist, a doctor trained in radiation protection questioned and examined the person (L732)"`
}

// Equipment is the mammography unit and the first reading's console
// (L1206, L1253).
type Equipment struct {
	Type    EquipmentType `json:"type,omitempty" doc:"DR, CR or scanning (digitised_film and analog are not allowed)"`
	Brand   string        `json:"brand,omitempty"`
	Console string        `json:"console,omitempty" doc:"Reading console model"`
	Reading ReadingMode   `json:"reading,omitempty" doc:"How the first reader read: console (mandatory, L1210) or printed_films"`
}

// History holds what is not a cause of exclusion but must be noted on the
// form, "en particulier à l'intention du second lecteur" (L595).
type History struct {
	Prostheses     bool   `json:"prostheses,omitempty"`
	PlasticSurgery bool   `json:"plastic_surgery,omitempty"`
	BenignSurgery  bool   `json:"benign_surgery,omitempty"`
	Trauma         bool   `json:"trauma,omitempty"`
	Mastectomy     []Side `json:"mastectomy,omitempty" doc:"Breasts removed: they get no category"`
	Notes          string `json:"notes,omitempty"`
}

// L1Reading is the first reader's part of the form.
type L1Reading struct {
	Reader          string           `json:"reader" birads:"required" doc:"Identifier of the first reader (RPPS number or CRCDC code)"`
	Findings        []Finding        `json:"findings,omitempty" doc:"Mammographic findings; an ultrasound-only anomaly is not one"`
	ExtraViews      []Procedure      `json:"extra_views,omitempty" doc:"Extra views taken on the screening day (L1050)"`
	Ultrasound      *BreastsUS       `json:"ultrasound,omitempty" doc:"Ultrasound done outside the diagnostic workup, per breast (L679)"`
	ImmediateWorkup *Workup          `json:"immediate_workup,omitempty"`
	Provisional     Breasts          `json:"provisional,omitzero" doc:"Category before the immediate workup: 0 for a positive mammogram (L1107)"`
	Final           Breasts          `json:"final,omitzero" doc:"Definitive category 1 to 5 per breast; 0 only after a refusal or while a deferred workup is pending"`
	Density         Density          `json:"density" birads:"required" doc:"ACR density type 1 to 4 (L1103)"`
	Course          []CourseOfAction `json:"course_of_action,omitempty" doc:"Recommended course of action (L685, L795)"`
	ImagesReclaimed bool             `json:"images_reclaimed,omitempty" doc:"After a refusal, the person demands her mammograms back at once, so no second reading (L693)"`
}

// BreastsUS is an ultrasound result per breast.
type BreastsUS struct {
	Right USResult `json:"right,omitempty"`
	Left  USResult `json:"left,omitempty"`
}

// Get returns the result for one breast.
func (b *BreastsUS) Get(s Side) USResult {
	if b == nil {
		return NoUSResult
	}
	if s == Left {
		return b.Left
	}
	return b.Right
}

// Workup is the first reader's immediate diagnostic workup.
type Workup struct {
	Status   WorkupStatus   `json:"status" birads:"required" doc:"done, deferred (exceptional, L1108) or refused (L690)"`
	Reason   WorkupReason   `json:"reason,omitempty" doc:"radiological, clinical or both (L876-L878)"`
	Exams    []Procedure    `json:"exams,omitempty"`
	Result   string         `json:"result,omitempty" doc:"Conclusion of the workup, always recorded (L1107)"`
	Deferral DeferralReason `json:"deferral_reason,omitempty" doc:"Why the workup was deferred (L1108)"`
}

// Finding is one mammographic finding, described with annexe 2's
// vocabulary so that [Suggest] can map it to the table.
type Finding struct {
	Side           Side            `json:"side" birads:"required"`
	Kind           FindingKind     `json:"kind" birads:"required"`
	Evolution      Evolution       `json:"evolution,omitempty" doc:"Compared with the previous exam"`
	Surveillance   *Surveillance   `json:"surveillance,omitempty" doc:"The image is under category-3 surveillance"`
	Location       *Location       `json:"location,omitempty"`
	Mass           *Mass           `json:"mass,omitempty" doc:"Required when kind is mass"`
	Calcifications *Calcifications `json:"calcifications,omitempty" doc:"Required when kind is calcifications"`
	Asymmetry      *Asymmetry      `json:"asymmetry,omitempty" doc:"Required when kind is focal_asymmetry"`
	Distortion     *Distortion     `json:"distortion,omitempty" doc:"Optional when kind is architectural_distortion"`
	Description    string          `json:"description,omitempty"`
}

// Surveillance says since when a category-3 image has been watched.
type Surveillance struct {
	Since Date `json:"since" birads:"required" doc:"Date of the mammogram that classified the image 3"`
}

// Mass describes a mass (L1066-L1069, L1079, L1088, L1098, L1099).
type Mass struct {
	Shape                MassShape      `json:"shape,omitempty"`
	Margins              MassMargins    `json:"margins,omitempty"`
	MixedDensity         bool           `json:"mixed_density,omitempty" doc:"Fat-containing, mixed density (lipoma, hamartoma, galactocele, oil cyst)"`
	CoarseCalcifications bool           `json:"coarse_calcifications,omitempty"`
	Ultrasound           MassUltrasound `json:"ultrasound,omitempty"`
	SizeMM               float64        `json:"size_mm,omitempty"`
}

// Calcifications describes calcifications (L1071-L1097).
type Calcifications struct {
	Morphology   Morphology   `json:"morphology,omitempty"`
	Number       Number       `json:"number,omitempty"`
	Distribution Distribution `json:"distribution,omitempty"`
	ClusterShape ClusterShape `json:"cluster_shape,omitempty"`
	Associated   Association  `json:"associated_with,omitempty"`
}

// Asymmetry describes a focal density asymmetry (L1080, L1089).
type Asymmetry struct {
	Borders      Borders `json:"borders,omitempty"`
	MixedWithFat bool    `json:"mixed_with_fat,omitempty"`
}

// Distortion describes an architectural distortion (L1070, L1087).
type Distortion struct {
	KnownScar bool `json:"known_scar,omitempty" doc:"At the site of a known scar"`
}

// Location places an anomaly on the breast diagram (L806, L1110).
type Location struct {
	Quadrant   Quadrant `json:"quadrant,omitempty"`
	Clock      int      `json:"clock,omitempty" doc:"Clock position 1 to 12"`
	Depth      Depth    `json:"depth,omitempty"`
	DistanceMM float64  `json:"distance_mm,omitempty" doc:"Distance from the nipple"`
}

// located reports whether the location places the anomaly at all.
func (l *Location) located() bool { return l != nil && (l.Quadrant != NoQuadrant || l.Clock != 0) }

// L2Reading is the second reader's part of the form. The second reader
// writes no report, only the form (L808).
type L2Reading struct {
	Reader        string           `json:"reader" birads:"required" doc:"Identifier of the second reader; never the first reader (L719)"`
	Date          Date             `json:"date,omitzero"`
	Categories    Breasts          `json:"categories,omitzero"`
	Discordant    bool             `json:"discordant,omitempty" doc:"L1 gave 1-2 and L2 gives 0, 3, 4 or 5 on a breast (L899)"`
	ObviousCancer bool             `json:"obvious_cancer,omitempty" doc:"The exception that lets L2 classify 5 directly (L1109)"`
	Anomalies     []L2Anomaly      `json:"anomalies,omitempty" doc:"What L2 saw, located on the diagram (L806, L1110)"`
	ProposedExams []Procedure      `json:"proposed_exams,omitempty"`
	Course        []CourseOfAction `json:"course_of_action,omitempty"`
	CTI           *CTI             `json:"cti,omitempty" doc:"Technically inadequate images (L832-L843)"`
}

// L2Anomaly is an anomaly the second reader saw.
type L2Anomaly struct {
	Side        Side        `json:"side" birads:"required"`
	Kind        FindingKind `json:"kind,omitempty"`
	Location    *Location   `json:"location,omitempty"`
	Description string      `json:"description,omitempty"`
}

// CTI is the second reader's verdict of technically inadequate images.
type CTI struct {
	Reason        CTIReason `json:"reason,omitempty"`
	Action        CTIAction `json:"action,omitempty"`
	ImageArchived bool      `json:"image_archived,omitempty" doc:"The image is archived at the site, so it can be reprinted (L1249)"`
	Views         []string  `json:"views,omitempty" doc:"The inadequate views, e.g. \"right CC\""`
	Details       string    `json:"details,omitempty" doc:"What the first reader must correct (L835)"`
}

// DeferredWorkup is the deferred-workup form ("fiche de bilan de
// diagnostic différé", L810): exams, conclusion, final category 1 to 5 and
// course of action.
type DeferredWorkup struct {
	After      Trigger          `json:"after" birads:"required" doc:"l1: deferred after the first reading (L1108, mobile unit L735); l2: after a positive second reading (L810)"`
	Date       Date             `json:"date,omitzero"`
	Reader     string           `json:"reader,omitempty"`
	Exams      []Procedure      `json:"exams,omitempty"`
	Findings   []Finding        `json:"findings,omitempty"`
	Conclusion string           `json:"conclusion,omitempty"`
	Final      Breasts          `json:"final,omitzero"`
	Course     []CourseOfAction `json:"course_of_action,omitempty"`
}
