package anonymize

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/internal/testutil"
	"github.com/radkit/radkit/synth"
)

// TestProfileTableFresh regenerates the table from the shared JSON and
// compares it with the committed profile_gen.go.
func TestProfileTableFresh(t *testing.T) {
	shared := testutil.SharedDir(t)
	if testing.Short() {
		t.Skip("runs the generator")
	}
	out := filepath.Join(t.TempDir(), "profile_gen.go")
	cmd := exec.Command("go", "run", "../internal/gen/confprofile",
		"-in", filepath.Join(shared, "dicom-standard", "confidentiality_profile_attributes.json"), "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generator: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("profile_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("profile_gen.go is stale: run go generate ./anonymize/")
	}
}

func TestTableComplete(t *testing.T) {
	if n := len(profileRows) + 1; n != profileRowCount {
		t.Fatalf("%d rows, want 621", n)
	}
	if !strings.Contains(ProfileEdition, "2024") {
		t.Errorf("edition %q", ProfileEdition)
	}
	for _, r := range profileRows {
		switch r.basic.Resolve() {
		case Keep, Remove, Zero, Dummy, Clean, Replace:
		default:
			t.Errorf("%08X: code %q unresolved", r.tag, r.basic)
		}
		if len(r.opts) != 10 {
			t.Errorf("%08X: %d option columns", r.tag, len(r.opts))
		}
	}
	if lookupRow(0x60023000) == nil || lookupRow(0x50100010) == nil {
		t.Error("repeating-group rows not found")
	}
}

// TestCodeResolution pins the conservative branch of every code.
func TestCodeResolution(t *testing.T) {
	for code, want := range map[Code]Action{
		"D": Dummy, "Z": Zero, "X": Remove, "K": Keep, "C": Clean, "U": Replace,
		"X/Z": Zero, "X/D": Dummy, "X/Z/D": Dummy, "Z/D": Dummy, "X/Z/U*": Replace,
	} {
		if got := code.Resolve(); got != want {
			t.Errorf("%s resolves to %v, want %v", code, got, want)
		}
	}
}

// TestActionCodes checks one attribute of each Basic Profile code through
// the whole engine.
func TestActionCodes(t *testing.T) {
	in := minimal(t, func(ds *dicomio.Dataset) {
		setText(t, ds, 0x00101040, dicomio.LO, "61 impasse Jean-Jaurès, 21000 Dijon") // X
		ds.MustSetStrings(tagAccessionNumber, dicomio.SH, "A233262307")               // Z
		ds.MustSetStrings(0x00102203, dicomio.CS, "ALTERED")                          // X/Z
		ds.MustSetStrings(0x00080012, dicomio.DA, "20191014")                         // X/D
		setText(t, ds, 0x00080080, dicomio.LO, "Centre hospitalier de Dijon")         // X/Z/D
		ds.MustSetStrings(0x00080023, dicomio.DA, "20191014")                         // Z/D
		ref := ds.AddItem(0x00081140)                                                 // X/Z/U*
		ref.MustSetStrings(0x00081150, dicomio.UI, "1.2.840.10008.5.1.4.1.1.2")
		ref.MustSetStrings(0x00081155, dicomio.UI, "1.2.3.4.5.6.7.8.2")
		sr := ds.AddItem(0x0040A730) // D (sequence kept, items de-identified)
		setText(t, sr, 0x0040A123, dicomio.PN, "Hoarau^Émilie")
	})
	out, _ := run(t, newTest(t, "basic", nil), in)
	ds := parse(t, out).Dataset
	if ds.Has(0x00101040) {
		t.Error("X: Patient's Address kept")
	}
	if e := ds.Get(tagAccessionNumber); e == nil || len(e.Value) != 0 {
		t.Error("Z: Accession Number not emptied")
	}
	if e := ds.Get(0x00102203); e == nil || len(e.Value) != 0 {
		t.Error("X/Z: Patient's Sex Neutered not emptied")
	}
	if got := ds.String(0x00080012); got != dummyDA {
		t.Errorf("X/D: Instance Creation Date %q", got)
	}
	if got := ds.String(0x00080080); got != dummyText {
		t.Errorf("X/Z/D: Institution Name %q", got)
	}
	if got := ds.String(0x00080023); got != dummyDA {
		t.Errorf("Z/D: Content Date %q", got)
	}
	a := newTest(t, "basic", nil)
	if got, want := ds.Get(0x00081140).Items[0].String(0x00081155), a.keys.mapUID("1.2.3.4.5.6.7.8.2"); got != want {
		t.Errorf("X/Z/U*: referenced UID %q, want %q", got, want)
	}
	if got := ds.Get(0x00081140).Items[0].String(0x00081150); got != "1.2.840.10008.5.1.4.1.1.2" {
		t.Errorf("SOP Class UID changed: %q", got)
	}
	if got := ds.Get(0x0040A730).Items[0].String(0x0040A123); got != dummyText {
		t.Errorf("D: Person Name in Content Sequence %q", got)
	}
	if got := ds.String(dicomio.TagStudyInstanceUID); got != a.keys.mapUID("1.2.3.4.5.6.7") || !strings.HasPrefix(got, "2.25.") || len(got) > 64 {
		t.Errorf("U: Study Instance UID %q", got)
	}
}

