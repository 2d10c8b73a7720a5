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
