package birads

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Category is a BI-RADS (ACR) assessment category, as the 2nd French
// edition of the 4th edition classifies mammograms (annexe III, annexe 2,
// L1060-L1101). The zero value, [NoCategory], means "not classified": 0 is
// a real category (provisional, awaiting workup), so it cannot double as
// "unset".
//
// In JSON a category is the number 0 to 6, or the string "4a", "4b" or
// "4c" for the optional subdivisions of 4.
type Category uint8

// The categories, in declaration order (not severity order: see
// [Category.Severity]).
const (
	NoCategory Category = iota // not classified
	ACR0                       // awaiting diagnostic workup (provisional)
	ACR1                       // normal
	ACR2                       // benign, PPV 0 %
	ACR3                       // probably benign, PPV < 2 %
	ACR4                       // suspicious, 2 % < PPV < 95 %
	ACR4A                      // optional subdivision of 4; "sans objet" for the programme
	ACR4B                      // optional subdivision of 4; "sans objet" for the programme
	ACR4C                      // optional subdivision of 4; "sans objet" for the programme
	ACR5                       // highly suggestive of malignancy, PPV > 95 %
	ACR6                       // known malignancy; not used in screening
	categoryEnd
)

var categoryCodes = [...]string{"", "0", "1", "2", "3", "4", "4a", "4b", "4c", "5", "6"}

// categoryLabels are the headings of annexe 2 (L1062-L1125), in French
// first: they are what the programme's letters and forms print.
var categoryLabels = [...]Text{
	{},
	{FR: "Mammographie en attente d'un bilan de diagnostic", EN: "Awaiting a diagnostic workup"},
	{FR: "Mammographie normale", EN: "Normal mammogram"},
	{FR: "Images sûrement bénignes", EN: "Benign findings"},
	{FR: "Image probablement bénigne, une surveillance à court terme est conseillée", EN: "Probably benign finding, short-term surveillance advised"},
	{FR: "Image suspecte", EN: "Suspicious finding"},
	{FR: "Image suspecte (sous-classe 4a)", EN: "Suspicious finding (subcategory 4a)"},
	{FR: "Image suspecte (sous-classe 4b)", EN: "Suspicious finding (subcategory 4b)"},
	{FR: "Image suspecte (sous-classe 4c)", EN: "Suspicious finding (subcategory 4c)"},
	{FR: "Image évocatrice d'un cancer", EN: "Finding highly suggestive of cancer"},
	{FR: "Histologie maligne déjà connue", EN: "Known biopsy-proven malignancy"},
}

// Valid reports whether c is one of the defined categories (NoCategory
// included).
func (c Category) Valid() bool { return c < categoryEnd }

// String returns the code used in JSON and on the form: "0" to "6", "4a",
// "4b", "4c", or "" for NoCategory.
func (c Category) String() string {
	if !c.Valid() {
		return "Category(" + strconv.Itoa(int(c)) + ")"
	}
	return categoryCodes[c]
}

// Label is the category's heading in annexe 2, in French and English.
func (c Category) Label() Text {
	if !c.Valid() {
		return Text{}
	}
	return categoryLabels[c]
}

// Base folds the subdivisions 4a, 4b and 4c into 4: the text says their
// use "ne modifie pas la conduite à tenir" (L1101), so every rule about 4
// applies to them.
func (c Category) Base() Category {
	switch c {
	case ACR4A, ACR4B, ACR4C:
		return ACR4
	}
	return c
}

// Negative reports whether c is 1 or 2, the results that go to second
// reading and that the feedback indicators count as "BI-RADS ACR 1-2"
// (L867).
func (c Category) Negative() bool { return c == ACR1 || c == ACR2 }

// Positive reports whether c is 0, 3, 4 (any subdivision), 5 or 6: the
// indicators group "BI-RADS ACR 0-3-4-5" as positive (L868, L899), and a 6
// is a known cancer.
func (c Category) Positive() bool {
	return c != NoCategory && c.Valid() && !c.Negative()
}

// Definitive reports whether c is a final classification, 1 to 6: 0 is
// provisional (L1107) and NoCategory is no classification at all.
func (c Category) Definitive() bool {
	return c != NoCategory && c != ACR0 && c.Valid()
}

// Severity orders categories for the exam-level category: 1 < 2 < 0 < 3 <
// 4 < 4a < 4b < 4c < 5 < 6, NoCategory lowest. A pending 0 ranks above
// the negatives because the mammogram is positive before its workup
// (L1107), and below 3 to 5 because a definitive positive already fixes
// the route (no second reading, L707) whatever the other breast's workup
// finds.
func (c Category) Severity() int {
	switch c {
	case ACR1:
		return 1
	case ACR2:
		return 2
	case ACR0:
		return 3
	case ACR3:
		return 4
	case ACR4:
		return 5
	case ACR4A:
		return 6
	case ACR4B:
		return 7
	case ACR4C:
		return 8
	case ACR5:
		return 9
	case ACR6:
		return 10
	}
	return 0
}

