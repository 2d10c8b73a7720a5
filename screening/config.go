package screening

import (
	"fmt"
	"time"

	"github.com/radkit/radkit/screening/calendar"
)

// ConfigVersion names the référentiel the default [Config] encodes: the
// arrêté's numbers plus radkit's documented choices for what the arrêté
// delegates to INCa, HAS or the insurance bodies. Every [Explanation]
// carries the version it was computed with, so that a state explained
// today can be explained again after the référentiel changes.
const ConfigVersion = "arrete-2024-01-16/radkit-r1"

// Config holds every délai and threshold of the three programmes. The zero
// Config is the default one: each zero field takes the default documented
// on it (see [DefaultConfig]). A field set to a non-zero value overrides
// its default; [Config.Validate] rejects values that contradict the
// arrêté (a second reminder after 12 months, a colorectal person reminder
// after the year).
//
// Fields marked "arrêté" are numbers written in the text; fields marked
// "référentiel" are values the text delegates to an INCa or HAS document or
// to the insurance bodies' operational rules, which radkit does not have:
// their defaults are the reading a screening centre would defend, and
// they are the first thing to check against the current référentiel.
type Config struct {
	// Version identifies the référentiel; "" means [ConfigVersion]. Set
	// your own when you change a value.
	Version string

	// Calendar configures jours ouvrés, jours ouvrables and heures
	// ouvrées (Alsace-Moselle holidays, working week).
	Calendar calendar.Options

	// StopFollowUpAtAge ends open follow-ups (a positive test, an ACR 3
	// surveillance) once the person is past the programme's upper age
	// bound. The arrêté leaves "les bornes d'âges de suivi" to INCa
	// référentiels (annexe II, L387); dropping the follow-up of a
	// positive FIT the day the person turns 75 is not a reading a centre
	// would defend, so the default (false) keeps following. Invitations
	// and reminders stop at the bound either way (rule GEN-FOLLOWUP-AGE).
	StopFollowUpAtAge bool

	Breast     BreastConfig
	Colorectal ColorectalConfig
	Cervical   CervicalConfig
}

// CycleConfig holds the invitation-cycle délais shared in shape by the
// three programmes (annexe I, III; article 3, IV), each programme with its
// own values.
type CycleConfig struct {
	// MinAge and MaxAge bound the target population, inclusive (arrêté).
	MinAge, MaxAge int
	// Reminder1After and Reminder2After are the délais from the
	// invitation to the first and second reminders. The arrêté says only
	// "deux relances ... dans un délai maximal de 12 mois" (référentiel,
	// insurance bodies); defaults 4 and 8 months, spaced so that a person
	// who books after the invitation is not reminded. Validate rejects a
	// second reminder after 12 months or before the first.
	Reminder1After, Reminder2After Period
	// ReinviteAfter is the délai from an invitation without a test to the
	// next invitation (arrêté: 2 years for breast L621 and cervical L1674;
	// colorectal: derived from the biennial invitation L1295).
	ReinviteAfter Period
	// OppositionCycle bounds an opposition to reminders: "pour une durée
	// limitée au cycle d'invitation définie pour chaque programme" (L54),
	// which no text defines (référentiel). Default 2 years from the
	// invitation of the cycle (the re-invitation délai of the three
	// programmes), or from the opposition if there is no invitation yet.
	OppositionCycle Period
}

