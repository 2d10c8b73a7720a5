package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/radkit/radkit/internal/testutil"
)

// Two "nodes" (two runs of the command) share one S3 bucket and one
// PostgreSQL index: what one stores, the other finds, verifies and
// refuses to store twice.
func TestArchiveScaleOut(t *testing.T) {
	dsn := testutil.Postgres(t)
	s3 := testutil.S3(t)
	t.Setenv("AWS_ACCESS_KEY_ID", s3.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3.SecretKey)
	study := filepath.Join(t.TempDir(), "study")
	if code, _, stderr := runCLI(t, "synth", "--kind", "ct", "--slices", "3", "--rows", "64", "--columns", "64", "--out", study); code != ExitOK {
		t.Fatalf("synth: %s", stderr)
	}
	node := []string{"archive", "--index-dsn", dsn, "--s3", s3.Endpoint + "/" + s3.Bucket + "/pacs", "--s3-tls=false", "--user", "node"}
	run := func(args ...string) (ExitCode, string, string) {
		return runCLI(t, append(append([]string{}, node...), args...)...)
	}
	if code, out, stderr := run("store", study); code != ExitOK || !strings.Contains(out, "stored 3, already stored 0") {
		t.Fatalf("store: exit %d: %s %s", code, out, stderr)
	}
	if code, out, stderr := run("store", study); code != ExitOK || !strings.Contains(out, "already stored 3") {
		t.Fatalf("second node store: exit %d: %s %s", code, out, stderr)
	}
	if code, out, stderr := run("query", "--json", "--modality", "ct"); code != ExitOK || !strings.Contains(out, `"NumInstances": 3`) {
		t.Fatalf("query: exit %d: %s %s", code, out, stderr)
	}
	if code, out, stderr := run("verify"); code != ExitOK {
		t.Fatalf("verify: exit %d: %s %s", code, out, stderr)
	}
	if code, out, _ := run("audit"); code != ExitOK || !strings.Contains(out, "intact") {
		t.Fatalf("audit: exit %d: %s", code, out)
	}
	if code, _, _ := runCLI(t, "archive", "--s3", "x/y", "query"); code != ExitUsage {
		t.Errorf("--s3 without --index-dsn or --root: exit %d, want usage error", code)
	}
}
