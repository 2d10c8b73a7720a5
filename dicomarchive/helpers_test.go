package dicomarchive_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

// object is one encoded test object.
type object struct {
	sop, series, study string
	data               []byte
}

// study generates a small synthetic study; edit (may be nil) changes each
// file before it is encoded.
func study(t testing.TB, kind synth.Kind, seed uint64, slices int, edit func(*dicomio.File)) []object {
	t.Helper()
	return studyOpts(t, kind, synth.Options{Seed: seed, Slices: slices, Rows: 64, Columns: 64}, edit)
}

func studyOpts(t testing.TB, kind synth.Kind, opts synth.Options, edit func(*dicomio.File)) []object {
	t.Helper()
	var out []object
	err := synth.Study(context.Background(), kind, opts, func(f *dicomio.File) error {
		if edit != nil {
			edit(f)
		}
		var buf bytes.Buffer
		if err := f.Write(&buf, nil); err != nil {
			return err
		}
		out = append(out, object{
			sop:    f.Dataset.String(dicomio.TagSOPInstanceUID),
			series: f.Dataset.String(dicomio.TagSeriesInstanceUID),
			study:  f.Dataset.String(dicomio.TagStudyInstanceUID),
			data:   buf.Bytes(),
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func openArchive(t testing.TB, dir string, opts *dicomarchive.Options) *dicomarchive.Archive {
	t.Helper()
	a, err := dicomarchive.Open(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func storeAll(t testing.TB, a *dicomarchive.Archive, objs []object) {
	t.Helper()
	for _, o := range objs {
		if _, err := a.Store(ctx(), bytes.NewReader(o.data), nil); err != nil {
			t.Fatalf("store %s: %v", o.sop, err)
		}
	}
}

// ctx is a context with a test principal.
func ctx() context.Context {
	return dicomarchive.WithPrincipal(context.Background(), "dr.test")
}

func readAll(t testing.TB, a *dicomarchive.Archive, sop string, opts *dicomarchive.OpenOptions) ([]byte, *dicomarchive.Object) {
	t.Helper()
	obj, err := a.Open(ctx(), sop, opts)
	if err != nil {
		t.Fatalf("open %s: %v", sop, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(obj)
	if err != nil {
		t.Fatalf("read %s: %v", sop, err)
	}
	return b, obj
}

// files lists the regular files under dir.
func files(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func parse(t testing.TB, b []byte) *dicomio.File {
	t.Helper()
	f, err := dicomio.Parse(bytes.NewReader(b), nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
