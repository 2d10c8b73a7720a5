package birads

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// testNow is the clock of every test: a week after the exams of baseForm.
var testNow = time.Date(2025, 3, 21, 9, 0, 0, 0, time.UTC)

func testEngine(t testing.TB, opts Options) *Engine {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	e, err := Prepare(opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// baseForm is a valid first reading: both breasts 1, density 2, on a DR
// unit read on a console. Tests change what their rule needs.
func baseForm() *Form {
	return &Form{
		Version:      FormVersion,
		PersonRef:    "P-0001",
		ExamDate:     NewDate(2025, time.March, 14),
		Site:         Site{ID: "CAB-75-0042"},
		Equipment:    Equipment{Type: EquipmentDR, Brand: "Acme", Console: "Acme RC-10", Reading: ReadingConsole},
		ClinicalExam: ClinicalNormal,
		L1: L1Reading{
			Reader:  "RPPS-1",
			Final:   Breasts{Right: ACR1, Left: ACR1},
			Density: Density2,
			Course:  []CourseOfAction{CourseRoutine},
		},
	}
}

// Ready-made pieces.

func calcCluster(s Side) Finding {
	return Finding{Side: s, Kind: KindCalcifications, Calcifications: &Calcifications{
		Morphology: MorphAmorphous, Number: Few, Distribution: DistCluster, ClusterShape: ClusterRound}}
}

func solidMass(s Side) Finding {
	return Finding{Side: s, Kind: KindMass, Mass: &Mass{Shape: ShapeOval, Margins: MarginsCircumscribed, Ultrasound: USSolid}}
}

func spiculatedMass(s Side) Finding {
	return Finding{Side: s, Kind: KindMass, Mass: &Mass{Shape: ShapeIrregular, Margins: MarginsSpiculated, Ultrasound: USSolid}}
}

// withWorkup makes the left breast positive before workup (0) and the
// workup done with exams, ending at final.
func withWorkup(f *Form, fd Finding, final Category, course CourseOfAction, exams ...Procedure) {
	f.L1.Findings = append(f.L1.Findings, fd)
	f.L1.Provisional = Breasts{Right: ACR1, Left: ACR0}
	f.L1.Final = Breasts{Right: ACR1, Left: final}
	f.L1.ImmediateWorkup = &Workup{Status: WorkupDone, Reason: ReasonRadiological, Exams: exams, Result: "conclusion"}
	f.L1.Course = []CourseOfAction{course}
}

// withL2 adds a second reading with categories.
func withL2(f *Form, right, left Category) {
	f.L2 = &L2Reading{Reader: "RPPS-2", Categories: Breasts{Right: right, Left: left}}
}

// withL2Positive adds a discordant second reading: left 0, located.
func withL2Positive(f *Form) {
	withL2(f, ACR1, ACR0)
	f.L2.Discordant = true
	f.L2.Anomalies = []L2Anomaly{{Side: Left, Kind: KindCalcifications, Location: &Location{Quadrant: UpperOuter}, Description: "amas"}}
	f.L2.ProposedExams = []Procedure{MagnificationFace, MagnificationProfile}
}

// ruleCase is one case of a rule's table-driven test.
type ruleCase struct {
	name  string
	fires bool
	form  func(f *Form)
	opts  Options
}

// checkRuleCases runs a rule's cases: each must fire or not as stated,
// and the table must have both kinds. A routing rule's cases need a valid
// form, since only valid forms are routed.
func checkRuleCases(t *testing.T, id RuleID, cases []ruleCase) {
	t.Helper()
	r := ruleByID(t, id)
	var fire, pass bool
	for _, tc := range cases {
		fire, pass = fire || tc.fires, pass || !tc.fires
		t.Run(tc.name, func(t *testing.T) {
			f := baseForm()
			if tc.form != nil {
				tc.form(f)
			}
			rep, err := testEngine(t, tc.opts).Evaluate(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			var got bool
			if r.Kind == Routing {
				if !rep.Valid {
					t.Fatalf("form invalid, cannot route: %v", rep.Errors)
				}
				got = slices.Contains(rep.Decision.Fired, id)
			} else {
				for _, v := range append(rep.Errors, rep.Warnings...) {
					got = got || v.Rule == id
				}
			}
			if got != tc.fires {
				t.Errorf("%s fired = %v, want %v\nerrors: %v\nwarnings: %v\ndecision: %+v", id, got, tc.fires, rep.Errors, rep.Warnings, rep.Decision)
			}
		})
	}
	if !fire || !pass {
		t.Errorf("%s: the table needs a case where the rule fires and one where it does not", id)
	}
}

// qualCase is one case of a qualification rule's test.
type qualCase struct {
	name  string
	fires bool
	act   ReaderActivity
}

func checkQualCases(t *testing.T, id RuleID, cases []qualCase) {
	t.Helper()
	ruleByID(t, id)
	var fire, pass bool
	for _, tc := range cases {
		fire, pass = fire || tc.fires, pass || !tc.fires
		t.Run(tc.name, func(t *testing.T) {
			tc.act.Reader = "R"
			res, err := testEngine(t, Options{}).Qualify(context.Background(), []ReaderActivity{tc.act})
			if err != nil {
				t.Fatal(err)
			}
			got := false
			for _, v := range res[0].Violations {
				got = got || v.Rule == id
			}
			if got != tc.fires {
				t.Errorf("%s fired = %v, want %v: %+v", id, got, tc.fires, res[0])
			}
		})
	}
	if !fire || !pass {
		t.Errorf("%s: the table needs a case where the rule fires and one where it does not", id)
	}
}

func ruleByID(t testing.TB, id RuleID) Rule {
	t.Helper()
	for _, r := range ruleTable {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no rule %s", id)
	return Rule{}
}

// TestEveryRuleHasATest enumerates the rule table and fails for a rule
// without a TestRule_<ID> function, and for such a function without a
// rule. The per-case check (fires and does not fire) is in checkRuleCases.
func TestEveryRuleHasATest(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]bool{}
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && strings.HasPrefix(fd.Name.Name, "TestRule_") {
				tests[strings.TrimPrefix(fd.Name.Name, "TestRule_")] = true
			}
		}
	}
	ids := map[string]bool{}
	for _, r := range ruleTable {
		if ids[string(r.ID)] {
			t.Errorf("duplicate rule ID %s", r.ID)
		}
		ids[string(r.ID)] = true
		if !tests[string(r.ID)] {
			t.Errorf("rule %s has no TestRule_%s", r.ID, r.ID)
		}
		if len(r.Sources) == 0 || r.Message.FR == "" || r.Message.EN == "" || r.check == nil {
			t.Errorf("rule %s lacks a source, a message or a check", r.ID)
		}
	}
	for name := range tests {
		if !ids[name] {
			t.Errorf("TestRule_%s tests no rule", name)
		}
	}
}

// TestCitationsMatchSeed checks every rule's quotes and every annexe 2
// row against the lines of the arrêté they cite.
func TestCitationsMatchSeed(t *testing.T) {
	lines := seedLines(t)
	at := func(ls []int) string {
		var b strings.Builder
		for _, l := range ls {
			if l < 1 || l > len(lines) {
				t.Errorf("line %d out of range", l)
				continue
			}
			b.WriteString(lines[l-1] + " ")
		}
		return normalizeQuote(b.String())
	}
	for _, r := range ruleTable {
		for _, c := range r.Sources {
			if c.Quote == "" || !strings.Contains(at(c.Lines), normalizeQuote(c.Quote)) {
				t.Errorf("%s: quote %q not found on %v", r.ID, c.Quote, c.Lines)
			}
		}
	}
	for _, row := range annexe2 {
		if !strings.Contains(at([]int{row.Line}), normalizeQuote(row.Text)) {
			t.Errorf("annexe 2 row %s: %q not found on L%d", row.ID, row.Text, row.Line)
		}
	}
}

func normalizeQuote(s string) string {
	s = strings.NewReplacer("’", "'", "\u00a0", " ", "\u202f", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// seedLines reads the arrêté from the shared directory, or skips.
func seedLines(t *testing.T) []string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "..", "..", "shared", SeedFile)
	data, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("RADKIT_INTEGRATION") == "require" {
			t.Fatal(err)
		}
		t.Skipf("%v: the shared directory is kept beside the repository checkout", err)
	}
	return strings.Split(string(data), "\n")
}

func errorsAs[T error](err error, target *T) bool { return errors.As(err, target) }
