package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAnonymizeAndVerify(t *testing.T) {
	dir := t.TempDir()
	study, anon := filepath.Join(dir, "study"), filepath.Join(dir, "anon")
	if code, _, stderr := runCLI(t, "synth", "--kind", "ct", "--slices", "3", "--rows", "64", "--columns", "64", "--out", study); code != ExitOK {
		t.Fatalf("synth: %s", stderr)
	}
	key := filepath.Join(dir, "site.key")
	if err := os.WriteFile(key, []byte("0123456789abcdef0123456789abcdef"), 0o600); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "report.json")
	code, _, stderr := runCLI(t, "anonymize", "--profile", "research", "--key-file", key, "--report", report, "--out", anon, study)
	if code != ExitOK {
		t.Fatalf("anonymize: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "3 files de-identified") {
		t.Errorf("summary %q", stderr)
	}
	var rep struct {
		Succeeded int `json:"succeeded"`
	}
	b, err := os.ReadFile(report)
	if err != nil || json.Unmarshal(b, &rep) != nil || rep.Succeeded != 3 {
		t.Fatalf("report: %v %s", err, b)
	}
	code, out, stderr := runCLI(t, "anonymize", "verify", study, anon)
	if code != ExitOK || !strings.Contains(out, ": 0 leaks") {
		t.Fatalf("verify: exit %d: %s %s", code, out, stderr)
	}
	// The originals checked against themselves leak everything.
	if code, out, _ := runCLI(t, "anonymize", "verify", study, study); code != ExitFailure || !strings.Contains(out, "leak:") {
		t.Errorf("verify of the originals: exit %d:\n%.300s", code, out)
	}
}

func TestAnonymizeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"anonymize"},
		{"anonymize", "--key-file", "k", "in"},
		{"anonymize", "--out", "o", "in"},
		{"anonymize", "--profile", "nope", "--key-file", "k", "--out", "o", "in"},
		{"anonymize", "--option", "nope", "--key-file", "k", "--out", "o", "in"},
		{"anonymize", "verify", "a"},
	} {
		if code, _, _ := runCLI(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}
