package synth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"image"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomio"
)

// small keeps every kind fast: few slices and frames, reduced matrices.
func small(seed uint64) Options {
	return Options{Seed: seed, Slices: 2, Rows: 128, Columns: 128}
}

// studyBytes generates a study and returns the written bytes of each object.
func studyBytes(t *testing.T, kind Kind, o Options) [][]byte {
	t.Helper()
	var out [][]byte
	err := Study(context.Background(), kind, o, func(f *dicomio.File) error {
		var b bytes.Buffer
		if err := f.Write(&b, nil); err != nil {
			return err
		}
		out = append(out, b.Bytes())
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", kind, err)
	}
	return out
}

func digest(objs [][]byte) [32]byte {
	h := sha256.New()
	for _, b := range objs {
		h.Write(b)
	}
	var d [32]byte
	copy(d[:], h.Sum(nil))
	return d
}

func TestDeterminism(t *testing.T) {
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			a := studyBytes(t, k, small(11))
			b := studyBytes(t, k, small(11))
			c := studyBytes(t, k, small(12))
			if len(a) == 0 {
				t.Fatal("no objects")
			}
			if digest(a) != digest(b) {
				t.Error("same seed gave different bytes")
			}
			if digest(a) == digest(c) {
				t.Error("different seeds gave the same bytes")
			}
		})
	}
}

