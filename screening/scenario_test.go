package screening

import (
	"strconv"
	"strings"
	"testing"
)

// lineRanges parses "L586, L592-L594" into [[586 586] [592 594]].
func lineRanges(t *testing.T, s string) [][2]int {
	t.Helper()
	var out [][2]int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, _ := strings.Cut(part, "-")
		if hi == "" {
			hi = lo
		}
		a, err1 := strconv.Atoi(strings.TrimPrefix(lo, "L"))
		b, err2 := strconv.Atoi(strings.TrimPrefix(hi, "L"))
		if err1 != nil || err2 != nil || b < a {
			t.Fatalf("bad line reference %q in %q", part, s)
		}
		out = append(out, [2]int{a, b})
	}
	return out
}

func allScenarios() []scenario {
	var out []scenario
	for _, group := range [][]scenario{generalScenarios, breastScenarios, colorectalScenarios, cervicalScenarios} {
		out = append(out, group...)
	}
	return out
}

// TestScenarios runs one scenario per rule (some rules have several),
// each named after its rule: go test -run 'TestScenarios/CCR-STOP-2Y'.
func TestScenarios(t *testing.T) {
	for _, sc := range allScenarios() {
		name := string(sc.Rule)
		if sc.Name != "" {
			name += "/" + sc.Name
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var cfg []Config
			if sc.Config != nil {
				cfg = append(cfg, *sc.Config)
			}
			sc.Run(newSc(t, sc.Birth, cfg...))
		})
	}
}

// TestEveryRuleHasAScenario enumerates the rule table: a rule without a
// scenario test, or a scenario citing a rule or a seed line that the
// table does not have, fails.
func TestEveryRuleHasAScenario(t *testing.T) {
	covered := map[RuleID]bool{}
	for _, sc := range allScenarios() {
		r, ok := LookupRule(sc.Rule)
		if !ok {
			t.Errorf("scenario for unknown rule %s", sc.Rule)
			continue
		}
		covered[sc.Rule] = true
		have := lineRanges(t, r.Source.Lines)
		for _, cited := range lineRanges(t, sc.Seed) {
			in := false
			for _, h := range have {
				in = in || cited[0] >= h[0] && cited[1] <= h[1]
			}
			if !in {
				t.Errorf("scenario %s cites L%d-L%d, which is not in the rule's source %q", sc.Rule, cited[0], cited[1], r.Source.Lines)
			}
		}
	}
	for _, r := range Rules() {
		if !covered[r.ID] {
			t.Errorf("rule %s (%s) has no scenario test", r.ID, r.Source)
		}
	}
}
