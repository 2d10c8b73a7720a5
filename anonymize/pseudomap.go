package anonymize

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// PseudonymMap maps patient identifiers to pseudonyms supplied by the
// caller, such as the Cristal donor record number of each donor. Keys are
// normalised identifiers (upper case, blanks removed): an INS-NIR, a
// Patient ID, or "ISSUER|ID" when the same ID exists under several
// issuers.
type PseudonymMap map[string]string

// maxPseudonymLen is the longest pseudonym: Patient ID is LO (64
// characters) and the pseudonym is also written in Patient's Name.
const maxPseudonymLen = 64

// ParsePseudonymMap reads a CSV file of "identifier,pseudonym" lines (a
// header line "identifier,pseudonym" or "patient_id,pseudonym" is
// skipped; blank lines and lines starting with '#' are ignored). The
// identifier is an INS-NIR or a Patient ID, optionally "ISSUER|ID". A
// duplicate identifier, an empty field or a pseudonym that cannot be a
// Patient ID (over 64 characters, control characters, backslash) is an
// error naming the line: a wrong donor number is worse than none.
func ParsePseudonymMap(r io.Reader) (PseudonymMap, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	m := PseudonymMap{}
	first := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("anonymize: pseudonym map: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != 2 {
			return nil, fmt.Errorf("anonymize: pseudonym map line %d: want 2 fields, got %d", line, len(rec))
		}
		id, ps := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		if first {
			first = false
			h := strings.ToLower(id)
			if (h == "identifier" || h == "patient_id" || h == "ins") && strings.EqualFold(ps, "pseudonym") {
				continue
			}
		}
		if id == "" || ps == "" {
			return nil, fmt.Errorf("anonymize: pseudonym map line %d: empty field", line)
		}
		if len(ps) > maxPseudonymLen || strings.ContainsAny(ps, `\^=`) || strings.IndexFunc(ps, func(r rune) bool { return r < 0x20 || r == 0x7F }) >= 0 {
			return nil, fmt.Errorf("anonymize: pseudonym map line %d: pseudonym is not a valid Patient ID", line)
		}
		key := mapKey(id)
		if key == "" || strings.HasPrefix(key, "|") || strings.HasSuffix(key, "|") {
			return nil, fmt.Errorf("anonymize: pseudonym map line %d: empty identifier", line)
		}
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("anonymize: pseudonym map line %d: identifier listed twice", line)
		}
		m[key] = ps
	}
	return m, nil
}

func mapKey(id string) string {
	if issuer, v, ok := strings.Cut(id, "|"); ok {
		return normaliseID(issuer) + "|" + normaliseID(v)
	}
	return normaliseID(id)
}

// Lookup is a [PseudonymFunc]: it tries the INS, then issuer and Patient
// ID, then the Patient ID alone.
func (m PseudonymMap) Lookup(_ context.Context, p PatientRef) (string, error) {
	if p.INS != "" {
		if v, ok := m[normaliseID(p.INS)]; ok {
			return v, nil
		}
	}
	if p.PatientID != "" {
		if v, ok := m[normaliseID(p.IssuerOfPatientID)+"|"+normaliseID(p.PatientID)]; ok {
			return v, nil
		}
		if v, ok := m[normaliseID(p.PatientID)]; ok {
			return v, nil
		}
	}
	return "", ErrNoPseudonym
}