// TestOptions checks what each option changes against the Basic Profile.
func TestOptions(t *testing.T) {
	in := minimal(t, func(ds *dicomio.Dataset) {
		ds.MustSetStrings(0x00181000, dicomio.LO, "SN123456")                        // device
		setText(t, ds, 0x00080080, dicomio.LO, "Centre hospitalier de Dijon")        // institution
		ds.MustSetStrings(tagPatientAge, dicomio.AS, "077Y")                         // characteristics
		ds.MustSetStrings(0x00100040, dicomio.CS, "M")                               //
		ds.MustSetStrings(0x00080020, dicomio.DA, "20191014")                        // dates
		ds.MustSetStrings(0x00080021, dicomio.DA, "20191016")                        //
		ds.MustSetStrings(0x0008002A, dicomio.DT, "20191014093000.5+0200")           //
		ds.MustSetStrings(0x00080030, dicomio.TM, "093000")                          //
		setText(t, ds, 0x00081030, dicomio.LO, "Échographie mammaire")               // descriptor, clean
		setText(t, ds, 0x00204000, dicomio.LT, "Patient Lefebvre, vu le 14/10/2019") // descriptor, identifying
		ds.SetUint16s(0x60000010, dicomio.US, 4)                                     // overlay
		ds.SetUint16s(0x60000011, dicomio.US, 4)
		ds.SetBytes(0x60003000, dicomio.OW, []byte{0xFF, 0xFF})
		ds.SetUint16s(0x50000005, dicomio.US, 2)                            // curve: dimensions
		setText(t, ds, 0x50002500, dicomio.LO, "Tracé de M. Lefebvre")      // curve label
		ds.SetBytes(0x50003000, dicomio.OW, []byte{0x01, 0x00, 0x02, 0x00}) // curve data
		ds.MustSetStrings(0x00290010, dicomio.LO, "OTHER")                  // private creator, block 10
		ds.MustSetStrings(0x00291010, dicomio.LO, "IPP 64698221")           // unsafe
		ds.MustSetStrings(0x00290011, dicomio.LO, "RADKIT SYNTH 1.0")       // block 11
		ds.MustSetStrings(0x00291110, dicomio.LO, "radkit/synth ct")        // safe: offset 10 of that creator
		ds.MustSetStrings(0x00291113, dicomio.LO, "0")                      // safe
		ds.MustSetStrings(0x00291111, dicomio.PN, "Lefèbvre^Éric")          // unsafe
		sr := ds.AddItem(0x0040A730)
		sr.MustSetStrings(0x0040A040, dicomio.CS, "TEXT")
		setText(t, sr, 0x0040A160, dicomio.UT, "Masse de 12 mm, BI-RADS 4")
	})
	get := func(opts Option, age AgeRule) *dicomio.Dataset {
		a, err := New(Options{Profile: Profile{Name: "t", Options: opts, Age: age}, Key: testKey, AllowBurnedIn: true})
		if err != nil {
			t.Fatal(err)
		}
		out, _ := run(t, a, in)
		return parse(t, out).Dataset
	}
	basic := get(0, AgeKeep)
	if basic.String(0x00181000) != dummyText || basic.Has(tagPatientAge) || basic.Has(0x60003000) || basic.Has(0x60000010) ||
		basic.Has(0x00291110) || basic.Has(0x00290011) || basic.String(0x00080020) != "" || basic.Has(0x00081030) {
		t.Error("basic profile kept something an option should have been needed for")
	}
	if got := basic.String(tagLongitudinalTemporalModified); got != "REMOVED" {
		t.Errorf("basic: (0028,0303) %q", got)
	}
	if got := basic.Get(0x0040A730).Items[0].String(0x0040A160); got != dummyText {
		t.Errorf("basic: unlisted Text Value %q", got)
	}
	if got := get(RetainDeviceIdentity, AgeKeep).String(0x00181000); got != "SN123456" {
		t.Errorf("retain device: %q", got)
	}
	if got := get(RetainInstitutionIdentity, AgeKeep).String(0x00080080); got != "Centre hospitalier de Dijon" {
		t.Errorf("retain institution: %q", got)
	}
	pc := get(RetainPatientCharacteristics, AgeKeep)
	if pc.String(tagPatientAge) != "077Y" || pc.String(0x00100040) != "M" {
		t.Errorf("retain characteristics: age %q sex %q", pc.String(tagPatientAge), pc.String(0x00100040))
	}
	if got := get(RetainPatientCharacteristics, AgeCoarsen).String(tagPatientAge); got != "075Y" {
		t.Errorf("coarsened age %q", got)
	}
	fd := get(RetainLongitudinalFullDates, AgeKeep)
	if fd.String(0x00080020) != "20191014" || fd.String(tagLongitudinalTemporalModified) != "UNMODIFIED" {
		t.Errorf("full dates: %q %q", fd.String(0x00080020), fd.String(tagLongitudinalTemporalModified))
	}
	md := get(RetainLongitudinalModifiedDates, AgeKeep)
	d1, d2 := md.String(0x00080020), md.String(0x00080021)
	if d1 == "20191014" || d1 == "" || md.String(tagLongitudinalTemporalModified) != "MODIFIED" {
		t.Errorf("modified dates: study date %q", d1)
	}
	if !sameInterval(t, d1, d2, 2) {
		t.Errorf("modified dates: interval not kept: %q %q", d1, d2)
	}
	if dt := md.String(0x0008002A); !strings.HasPrefix(dt, d1) || !strings.HasSuffix(dt, "093000.5+0200") {
		t.Errorf("modified dates: DT %q does not match DA %q", dt, d1)
	}
	if tm := md.String(0x00080030); tm != "093000" {
		t.Errorf("modified dates: TM %q", tm)
	}
	cd := get(CleanDescriptors, AgeKeep)
	if got := cd.String(0x00081030); got != "Échographie mammaire" {
		t.Errorf("clean descriptors: clean description %q", got)
	}
	if got := cd.String(0x00204000); got != dummyText {
		t.Errorf("clean descriptors: identifying comment %q", got)
	}
	if got := get(CleanStructuredContent, AgeKeep).Get(0x0040A730).Items[0].String(0x0040A160); got != "Masse de 12 mm, BI-RADS 4" {
		t.Errorf("clean structured content: %q", got)
	}
	cg := get(CleanGraphics, AgeKeep)
	if !cg.Has(0x60003000) || !cg.Has(0x60000010) {
		t.Error("clean graphics: overlay removed")
	}
	for _, ds := range []*dicomio.Dataset{basic, cg} {
		for _, tag := range []dicomio.Tag{0x50000005, 0x50002500, 0x50003000} {
			if ds.Has(tag) {
				t.Errorf("curve element %v kept (clean graphics %v)", tag, ds == cg)
			}
		}
	}
	sp := get(RetainSafePrivate, AgeKeep)
	if sp.String(0x00291110) != "radkit/synth ct" || sp.String(0x00291113) != "0" || sp.String(0x00290011) != "RADKIT SYNTH 1.0" {
		t.Error("retain safe private: safe attribute or its creator removed")
	}
	if sp.Has(0x00291111) || sp.Has(0x00291010) || sp.Has(0x00290010) {
		t.Error("retain safe private: unsafe attribute kept")
	}
	uids := get(RetainUIDs, AgeKeep)
	if uids.String(dicomio.TagStudyInstanceUID) != "1.2.3.4.5.6.7" {
		t.Error("retain UIDs: Study Instance UID replaced")
	}
	if _, err := New(Options{Profile: Profile{Options: RetainLongitudinalFullDates | RetainLongitudinalModifiedDates}, Key: testKey}); err == nil {
		t.Error("full and modified dates together accepted")
	}
}

