package dicomarchive

import (
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Query limits.
const (
	// DefaultQueryLimit is the page size when [Query.Limit] is 0.
	DefaultQueryLimit = 100
	// MaxQueryLimit is the largest page size.
	MaxQueryLimit = 10000
	// maxPatternLen bounds text patterns: DICOM values are at most 64
	// characters per component group, and a bound keeps LIKE cheap.
	maxPatternLen = 256
)

// Query selects studies, series or instances. Empty fields match
// everything; fields combine with AND. The zero Query returns the first
// page of everything.
//
// Text patterns follow DICOM wildcard matching (PS3.4 C.2.2.2.4): "*"
// matches any run of characters and "?" any single one, over the whole
// value. Patient and physician names are compared folded: case and
// accents ignored ("lefevre*" finds "LEFÈVRE^Françoise"), and the PN
// component separator "^" is a space ("dupont jean" finds
// "DUPONT^JEAN").
type Query struct {
	// PatientID matches the current patient ID or any ID the patient was
	// received under (IPP before a merge or correction). Wildcards
	// allowed.
	PatientID string
	// PatientName matches the current patient name, folded.
	PatientName string
	// INS matches the INS attached to the patient, exactly.
	INS string
	// ReferringPhysician matches Referring Physician's Name, folded.
	ReferringPhysician string
	// AccessionNumber matches the accession (record) number; wildcards
	// allowed.
	AccessionNumber string
	// Modality selects studies having a series of that modality, or
	// series and instances of that modality; case-insensitive.
	Modality string
	// StudyDateFrom and StudyDateTo bound the study date, inclusive; only
	// the calendar date counts; a zero time leaves that side open.
	StudyDateFrom, StudyDateTo time.Time
	StudyInstanceUID           string
	SeriesInstanceUID          string
	SOPInstanceUID             string
	// Limit is the page size: 0 means DefaultQueryLimit; at most
	// MaxQueryLimit.
	Limit int
	// Offset skips that many results: the paging cursor.
	Offset int
}

// Check validates q and returns its effective page size (Limit, or
// DefaultQueryLimit when it is 0). [Index] implementations call it so that
// every backend refuses the same queries with the same [*QueryError].
func (q *Query) Check() (limit int, err error) { return q.check() }

// check validates q and returns its effective limit.
func (q *Query) check() (int, error) {
	if q.Limit < 0 || q.Limit > MaxQueryLimit {
		return 0, &QueryError{Param: "limit", Reason: "must be between 0 and 10000"}
	}
	if q.Offset < 0 {
		return 0, &QueryError{Param: "offset", Reason: "must not be negative"}
	}
	for _, p := range []struct{ name, v string }{
		{"PatientID", q.PatientID}, {"PatientName", q.PatientName}, {"INS", q.INS},
		{"ReferringPhysicianName", q.ReferringPhysician}, {"AccessionNumber", q.AccessionNumber},
		{"Modality", q.Modality}, {"StudyInstanceUID", q.StudyInstanceUID},
		{"SeriesInstanceUID", q.SeriesInstanceUID}, {"SOPInstanceUID", q.SOPInstanceUID},
	} {
		if len(p.v) > maxPatternLen {
			return 0, &QueryError{Param: p.name, Reason: "too long"}
		}
	}
	if !q.StudyDateFrom.IsZero() && !q.StudyDateTo.IsZero() && q.StudyDateTo.Before(q.StudyDateFrom) {
		return 0, &QueryError{Param: "StudyDate", Reason: "range ends before it starts"}
	}
	if q.Limit == 0 {
		return DefaultQueryLimit, nil
	}
	return q.Limit, nil
}

// FoldName returns the form in which names are indexed and compared: the
// alphabetic group of a PN value (before any "="), accents removed, upper
// case, "^" and runs of spaces turned into one space, trimmed. Ligatures
// common in French (Œ, Æ) and ß are spelled out.
func FoldName(s string) string {
	if i := strings.IndexByte(s, '='); i >= 0 {
		s = s[:i]
	}
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == '^' || unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		switch r {
		case 'Œ', 'œ':
			b.WriteString("OE")
		case 'Æ', 'æ':
			b.WriteString("AE")
		case 'ß':
			b.WriteString("SS")
		case 'Ø', 'ø':
			b.WriteByte('O')
		case 'Ł', 'ł':
			b.WriteByte('L')
		default:
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

// LikePattern turns a DICOM wildcard pattern (PS3.4 C.2.2.2.4: '*' and
// '?') into a SQL LIKE pattern with '\' as the escape character, and
// reports whether it has wildcards. SQL [Index] implementations share it
// so that every backend matches the same values.
func LikePattern(p string) (string, bool) {
	var b strings.Builder
	wild := false
	for _, r := range p {
		switch r {
		case '*':
			b.WriteByte('%')
			wild = true
		case '?':
			b.WriteByte('_')
			wild = true
		case '%', '_', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), wild
}

// daString formats the calendar date of t as DICOM DA.
func daString(t time.Time) string { return t.Format("20060102") }
