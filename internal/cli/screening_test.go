package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
