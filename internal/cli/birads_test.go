package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func biradsForm(name string) string {
	return filepath.Join("..", "..", "birads", "testdata", name)
}

func TestBiradsCheckValidForm(t *testing.T) {
	code, stdout, stderr := runCLI(t, "birads", "check", biradsForm("valid-l1-negative.json"))
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Valid    bool           `json:"valid"`
		Decision map[string]any `json:"decision"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	if !rep.Valid || rep.Decision == nil {
		t.Errorf("valid form reported %+v", rep)
	}
}

func TestBiradsCheckInvalidFormExits1(t *testing.T) {
	code, stdout, stderr := runCLI(t, "birads", "check", "--text", biradsForm("invalid-dense-no-anomaly-2.json"))
	if code != ExitFailure {
		t.Fatalf("exit %d, want %d", code, ExitFailure)
	}
	if !strings.Contains(stdout, "BR_DENSE_NO_ANOMALY_IS_1") {
		t.Errorf("text report does not name the rule:\n%s", stdout)
	}
	if !strings.Contains(stderr, "invalid") {
		t.Errorf("stderr %q", stderr)
	}
}

func TestBiradsUsage(t *testing.T) {
	for _, args := range [][]string{
		{"birads"},
		{"birads", "check"},
		{"birads", "check", "a.json", "b.json"},
		{"birads", "check", "--mode", "nope", "a.json"},
		{"birads", "check", "--text", "--json", "a.json"},
	} {
		if code, _, _ := runCLI(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}
