package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/export"

	"github.com/radkit/radkit/internal/testutil"
)

func TestScreeningSimulateIngestDueExplain(t *testing.T) {
	code, events, stderr := runCLI(t, "screening", "simulate", "--seed", "1", "--people", "30", "--to", "2027-01-01")
	if code != ExitOK {
		t.Fatalf("simulate: exit %d: %s", code, stderr)
	}
	if n := strings.Count(events, "\n"); n < 30 {
		t.Fatalf("simulate wrote %d events for 30 people", n)
	}
	path := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(path, []byte(events), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "screening", "ingest", "--today", "2027-01-01", path)
	if code != ExitOK || !strings.Contains(out, "rejected 0") {
		t.Fatalf("ingest: exit %d: %s %s", code, out, stderr)
	}
	// The same events "ingested" before they happened are rejected as
	// future events, and the exit status says so.
	if code, out, _ := runCLI(t, "screening", "ingest", "--today", "2024-01-15", path); code != ExitFailure || !strings.Contains(out, "rejected line") {
		t.Errorf("future events: exit %d:\n%.300s", code, out)
	}
	code, _, stderr = runCLI(t, "screening", "due", "--today", "2027-01-01", "--at", "2026-06-01", path)
	if code != ExitOK {
		t.Fatalf("due: exit %d: %s", code, stderr)
	}
	person := strings.SplitN(strings.SplitN(events, `"person":"`, 2)[1], `"`, 2)[0]
	code, out, stderr = runCLI(t, "screening", "explain", "--today", "2027-01-01", "--at", "2026-06-01", "--person", person, path)
	if code != ExitOK || !strings.Contains(out, "person "+person) || !strings.Contains(out, "Arrêté 2024") {
		t.Fatalf("explain: exit %d: %s\n%s", code, stderr, out)
	}
}