// PPV is the positive predictive value of cancer annexe 2 gives a
// category, in percent. Text is the French wording of the text.
type PPV struct {
	Low, High float64 // bounds in percent
	Text      string  // as in the text, e.g. "< 2 %"
}

// PPV returns the positive predictive value annexe 2 states for c: 2 is
// "= 0 %" (L1064), 3 "< 2 %" (L1075), 4 "> 2 % et < 95 %" (L1082), 5 "> 95
// %" (L1091). The text gives none for 0, 1 and 6, nor for 4a, 4b and 4c
// (which are sans objet for the programme), so ok is false for those.
func (c Category) PPV() (p PPV, ok bool) {
	switch c {
	case ACR2:
		return PPV{0, 0, "= 0 %"}, true
	case ACR3:
		return PPV{0, 2, "< 2 %"}, true
	case ACR4:
		return PPV{2, 95, "> 2 % et < 95 %"}, true
	case ACR5:
		return PPV{95, 100, "> 95 %"}, true
	}
	return PPV{}, false
}

// ParseCategory parses a category code: "0" to "6", "4a", "4b" or "4c"
// (upper case accepted for the letter).
func ParseCategory(s string) (Category, error) {
	for i, code := range categoryCodes {
		if i > 0 && (s == code || (len(code) == 2 && len(s) == 2 && s[0] == code[0] && s[1]|0x20 == code[1])) {
			return Category(i), nil
		}
	}
	return NoCategory, fmt.Errorf("unknown BI-RADS category %q: want 0 to 6, 4a, 4b or 4c", s)
}

// MarshalJSON encodes 0 to 6 as numbers, 4a/4b/4c as strings and
// NoCategory as null.
func (c Category) MarshalJSON() ([]byte, error) {
	switch {
	case c == NoCategory:
		return []byte("null"), nil
	case !c.Valid():
		return nil, fmt.Errorf("birads: invalid category %d", uint8(c))
	case c == ACR4A || c == ACR4B || c == ACR4C:
		return []byte(`"` + c.String() + `"`), nil
	}
	return []byte(c.String()), nil
}

// UnmarshalJSON accepts the encodings MarshalJSON produces.
func (c *Category) UnmarshalJSON(b []byte) error {
	v, err := categoryFromJSON(b)
	if err != nil {
		return err
	}
	*c = v
	return nil
}

func categoryFromJSON(b []byte) (Category, error) {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return NoCategory, nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return NoCategory, err
		}
		switch s {
		case "4a", "4b", "4c":
			return ParseCategory(s)
		}
		return NoCategory, fmt.Errorf("category %q: a string must be \"4a\", \"4b\" or \"4c\"; 0 to 6 are numbers", s)
	}
	n, err := strconv.Atoi(string(b))
	if err != nil || n < 0 || n > 6 {
		return NoCategory, fmt.Errorf("category %s: want a whole number 0 to 6, or \"4a\", \"4b\", \"4c\"", b)
	}
	return ParseCategory(strconv.Itoa(n))
}

// Density is the ACR breast-density type 1 to 4 of the 4th edition, the
// one the programme uses (L1103). The zero value is "not recorded".
type Density uint8

// Density types (L1103).
const (
	NoDensity Density = iota
	Density1          // almost entirely fatty, < 25 % fibroglandular tissue
	Density2          // scattered fibroglandular remnants, 25-50 %
	Density3          // heterogeneously dense, 50-75 %
	Density4          // extremely dense, > 75 %
	densityEnd
)

var densityLabels = [...]Text{
	{},
	{FR: "Type 1 : seins clairs (quasi totalement graisseux), moins de 25 % de tissu fibro-glandulaire", EN: "Type 1: almost entirely fatty, under 25 % fibroglandular tissue"},
	{FR: "Type 2 : il persiste quelques reliquats fibro-glandulaires (entre 25 et 50 %)", EN: "Type 2: scattered fibroglandular remnants (25 to 50 %)"},
	{FR: "Type 3 : seins denses de répartition hétérogène (entre 50 et 75 % de tissu dense)", EN: "Type 3: heterogeneously dense (50 to 75 % dense tissue)"},
	{FR: "Type 4 : seins extrêmement denses de façon homogène (plus de 75 % de tissu dense)", EN: "Type 4: extremely dense (over 75 % dense tissue)"},
}

