package birads

import (
	"context"
	"reflect"
	"strconv"
)

// ReaderActivity is one radiologist's activity over the twelve months
// checked, as the CRCDC knows it.
type ReaderActivity struct {
	Reader       string `json:"reader" birads:"required"`
	FirstReader  bool   `json:"first_reader,omitempty" doc:"Reads in the programme as first reader"`
	SecondReader bool   `json:"second_reader,omitempty" doc:"Reads as second reader at the CRCDC"`
	// PeriodEnd ends the twelve months counted; zero means the engine's
	// Now.
	PeriodEnd Date `json:"period_end,omitzero"`
	// Mammograms are those performed in the radiologist's whole practice
	// (L631, L637, L713).
	Mammograms int `json:"mammograms"`
	// SecondReadings are the mammograms read as second reader.
	SecondReadings int `json:"second_readings,omitempty"`
	// SessionReadings are mammograms read while attending second-reading
	// sessions, the commitment of the first-year exception (L639).
	SessionReadings int `json:"session_readings,omitempty"`
	// FirstYear and Exception: a new installation, a particular geography,
	// a clinic head or a locum in their first year, whose case the CRCDC
	// examined and accepted (L639).
	FirstYear bool `json:"first_year,omitempty"`
	Exception bool `json:"exception_granted,omitempty"`
	// L2Since is when the radiologist started second reading; zero means
	// unknown, and the yearly volume is then checked.
	L2Since Date `json:"l2_since,omitzero"`
	// Retired marks an experienced second reader who recently stopped
	// practising (L714).
	Retired bool `json:"retired,omitempty"`
	// Training is nil when unknown (not checked).
	Training *Training `json:"training,omitempty"`
}

// Training is the radiologist's programme training (annexe 3, II.1).
type Training struct {
	CommonCore bool `json:"common_core" doc:"The module on organised screening (tronc commun)"`
	Digital    bool `json:"digital" doc:"The module on reading films and consoles (module numérique)"`
}

// ReaderResult is the qualification result for one reader.
type ReaderResult struct {
	Reader     string      `json:"reader"`
	Qualified  bool        `json:"qualified"`
	Violations []Violation `json:"violations,omitempty"`
	// NotDue lists rules not yet applicable, such as the second-reading
	// volume during the first two years.
	NotDue []RuleID `json:"not_due,omitempty"`
}