// BreastConfig holds the breast programme's values (annexe III).
type BreastConfig struct {
	CycleConfig
	// Interval between two screenings (arrêté, L592): 2 years.
	Interval Period
	// TooEarly: a mammogram less than this after a normal one, without
	// symptoms, should have been deferred (arrêté, L597): 1 year.
	TooEarly Period
	// ResultLetterWithin: the CRCDC sends a negative result to the person
	// within 15 days of the mammogram (arrêté, L759).
	ResultLetterWithin Period
	// L2DoctorLetterWithin: after a positive second reading the doctor's
	// letter goes "dans les plus brefs délais" (L809; référentiel):
	// default 2 days.
	L2DoctorLetterWithin Period
	// L2PersonLetterAfter and L2PersonLetterWithin: the person's letter
	// goes "24 ou 48 heures après le médecin" (arrêté, L809): 1 and 2
	// days after the doctor's letter.
	L2PersonLetterAfter, L2PersonLetterWithin Period
	// DeferredWorkupWait: the délai after a positive second reading
	// before the CRCDC chases the deferred workup (référentiel, L783):
	// default 2 months.
	DeferredWorkupWait Period
	// ACR0SecondReminderAfter: "une deuxième relance sera effectuée un
	// mois plus tard" (arrêté, L786): 1 month.
	ACR0SecondReminderAfter Period
	// ACR0RefusalAfter: the délai after the second reminder at which, with
	// no result, the workup is taken as refused (L788 says "au terme de
	// cette démarche"; référentiel): default 1 month.
	ACR0RefusalAfter Period
	// CTINewsWait: the délai without a retake before the CRCDC reminds
	// the radiologist (référentiel, L843): default 1 month.
	CTINewsWait Period
	// CTIRetakeWithin: "les clichés doivent être refaits avant six mois"
	// (arrêté, L843), counted from the mammogram (ambiguity 14: the
	// stricter anchor, which keeps the screening round valid).
	CTIRetakeWithin Period
	// SurveillanceInterval: "deux contrôles espacés de 6 mois" (arrêté,
	// L1120).
	SurveillanceInterval Period
	// ACR3InfoRequestAfter: a year without any follow-up document triggers
	// the information request to the first reader (arrêté, L823; L771
	// defers to the INCa délai, L823 states one year: ambiguity 4,
	// resolved to the written year, counted from the last document
	// received, or the mammogram).
	ACR3InfoRequestAfter Period
	// NextAfterACR3: the next complete mammogram is due 24 months after the
	// previous complete one (arrêté, L773, L830).
	NextAfterACR3 Period
	// FollowUpNewsWait: the délai after an ACR 4 or 5 result before the
	// CRCDC asks the person and her doctor for news (référentiel, L780):
	// default 3 months.
	FollowUpNewsWait Period
	// FollowUpStep spaces the successive requests of a follow-up chain
	// (news request, personal contact, pathology labs; ACR 3 requests)
	// (référentiel): default 1 month.
	FollowUpStep Period
	// LostAfter: "un an après la mammographie et après des relances" the
	// person is perdue de vue (arrêté, L769).
	LostAfter Period
}

// ColorectalConfig holds the colorectal programme's values (annexe IV).
type ColorectalConfig struct {
	CycleConfig
	// Interval between two tests (arrêté, L1295, L1432): 2 years.
	Interval Period
	// KitCampaigns: the kit comes with the second reminder when the
	// person took part in at least one of the previous KitCampaigns
	// campaigns (arrêté, L1395): 3. A campaign is one Interval long;
	// taking part means having a FIT read in that window.
	KitCampaigns int
	// OrderReminderAfter: the SMS or e-mail reminder for an online order
	// not returned "dans le mois suivant la commande" (arrêté, L1396).
	OrderReminderAfter Period
	// ReplacementKitJoursOuvrables: new kit within 30 jours ouvrables of a
	// non-analysable result (arrêté, L1423, L1492).
	ReplacementKitJoursOuvrables int
	// LabToCentre: results reach the CRCDC within 48 heures ouvrées of the
	// reading (arrêté, L1485; L1424 says "48 heures ... après l'examen":
	// ambiguity 3, resolved to the annexe 1 wording, the stricter
	// specification the laboratory signs).
	LabToCentre time.Duration
	// LabTurnaroundJoursOuvres: receipt to result, at most 2 jours ouvrés
	// (arrêté, L1472).
	LabTurnaroundJoursOuvres int
	// SampleMaxDays: sampling to analysis "< 7 jours" (arrêté, L1471).
	SampleMaxDays int
	// ColonoscopyExclusion and CTColonographyExclusion: ineligibility
	// after a total colonoscopy (5 years, L1313) and after a CT
	// colonography (2 years, L1317) (arrêté).
	ColonoscopyExclusion, CTColonographyExclusion Period
	// DoctorEnquiryAfter: the délai after a positive result without
	// colonoscopy news before the CRCDC asks the doctor (référentiel,
	// L1433-L1435): default 3 months.
	DoctorEnquiryAfter Period
	// PersonReminderAfter: the délai after the positive result before the
	// reminder letter to the person; the letter must go "dans l'année qui
	// suit l'envoi du résultat positif" (arrêté, L1436), so Validate
	// rejects a year or more. Default 6 months.
	PersonReminderAfter Period
	// OtherRemindersAfter: the délai after the person's letter, without
	// effect, before other reminder means (telephone) (référentiel,
	// L1436): default 3 months.
	OtherRemindersAfter Period
	// FollowUpStop: follow-up of an unexplored positive stops "au bout de
	// deux ans" and a new invitation follows (arrêté, L1438); counted
	// from the sending of the positive result (ambiguity 8: the anchor the
	// reminder délai of L1436 uses).
	FollowUpStop Period
}