func TestObjectCounts(t *testing.T) {
	want := map[Kind]int{CT: 3, MR: 3, CR: 1, DX: 1, MG: 4, DBT: 4, US: 1, SC: 1, SR: 1}
	for _, k := range Kinds() {
		o := small(1)
		o.Slices = 3
		n := 0
		frames := 0
		err := Study(context.Background(), k, o, func(f *dicomio.File) error {
			n++
			if v, err := f.Dataset.Int(dicomio.TagNumberOfFrames); err == nil {
				frames = int(v)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if n != want[k] {
			t.Errorf("%s: %d objects, want %d", k, n, want[k])
		}
		if k == DBT && frames != 3 {
			t.Errorf("DBT: %d frames, want 3", frames)
		}
	}
}

// TestUIDsAndStrings checks every UID of every kind (valid, ≤ 64) and that
// every value has an even length.
func TestUIDsAndStrings(t *testing.T) {
	for _, k := range Kinds() {
		for _, o := range []Options{small(3), {Seed: 1<<64 - 1, Slices: 1, Rows: 64, Columns: 64, UIDRoot: "1.2.250.1.999.1", CharacterSet: UTF8}} {
			err := Study(context.Background(), k, o, func(f *dicomio.File) error {
				return f.Dataset.Walk(func(_ []dicomio.Tag, e *dicomio.Element) error {
					if len(e.Value)%2 != 0 {
						t.Errorf("%s %v: odd length %d", k, e.Tag, len(e.Value))
					}
					if e.VR == dicomio.UI && len(e.Value) > 0 {
						u := string(bytes.TrimRight(e.Value, "\x00"))
						if !ValidUID(u) {
							t.Errorf("%s %v: invalid UID %q", k, e.Tag, u)
						}
					}
					return nil
				})
			})
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
		}
	}
}

func TestCharacterSets(t *testing.T) {
	p := NewPatient(1, PatientOptions{Sex: "F"})
	p.FamilyName, p.GivenNames = "Lefèvre-Dupré", []string{"Françoise", "Hélène"}
	for _, cs := range []string{"", UTF8} {
		o := small(1)
		o.Patient, o.CharacterSet = &p, cs
		err := Study(context.Background(), SR, o, func(f *dicomio.File) error {
			raw := f.Dataset.Get(dicomio.TagPatientName).Value
			want := []byte("Lef\xe8vre-Dupr\xe9^Fran\xe7oise^H\xe9l\xe8ne")
			if cs == UTF8 {
				want = []byte("Lefèvre-Dupré^Françoise^Hélène")
			}
			if !bytes.Equal(bytes.TrimRight(raw, " "), want) {
				t.Errorf("charset %q: name bytes %q, want %q", cs, raw, want)
			}
			if got := f.Dataset.String(dicomio.TagPatientName); got != "Lefèvre-Dupré^Françoise^Hélène" {
				t.Errorf("charset %q: decoded %q", cs, got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// A name Latin-1 cannot hold is an error with the default set.
	p.FamilyName = "Œuvray"
	o := small(1)
	o.Patient = &p
	if err := Study(context.Background(), SR, o, func(*dicomio.File) error { return nil }); err == nil {
		t.Error("Œ encoded in ISO_IR 100 without error")
	}
}

func TestOptionsErrors(t *testing.T) {
	bad := []Options{
		{CharacterSet: "ISO_IR 6"},
		{Rows: 10},
		{Slices: -1},
		{UIDRoot: "1.02.3"},
		{UIDRoot: "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15"},
	}
	for _, o := range bad {
		if err := Study(context.Background(), CT, o, func(*dicomio.File) error { return nil }); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	if _, err := ParseKind("XRAY"); err == nil {
		t.Error("ParseKind accepted an unknown kind")
	}
	if k, err := ParseKind(" MG "); err != nil || k != MG {
		t.Errorf("ParseKind(\" MG \") = %v, %v", k, err)
	}
	if len(Kinds()) != 9 {
		t.Errorf("Kinds() = %v", Kinds())
	}
}

func TestStudyDateAndStop(t *testing.T) {
	o := small(5)
	o.StudyDate = time.Date(2023, 3, 14, 9, 26, 53, 0, time.UTC)
	stop := errors.New("stop")
	n := 0
	err := Study(context.Background(), CT, o, func(f *dicomio.File) error {
		n++
		if d := f.Dataset.String(tStudyDate); d != "20230314" {
			t.Errorf("StudyDate %q", d)
		}
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err %v after %d objects, want stop after 1", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Study(ctx, MR, small(5), func(*dicomio.File) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

// TestDBTStreams checks that tomosynthesis pixels are supplied at write
// time, not held in the data set, and that cancelling stops the writer.
func TestDBTStreams(t *testing.T) {
	o := Options{Seed: 1, Slices: 3, Rows: 96, Columns: 80}
	err := Study(context.Background(), DBT, o, func(f *dicomio.File) error {
		e := f.Dataset.Get(dicomio.TagPixelData)
		if e.Source == nil || e.Value != nil {
			t.Fatal("DBT pixel data is not a ValueSource")
		}
		if got, want := e.Source.Len(), int64(3*96*80*2); got != want {
			t.Errorf("source length %d, want %d", got, want)
		}
		var b bytes.Buffer
		if err := e.Source.WriteValue(&b); err != nil || int64(b.Len()) != e.Source.Len() {
			t.Errorf("wrote %d bytes, err %v", b.Len(), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	err = Study(ctx, DBT, o, func(f *dicomio.File) error {
		cancel()
		return f.Write(&bytes.Buffer{}, nil)
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("write after cancel: %v", err)
	}
}

func TestBurnedInText(t *testing.T) {
	for _, k := range Kinds() {
		o := Options{Seed: 8}
		if k != US && k != SC {
			o = small(8)
		}
		err := Study(context.Background(), k, o, func(f *dicomio.File) error {
			boxes := BurnedInText(f)
			flag := f.Dataset.String(tBurnedInAnnotation)
			if k != US && k != SC {
				if len(boxes) != 0 {
					t.Errorf("%s: text boxes %v", k, boxes)
				}
				if k != SR && flag != "NO" {
					t.Errorf("%s: Burned In Annotation %q, want NO", k, flag)
				}
				return nil
			}
			if flag != "YES" {
				t.Errorf("%s: Burned In Annotation %q, want YES", k, flag)
			}
			rows, _ := f.Dataset.Int(dicomio.TagRows)
			cols, _ := f.Dataset.Int(dicomio.TagColumns)
			spp, _ := f.Dataset.Int(dicomio.TagSamplesPerPixel)
			bounds := image.Rect(0, 0, int(cols), int(rows))
			px := f.Dataset.Get(dicomio.TagPixelData).Value
			if len(boxes) != 4 {
				t.Fatalf("%s: %d boxes", k, len(boxes))
			}
			for i, b := range boxes {
				if !b.In(bounds) || b.Empty() {
					t.Errorf("%s: box %v outside %v", k, b, bounds)
				}
				// Text pixels differ from the box's background (its
				// top-left corner, which the glyphs never touch).
				bg := px[(b.Min.Y*int(cols)+b.Min.X)*int(spp)]
				differ := 0
				for y := b.Min.Y; y < b.Max.Y; y++ {
					for x := b.Min.X; x < b.Max.X; x++ {
						if v := px[(y*int(cols)+x)*int(spp)]; v > bg+60 {
							differ++
						}
					}
				}
				if differ < 50 {
					t.Errorf("%s: box %d %v has only %d text pixels", k, i, b, differ)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