func sameInterval(t *testing.T, a, b string, days int) bool {
	t.Helper()
	sa, _ := shiftDA(a, -days)
	return sa == b
}

// TestMarkers checks the attributes PS3.15 requires of the output.
func TestMarkers(t *testing.T) {
	a := newTest(t, "research", nil)
	out, _ := run(t, a, minimal(t, nil))
	f := parse(t, out)
	ds := f.Dataset
	if ds.String(tagPatientIdentityRemoved) != "YES" {
		t.Error("Patient Identity Removed not YES")
	}
	if m, _ := ds.Strings(tagDeidentificationMethod); len(m) == 0 || !strings.Contains(m[0], "research") {
		t.Errorf("De-identification Method %q", m)
	}
	var codes []string
	for _, it := range ds.Get(tagDeidentificationMethodCodes).Items {
		codes = append(codes, it.String(tagCodeValue))
		if it.String(tagCodingSchemeDesignator) != "DCM" || it.String(tagCodeMeaning) == "" {
			t.Error("bad code item")
		}
	}
	want := "113100 113111 113108 113107 113105 113104 113103 113101"
	if strings.Join(codes, " ") != want {
		t.Errorf("codes %v, want %s", codes, want)
	}
	if got := f.Meta.String(dicomio.TagMediaStorageSOPInstanceUID); got != ds.String(dicomio.TagSOPInstanceUID) || got == "1.2.3.4.5.6.7.8.1" {
		t.Errorf("Media Storage SOP Instance UID %q", got)
	}
	if got := optionsFromOutput(ds); got != a.opts.Profile.Options {
		t.Errorf("options read back %v, want %v", got, a.opts.Profile.Options)
	}
}

