package dicomio

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// A bare data set (as DIMSE carries it) round-trips in every writable
// syntax, and reading trusts the declared syntax.
func TestBareDatasetRoundTrip(t *testing.T) {
	ds := sampleDataset(t, "ISO_IR 100")
	for _, uid := range []string{ImplicitVRLittleEndian, ExplicitVRLittleEndian, DeflatedExplicitVRLittleEndian} {
		var buf bytes.Buffer
		if err := WriteDataset(&buf, ds, uid, nil); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(buf.Bytes(), []byte("DICM")) {
			t.Fatalf("%s: bare data set has a Part 10 header", uid)
		}
		got, err := ReadDataset(bytes.NewReader(buf.Bytes()), uid, nil)
		if err != nil {
			t.Fatalf("%s: %v", uid, err)
		}
		want := ds
		if uid == ImplicitVRLittleEndian {
			want = ds.Clone()
			want.Get(NewTag(0x0029, 0x1010)).VR = UN
		}
		if !got.Equal(want) {
			t.Errorf("%s: data set differs after round trip", uid)
		}
	}
	if _, err := ReadDataset(bytes.NewReader(nil), "1.2.3.4", nil); err == nil {
		t.Error("unknown transfer syntax accepted")
	}
}

// PS3.5 A.5: a deflated stream of odd length gets a trailing NUL, so the
// whole data set (and the file) has an even length; dcmtk refuses odd
// fragments on the network.
func TestDeflatedStreamEvenLength(t *testing.T) {
	odd := 0
	for i := range 40 {
		ds := NewDataset()
		ds.MustSetStrings(TagSOPInstanceUID, UI, "2.25.1")
		ds.SetBytes(NewTag(0x0009, 0x1010), OB, bytes.Repeat([]byte{byte(i), 7, byte(i * 3)}, 10+i*13))
		var bare bytes.Buffer
		if err := WriteDataset(&bare, ds, DeflatedExplicitVRLittleEndian, nil); err != nil {
			t.Fatal(err)
		}
		if bare.Len()%2 != 0 {
			t.Fatalf("deflated data set of %d bytes", bare.Len())
		}
		if bare.Bytes()[bare.Len()-1] == 0 {
			odd++
		}
		got, err := ReadDataset(bytes.NewReader(bare.Bytes()), DeflatedExplicitVRLittleEndian, nil)
		if err != nil || !got.Equal(ds) {
			t.Fatalf("round trip: %v", err)
		}
		f := encodeFile(t, newTestFile(t, ds, DeflatedExplicitVRLittleEndian), nil)
		if len(f)%2 != 0 {
			t.Fatalf("deflated file of %d bytes", len(f))
		}
	}
	if odd == 0 {
		t.Fatal("no stream in the sample needed padding: the test would not see a missing pad")
	}
}

// Skipping pixel data seeks over it (bytes.Reader, *os.File) and reading
// goes on in step: the elements after it are read.
func TestSkipPixelDataSeeks(t *testing.T) {
	ds := sampleDataset(t, "")
	ds.SetBytes(TagPixelData, OW, make([]byte, 300<<10))
	ds.SetBytes(TagDataSetTrailingPadding, OB, []byte{1, 2, 3, 4})
	b := encodeFile(t, newTestFile(t, ds, ExplicitVRLittleEndian), nil)
	path := t.TempDir() + "/f.dcm"
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	fromFile, err := ReadFile(path, &ReadOptions{PixelData: PixelDataSkip})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []*File{mustParse(t, b, &ReadOptions{PixelData: PixelDataSkip}), fromFile} {
		if e := f.Dataset.Get(TagDataSetTrailingPadding); e == nil || !bytes.Equal(e.Value, []byte{1, 2, 3, 4}) {
			t.Errorf("element after the skipped pixel data: %+v", e)
		}
		if e := f.Dataset.Get(TagPixelData); e.Loaded() || e.ValueLength() != 300<<10 {
			t.Errorf("pixel data element: loaded %v, length %d", e.Loaded(), e.ValueLength())
		}
	}
	// Cut inside the pixel data: still a truncation, not a short file.
	if _, err := Parse(bytes.NewReader(b[:len(b)-100]), &ReadOptions{PixelData: PixelDataSkip}); !errors.Is(err, ErrTruncated) {
		t.Errorf("truncated: %v", err)
	}
}