// CervicalConfig holds the cervical programme's values (annexe V).
type CervicalConfig struct {
	CycleConfig
	// HPVFromAge: HPV-HR testing from 30 (arrêté, L1572).
	HPVFromAge int
	// CytologyFirstInterval and CytologyInterval: "deux examens
	// cytologiques à 1 an d'intervalle, puis à 3 ans si le résultat des
	// deux premiers est normal" (arrêté, L1571). Two consecutive normal
	// cytologies, whatever their spacing, start the 3-year rhythm
	// (ambiguity 14).
	CytologyFirstInterval, CytologyInterval Period
	// HPVAfterCytology: the first HPV-HR test comes 3 years after the last
	// normal cytology (arrêté, L1572).
	HPVAfterCytology Period
	// HPVInterval: 5 years after a negative HPV-HR test (arrêté, L1572).
	HPVInterval Period
	// APVForCytologyAge sends the self-sampling kit with the second
	// reminder to 25-29-year-olds too. L1673 says the kit goes with the
	// second reminder, L1613-L1614 reserve it to people screened by HPV
	// test (ambiguity 13): default false, the HPV age group only.
	APVForCytologyAge bool
	// ResampleWithin: an unsatisfactory sample is redone within 3 months
	// (arrêté, L1691).
	ResampleWithin Period
	// UnsatisfactoryReinviteCytology and UnsatisfactoryReinviteHPV: after
	// two consecutive unsatisfactory samples the person is re-invited "à
	// 3 ans ou à 5 ans en fonction de son âge" (arrêté, L1693), counted
	// from the second sample and by the age at that sample (ambiguity 15).
	UnsatisfactoryReinviteCytology, UnsatisfactoryReinviteHPV Period
	// HighGradeFollowUp and LowGradeFollowUp: the CRCDC checks that a
	// follow-up exists within 6 months (high grade) or 8 months (low
	// grade) of the result (arrêté, L1718).
	HighGradeFollowUp, LowGradeFollowUp Period
	// ReminderDelay: systematic reminders start after a further 3 months
	// (arrêté, L1719).
	ReminderDelay Period
	// ReminderInterval spaces the systematic reminders (prescriber, then
	// médecin traitant, then the person; L1719 gives the order, not the
	// spacing; référentiel): default 1 month.
	ReminderInterval Period
	// LostAfter: perdue de vue 18 months after the last solicitation
	// (arrêté, L1720).
	LostAfter Period
	// HPVRetestAfter: HPV-HR positive with a negative reflex cytology is
	// retested after 1 year (HAS 2019 triage, which L1630 delegates to;
	// référentiel). The retest is followed like a low-grade lesion whose
	// délai ends at the retest date.
	HPVRetestAfter Period
	// ReturnAfterCleared: after a follow-up closed without a lesion to
	// treat, the next screening test is due this long after the closing
	// information (référentiel, INCa/HAS post-colposcopy follow-up):
	// default 1 year.
	ReturnAfterCleared Period
	// HighGrade and LowGrade map cytology codes to the "haut grade" and
	// "bas grade" of L1718, which the arrêté does not define (ambiguity
	// 11). Defaults: high = ASC-H, HSIL, AGC, AIS, SCC, adenocarcinoma;
	// low = ASC-US, LSIL. An HPV-positive test still awaiting its reflex
	// cytology is followed with the low-grade délai.
	HighGrade, LowGrade []CervicalResult
}

