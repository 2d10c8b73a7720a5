package anonymize

import (
	"bytes"
	"context"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

var testKey = []byte("radkit test key, not a secret!!!")

// newTest returns an Anonymizer for a profile, with pseudonyms for the
// profiles that need them and pixel rules for the synthetic devices.
func newTest(t testing.TB, profile string, mod func(*Options)) *Anonymizer {
	t.Helper()
	p, err := ProfileByName(profile)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Profile: p, Key: testKey, PixelRules: append(DefaultPixelRules(), synthRules(t)...)}
	if p.NeedsPseudonyms {
		o.Pseudonyms = func(context.Context, PatientRef) (string, error) { return "CRISTAL-0042", nil }
	}
	if mod != nil {
		mod(&o)
	}
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// synthRules are pixel rules for the synthetic US and SC devices, made from
// the ground truth synth exposes, as a site would write one rule per
// device from its own knowledge of where the text is.
func synthRules(t testing.TB) []PixelRule {
	t.Helper()
	var rules []PixelRule
	for _, k := range []synth.Kind{synth.US, synth.SC} {
		err := synth.Study(context.Background(), k, synth.Options{Seed: 1}, func(f *dicomio.File) error {
			rows, _ := f.Dataset.Int(dicomio.TagRows)
			cols, _ := f.Dataset.Int(dicomio.TagColumns)
			rules = append(rules, PixelRule{
				Name:         "synthetic " + string(k),
				Modality:     f.Dataset.String(dicomio.TagModality),
				Manufacturer: f.Dataset.String(tagManufacturer),
				Rows:         int(rows),
				Columns:      int(cols),
				Rects:        synth.BurnedInText(f),
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return rules
}

// studyN returns n full-size objects of a study.
func studyN(t testing.TB, k synth.Kind, n int) [][]byte {
	t.Helper()
	var out [][]byte
	err := synth.Study(context.Background(), k, synth.Options{Seed: 1, Slices: n}, func(f *dicomio.File) error {
		var b bytes.Buffer
		if err := f.Write(&b, nil); err != nil {
			return err
		}
		out = append(out, b.Bytes())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// study returns the objects of a small synthetic study, written and read
// back as Part 10 bytes.
func study(t testing.TB, k synth.Kind, seed uint64) [][]byte {
	t.Helper()
	var out [][]byte
	o := synth.Options{Seed: seed, Slices: 2}
	switch k {
	case synth.MG, synth.DBT, synth.CR, synth.DX:
		o.Rows, o.Columns = 256, 192
	}
	err := synth.Study(context.Background(), k, o, func(f *dicomio.File) error {
		var b bytes.Buffer
		if err := f.Write(&b, nil); err != nil {
			return err
		}
		out = append(out, b.Bytes())
		return nil
	})
	if err != nil {
		t.Fatalf("synth %s: %v", k, err)
	}
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

func encode(t testing.TB, f *dicomio.File) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := f.Write(&b, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// run de-identifies b through Stream and returns the output bytes.
func run(t testing.TB, a *Anonymizer, b []byte) ([]byte, *Report) {
	t.Helper()
	var out bytes.Buffer
	rep, err := a.Stream(context.Background(), bytes.NewReader(b), &out)
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	return out.Bytes(), rep
}

// minimal returns a small CT-like data set with the given extra elements
// set by fn, as Part 10 bytes.
func minimal(t testing.TB, fn func(ds *dicomio.Dataset)) []byte {
	t.Helper()
	ds := dicomio.NewDataset()
	ds.MustSetStrings(dicomio.TagSpecificCharacterSet, dicomio.CS, "ISO_IR 100")
	ds.MustSetStrings(dicomio.TagSOPClassUID, dicomio.UI, "1.2.840.10008.5.1.4.1.1.2")
	ds.MustSetStrings(dicomio.TagSOPInstanceUID, dicomio.UI, "1.2.3.4.5.6.7.8.1")
	ds.MustSetStrings(dicomio.TagStudyInstanceUID, dicomio.UI, "1.2.3.4.5.6.7")
	ds.MustSetStrings(dicomio.TagSeriesInstanceUID, dicomio.UI, "1.2.3.4.5.6.7.8")
	ds.MustSetStrings(dicomio.TagModality, dicomio.CS, "CT")
	if err := ds.SetStrings(tagPatientName, dicomio.PN, "Lefèbvre^Éric^Grégoire"); err != nil {
		t.Fatal(err)
	}
	ds.MustSetStrings(tagPatientID, dicomio.LO, "64698221")
	ds.MustSetStrings(tagPatientBirthDate, dicomio.DA, "19421013")
	if fn != nil {
		fn(ds)
	}
	f, err := dicomio.NewFile(ds, dicomio.ExplicitVRLittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	return encode(t, f)
}

func writeTemp(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func setText(t testing.TB, ds *dicomio.Dataset, tag dicomio.Tag, vr dicomio.VR, v ...string) {
	t.Helper()
	if err := ds.SetStrings(tag, vr, v...); err != nil {
		t.Fatal(err)
	}
}

// pixelsIn returns the pixel values of the first sample in r of frame 0.
func blank(t testing.TB, f *dicomio.File, r image.Rectangle) bool {
	t.Helper()
	l, err := layoutOf(f.Dataset)
	if err != nil {
		t.Fatal(err)
	}
	pix := f.Dataset.Get(dicomio.TagPixelData).Value
	frame := pix[:l.frameBytes()]
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			for s := 0; s < l.spp; s++ {
				if uint32(l.get(frame, l.offset(x, y, s)))&(1<<(8*l.bytesPerSample)-1) != l.fill(s)&(1<<(8*l.bytesPerSample)-1) {
					return false
				}
			}
		}
	}
	return true
}

func hasString(b []byte, s string) bool { return bytes.Contains(b, []byte(s)) }