func TestScreeningRulesAndMermaid(t *testing.T) {
	if code, out, _ := runCLI(t, "screening", "rules"); code != ExitOK || !strings.Contains(out, "CCR-STOP-2Y") {
		t.Errorf("rules: exit %d", code)
	}
	if code, out, _ := runCLI(t, "screening", "mermaid", "--programme", "cervical"); code != ExitOK || !strings.Contains(out, "stateDiagram") {
		t.Errorf("mermaid: exit %d:\n%.200s", code, out)
	}
	for _, args := range [][]string{
		{"screening"}, {"screening", "nope"}, {"screening", "due"}, {"screening", "explain", "x.jsonl"},
		{"screening", "mermaid"}, {"screening", "due", "--at", "2026-13-01", "x.jsonl"},
	} {
		if code, _, _ := runCLI(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}

// TestScreeningSimulateOppositions: --oppose-reminders and
// --oppose-results generate oppositions of both scopes (Arrêté 2024, L54
// and L453) that ingest accepts; the default generates none, and a rate
// outside 0 to 1 is a usage error.
func TestScreeningSimulateOppositions(t *testing.T) {
	args := []string{"screening", "simulate", "--seed", "2", "--people", "300", "--to", "2027-01-01"}
	code, plain, stderr := runCLI(t, args...)
	if code != ExitOK {
		t.Fatalf("simulate: exit %d: %s", code, stderr)
	}
	if strings.Contains(plain, `"opposition"`) {
		t.Errorf("simulate without rates generated oppositions")
	}
	code, events, stderr := runCLI(t, append(args, "--oppose-reminders", "0.1", "--oppose-results", "0.1")...)
	if code != ExitOK {
		t.Fatalf("simulate with oppositions: exit %d: %s", code, stderr)
	}
	for _, scope := range []screening.OppositionScope{screening.OpposeReminders, screening.OpposeResults} {
		if n := strings.Count(events, fmt.Sprintf(`"Scope":%q`, scope)); n == 0 {
			t.Errorf("no opposition to %s in:\n%.300s", scope, events)
		}
	}
	path := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(path, []byte(events), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := runCLI(t, "screening", "ingest", "--today", "2027-01-01", path); code != ExitOK || !strings.Contains(out, "rejected 0") {
		t.Errorf("ingest: exit %d: %s %s", code, out, stderr)
	}
	for _, bad := range [][]string{{"--oppose-reminders", "1.5"}, {"--oppose-results", "-0.1"}, {"--oppose-results", "NaN"}} {
		if code, _, _ := runCLI(t, append(args, bad...)...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", bad, code, ExitUsage)
		}
	}
}

// simulateFile simulates a small cohort into a file through --out, with
// its ground truth through --truth.
func simulateFile(t *testing.T, dir string) (events, truth string) {
	t.Helper()
	events, truth = filepath.Join(dir, "events.jsonl"), filepath.Join(dir, "truth.json")
	code, out, stderr := runCLI(t, "screening", "simulate", "--seed", "5", "--people", "200", "--to", "2028-01-01",
		"--departments", "67,68", "--min-age", "45", "--max-age", "70", "--programmes", "breast,colorectal",
		"--out", events, "--truth", truth)
	if code != ExitOK || out != "" {
		t.Fatalf("simulate: exit %d: %s (stdout %.100q)", code, stderr, out)
	}
	return events, truth
}

// TestScreeningIndicators: simulate writes a cohort that indicators reads
// back; the CSV's counts add up to the simulator's ground truth, the
// INSEE population feeds its rate, and --png writes the charts.
func TestScreeningIndicators(t *testing.T) {
	dir := t.TempDir()
	events, truthPath := simulateFile(t, dir)
	var truth struct {
		Tests [3]int
		By    map[string]struct{ Invitations, Screened int }
	}
	b, err := os.ReadFile(truthPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	if truth.Tests[0] == 0 || truth.Tests[1] == 0 || truth.Tests[2] != 0 {
		t.Fatalf("truth tests %v: want breast and colorectal only", truth.Tests)
	}
	// A region's départements.
	if code, out, _ := runCLI(t, "screening", "simulate", "--people", "20", "--to", "2024-02-01", "--departments", "region:94"); code != ExitOK ||
		!strings.Contains(out, `"Department":"2A"`) || !strings.Contains(out, `"Department":"2B"`) || strings.Contains(out, `"Department":"67"`) {
		t.Errorf("simulate --departments region:94: exit %d", code)
	}
	pop := filepath.Join(dir, "pop.csv")
	if err := os.WriteFile(pop, []byte("programme,period,department,population\nbreast,2026,67,100\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	charts := filepath.Join(dir, "charts")
	code, out, stderr := runCLI(t, "screening", "indicators", "--today", "2028-01-01", "--population", pop, "--png", charts, events)
	if code != ExitOK {
		t.Fatalf("indicators: exit %d: %s", code, stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var tests [3]int
	depts := map[string]bool{}
	for _, r := range recs[1:] {
		p, _ := screening.ParseProgramme(r[col["programme"]])
		n, _ := strconv.Atoi(r[col["tests"]])
		tests[p-1] += n
		depts[r[col["department"]]] = true
		key := r[col["programme"]] + "/" + r[col["period"]] + "/" + r[col["department"]]
		inv, _ := strconv.Atoi(r[col["invitations"]])
		if want := truth.By[key].Invitations; inv != want {
			t.Errorf("%s: %d invitations, truth %d", key, inv, want)
		}
		if key == "breast/2026/67" {
			scr, _ := strconv.Atoi(r[col["screened"]])
			if got, want := r[col["participation_insee"]], strconv.FormatFloat(float64(scr)/100, 'f', 4, 64); got != want || r[col["population"]] != "100" {
				t.Errorf("INSEE participation %s, want %s", got, want)
			}
		}
	}
	if tests != truth.Tests || len(depts) != 2 || !depts["67"] || !depts["68"] {
		t.Errorf("indicators: tests %v, truth %v; départements %v", tests, truth.Tests, depts)
	}
	for _, name := range []string{"funnel-breast.png", "departments-breast.png", "funnel-colorectal.png", "delays.png"} {
		b, err := os.ReadFile(filepath.Join(charts, name))
		if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("%s: not a PNG (%v)", name, err)
		}
	}
	// --out writes the same CSV atomically; --json writes the rows.
	csvPath := filepath.Join(dir, "ind.csv")
	if code, _, stderr := runCLI(t, "screening", "indicators", "--today", "2028-01-01", "--population", pop, "--out", csvPath, events); code != ExitOK {
		t.Fatalf("indicators --out: exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(csvPath); string(b) != out {
		t.Errorf("--out differs from standard output")
	}
	if code, out, _ := runCLI(t, "screening", "indicators", "--json", "--today", "2028-01-01", events); code != ExitOK || !strings.Contains(out, `"invitations": `) {
		t.Errorf("indicators --json: exit %d: %.200s", code, out)
	}
	// Events in the future of --today are rejected: the output is still
	// written, and the exit status says something was left out.
	if code, out, stderr := runCLI(t, "screening", "indicators", "--today", "2026-01-01", events); code != ExitFailure || !strings.Contains(stderr, "rejected") || !strings.HasPrefix(out, "programme,") {
		t.Errorf("indicators with future events: exit %d, stderr %q", code, stderr)
	}
}

// TestScreeningExport: the export pseudonymises the identifiers of
// --identifiers with --key-file, and no person ID leaves.
func TestScreeningExport(t *testing.T) {
	dir := t.TempDir()
	events, _ := simulateFile(t, dir)
	keyFile := filepath.Join(dir, "spf.key")
	key := []byte("a key shared with the insurance body")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	// Identifiers for every simulated person: a fake NIR each.
	var ids strings.Builder
	ids.WriteString("person,identifier\n")
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&ids, "S%08d,2 60 03 67 %03d 051 77\n", i, i)
	}
	idFile := filepath.Join(dir, "ids.csv")
	if err := os.WriteFile(idFile, []byte(ids.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	outPath := filepath.Join(dir, "spf.csv")
	code, _, stderr := runCLI(t, "screening", "export", "--today", "2028-01-01", "--key-file", keyFile, "--identifiers", idFile, "--out", outPath, events)
	if code != ExitOK || !strings.Contains(stderr, "exported") {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	if strings.Contains(out, "S000") || strings.Contains(out, "051 77") {
		t.Errorf("the export holds a person ID or an identifier:\n%.500s", out)
	}
	if want := export.Pseudonym(key, "2 60 03 67 000 051 77"); !strings.Contains(out, want) {
		t.Errorf("the export lacks the pseudonym %s of person 0", want)
	}
	if !strings.HasPrefix(out, strings.Join(export.Columns(), ",")+"\n") {
		t.Errorf("header: %.200s", out)
	}
	// A person missing from --identifiers fails the export, and a short
	// key too; a missing --key-file is a usage error.
	if err := os.WriteFile(idFile, []byte("person,identifier\nS00000000,x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := runCLI(t, "screening", "export", "--today", "2028-01-01", "--key-file", keyFile, "--identifiers", idFile, events); code != ExitFailure {
		t.Errorf("unknown person: exit %d", code)
	}
	if err := os.WriteFile(keyFile, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := runCLI(t, "screening", "export", "--today", "2028-01-01", "--key-file", keyFile, events); code != ExitFailure {
		t.Errorf("short key: exit %d", code)
	}
	for _, args := range [][]string{
		{"screening", "export", events}, {"screening", "indicators"}, {"screening", "indicators", "--period-years", "0", events},
		{"screening", "simulate", "--programmes", "lung"}, {"screening", "simulate", "--departments", "region:99"},
	} {
		if code, _, _ := runCLI(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}

// TestScreeningStore: events ingested into a SQLite --store persist:
// indicators and due on the store alone give what they give on the file.
func TestScreeningStore(t *testing.T) {
	testScreeningStore(t, filepath.Join(t.TempDir(), "centre.db"))
}

// The same run with the events in PostgreSQL.
func TestScreeningStorePostgres(t *testing.T) {
	testScreeningStore(t, testutil.Postgres(t))
}

func testScreeningStore(t *testing.T, db string) {
	dir := t.TempDir()
	events, _ := simulateFile(t, dir)
	if code, out, stderr := runCLI(t, "screening", "ingest", "--today", "2028-01-01", "--store", db, events); code != ExitOK || !strings.Contains(out, "rejected 0") {
		t.Fatalf("ingest --store: exit %d: %s %s", code, out, stderr)
	}
	// Re-ingesting is a no-op.
	if code, out, _ := runCLI(t, "screening", "ingest", "--today", "2028-01-01", "--store", db, events); code != ExitOK || !strings.Contains(out, "accepted 0,") {
		t.Errorf("second ingest: exit %d: %s", code, out)
	}
	_, fromFile, _ := runCLI(t, "screening", "indicators", "--today", "2028-01-01", events)
	code, fromStore, stderr := runCLI(t, "screening", "indicators", "--store", db)
	if code != ExitOK || fromStore != fromFile || !strings.HasPrefix(fromStore, "programme,") {
		t.Errorf("indicators --store: exit %d: %s\n%.300s\nfile:\n%.300s", code, stderr, fromStore, fromFile)
	}
	_, dueFile, _ := runCLI(t, "screening", "due", "--today", "2028-01-01", "--at", "2027-06-01", events)
	if code, dueStore, _ := runCLI(t, "screening", "due", "--at", "2027-06-01", "--store", db); code != ExitOK || dueStore != dueFile || dueFile == "" {
		t.Errorf("due --store: exit %d, %d bytes, file %d bytes", code, len(dueStore), len(dueFile))
	}
	if code, _, _ := runCLI(t, "screening", "ingest", "--store", db); code != ExitUsage {
		t.Errorf("ingest without a file: exit %d", code)
	}
}