var qualificationRules = []Rule{
	{
		ID: "BR_QUAL_L1_MIN_500", Kind: Qualification,
		Sources: []Citation{cite("II.C", "à réaliser annuellement au minimum 500 mammographies", 631),
			cite("II.C", "L’obligation individuelle de réaliser au minimum 500 mammographies par an s’applique à tout radiologue quel que soit son mode d’exercice", 637)},
		Message: Text{FR: "Le premier lecteur réalise au moins 500 mammographies par an, quel que soit son mode d'exercice.",
			EN: "A first reader performs at least 500 mammograms a year, whatever their practice."},
		check: qualL1Min,
	},
	{
		ID: "BR_QUAL_L1_FIRST_YEAR_300", Kind: Qualification,
		Sources: []Citation{cite("II.C", "qu’au moins 300 mammographies soient réalisées la première année, le radiologue s’engageant à assister aux deuxièmes lectures pour atteindre un seuil de 500 mammographies annuelles lues", 639)},
		Message: Text{FR: "Par exception acceptée par le CRCDC, la première année : au moins 300 mammographies réalisées, et 500 lues en assistant aux secondes lectures.",
			EN: "Under an exception the CRCDC accepted, in the first year: at least 300 mammograms performed, and 500 read by attending second readings."},
		check: qualL1FirstYear,
	},
	{
		ID: "BR_QUAL_L2_PRACTICE_500", Kind: Qualification,
		Sources: []Citation{cite("IV.C", "réalisant au moins 500 mammographies par an pour l’ensemble de leur exercice", 713)},
		Message: Text{FR: "Le second lecteur réalise au moins 500 mammographies par an dans l'ensemble de son exercice.",
			EN: "A second reader performs at least 500 mammograms a year in their whole practice."},
		check: qualL2Practice,
	},
	{
		ID: "BR_QUAL_L2_MIN_1500", Kind: Qualification,
		Sources: []Citation{cite("IV.C", "s’engageant à en lire au minimum 1 500 par an de plus en tant que deuxième lecteur", 713),
			cite("IV.C", "Cette donnée sera vérifiée au bout de deux ans de participation aux deuxièmes lectures, puis annuellement", 713)},
		Message: Text{FR: "Le second lecteur lit au moins 1 500 mammographies par an en seconde lecture ; vérifié au bout de deux ans puis annuellement.",
			EN: "A second reader reads at least 1,500 mammograms a year as second reader; checked after two years, then yearly."},
		check: qualL2Min,
	},
	{
		ID: "BR_QUAL_L2_RETIRED_2000", Kind: Qualification,
		Sources: []Citation{cite("IV.C", "à condition qu’ils lisent au moins 2 000 mammographies en tant que second lecteur", 714)},
		Message: Text{FR: "Un second lecteur expérimenté qui vient de cesser son activité lit au moins 2 000 mammographies en seconde lecture.",
			EN: "An experienced second reader who recently stopped practising reads at least 2,000 mammograms as second reader."},
		check: qualL2Retired,
	},
	{
		ID: "BR_QUAL_TRAINING", Kind: Qualification,
		Sources: []Citation{cite("annexe 3, II.1", "Cette formation comprend un module relatif au dépistage organisé (tronc commun) et un module de lecture sur films et sur console d’interprétation (module numérique)", 1145),
			cite("annexe 3, II.1", "ne seront pas habilités à la lecture d’images numériques", 1147)},
		Message: Text{FR: "Le radiologue a suivi la formation spécifique : tronc commun et module numérique, sans lequel il n'est pas habilité à lire des images numériques.",
			EN: "The radiologist took the specific training: the common core and the digital module, without which they may not read digital images."},
		check: qualTraining,
	},
}

func countHit(path string, got, want int) []hit {
	return []hit{{path: path, detail: Text{
		FR: strconv.Itoa(got) + " au lieu d'au moins " + strconv.Itoa(want),
		EN: strconv.Itoa(got) + " instead of at least " + strconv.Itoa(want),
	}}}
}

// qualL1Min: "à réaliser annuellement au minimum 500 mammographies" (L631,
// L637), unless the first-year exception applies (L639).
func qualL1Min(c *evalCtx) []hit {
	a := c.activity
	if !a.FirstReader || a.FirstYear && a.Exception {
		return nil
	}
	if a.Mammograms < c.e.params.L1MinPerYear {
		return countHit("mammograms", a.Mammograms, c.e.params.L1MinPerYear)
	}
	return nil
}

// qualL1FirstYear: the exception of L639, 300 performed and 500 read by
// attending second readings.
func qualL1FirstYear(c *evalCtx) []hit {
	a := c.activity
	if !a.FirstReader || !a.FirstYear || !a.Exception {
		return nil
	}
	p := c.e.params
	if a.Mammograms < p.L1FirstYearMin {
		return countHit("mammograms", a.Mammograms, p.L1FirstYearMin)
	}
	if a.Mammograms+a.SessionReadings < p.L1MinPerYear {
		return countHit("session_readings", a.Mammograms+a.SessionReadings, p.L1MinPerYear)
	}
	return nil
}

// qualL2Practice: second readers "réalisant au moins 500 mammographies par
// an pour l'ensemble de leur exercice" (L713); a retired reader has no
// practice (L714).
func qualL2Practice(c *evalCtx) []hit {
	a := c.activity
	if !a.SecondReader || a.Retired {
		return nil
	}
	if a.Mammograms < c.e.params.L2PracticeMinPerYear {
		return countHit("mammograms", a.Mammograms, c.e.params.L2PracticeMinPerYear)
	}
	return nil
}

