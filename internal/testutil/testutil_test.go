package testutil

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestModulePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"module github.com/radkit/radkit\n\ngo 1.26.0\n", "github.com/radkit/radkit"},
		{"// comment\nmodule   \"github.com/radkit/radkit\" // trailing\n", "github.com/radkit/radkit"},
		{"go 1.26\n", ""},
		{"modulex foo\n", ""},
	}
	for _, tt := range tests {
		if got := modulePath([]byte(tt.in)); got != tt.want {
			t.Errorf("modulePath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFindModuleRoot(t *testing.T) {
	root := t.TempDir()
	// An unrelated nested module must be walked past.
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "main", "go.mod"), "module "+ModulePath+"\n")
	write(filepath.Join(root, "main", "examples", "other", "go.mod"), "module example.com/other\n")
	deep := filepath.Join(root, "main", "examples", "other", "pkg")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := findModuleRoot(deep, ModulePath)
	if err != nil {
		t.Fatal(err)
	}
	if got != filepath.Join(root, "main") {
		t.Errorf("findModuleRoot = %s, want %s", got, filepath.Join(root, "main"))
	}
	if _, err := findModuleRoot(root, ModulePath); err == nil {
		t.Error("findModuleRoot above the module succeeded")
	}
}

func TestFindModuleRootFromHere(t *testing.T) {
	root, err := findModuleRoot(".", ModulePath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "internal", "testutil", "testutil.go")); err != nil {
		t.Errorf("module root %s does not hold internal/testutil: %v", root, err)
	}
}

func TestErrorLines(t *testing.T) {
	out := "Warning - Missing attribute\nError - Missing attribute Type 1 Required Element=<PatientID>\r\nCTImage\nError - Bad value\n"
	got := errorLines(out)
	want := []string{"Error - Missing attribute Type 1 Required Element=<PatientID>", "Error - Bad value"}
	if !slices.Equal(got, want) {
		t.Errorf("errorLines = %q, want %q", got, want)
	}
	if got := errorLines("Warning - x\n"); got != nil {
		t.Errorf("errorLines(warnings only) = %q, want nil", got)
	}
}

func TestMissingToolMessage(t *testing.T) {
	if got, want := missingToolMessage("dciodvfy"), "dciodvfy not installed; install dicom3tools or run ./scripts/test.sh"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := missingToolMessage("dcmdump"); !strings.Contains(got, "install dcmtk") {
		t.Errorf("got %q", got)
	}
	if got := missingToolMessage("frobnicate"); !strings.Contains(got, "./scripts/test.sh") {
		t.Errorf("got %q", got)
	}
}

func TestPydicomTestFilesDir(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if got := pydicomTestFilesDir(getenv); got != DebianPydicomTestFiles {
		t.Errorf("default = %s", got)
	}
	env["RADKIT_PYDICOM_TESTFILES"] = "/x/y"
	if got := pydicomTestFilesDir(getenv); got != "/x/y" {
		t.Errorf("with env = %s", got)
	}
}

func TestSharedDir(t *testing.T) {
	dir := SharedDir(t)
	if filepath.Base(dir) != "shared" {
		t.Errorf("SharedDir = %s", dir)
	}
}

func TestTools(t *testing.T) {
	ct := filepath.Join(PydicomTestFiles(t), "CT_small.dcm")
	out := Dcmdump(t, ct)
	if !strings.Contains(out, "(0010,0010) PN") {
		t.Errorf("dcmdump output lacks PatientName:\n%s", out)
	}
	errs, out := Dciodvfy(t, ct)
	if out == "" {
		t.Error("dciodvfy printed nothing")
	}
	for _, e := range errs {
		if !strings.Contains(e, "Error") {
			t.Errorf("error line %q lacks Error", e)
		}
	}
}