// TestDeepRecursion checks identity at depth and UIDs inside sequences.
func TestDeepRecursion(t *testing.T) {
	in := minimal(t, func(ds *dicomio.Dataset) {
		it := ds
		for range 6 {
			it = it.AddItem(0x0040A730)
		}
		setText(t, it, 0x0040A123, dicomio.PN, "Ménard^Valérie")
		setText(t, it, 0x0008009C, dicomio.PN, "Ménard^Valérie") // Consulting Physician's Name
		setText(t, it, 0x00400006, dicomio.PN, "Ménard^Valérie") // Scheduled Performing Physician's Name
		it.MustSetStrings(0x00081155, dicomio.UI, "1.2.3.4.5.6.7.8.1")
		un := &dicomio.Element{Tag: 0x00081070, VR: dicomio.UN, Value: []byte("Durand^Paul")} // Operators' Name as UN
		it.Set(un)
		it.Set(&dicomio.Element{Tag: 0x0011AB00, VR: dicomio.UN, Value: []byte("Durand")}) // unknown
	})
	out, _ := run(t, newTest(t, "basic", nil), in)
	f := parse(t, out)
	if hasString(out, "Ménard") || hasString(out, "M\xe9nard") || hasString(out, "Durand") {
		t.Fatal("a name at depth 6 survived")
	}
	it := f.Dataset
	for range 6 {
		it = it.Get(0x0040A730).Items[0]
	}
	if got := it.String(0x00081155); got != f.Dataset.String(dicomio.TagSOPInstanceUID) {
		t.Errorf("referenced UID at depth 6 %q, not the new SOP Instance UID %q", got, f.Dataset.String(dicomio.TagSOPInstanceUID))
	}
}

