package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestArchiveStoreQueryOpenVerify(t *testing.T) {
	dir := t.TempDir()
	study, root := filepath.Join(dir, "study"), filepath.Join(dir, "pacs")
	if code, _, stderr := runCLI(t, "synth", "--kind", "ct", "--slices", "3", "--rows", "64", "--columns", "64", "--out", study); code != ExitOK {
		t.Fatalf("synth: %s", stderr)
	}
	code, out, stderr := runCLI(t, "archive", "--root", root, "--user", "test", "store", study)
	if code != ExitOK || !strings.Contains(out, "stored 3, already stored 0, refused 0") {
		t.Fatalf("store: exit %d: %s %s", code, out, stderr)
	}
	// Idempotent: the same study again stores nothing new.
	if code, out, _ := runCLI(t, "archive", "--root", root, "store", study); code != ExitOK || !strings.Contains(out, "already stored 3") {
		t.Errorf("second store: exit %d: %s", code, out)
	}
	code, out, stderr = runCLI(t, "archive", "--root", root, "query", "--json", "--modality", "ct")
	if code != ExitOK || !strings.Contains(out, `"NumInstances": 3`) {
		t.Fatalf("query: exit %d: %s %s", code, out, stderr)
	}
	sop := strings.SplitN(strings.SplitN(out, `"StudyInstanceUID": "`, 2)[1], `"`, 2)[0]
	if sop == "" {
		t.Fatal("no study UID in the query output")
	}
	if code, out, _ := runCLI(t, "archive", "--root", root, "verify"); code != ExitOK {
		t.Errorf("verify: exit %d: %s", code, out)
	}
	if code, out, _ := runCLI(t, "archive", "--root", root, "audit"); code != ExitOK || !strings.Contains(out, "intact") {
		t.Errorf("audit: exit %d: %s", code, out)
	}
	if code, out, _ := runCLI(t, "archive", "--root", root, "purge", "--dry-run"); code != ExitOK || !strings.Contains(out, `"DryRun": true`) {
		t.Errorf("purge: exit %d: %s", code, out)
	}
}

func TestArchiveUsage(t *testing.T) {
	for _, args := range [][]string{
		{"archive", "store", "x"}, {"archive", "--root", "r"}, {"archive", "--root", "r", "nope"},
		{"archive", "--root", "r", "store"}, {"archive", "--root", "r", "open", "1.2"},
		{"archive", "--root", "r", "reconcile", "merge", "a", "2"}, {"archive", "--root", "r", "verify", "x"},
	} {
		if code, _, _ := runCLI(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}
