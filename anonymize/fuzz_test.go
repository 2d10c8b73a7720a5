package anonymize

import (
	"context"
	"strings"
	"testing"
)

// FuzzParsePseudonymMap: the parser never panics, and every pseudonym it
// accepts is a valid Patient ID that the map returns for its identifier.
func FuzzParsePseudonymMap(f *testing.F) {
	f.Add("identifier,pseudonym\n1 42 10 2A 247 650 52,CRISTAL-1\n")
	f.Add("IPP|123,X\n#c\n\n456,Y\n")
	f.Add("\"a,b\",c\n")
	f.Add("a,b\na,c\n")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParsePseudonymMap(strings.NewReader(s))
		if err != nil {
			return
		}
		for k, v := range m {
			if v == "" || len(v) > maxPseudonymLen || strings.ContainsAny(v, `\^=`) {
				t.Fatalf("invalid pseudonym %q accepted", v)
			}
			if strings.Contains(k, "|") {
				continue
			}
			if got, err := m.Lookup(context.Background(), PatientRef{PatientID: k}); err != nil || got != v {
				t.Fatalf("lookup of %q: %q %v", k, got, err)
			}
		}
	})
}