// TestDeterminism: same key, same bytes; another key, nothing in common.
func TestDeterminism(t *testing.T) {
	for _, b := range study(t, "us", 3)[:1] {
		a1 := newTest(t, "research", nil)
		a2 := newTest(t, "research", nil)
		o1, _ := run(t, a1, b)
		o2, _ := run(t, a2, b)
		if !bytes.Equal(o1, o2) {
			t.Fatal("same input and key gave different bytes")
		}
		other := newTest(t, "research", func(o *Options) { o.Key = []byte("another key of at least 16 bytes") })
		o3, _ := run(t, other, b)
		f1, f3 := parse(t, o1).Dataset, parse(t, o3).Dataset
		for _, tag := range []dicomio.Tag{dicomio.TagStudyInstanceUID, dicomio.TagSOPInstanceUID, tagPatientID, 0x00080020} {
			if f1.String(tag) == f3.String(tag) {
				t.Errorf("%v is the same under two keys", tag)
			}
		}
	}
}

func TestLinkageID(t *testing.T) {
	a := LinkageID(testKey, "1 42 10 2A 247 650 52")
	if a != LinkageID(testKey, "142102a24765052") || !strings.HasPrefix(a, "RK") || len(a) != 18 {
		t.Errorf("LinkageID %q not normalised", a)
	}
	if a == LinkageID([]byte("another key of at least 16 bytes"), "142102A24765052") {
		t.Error("LinkageID does not depend on the key")
	}
	// The research profile's pseudonym of a patient with an INS is its
	// linkage identifier, so screening exports and image exports link.
	in := minimal(t, func(ds *dicomio.Dataset) {
		o := ds.AddItem(tagOtherPatientIDsSequence)
		o.MustSetStrings(tagPatientID, dicomio.LO, "142102A24765052")
		o.MustSetStrings(tagIssuerOfPatientID, dicomio.LO, insIssuer)
	})
	out, _ := run(t, newTest(t, "research", nil), in)
	if got := parse(t, out).Dataset.String(tagPatientID); got != LinkageID(testKey, "142102A24765052") {
		t.Errorf("research pseudonym %q, want the linkage ID", got)
	}
}

func TestReportHasNoValues(t *testing.T) {
	a := newTest(t, "basic", func(o *Options) { o.ReidentificationKey = bytes.Repeat([]byte{7}, 32) })
	b := study(t, "ct", 1)[0]
	_, rep := run(t, a, b)
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	orig := parse(t, b).Dataset
	for _, tag := range []dicomio.Tag{tagPatientName, tagPatientID, dicomio.TagStudyInstanceUID, tagAccessionNumber} {
		if v := orig.String(tag); v != "" && bytes.Contains(js, []byte(v)) {
			t.Errorf("report holds the value of %v", tag)
		}
	}
	if len(rep.Actions) < 10 {
		t.Errorf("only %d actions reported", len(rep.Actions))
	}
	r, err := OpenReidentification(bytes.Repeat([]byte{7}, 32), rep.Reidentification)
	if err != nil {
		t.Fatal(err)
	}
	if r.PatientID != orig.String(tagPatientID) || r.StudyInstanceUID != orig.String(dicomio.TagStudyInstanceUID) {
		t.Error("re-identification record does not hold the originals")
	}
	if _, err := OpenReidentification(bytes.Repeat([]byte{8}, 32), rep.Reidentification); !errors.Is(err, ErrReidentification) {
		t.Errorf("wrong key: %v", err)
	}
	if _, rep := run(t, newTest(t, "basic", nil), b); rep.Reidentification != nil {
		t.Error("re-identification sealed without a key")
	}
}

// TestCharacterSet: French text kept under ISO_IR 100 stays valid Latin-1.
func TestCharacterSet(t *testing.T) {
	b := study(t, "us", 2)[0]
	out, _ := run(t, newTest(t, "cristal", nil), b)
	f := parse(t, out)
	if got := f.Dataset.String(dicomio.TagSpecificCharacterSet); got != "ISO_IR 100" {
		t.Fatalf("charset %q", got)
	}
	v, err := f.Dataset.Strings(0x00081030)
	if err != nil || len(v) == 0 || v[0] != "Échographie mammaire" {
		t.Errorf("Study Description %q %v", v, err)
	}
	if !hasString(out, "\xc9chographie") || hasString(out, "Ã") {
		t.Error("Latin-1 bytes not kept as Latin-1")
	}
}

