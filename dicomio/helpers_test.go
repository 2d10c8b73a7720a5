package dicomio

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// sampleDataset builds a small CT-like data set touching the encoder's
// paths: strings under a character set, binary VRs, nested sequences of
// both length forms, a private block and native pixel data.
func sampleDataset(t testing.TB, charset string) *Dataset {
	t.Helper()
	ds := NewDataset()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	if charset != "" {
		must(ds.SetStrings(TagSpecificCharacterSet, CS, charset))
	}
	must(ds.SetStrings(TagSOPClassUID, UI, "1.2.840.10008.5.1.4.1.1.2"))
	must(ds.SetStrings(TagSOPInstanceUID, UI, "2.25.1234567890.1"))
	must(ds.SetStrings(TagStudyInstanceUID, UI, "2.25.1234567890.2"))
	must(ds.SetStrings(TagSeriesInstanceUID, UI, "2.25.1234567890.3"))
	must(ds.SetStrings(TagModality, CS, "CT"))
	must(ds.SetStrings(TagPatientID, LO, "IPP0001"))
	name := "DUPONT^JEAN"
	if charset != "" {
		name = "Lefèvre-Dupré^Françoise"
	}
	must(ds.SetStrings(TagPatientName, PN, name))
	must(ds.SetStrings(NewTag(0x0008, 0x0080), LO, "Hôpital Européen"[:0]+"HOPITAL"))
	// Request Attributes Sequence, two items, one nested sequence.
	it := ds.AddItem(NewTag(0x0040, 0x0275))
	must(it.SetStrings(NewTag(0x0040, 0x1001), SH, "RP-42"))
	it2 := ds.AddItem(NewTag(0x0040, 0x0275))
	must(it2.SetStrings(NewTag(0x0040, 0x0009), SH, "SPS-7"))
	code := it2.AddItem(NewTag(0x0040, 0x0008))
	must(code.SetStrings(NewTag(0x0008, 0x0100), SH, "T-04000"))
	ds.Get(NewTag(0x0040, 0x0275)).UndefinedLength = true
	// Private block.
	must(ds.SetStrings(NewTag(0x0029, 0x0010), LO, "RADKIT TEST"))
	ds.SetBytes(NewTag(0x0029, 0x1010), OB, []byte{1, 2, 3, 0})
	// Image pixel module, 4x3 16-bit.
	ds.SetUint16s(TagSamplesPerPixel, US, 1)
	must(ds.SetStrings(TagPhotometricInterpretation, CS, "MONOCHROME2"))
	ds.SetUint16s(TagRows, US, 3)
	ds.SetUint16s(TagColumns, US, 4)
	ds.SetUint16s(TagBitsAllocated, US, 16)
	ds.SetUint16s(TagBitsStored, US, 12)
	ds.SetUint16s(TagHighBit, US, 11)
	ds.SetUint16s(TagPixelRepresentation, US, 1)
	px := make([]byte, 24)
	for i := range 12 {
		binary.LittleEndian.PutUint16(px[2*i:], uint16(i*300))
	}
	ds.SetBytes(TagPixelData, OW, px)
	return ds
}

func encodeFile(t testing.TB, f *File, opts *WriteOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Write(&buf, opts); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func newTestFile(t testing.TB, ds *Dataset, uid string) *File {
	t.Helper()
	f, err := NewFile(ds, uid)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mustParse(t testing.TB, b []byte, opts *ReadOptions) *File {
	t.Helper()
	f, err := Parse(bytes.NewReader(b), opts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}