// DefaultConfig returns the default configuration with every field filled
// in, for display and for callers who want to change one value.
func DefaultConfig() Config {
	var c Config
	c.fill()
	return c
}

func setP(p *Period, d Period) {
	if p.IsZero() {
		*p = d
	}
}

func setI(p *int, d int) {
	if *p == 0 {
		*p = d
	}
}

func (c *CycleConfig) fill(minAge, maxAge int, reinvite Period) {
	setI(&c.MinAge, minAge)
	setI(&c.MaxAge, maxAge)
	setP(&c.Reminder1After, calendar.Months(4))
	setP(&c.Reminder2After, calendar.Months(8))
	setP(&c.ReinviteAfter, reinvite)
	setP(&c.OppositionCycle, calendar.Years(2))
}

// fill replaces zero fields by their defaults.
func (c *Config) fill() {
	if c.Version == "" {
		c.Version = ConfigVersion
	}
	b := &c.Breast
	b.CycleConfig.fill(50, 74, calendar.Years(2))
	setP(&b.Interval, calendar.Years(2))
	setP(&b.TooEarly, calendar.Years(1))
	setP(&b.ResultLetterWithin, calendar.Days(15))
	setP(&b.L2DoctorLetterWithin, calendar.Days(2))
	setP(&b.L2PersonLetterAfter, calendar.Days(1))
	setP(&b.L2PersonLetterWithin, calendar.Days(2))
	setP(&b.DeferredWorkupWait, calendar.Months(2))
	setP(&b.ACR0SecondReminderAfter, calendar.Months(1))
	setP(&b.ACR0RefusalAfter, calendar.Months(1))
	setP(&b.CTINewsWait, calendar.Months(1))
	setP(&b.CTIRetakeWithin, calendar.Months(6))
	setP(&b.SurveillanceInterval, calendar.Months(6))
	setP(&b.ACR3InfoRequestAfter, calendar.Years(1))
	setP(&b.NextAfterACR3, calendar.Months(24))
	setP(&b.FollowUpNewsWait, calendar.Months(3))
	setP(&b.FollowUpStep, calendar.Months(1))
	setP(&b.LostAfter, calendar.Years(1))

	r := &c.Colorectal
	r.CycleConfig.fill(50, 74, calendar.Years(2))
	setP(&r.Interval, calendar.Years(2))
	setI(&r.KitCampaigns, 3)
	setP(&r.OrderReminderAfter, calendar.Months(1))
	setI(&r.ReplacementKitJoursOuvrables, 30)
	if r.LabToCentre == 0 {
		r.LabToCentre = 48 * time.Hour
	}
	setI(&r.LabTurnaroundJoursOuvres, 2)
	setI(&r.SampleMaxDays, 7)
	setP(&r.ColonoscopyExclusion, calendar.Years(5))
	setP(&r.CTColonographyExclusion, calendar.Years(2))
	setP(&r.DoctorEnquiryAfter, calendar.Months(3))
	setP(&r.PersonReminderAfter, calendar.Months(6))
	setP(&r.OtherRemindersAfter, calendar.Months(3))
	setP(&r.FollowUpStop, calendar.Years(2))

	v := &c.Cervical
	v.CycleConfig.fill(25, 65, calendar.Years(2))
	setI(&v.HPVFromAge, 30)
	setP(&v.CytologyFirstInterval, calendar.Years(1))
	setP(&v.CytologyInterval, calendar.Years(3))
	setP(&v.HPVAfterCytology, calendar.Years(3))
	setP(&v.HPVInterval, calendar.Years(5))
	setP(&v.ResampleWithin, calendar.Months(3))
	setP(&v.UnsatisfactoryReinviteCytology, calendar.Years(3))
	setP(&v.UnsatisfactoryReinviteHPV, calendar.Years(5))
	setP(&v.HighGradeFollowUp, calendar.Months(6))
	setP(&v.LowGradeFollowUp, calendar.Months(8))
	setP(&v.ReminderDelay, calendar.Months(3))
	setP(&v.ReminderInterval, calendar.Months(1))
	setP(&v.LostAfter, calendar.Months(18))
	setP(&v.HPVRetestAfter, calendar.Years(1))
	setP(&v.ReturnAfterCleared, calendar.Years(1))
	if len(v.HighGrade) == 0 {
		v.HighGrade = []CervicalResult{ResultASCH, ResultHSIL, ResultAGC, ResultAIS, ResultSCC, ResultAdenocarcinoma}
	}
	if len(v.LowGrade) == 0 {
		v.LowGrade = []CervicalResult{ResultASCUS, ResultLSIL}
	}
}

