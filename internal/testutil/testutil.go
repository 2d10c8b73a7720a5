// Package testutil holds helpers for radkit's tests: locating the shared
// directory and pydicom's test files, and running the external DICOM tools
// (dcmtk's dcmdump, dicom3tools' dciodvfy) that tests compare against.
//
// It is for tests only. Whatever a helper needs but cannot find makes the
// test skip with a message that says how to get it, unless the environment
// variable RADKIT_INTEGRATION is "require" (as ./scripts/test.sh sets it),
// in which case the test fails: CI must never pass by skipping.
package testutil

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// ModulePath is the module whose root SharedDir starts from.
const ModulePath = "github.com/radkit/radkit"

// DebianPydicomTestFiles is where Debian's python3-pydicom package installs
// pydicom's test files.
const DebianPydicomTestFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files"

// Integration returns the value of RADKIT_INTEGRATION: "require" makes
// missing tools and data fail tests instead of skipping them.
func Integration() string { return os.Getenv("RADKIT_INTEGRATION") }

// required reports whether missing tools and data must fail the tests.
func required() bool { return Integration() == "require" }

// unavailable skips t, or fails it when RADKIT_INTEGRATION=require.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if required() {
		t.Fatalf(format+" (RADKIT_INTEGRATION=require)", args...)
	}
	t.Skipf(format, args...)
}

// toolPackages names the Debian package that provides each tool the tests
// use, for the skip message.
var toolPackages = map[string]string{
	"dcmdump":  "dcmtk",
	"dcmodify": "dcmtk",
	"dcmconv":  "dcmtk",
	"dcmdjpeg": "dcmtk",
	"dcmcjpeg": "dcmtk",
	"dcmdrle":  "dcmtk",
	"dcmcrle":  "dcmtk",
	"dcmcjpls": "dcmtk",
	"dcmdjpls": "dcmtk",
	"storescu": "dcmtk",
	"storescp": "dcmtk",
	"echoscu":  "dcmtk",
	"findscu":  "dcmtk",
	"dcmqrscp": "dcmtk",
	"movescu":  "dcmtk",
	"getscu":   "dcmtk",
	"dciodvfy": "dicom3tools",
	"dcdump":   "dicom3tools",
	"dccomp":   "dicom3tools",
}

// missingToolMessage says how to get a missing tool.
func missingToolMessage(name string) string {
	if pkg, ok := toolPackages[name]; ok {
		return fmt.Sprintf("%s not installed; install %s or run ./scripts/test.sh", name, pkg)
	}
	return fmt.Sprintf("%s not installed; run ./scripts/test.sh", name)
}

// RequireTool returns the path of the executable name, or skips the test
// with a message saying how to install it (fails it when
// RADKIT_INTEGRATION=require).
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		unavailable(t, "%s", missingToolMessage(name))
	}
	return p
}

// findModuleRoot walks up from dir to the directory whose go.mod declares
// module modPath.
func findModuleRoot(dir, modPath string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && modulePath(data) == modPath {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of module %s above the working directory", modPath)
		}
		dir = parent
	}
}

// modulePath returns the module path declared by a go.mod file, or "".
func modulePath(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "module"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '"') {
			rest = strings.TrimSpace(rest)
			if i := strings.Index(rest, "//"); i >= 0 {
				rest = strings.TrimSpace(rest[:i])
			}
			return strings.Trim(rest, `"`+"`")
		}
	}
	return ""
}

// SharedDir returns the project's shared directory: "shared" beside the
// module root (the root is found by walking up from the working directory
// to the go.mod of github.com/radkit/radkit). It skips the test when the
// directory is absent (fails it when RADKIT_INTEGRATION=require).
func SharedDir(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := findModuleRoot(wd, ModulePath)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(filepath.Dir(root), "shared")
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		unavailable(t, "shared directory %s not found; it is kept beside the repository checkout", dir)
	}
	return dir
}

// pydicomTestFilesDir is where PydicomTestFiles looks: the value of
// RADKIT_PYDICOM_TESTFILES, else the Debian location.
func pydicomTestFilesDir(getenv func(string) string) string {
	if d := getenv("RADKIT_PYDICOM_TESTFILES"); d != "" {
		return d
	}
	return DebianPydicomTestFiles
}

// PydicomTestFiles returns the directory of pydicom's test files
// (RADKIT_PYDICOM_TESTFILES, else Debian's python3-pydicom location). It
// skips the test when the directory is absent (fails it when
// RADKIT_INTEGRATION=require).
func PydicomTestFiles(t testing.TB) string {
	t.Helper()
	dir := pydicomTestFilesDir(os.Getenv)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		unavailable(t, "pydicom test files not found at %s; install python3-pydicom, set RADKIT_PYDICOM_TESTFILES or run ./scripts/test.sh", dir)
	}
	return dir
}

// errorLines returns the lines of dciodvfy output that report an error.
func errorLines(output string) []string {
	var errs []string
	for line := range strings.Lines(output) {
		if strings.Contains(line, "Error") {
			errs = append(errs, strings.TrimRight(line, "\r\n"))
		}
	}
	return errs
}

// Dciodvfy runs dicom3tools' dciodvfy on the file at path and returns the
// lines of its output that contain "Error", and the whole output (stdout
// and stderr). Warnings are not errors. dciodvfy's exit status is ignored:
// it is non-zero whenever it reports an error, which the caller judges.
func Dciodvfy(t testing.TB, path string) (errors []string, output string) {
	t.Helper()
	tool := RequireTool(t, "dciodvfy")
	out, err := run(t, tool, path)
	if err != nil {
		t.Fatalf("dciodvfy %s: %v\n%s", path, err, out)
	}
	return errorLines(out), out
}

// Dcmdump runs dcmtk's dcmdump on the file at path, with the given options
// before the path (such as "+L" or "-M"), and returns its output. The test
// fails if dcmdump reports an error.
func Dcmdump(t testing.TB, path string, options ...string) string {
	t.Helper()
	tool := RequireTool(t, "dcmdump")
	args := append(append([]string(nil), options...), path)
	cmd := exec.CommandContext(t.Context(), tool, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("dcmdump %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// run runs tool with args and returns its combined output. Only a failure
// to start or a signal is an error; a non-zero exit status is not.
func run(t testing.TB, tool string, args ...string) (string, error) {
	cmd := exec.CommandContext(t.Context(), tool, args...)
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) && exitErr.Exited() {
		err = nil
	}
	return string(out), err
}

// OrthancURL returns the REST root of the Orthanc that scripts/test.sh
// starts (RADKIT_ORTHANC_URL), or skips the test when it is not set,
// failing instead under RADKIT_INTEGRATION=require.
func OrthancURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("RADKIT_ORTHANC_URL")
	if u == "" {
		unavailable(t, "RADKIT_ORTHANC_URL not set; run ./scripts/test.sh, which starts Orthanc (Debian orthanc, orthanc-dicomweb) on 127.0.0.1")
	}
	return strings.TrimRight(u, "/")
}
