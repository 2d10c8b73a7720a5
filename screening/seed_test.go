package screening

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/radkit/radkit/internal/testutil"
)

// TestRulesQuoteTheSeed checks every rule against the French original:
// each fragment of its Quote (split at "…") must appear in the lines the
// rule cites, in the Légifrance text of the arrêté (the shared seed file).
func TestRulesQuoteTheSeed(t *testing.T) {
	path := filepath.Join(testutil.SharedDir(t), "seeds", SeedFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	norm := func(s string) string {
		s = strings.ReplaceAll(s, "’", "'")
		s = strings.ReplaceAll(s, "\u00a0", " ")
		return strings.Join(strings.Fields(s), " ")
	}
	for _, r := range Rules() {
		var text strings.Builder
		for _, rg := range lineRanges(t, r.Source.Lines) {
			for n := rg[0]; n <= rg[1]; n++ {
				if n < 1 || n > len(lines) {
					t.Fatalf("%s cites L%d, beyond the %d lines of %s", r.ID, n, len(lines), SeedFile)
				}
				text.WriteString(lines[n-1])
				text.WriteString(" ")
			}
		}
		src := norm(text.String())
		for _, frag := range strings.Split(r.Quote, "…") {
			frag = norm(frag)
			if len(frag) < 8 {
				continue
			}
			if !strings.Contains(src, frag) {
				t.Errorf("%s: %q is not in %s", r.ID, frag, r.Source)
			}
		}
	}
}