// ConfigError reports a configuration value that contradicts the arrêté.
type ConfigError struct {
	Field string
	Rule  RuleID
	Msg   string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("screening: config %s: %s (rule %s)", e.Field, e.Msg, e.Rule)
}

// Validate fills the defaults of c and checks the values the arrêté
// bounds.
func (c *Config) Validate() error {
	c.fill()
	year := calendar.Years(1)
	checkCycle := func(name string, cc CycleConfig, rule RuleID) error {
		if cc.MinAge <= 0 || cc.MaxAge < cc.MinAge {
			return &ConfigError{name + ".MinAge/MaxAge", rule, fmt.Sprintf("bad age range %d-%d", cc.MinAge, cc.MaxAge)}
		}
		if !cc.Reminder1After.Less(cc.Reminder2After) {
			return &ConfigError{name + ".Reminder2After", rule, "the second reminder must come after the first"}
		}
		if year.Less(cc.Reminder2After) {
			return &ConfigError{name + ".Reminder2After", rule, "two reminders within at most 12 months"}
		}
		return nil
	}
	if err := checkCycle("Breast", c.Breast.CycleConfig, RuleBreastRemind12M); err != nil {
		return err
	}
	if err := checkCycle("Colorectal", c.Colorectal.CycleConfig, RuleCCRRemind12M); err != nil {
		return err
	}
	if err := checkCycle("Cervical", c.Cervical.CycleConfig, RuleCCURemind12M); err != nil {
		return err
	}
	if !c.Colorectal.PersonReminderAfter.Less(year) {
		return &ConfigError{"Colorectal.PersonReminderAfter", RuleCCRReminder1Y, "the reminder letter goes within the year after the positive result"}
	}
	if !c.Breast.L2PersonLetterAfter.Less(c.Breast.L2PersonLetterWithin) && c.Breast.L2PersonLetterAfter != c.Breast.L2PersonLetterWithin {
		return &ConfigError{"Breast.L2PersonLetterWithin", RuleBreastL2Positive, "window ends before it starts"}
	}
	if _, err := calendar.New(c.Calendar); err != nil {
		return &ConfigError{"Calendar", RuleCCRNonAnalysableKit, err.Error()}
	}
	if c.Colorectal.KitCampaigns < 0 || c.Colorectal.ReplacementKitJoursOuvrables < 0 {
		return &ConfigError{"Colorectal", RuleCCRKitReminder2, "negative count"}
	}
	return nil
}

func (c *CervicalConfig) grade(r CervicalResult) (high, low bool) {
	for _, x := range c.HighGrade {
		if x == r {
			return true, false
		}
	}
	for _, x := range c.LowGrade {
		if x == r {
			return false, true
		}
	}
	return false, false
}