// TestBurnedIn: a US image without a rule is refused; with a rule its
// text boxes are blanked and Burned In Annotation becomes NO.
func TestBurnedIn(t *testing.T) {
	b := study(t, "us", 4)[0]
	a := newTest(t, "teleexpertise", func(o *Options) { o.PixelRules = nil })
	var be *BurnedInError
	if _, err := a.Stream(context.Background(), bytes.NewReader(b), &bytes.Buffer{}); !errors.As(err, &be) {
		t.Fatalf("US without a rule: %v", err)
	}
	if _, err := newTest(t, "basic", nil).Stream(context.Background(), bytes.NewReader(b), &bytes.Buffer{}); !errors.As(err, &be) {
		t.Fatalf("US under basic: %v", err)
	}
	for _, k := range []string{"us", "sc"} {
		b := study(t, "sc", 4)[0]
		if k == "us" {
			b = study(t, "us", 4)[0]
		}
		out, rep := run(t, newTest(t, "teleexpertise", nil), b)
		f := parse(t, out)
		if rep.PixelRule == "" || f.Dataset.String(tagBurnedInAnnotation) != "NO" {
			t.Errorf("%s: rule %q, burned in %q", k, rep.PixelRule, f.Dataset.String(tagBurnedInAnnotation))
		}
		rects := synth.BurnedInText(f)
		if len(rects) == 0 {
			t.Fatalf("%s: no ground truth", k)
		}
		for _, r := range rects {
			if !blank(t, f, r) {
				t.Errorf("%s: text box %v not blanked", k, r)
			}
		}
	}
}

func TestMammographyLabels(t *testing.T) {
	b := study(t, "mg", 5)[0]
	out, rep := run(t, newTest(t, "teleexpertise", nil), b)
	if rep.PixelRule != "mammography labels" {
		t.Fatalf("rule %q", rep.PixelRule)
	}
	f := parse(t, out)
	l, _ := layoutOf(f.Dataset)
	orig := parse(t, b)
	rects := l.mammographyLabels(orig.Dataset.Get(dicomio.TagPixelData).Value)
	for _, r := range rects {
		if !blank(t, f, r) {
			t.Errorf("label region %v not blanked", r)
		}
	}
}

func TestCompressedPixelsRefused(t *testing.T) {
	ds := parse(t, study(t, "us", 6)[0]).Dataset
	ds.Get(dicomio.TagPixelData).Value = nil
	dicomio.EncapsulateFrames(ds, [][]byte{{0xFF, 0xD8, 0xFF, 0xD9}}, 0)
	f, err := dicomio.NewFile(ds, dicomio.JPEGBaseline8Bit)
	if err != nil {
		t.Fatal(err)
	}
	b := encode(t, f)
	_, err = newTest(t, "teleexpertise", nil).Stream(context.Background(), bytes.NewReader(b), &bytes.Buffer{})
	if !errors.Is(err, ErrCompressedPixels) {
		t.Fatalf("compressed US: %v", err)
	}
	// Without a burned-in suspicion compressed objects stream through.
	ct := parse(t, study(t, "ct", 6)[0]).Dataset
	ct.Get(dicomio.TagPixelData).Value = nil
	dicomio.EncapsulateFrames(ct, [][]byte{{0xFF, 0xD8, 0xFF, 0xD9}}, 0)
	f, err = dicomio.NewFile(ct, dicomio.JPEGBaseline8Bit)
	if err != nil {
		t.Fatal(err)
	}
	run(t, newTest(t, "teleexpertise", nil), encode(t, f))
}

