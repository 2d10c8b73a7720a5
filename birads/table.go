package birads

import "fmt"

// Row is one row of the table in annexe 2 of annexe III (L1062-L1099),
// plus the two rows the text states elsewhere: no finding is 1 (L1063) and
// a 3 stable after two years of surveillance is 2 (L1117).
type Row struct {
	ID       string   `json:"id"`       // "2.1" is the first bullet of category 2
	Category Category `json:"category"` // the category the row gives
	Line     int      `json:"line"`     // line of the seed text
	Text     string   `json:"text"`     // the row, verbatim
	match    func(f *Finding, stable2y bool) bool
}

// annexe2 is the table, in the text's order. Where two rows could match
// one finding the most severe wins, which is how the text uses the table:
// the category "porte[nt] sur la ou les images les plus suspectes"
// (L1105).
//
// Three readings of the text are built in, each a choice the text leaves
// open: rows 5.3, 5.4 and 5.5 ("quelle que soit leur morphologie") do not
// apply to the typically benign morphologies of rows 2.6 and 2.7, since
// vascular or secretory rod-like calcifications are linear by nature; row
// 2.1's round mass with coarse calcifications is described as a mass, so
// row 5.4 (calcifications with a mass) is for calcifications recorded as
// their own finding; and "évolutive" (row 4.6) covers a new, grown or more
// suspicious asymmetry.
var annexe2 = [...]Row{
	{"1", ACR1, 1063, "Mammographie normale (classée 1).", nil},
	{"2.1", ACR2, 1066, "masses rondes avec calcifications grossières (adénofibrome ou kyste)", func(f *Finding, _ bool) bool {
		return f.Mass != nil && f.Mass.Shape == ShapeRound && f.Mass.CoarseCalcifications
	}},
	{"2.2", ACR2, 1067, "ganglion intra-mammaire", func(f *Finding, _ bool) bool { return f.Kind == KindLymphNode }},
	{"2.3", ACR2, 1068, "masse(s) ronde(s) correspondant à un/des kystes typique(s) en échographie", func(f *Finding, _ bool) bool {
		return f.Mass != nil && f.Mass.Shape == ShapeRound && f.Mass.Ultrasound == USTypicalCyst
	}},
	{"2.4", ACR2, 1069, "masse(s) de densité mixte (lipome, hamartome, galactocèle, kyste huileux)", func(f *Finding, _ bool) bool {
		return f.Mass != nil && f.Mass.MixedDensity
	}},
	{"2.5", ACR2, 1070, "cicatrice(s) connue(s)", func(f *Finding, _ bool) bool {
		return f.Kind == KindDistortion && f.Distortion != nil && f.Distortion.KnownScar && !f.Evolution.worse()
	}},
	{"2.6", ACR2, 1071, "calcifications cutanées, vasculaires", func(f *Finding, _ bool) bool {
		c := f.Calcifications
		return c != nil && (c.Morphology == MorphSkin || c.Morphology == MorphVascular)
	}},
	{"2.7", ACR2, 1072, "grandes calcifications en bâtonnets, à centre clair, pariétales, à type de lait calcique, dystrophiques, fils de suture calcifiés", func(f *Finding, _ bool) bool {
		c := f.Calcifications
		return c != nil && c.Morphology >= MorphRodLike && c.Morphology <= MorphSuture
	}},
	{"2.8", ACR2, 1073, "calcifications rondes régulières diffuses", func(f *Finding, _ bool) bool {
		c := f.Calcifications
		return c != nil && c.Morphology == MorphRound && c.Distribution == DistDiffuse
	}},
	{"2.S", ACR2, 1117, "lorsqu'une image probablement bénigne (BI-RADS/ACR 3) est stable au terme de la surveillance de deux ans, elle est reclassée 2", func(_ *Finding, stable2y bool) bool {
		return stable2y
	}},
	{"3.1", ACR3, 1077, "calcifications rondes ou amorphes, peu nombreuses, en petits amas ronds isolés", func(f *Finding, _ bool) bool {
		c := f.Calcifications
		return c != nil && (c.Morphology == MorphRound || c.Morphology == MorphAmorphous) && c.Number == Few &&
			c.Distribution == DistCluster && c.ClusterShape == ClusterRound
	}},
	{"3.2", ACR3, 1078, "petit(s) amas rond(s) ou ovale(s) de calcifications polymorphes, peu nombreuses, évoquant un début de calcification d'adénofibrome", func(f *Finding, _ bool) bool {
		c := f.Calcifications
		return c != nil && c.Morphology == MorphPolymorphous && c.Number == Few && c.Distribution == DistCluster &&
			(c.ClusterShape == ClusterRound || c.ClusterShape == ClusterOval)
	}},
	{"3.3", ACR3, 1079, "masse(s) bien circonscrite(s), ronde(s), ovale(s) ou discrètement polycyclique(s) sans microlobulation, non calcifiée(s), non liquidienne(s) en échographie", func(f *Finding, _ bool) bool {
		m := f.Mass
		return m != nil && (m.Shape == ShapeRound || m.Shape == ShapeOval || m.Shape == ShapeLobulated) &&
			m.Margins == MarginsCircumscribed && !m.CoarseCalcifications && m.Ultrasound == USSolid && !m.MixedDensity
	}},
	{"3.4", ACR3, 1080, "asymétrie focale de densité à limites concaves et/ou mélangée à de la graisse", func(f *Finding, _ bool) bool {
		a := f.Asymmetry
		return a != nil && (a.Borders == Concave || a.MixedWithFat)
	}},
	{"4.1", ACR4, 1084, "calcifications rondes nombreuses et/ou groupées en amas aux contours ni ronds, ni ovales", func(f *Finding, _ bool) bool {
		c := f.Calcifications
		return c != nil && c.Morphology == MorphRound && c.Distribution != DistDiffuse &&
			(c.Number == Numerous || c.Distribution == DistCluster && c.ClusterShape == ClusterOther)
	}},
	{"4.2", ACR4, 1085, "calcifications amorphes ou poussiéreuses, groupées et nombreuses", func(f *Finding, _ bool) bool {
		c := f.Calcifications
		return c != nil && (c.Morphology == MorphAmorphous || c.Morphology == MorphDustLike) &&
			c.Distribution == DistCluster && c.Number == Numerous
	}},
	{"4.3", ACR4, 1086, "calcifications grossières hétérogènes ou fines calcifications polymorphes peu nombreuses", func(f *Finding, _ bool) bool {
		c := f.Calcifications
		return c != nil && (c.Morphology == MorphCoarseHeterogeneous || c.Morphology == MorphFinePolymorphous) && c.Number == Few
	}},
	{"4.4", ACR4, 1087, "distorsion(s) architecturale(s) en dehors d'une cicatrice connue et stable", func(f *Finding, _ bool) bool {
		return f.Kind == KindDistortion && (f.Distortion == nil || !f.Distortion.KnownScar || f.Evolution.worse())
	}},
	{"4.5", ACR4, 1088, "masse(s) non liquidienne(s) ronde(s) ou ovale(s) aux contours microlobulés, ou masqués par du tissu fibro-glandulaire normal, ou ayant augmenté de volume", func(f *Finding, _ bool) bool {
		m := f.Mass
		return m != nil && m.Ultrasound != USTypicalCyst && !m.MixedDensity && (m.Shape == ShapeRound || m.Shape == ShapeOval) &&
			(m.Margins == MarginsMicrolobulated || m.Margins == MarginsObscured || f.Evolution == EvolutionIncreased)
	}},
	{"4.6", ACR4, 1089, "asymétrie(s) focale(s) de densité à limites convexes ou évolutive(s)", func(f *Finding, _ bool) bool {
		return f.Asymmetry != nil && (f.Asymmetry.Borders == Convex || f.Evolution.worse())
	}},
	{"5.1", ACR5, 1093, "calcifications fines linéaires, ou fines linéaires ramifiées", func(f *Finding, _ bool) bool {
		c := f.Calcifications
		return c != nil && (c.Morphology == MorphFineLinear || c.Morphology == MorphFineLinearBranching)
	}},
	{"5.2", ACR5, 1094, "calcifications grossières hétérogènes ou fines calcifications polymorphes nombreuses et groupées en amas", func(f *Finding, _ bool) bool {
		c := f.Calcifications
		return c != nil && (c.Morphology == MorphCoarseHeterogeneous || c.Morphology == MorphFinePolymorphous) &&
			c.Number == Numerous && c.Distribution == DistCluster
	}},
	{"5.3", ACR5, 1095, "calcifications groupées quelle que soit leur morphologie, dont la distribution est linéaire ou segmentaire (topographie intra-galactophorique)", func(f *Finding, _ bool) bool {
		c := f.Calcifications
		return c != nil && !c.Morphology.typicallyBenign() && (c.Distribution == DistLinear || c.Distribution == DistSegmental)
	}},
	{"5.4", ACR5, 1096, "calcifications associées à une distorsion architecturale ou à une masse", func(f *Finding, _ bool) bool {
		c := f.Calcifications
		return c != nil && !c.Morphology.typicallyBenign() && c.Associated != NoAssociation
	}},
	{"5.5", ACR5, 1097, "calcifications groupées ayant augmenté en nombre ou calcifications dont la morphologie et la distribution sont devenues plus suspectes", func(f *Finding, _ bool) bool {
		c := f.Calcifications
		return c != nil && !c.Morphology.typicallyBenign() &&
			(c.Distribution == DistCluster && f.Evolution == EvolutionIncreased || f.Evolution == EvolutionMoreSuspicious)
	}},
	{"5.6", ACR5, 1098, "masse de contour flou ou irrégulier", func(f *Finding, _ bool) bool {
		return f.Mass != nil && (f.Mass.Margins == MarginsIndistinct || f.Mass.Margins == MarginsIrregular)
	}},
	{"5.7", ACR5, 1099, "masse de contour spiculé", func(f *Finding, _ bool) bool {
		return f.Mass != nil && f.Mass.Margins == MarginsSpiculated
	}},
}