// Valid reports whether d is NoDensity or a type 1 to 4.
func (d Density) Valid() bool { return d < densityEnd }

// String returns "1" to "4", or "" for NoDensity.
func (d Density) String() string {
	if d == NoDensity {
		return ""
	}
	return strconv.Itoa(int(d))
}

// Label is the type's description in annexe 2 (L1103).
func (d Density) Label() Text {
	if !d.Valid() {
		return Text{}
	}
	return densityLabels[d]
}

// Dense reports whether d is type 3 or 4, the types the text calls "seins
// denses" (L1103) and that the dense-breast rules of annexe 2 (L1112,
// L1117, L1123) are about.
func (d Density) Dense() bool { return d == Density3 || d == Density4 }

// Edition5 maps the type to the BI-RADS 5th edition letter "a" to "d".
//
// The mapping is an approximation, documented as such: the 5th edition
// dropped the quartiles of fibroglandular tissue this programme still uses
// (L1103) and defines "c" and "d" by how much the density may mask a
// lesion, so a type-2 breast with a small dense area can be "c" in the 5th
// edition. The programme fixes the 4th edition (L662, L1060); use this only
// to display a letter next to the type, never to classify.
func (d Density) Edition5() string {
	switch d {
	case Density1:
		return "a"
	case Density2:
		return "b"
	case Density3:
		return "c"
	case Density4:
		return "d"
	}
	return ""
}

// MarshalJSON encodes types 1 to 4 as numbers and NoDensity as null.
func (d Density) MarshalJSON() ([]byte, error) {
	if d == NoDensity {
		return []byte("null"), nil
	}
	if !d.Valid() {
		return nil, fmt.Errorf("birads: invalid density %d", uint8(d))
	}
	return []byte(d.String()), nil
}

// UnmarshalJSON accepts a whole number 1 to 4, or null.
func (d *Density) UnmarshalJSON(b []byte) error {
	v, err := densityFromJSON(b)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func densityFromJSON(b []byte) (Density, error) {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return NoDensity, nil
	}
	n, err := strconv.Atoi(string(b))
	if err != nil || n < 1 || n > 4 {
		return NoDensity, fmt.Errorf("density %s: want the ACR type, a whole number 1 to 4", b)
	}
	return Density(n), nil
}

// Breasts holds one category per breast. The classification "concerne
// chaque sein" (L1105); [Breasts.Exam] derives the exam-level category.
type Breasts struct {
	Right Category `json:"right,omitempty"`
	Left  Category `json:"left,omitempty"`
}

// Get returns the category of one breast.
func (b Breasts) Get(s Side) Category {
	if s == Left {
		return b.Left
	}
	return b.Right
}

// Set returns b with the category of one breast replaced.
func (b Breasts) Set(s Side, c Category) Breasts {
	if s == Left {
		b.Left = c
	} else {
		b.Right = c
	}
	return b
}

// Empty reports whether neither breast is classified.
func (b Breasts) Empty() bool { return b.Right == NoCategory && b.Left == NoCategory }

// Exam returns the exam-level category, the most severe of the two breasts
// by [Category.Severity], and whether either breast is still 0 (pending
// its workup). The text routes "la mammographie" by category although it
// classifies each breast (L1105); the most severe breast decides, since
// "le classement ... porte[nt] sur la ou les images les plus suspectes".
func (b Breasts) Exam() (c Category, pending bool) {
	c = b.Right
	if b.Left.Severity() > c.Severity() {
		c = b.Left
	}
	return c, b.Right == ACR0 || b.Left == ACR0
}

// Text is a message in French and English. French comes first: it is the
// language of the source text and of the programme's letters.
type Text struct {
	FR string `json:"fr"`
	EN string `json:"en"`
}

// Mode selects which categories are acceptable.
type Mode uint8

const (
	// Programme is the French organised screening programme: 4a, 4b and 4c
	// are "sans objet" and 6 "ne concerne ... pas les mammographies de
	// dépistage" (L1101), so they are rejected. The zero value.
	Programme Mode = iota
	// General accepts 4a, 4b, 4c and 6, for BI-RADS use outside the
	// programme (a RIS classifying diagnostic mammograms); the programme's
	// rules still apply to everything else, with 4a-4c treated as 4.
	General
)

// String returns "programme" or "general".
func (m Mode) String() string {
	switch m {
	case Programme:
		return "programme"
	case General:
		return "general"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// MarshalText encodes the mode as its name.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// ParseMode parses "programme" or "general".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "programme", "":
		return Programme, nil
	case "general":
		return General, nil
	}
	return Programme, fmt.Errorf("birads: unknown mode %q: want programme or general", s)
}
