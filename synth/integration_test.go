package synth

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/radkit/radkit/dicomio"
)

// The external validators: dciodvfy (dicom3tools) checks each object
// against its IOD, dcmdump (DCMTK) and pydicom check that independent
// parsers read it. Missing tools skip the test, unless
// RADKIT_INTEGRATION=require, as in CI, where they must be there.

func requireTools() bool { return os.Getenv("RADKIT_INTEGRATION") == "require" }

func lookTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if requireTools() {
			t.Fatalf("%s not found and RADKIT_INTEGRATION=require", name)
		}
		t.Skipf("%s not installed (Debian: dicom3tools, dcmtk); set RADKIT_INTEGRATION=require to fail instead", name)
	}
	return p
}

// pythonWithPydicom finds a Python that can import pydicom (the first
// python3 on PATH may be a virtualenv without it), and whether numpy is
// there for pixel_array.
func pythonWithPydicom(t *testing.T) (python string, numpy bool) {
	t.Helper()
	var cands []string
	if p, err := exec.LookPath("python3"); err == nil {
		cands = append(cands, p)
	}
	cands = append(cands, "/usr/bin/python3")
	for _, p := range cands {
		if exec.Command(p, "-c", "import pydicom").Run() == nil {
			return p, exec.Command(p, "-c", "import numpy").Run() == nil
		}
	}
	if requireTools() {
		t.Fatal("no python3 with pydicom and RADKIT_INTEGRATION=require")
	}
	t.Skip("no python3 with pydicom (Debian: python3-pydicom); set RADKIT_INTEGRATION=require to fail instead")
	return "", false
}

// validate runs the three tools on one file.
func validate(t *testing.T, dciodvfy, dcmdump, python string, numpy bool, path string) {
	t.Helper()
	out, _ := exec.Command(dciodvfy, path).CombinedOutput()
	var errs []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "Error") {
			errs = append(errs, l)
		}
	}
	if len(errs) > 0 {
		t.Errorf("dciodvfy %s: %d errors:\n%s", filepath.Base(path), len(errs), out)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(dcmdump, path)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || strings.Contains(stderr.String(), "E:") {
		t.Errorf("dcmdump %s: %v\n%s", filepath.Base(path), err, stderr.String())
	}
	script := "import pydicom,sys; ds=pydicom.dcmread(sys.argv[1]); ds.pixel_array if 'PixelData' in ds else None"
	if !numpy {
		script = "import pydicom,sys; ds=pydicom.dcmread(sys.argv[1]); ds.PatientName"
	}
	if out, err := exec.Command(python, "-c", script, path).CombinedOutput(); err != nil {
		t.Errorf("pydicom %s: %v\n%s", filepath.Base(path), err, out)
	}
}

func TestValidators(t *testing.T) {
	if testing.Short() {
		t.Skip("external validators skipped in -short mode")
	}
	dciodvfy, dcmdump := lookTool(t, "dciodvfy"), lookTool(t, "dcmdump")
	python, numpy := pythonWithPydicom(t)
	if !numpy {
		t.Log("numpy absent: pydicom reads headers only")
	}
	dir := t.TempDir()
	for _, k := range Kinds() {
		o := Options{Seed: 2024, Slices: 2, Rows: 192, Columns: 160}
		switch k {
		case US, SC, MR:
			o.Rows, o.Columns = 0, 0 // real size, already small
		case SR:
			o.CharacterSet = UTF8
		}
		t.Run(string(k), func(t *testing.T) {
			paths, err := WriteStudy(context.Background(), filepath.Join(dir, string(k)), k, o)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range paths {
				validate(t, dciodvfy, dcmdump, python, numpy, p)
			}
		})
	}
	// Mammography at the real detector size (4096 × 3328, 14 bits).
	t.Run("mg-full", func(t *testing.T) {
		// The first view is enough: the others differ only in geometry.
		var path string
		errDone := errors.New("done")
		err := Study(context.Background(), MG, Options{Seed: 7}, func(f *dicomio.File) error {
			p, err := dicomio.WriteFileIn(dir, "mg-full.dcm", f, nil)
			if err != nil {
				return err
			}
			path = p
			return errDone
		})
		if !errors.Is(err, errDone) {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Size() < 4096*3328*2 {
			t.Fatalf("size %v, %v", fi, err)
		}
		validate(t, dciodvfy, dcmdump, python, numpy, path)
	})
}