// l2Due reports whether the second-reading volume is checked: "au bout de
// deux ans de participation aux deuxièmes lectures, puis annuellement"
// (L713).
func (c *evalCtx) l2Due() bool {
	a := c.activity
	if a.L2Since.IsZero() {
		return true
	}
	end := a.PeriodEnd.Time()
	if a.PeriodEnd.IsZero() {
		end = c.now
	}
	return !end.Before(a.L2Since.AddDate(c.e.params.L2CheckAfterYears, 0, 0).Time())
}

// qualL2Min: "au minimum 1 500 par an de plus en tant que deuxième
// lecteur", checked after two years then yearly (L713).
func qualL2Min(c *evalCtx) []hit {
	a := c.activity
	if !a.SecondReader || a.Retired || !c.l2Due() {
		return nil
	}
	if a.SecondReadings < c.e.params.L2MinPerYear {
		return countHit("second_readings", a.SecondReadings, c.e.params.L2MinPerYear)
	}
	return nil
}

// qualL2Retired: recently retired second readers "lisent au moins 2 000
// mammographies en tant que second lecteur" (L714); the text gives no
// period, a year is assumed like the other volumes.
func qualL2Retired(c *evalCtx) []hit {
	a := c.activity
	if !a.SecondReader || !a.Retired {
		return nil
	}
	if a.SecondReadings < c.e.params.RetiredL2Min {
		return countHit("second_readings", a.SecondReadings, c.e.params.RetiredL2Min)
	}
	return nil
}

// qualTraining: the training has a common core and a digital module, and
// without the latter a radiologist is "pas habilité à la lecture d'images
// numériques" (L1145, L1147); only digital units take part (L587).
func qualTraining(c *evalCtx) []hit {
	t := c.activity.Training
	if t == nil {
		return nil
	}
	var hs []hit
	if !t.CommonCore {
		hs = append(hs, hit{path: "training.common_core"})
	}
	if !t.Digital {
		hs = append(hs, hit{path: "training.digital"})
	}
	return hs
}

// Qualify checks each reader's activity against the qualification rules
// and reports who does not qualify and why. The error is only ctx's.
func (e *Engine) Qualify(ctx context.Context, acts []ReaderActivity) ([]ReaderResult, error) {
	out := make([]ReaderResult, 0, len(acts))
	now := e.now()
	for i := range acts {
		c := &evalCtx{e: e, activity: &acts[i], now: now}
		q := ReaderResult{Reader: acts[i].Reader}
		for j := range e.rules {
			r := &e.rules[j]
			if r.Kind != Qualification {
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if r.ID == "BR_QUAL_L2_MIN_1500" && acts[i].SecondReader && !acts[i].Retired && !c.l2Due() {
				q.NotDue = append(q.NotDue, r.ID)
			}
			q.Violations = append(q.Violations, e.run(c, r)...)
		}
		q.Qualified = len(q.Violations) == 0
		out = append(out, q)
	}
	return out, nil
}

// DecodeActivities decodes a JSON array of [ReaderActivity] strictly, as
// [DecodeForm] does a form.
func DecodeActivities(data []byte) ([]ReaderActivity, error) {
	root, ferr := parseTree(data)
	if ferr != nil {
		return nil, &DecodeError{Errors: []*FieldError{ferr}}
	}
	d := &decoder{}
	var acts []ReaderActivity
	if root.kind != 'a' {
		return nil, &DecodeError{Errors: []*FieldError{{Reason: "want an array of reader activities, got " + root.describe()}}}
	}
	d.value("", root, reflect.ValueOf(&acts).Elem(), false)
	for i, a := range acts {
		if a.Reader == "" {
			d.errs = append(d.errs, &FieldError{Path: "[" + strconv.Itoa(i) + "].reader", Reason: "must not be empty"})
		}
		if a.Mammograms < 0 || a.SecondReadings < 0 || a.SessionReadings < 0 {
			d.errs = append(d.errs, &FieldError{Path: "[" + strconv.Itoa(i) + "]", Reason: "counts must not be negative"})
		}
	}
	if len(d.errs) > 0 {
		return nil, &DecodeError{Errors: d.errs}
	}
	return acts, nil
}
