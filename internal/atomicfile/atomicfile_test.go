package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.dcm")
	want := bytes.Repeat([]byte("radkit"), 100_000) // larger than the buffer
	err := WriteFile(path, 0o640, func(w io.Writer) error {
		_, err := w.Write(want)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("content differs: %d bytes, want %d", len(got), len(want))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&^0o640 != 0 {
		t.Errorf("mode %v, want at most 0640", fi.Mode().Perm())
	}
	if names := dirNames(t, dir); len(names) != 1 || names[0] != "out.dcm" {
		t.Errorf("directory holds %q, want only out.dcm", names)
	}
}

func TestWriteFileErrorLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.dcm")
	boom := errors.New("boom")
	err := WriteFile(path, 0o644, func(w io.Writer) error {
		if _, err := w.Write(bytes.Repeat([]byte("x"), 1<<20)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("directory holds %q after a failed write, want nothing", names)
	}
}

func TestWriteFileReplacesExisting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.dcm")
	if err := os.WriteFile(path, []byte("old content"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A failed write keeps the old content.
	err := WriteFile(path, 0o644, func(w io.Writer) error {
		io.WriteString(w, "partial new")
		return errors.New("fail")
	})
	if err == nil {
		t.Fatal("want an error")
	}
	if got, _ := os.ReadFile(path); string(got) != "old content" {
		t.Fatalf("after a failed write: %q, want the old content", got)
	}
	// While a write is pending, readers see the old content.
	f, err := New(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	if _, err := io.Copy(f, strings.NewReader("new content")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "old content" {
		t.Fatalf("before Commit: %q, want the old content", got)
	}
	if filepath.Dir(f.TempName()) != dir {
		t.Errorf("temporary file %s not in %s", f.TempName(), dir)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "new content" {
		t.Fatalf("after Commit: %q, want the new content", got)
	}
	if err := f.Commit(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Commit: %v, want ErrClosed", err)
	}
	if _, err := f.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Commit: %v, want ErrClosed", err)
	}
	if err := f.Abort(); err != nil {
		t.Errorf("Abort after Commit: %v", err)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("directory holds %q, want only out.dcm", names)
	}
}

func TestAbort(t *testing.T) {
	dir := t.TempDir()
	f, err := New(filepath.Join(dir, "x"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "data")
	if err := f.Abort(); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("directory holds %q after Abort", names)
	}
}

func TestNewMissingDir(t *testing.T) {
	if _, err := New(filepath.Join(t.TempDir(), "no", "such", "x"), 0o644); err == nil {
		t.Error("New in a missing directory succeeded")
	}
	err := WriteFile(filepath.Join(t.TempDir(), "no", "x"), 0o644, func(io.Writer) error {
		t.Error("write called")
		return nil
	})
	if err == nil {
		t.Error("WriteFile in a missing directory succeeded")
	}
}

func TestCommitRenameFailure(t *testing.T) {
	// Renaming a file over a non-empty directory fails: the temporary file
	// must go.
	dir := t.TempDir()
	path := filepath.Join(dir, "sub")
	if err := os.MkdirAll(filepath.Join(path, "child"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(path, 0o644, func(w io.Writer) error {
		_, err := io.WriteString(w, "data")
		return err
	})
	if err == nil {
		t.Fatal("want an error renaming over a directory")
	}
	if names := dirNames(t, dir); len(names) != 1 || names[0] != "sub" {
		t.Errorf("directory holds %q, want only sub", names)
	}
}
