package dicomio

import (
	"bytes"
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
