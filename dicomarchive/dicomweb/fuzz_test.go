package dicomweb_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/dicomweb"
)

// FuzzParseQuery: any query string either parses into a query the archive
// accepts or fails with a QueryError; warnings stay printable header text.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"", "PatientName=Lef%C3%A8vre*&limit=10", "StudyDate=20240101-", "StudyDate=-20241231",
		"00100020=IPP%25&offset=3", "includefield=00081030&fuzzymatching=true", "%", "a=%zz", "limit=99999999999999999999",
		"StudyDate=2024.01.01", "=&&=", "Modality=CT&ModalitiesInStudy=MR",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, warnings, err := dicomweb.ParseQuery(raw)
		if err != nil {
			if !errors.Is(err, dicomarchive.ErrQuery) {
				t.Fatalf("%q: untyped error %v", raw, err)
			}
			return
		}
		if q.Limit < 0 || q.Limit > dicomarchive.MaxQueryLimit || q.Offset < 0 {
			t.Fatalf("%q: limit %d offset %d", raw, q.Limit, q.Offset)
		}
		for _, w := range warnings {
			if !utf8.ValidString(w) || strings.ContainsAny(w, "\r\n\"") {
				t.Fatalf("%q: warning %q unsafe in a header", raw, w)
			}
		}
	})
}