// TableRows returns annexe 2's table as [Suggest] uses it.
func TableRows() []Row {
	rows := make([]Row, len(annexe2))
	copy(rows, annexe2[:])
	for i := range rows {
		rows[i].match = nil
	}
	return rows
}

// Suggestion is the category annexe 2's table gives one breast from its
// findings. The engine suggests; the reader decides: a different category
// is reported as a warning, never an error.
type Suggestion struct {
	Side     Side     `json:"side"`
	Category Category `json:"category"`
	// Rows are the rows that gave Category, for the explanation.
	Rows []Row `json:"rows"`
	// Complete is false when some finding matched no row: Category is then
	// only a lower bound.
	Complete bool `json:"complete"`
	// Unmatched are the indexes (in the findings given) of findings that
	// matched no row.
	Unmatched []int `json:"unmatched,omitempty"`
}

// suggest maps the findings of one breast to annexe 2. With no finding the
// breast is normal, 1 (L1063).
func suggest(findings []Finding, side Side, examDate Date, stableMonths int) Suggestion {
	s := Suggestion{Side: side, Complete: true}
	found := false
	for i := range findings {
		f := &findings[i]
		if f.Side != side {
			continue
		}
		found = true
		best, rows := findingRows(f, stable2y(f, examDate, stableMonths))
		if best == NoCategory {
			s.Complete = false
			s.Unmatched = append(s.Unmatched, i)
			continue
		}
		switch {
		case best.Severity() > s.Category.Severity():
			s.Category, s.Rows = best, rows
		case best == s.Category:
			s.Rows = append(s.Rows, rows...)
		}
	}
	if !found {
		s.Category, s.Rows = ACR1, []Row{annexe2[0]}
	}
	for i := range s.Rows {
		s.Rows[i].match = nil
	}
	return s
}

