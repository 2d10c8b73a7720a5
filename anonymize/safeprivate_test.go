package anonymize

import (
	"strconv"
	"strings"
	"testing"

	"github.com/radkit/radkit/dicomio"
)

// TestSafePrivateTable checks the transcription of PS3.15 Table E.3.10-1:
// well-formed rows, no duplicate, rows of the standard present (one per
// vendor block and the ones a careless copy would miss), and what the
// table does not list absent.
func TestSafePrivateTable(t *testing.T) {
	seen := map[PrivateTag]bool{}
	for _, r := range safePrivateRows {
		if r.creator == "" || r.creator != strings.TrimSpace(r.creator) {
			t.Errorf("row %+v: bad creator", r)
		}
		if r.group%2 == 0 || r.group < 0x0009 {
			t.Errorf("row %q: group %04X is not a private group", r.creator, r.group)
		}
		for _, o := range strings.Fields(r.offsets) {
			v, err := strconv.ParseUint(o, 16, 8)
			if err != nil || len(o) != 2 {
				t.Errorf("row %q %04X: bad offset %q", r.creator, r.group, o)
				continue
			}
			p := PrivateTag{Creator: r.creator, Group: r.group, Offset: uint8(v)}
			if seen[p] {
				t.Errorf("duplicate %+v", p)
			}
			seen[p] = true
		}
	}
	def := map[PrivateTag]bool{}
	for _, p := range DefaultSafePrivate() {
		def[p] = true
	}
	if len(def) != len(seen)+len(radkitSafePrivate) {
		t.Errorf("DefaultSafePrivate has %d entries, the table %d and radkit %d", len(def), len(seen), len(radkitSafePrivate))
	}
	for _, p := range []PrivateTag{
		{"GEMS_ACQU_01", 0x0019, 0x9E},              // internal pulse sequence name
		{"GEMS_PARM_01", 0x0043, 0x39},              // b value (slop_int_6)
		{"SIEMENS MR HEADER", 0x0019, 0x27},         // B matrix
		{"Philips MR Imaging DD 001", 0x2005, 0x0E}, // scale slope
		{"Philips Imaging DD 001", 0x2001, 0x0A},    // image plane number
		{"Philips Imaging DD 001", 0x2001, 0x7D},    // frame pixel data
		{"Philips PET Private Group", 0x7053, 0x09}, // activity concentration scale factor
		{"ELSCINT1", 0x00E1, 0x50},
		{"GEMS_SENO_02", 0x0045, 0x1B}, // clinical view
		{"HOLOGIC, Inc.", 0x7E01, 0x12},
		{"SIEMENS Ultrasound SC2000", 0x0119, 0x11},
		{"NQRight", 0x0299, 0x16},
	} {
		if !def[p] {
			t.Errorf("%+v of Table E.3.10-1 missing", p)
		}
	}
	for _, p := range []PrivateTag{
		{"SIEMENS CSA HEADER", 0x0029, 0x08}, // not in the table; the CSA blobs can hold the name
		{"SIEMENS CSA HEADER", 0x0029, 0x10},
		{"GEMS_IDEN_01", 0x0009, 0x02}, // suite id
		{"ELSCINT1", 0x01E1, 0x50},     // a misreading of (00E1,xx50)
		{"GEMS_SENO_02", 0x0045, 0xAB}, // PixelMed only
	} {
		if def[p] {
			t.Errorf("%+v kept by default but not in Table E.3.10-1", p)
		}
	}
}

// TestSafePrivateExamined: a private attribute on the allow-list is kept,
// but what it holds is still examined (text with the patient's name
// replaced, sequence items de-identified), unsafe ones of the same block
// go, and the verifier finds no leak in the result while it does when the
// name is put back.
func TestSafePrivateExamined(t *testing.T) {
	in := minimal(t, func(ds *dicomio.Dataset) {
		ds.MustSetStrings(0x00190010, dicomio.LO, "GEMS_ACQU_01")
		ds.MustSetStrings(0x00191023, dicomio.DS, "39.375")          // table speed: safe, kept
		setText(t, ds, 0x0019109E, dicomio.LO, "Lefebvre protocole") // safe offset, identifying text
		ds.MustSetStrings(0x00191030, dicomio.LO, "64698221")        // unsafe offset
		ds.MustSetStrings(0x01190010, dicomio.LO, "SIEMENS Ultrasound SC2000")
		it := ds.AddItem(0x01191002) // safe sequence
		it.MustSetStrings(0x01190010, dicomio.LO, "SIEMENS Ultrasound SC2000")
		it.MustSetStrings(0x01191000, dicomio.LO, "1.0") // safe, technical
		if err := it.SetStrings(0x00081070, dicomio.PN, "Lefèbvre^Éric"); err != nil {
			t.Fatal(err)
		}
	})
	a, err := New(Options{Profile: Profile{Name: "t", Options: RetainSafePrivate}, Key: testKey, AllowBurnedIn: true})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := run(t, a, in)
	ds := parse(t, out).Dataset
	if ds.String(0x00190010) != "GEMS_ACQU_01" || ds.String(0x00191023) != "39.375" {
		t.Errorf("safe technical value or its creator removed: %q %q", ds.String(0x00190010), ds.String(0x00191023))
	}
	if got := ds.String(0x0019109E); got != dummyText {
		t.Errorf("safe private holding the patient's name: %q", got)
	}
	if ds.Has(0x00191030) {
		t.Error("unsafe element of a kept block kept")
	}
	sq := ds.Get(0x01191002)
	if sq == nil || len(sq.Items) != 1 {
		t.Fatal("safe sequence removed")
	}
	if got := sq.Items[0].String(0x00081070); got == "" || strings.Contains(got, "bvre") {
		t.Errorf("person name inside a safe sequence: %q", got)
	}
	if got := sq.Items[0].String(0x01191000); got != "1.0" {
		t.Errorf("safe element inside a safe sequence: %q", got)
	}
	orig := parse(t, in)
	if rep := Verify(orig, parse(t, out), VerifyOptions{FromOutput: true}); !rep.OK() {
		t.Fatalf("leaks: %v", rep.Leaks)
	}
	f := parse(t, out)
	setText(t, f.Dataset, 0x0019109E, dicomio.LO, "LEFEBVRE protocole")
	if rep := Verify(orig, f, VerifyOptions{FromOutput: true}); rep.OK() {
		t.Error("verifier accepts the patient's name in a safe private attribute")
	}
}
