package anonymize

import (
	"strings"
	"unicode"

	"github.com/radkit/radkit/dicomio"
)

// Kinds of identifying values, for leak reports.
const (
	KindName    = "name"
	KindID      = "identifier"
	KindDate    = "date"
	KindUID     = "uid"
	KindText    = "text"
	KindPrivate = "private"
)

// term is one identifying value in its normalised forms.
type term struct {
	word    string // normalise(): matched on word boundaries
	compact string // spaces removed, for identifiers written with or without spaces; "" if not used
	uid     string // exact UID, for KindUID
	kind    string
	source  dicomio.Tag
}

// termSet holds the identifying values of one or more objects.
type termSet struct {
	terms []term
	seen  map[string]bool
}

func newTermSet() *termSet { return &termSet{seen: map[string]bool{}} }

// minWord is the shortest normalised value searched for: shorter ones
// ("M", "Dr", "CT") are not identifying and match everywhere.
const minWord = 3

// minUID is the shortest UID searched for.
const minUID = 8

// foldRune strips the accents of the Latin letters French uses, so that
// "Lefèbvre" in Latin-1 and "LEFEBVRE" in ASCII compare equal.
func foldRune(r rune) string {
	switch r {
	case 'à', 'â', 'ä', 'á', 'ã', 'å', 'À', 'Â', 'Ä', 'Á', 'Ã', 'Å':
		return "a"
	case 'ç', 'Ç':
		return "c"
	case 'é', 'è', 'ê', 'ë', 'É', 'È', 'Ê', 'Ë':
		return "e"
	case 'î', 'ï', 'í', 'ì', 'Î', 'Ï', 'Í', 'Ì':
		return "i"
	case 'ô', 'ö', 'ó', 'ò', 'õ', 'Ô', 'Ö', 'Ó', 'Ò', 'Õ':
		return "o"
	case 'ù', 'û', 'ü', 'ú', 'Ù', 'Û', 'Ü', 'Ú':
		return "u"
	case 'ÿ', 'ý', 'Ÿ', 'Ý':
		return "y"
	case 'ñ', 'Ñ':
		return "n"
	case 'œ', 'Œ':
		return "oe"
	case 'æ', 'Æ':
		return "ae"
	}
	return ""
}

// normalise lower-cases, strips accents and turns every separator (PN
// component and group delimiters, value delimiters, punctuation, blanks)
// into one space, so that "Lefèbvre^Éric" matches "LEFEBVRE ERIC".
func normalise(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(' ')
	space := true
	for _, r := range s {
		if f := foldRune(r); f != "" {
			b.WriteString(f)
			space = false
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
			space = false
			continue
		}
		if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}

func compactOf(norm string) string { return strings.ReplaceAll(norm, " ", "") }

func countDigits(s string) int {
	n := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			n++
		}
	}
	return n
}

// add records v in its normalised forms. Values of fewer than minWord
// letters or digits are ignored.
func (ts *termSet) add(v, kind string, src dicomio.Tag) {
	n := normalise(v)
	c := compactOf(n)
	if len(c) < minWord || c == strings.ToLower(dummyText) {
		return
	}
	key := kind + "\x00" + n
	if ts.seen[key] {
		return
	}
	ts.seen[key] = true
	t := term{word: n, kind: kind, source: src}
	// Identifiers are written with and without blanks ("06 12 34 56 78",
	// "1 42 10 2A 247 650 52"): match them by their compact form too.
	if kind != KindDate && countDigits(c) >= 6 && len(c) >= 8 {
		t.compact = c
	}
	ts.terms = append(ts.terms, t)
}

func (ts *termSet) addUID(v string, src dicomio.Tag) {
	v = strings.TrimRight(v, "\x00 ")
	// Real UIDs are long; "0" or "1.2" in a test file would match
	// everywhere and identify nothing.
	if len(v) < minUID || wellKnownUID(v) || ts.seen["uid\x00"+v] {
		return
	}
	ts.seen["uid\x00"+v] = true
	ts.terms = append(ts.terms, term{uid: v, kind: KindUID, source: src})
}

// addName records a person name, whole and by component (family, given,
// middle names), each in every PN component group.
func (ts *termSet) addName(v string, src dicomio.Tag) {
	ts.add(v, KindName, src)
	for _, group := range strings.Split(v, "=") {
		comps := strings.Split(group, "^")
		for i, c := range comps {
			if i >= 3 { // prefix and suffix ("Dr", "Mme") identify nobody
				break
			}
			for _, w := range strings.Fields(c) {
				ts.add(w, KindName, src)
			}
			ts.add(c, KindName, src)
		}
	}
}

// addDate records a date in the forms it is written in, in DICOM and in
// French text: 20191014, 2019-10-14, 14/10/2019, 14.10.2019, 14-10-2019.
func (ts *termSet) addDate(v string, src dicomio.Tag) {
	v = strings.TrimSpace(v)
	if len(v) < 8 {
		return
	}
	y, m, d := v[0:4], v[4:6], v[6:8]
	if countDigits(y+m+d) != 8 {
		return
	}
	for _, f := range []string{y + m + d, y + "-" + m + "-" + d, d + "/" + m + "/" + y, d + m + y} {
		ts.add(f, KindDate, src)
	}
}

// contains reports whether the text s holds any of the values.
func (ts *termSet) contains(s string) bool {
	if ts == nil || len(ts.terms) == 0 {
		return false
	}
	n := normalise(s)
	c := compactOf(n)
	for i := range ts.terms {
		if ts.terms[i].matches(s, n, c) {
			return true
		}
	}
	return false
}

func (t *term) matches(raw, norm, compact string) bool {
	if t.uid != "" {
		return strings.Contains(raw, t.uid)
	}
	if strings.Contains(norm, t.word) {
		return true
	}
	return t.compact != "" && strings.Contains(compact, t.compact)
}