// findingRows returns the most severe category the rows give one finding,
// and those rows. A stable image after two years of surveillance is 2
// (L1117) unless a row of 4 or 5 also matches it, since that rule is about
// images that were rightly 3.
func findingRows(f *Finding, stable bool) (Category, []Row) {
	best := NoCategory
	var rows []Row
	for _, r := range annexe2[1:] {
		if !r.match(f, stable) {
			continue
		}
		switch {
		case r.Category.Severity() > best.Severity():
			best, rows = r.Category, []Row{r}
		case r.Category == best:
			rows = append(rows, r)
		}
	}
	if stable && best == ACR3 {
		best, rows = ACR2, []Row{annexe2Row("2.S")}
	}
	return best, rows
}

// stable2y reports whether a finding is a category-3 image stable at the
// end of a surveillance of at least months (L1117).
func stable2y(f *Finding, examDate Date, months int) bool {
	if f.Surveillance == nil || f.Surveillance.Since.IsZero() || f.Evolution != EvolutionStable {
		return false
	}
	return !examDate.Before(f.Surveillance.Since.AddDate(0, months, 0))
}

func annexe2Row(id string) Row {
	for _, r := range annexe2 {
		if r.ID == id {
			return r
		}
	}
	panic(fmt.Sprintf("birads: no annexe 2 row %q", id))
}

// Suggest maps the findings of one breast to annexe 2's table. examDate
// dates the two-year surveillance of L1117, with the default 24 months;
// [Engine.Suggest] uses the engine's [Params].
func Suggest(findings []Finding, side Side, examDate Date) Suggestion {
	return suggest(findings, side, examDate, DefaultParams().ACR3StableMonths)
}

// Suggest maps the findings of one breast to annexe 2's table.
func (e *Engine) Suggest(findings []Finding, side Side, examDate Date) Suggestion {
	return suggest(findings, side, examDate, e.params.ACR3StableMonths)
}