// TestTrailingElements: what follows the pixel data is examined too.
func TestTrailingElements(t *testing.T) {
	ds := parse(t, study(t, "ct", 7)[0]).Dataset
	ds.MustSetStrings(0x7FE10010, dicomio.LO, "ACME TRAILER")
	setText(t, ds, 0x7FE11010, dicomio.LO, "Lefèbvre Éric")
	ds.SetBytes(0xFFFCFFFC, dicomio.OB, make([]byte, 8))
	f, err := dicomio.NewFile(ds, dicomio.ExplicitVRLittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	b := encode(t, f)
	a := newTest(t, "basic", nil)
	if _, err := a.Stream(context.Background(), bytes.NewReader(b), &bytes.Buffer{}); !errors.Is(err, ErrTrailingElements) {
		t.Fatalf("Stream with trailing elements: %v", err)
	}
	dir := t.TempDir()
	src := writeTemp(t, dir, "in.dcm", b)
	dst := filepath.Join(dir, "out.dcm")
	if _, err := a.AnonymizeFile(context.Background(), src, dst); err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	if hasString(out, "ACME TRAILER") || hasString(out, "Lef") {
		t.Error("trailing private elements survived")
	}
	if !parse(t, out).Dataset.Has(dicomio.TagPixelData) {
		t.Error("pixel data lost")
	}
}

// TestBatchBadInput: bad files get their own entry, the batch goes on, no
// partial output is left.
func TestBatchBadInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	good := study(t, "ct", 8)
	writeTemp(t, in, "DUPONT^JEAN/a.dcm", good[0])
	writeTemp(t, in, "DUPONT^JEAN/b.dcm", good[1])
	writeTemp(t, in, "notdicom.txt", []byte("hello, not DICOM at all"))
	writeTemp(t, in, "truncated.dcm", good[0][:len(good[0])/2])
	writeTemp(t, in, "us.dcm", study(t, "us", 8)[0])
	out := filepath.Join(dir, "out")
	a := newTest(t, "basic", nil)
	rep, err := a.Batch(context.Background(), []string{in}, out, BatchOptions{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.Succeeded != 2 || rep.Failed != 3 || len(rep.Files) != 5 {
		for _, r := range rep.Files {
			t.Logf("%s: %s %s", r.Input, r.Status, r.Error)
		}
		t.Fatalf("succeeded %d failed %d", rep.Succeeded, rep.Failed)
	}
	for _, r := range rep.Files {
		if (r.Status == "ok") == (r.Error != "") {
			t.Errorf("%s: status %s error %q", r.Input, r.Status, r.Error)
		}
	}
	ents, _ := os.ReadDir(out)
	if len(ents) != 2 {
		t.Errorf("%d files in the output, want 2 (no partial file)", len(ents))
	}
	for _, e := range ents {
		if strings.Contains(e.Name(), "DUPONT") || !strings.HasPrefix(e.Name(), "2.25.") {
			t.Errorf("output name %q", e.Name())
		}
	}
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil || !json.Valid(buf.Bytes()) {
		t.Fatal("report JSON", err)
	}
	if bytes.Contains(buf.Bytes(), []byte("64698221")) {
		t.Error("report holds a patient ID")
	}
}

func TestBatchCancelled(t *testing.T) {
	dir := t.TempDir()
	for i, b := range study(t, "ct", 9) {
		writeTemp(t, dir, "in/"+string(rune('a'+i))+".dcm", b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := newTest(t, "basic", nil).Batch(ctx, []string{filepath.Join(dir, "in")}, filepath.Join(dir, "out"), BatchOptions{})
	if !errors.Is(err, context.Canceled) || rep.OK() {
		t.Fatalf("cancelled batch: %v", err)
	}
}

func TestGoroutineSafety(t *testing.T) {
	a := newTest(t, "research", nil)
	b := study(t, "ct", 10)
	done := make(chan []byte, runtime.GOMAXPROCS(0)*2)
	for range cap(done) {
		go func() {
			var out bytes.Buffer
			if _, err := a.Stream(context.Background(), bytes.NewReader(b[0]), &out); err != nil {
				t.Error(err)
			}
			done <- out.Bytes()
		}()
	}
	first := <-done
	for range cap(done) - 1 {
		if !bytes.Equal(first, <-done) {
			t.Fatal("concurrent runs differ")
		}
	}
}
