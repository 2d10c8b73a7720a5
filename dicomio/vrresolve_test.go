package dicomio

import "testing"

// In implicit VR, "US or SS" attributes take their VR from Pixel
// Representation, also inside sequence items (PS3.5 A.1).
func TestImplicitUSorSSFollowsPixelRepresentation(t *testing.T) {
	for _, pr := range []uint16{0, 1} {
		ds := NewDataset()
		ds.MustSetStrings(TagSOPInstanceUID, UI, "2.25.1")
		ds.SetUint16s(TagPixelRepresentation, US, pr)
		ds.SetUint16s(NewTag(0x0028, 0x0106), US, 0xFC18) // Smallest Image Pixel Value
		it := ds.AddItem(NewTag(0x0028, 0x3010))          // VOI LUT Sequence
		it.SetUint16s(NewTag(0x0028, 0x3002), US, 4096, 0xFC18, 16)
		g := mustParse(t, encodeFile(t, newTestFile(t, ds, ImplicitVRLittleEndian), nil), nil)
		want := US
		if pr == 1 {
			want = SS
		}
		if vr := g.Dataset.Get(NewTag(0x0028, 0x0106)).VR; vr != want {
			t.Errorf("PixelRepresentation %d: top-level VR %v, want %v", pr, vr, want)
		}
		if v, _ := g.Dataset.Int(NewTag(0x0028, 0x0106)); pr == 1 && v != -1000 {
			t.Errorf("signed value %d, want -1000", v)
		}
		item := g.Dataset.Get(NewTag(0x0028, 0x3010)).Items[0]
		if vr := item.Get(NewTag(0x0028, 0x3002)).VR; vr != want {
			t.Errorf("PixelRepresentation %d: LUT Descriptor VR in item %v, want %v", pr, vr, want)
		}
	}
}
