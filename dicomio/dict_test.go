package dicomio

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/radkit/radkit/internal/testutil"
)

func TestLookupTag(t *testing.T) {
	tests := []struct {
		tag     Tag
		keyword string
		name    string
		vr      string
		vm      string
		retired bool
	}{
		{0x00100010, "PatientName", "Patient's Name", "PN", "1", false},
		{0x00020010, "TransferSyntaxUID", "Transfer Syntax UID", "UI", "1", false},
		{0x7FE00010, "PixelData", "Pixel Data", "OB or OW", "1", false},
		{0x00280106, "SmallestImagePixelValue", "Smallest Image Pixel Value", "US or SS", "1", false},
		// Repeating groups.
		{0x60003000, "OverlayData", "Overlay Data", "OB or OW", "1", false},
		{0x60023000, "OverlayData", "Overlay Data", "OB or OW", "1", false},
		{0x601E0010, "OverlayRows", "Overlay Rows", "US", "1", false},
		{0x50F03000, "CurveData", "Curve Data", "OB or OW", "1", true},
		{0x00203105, "SourceImageIDs", "Source Image IDs", "CS", "1-n", true},
		{0x00280430, "RowsForNthOrderCoefficients", "Rows For Nth Order Coefficients", "US", "1", true},
		// Retired exact tags.
		{0x00080001, "LengthToEnd", "Length to End", "UL", "1", true},
		{0x00280005, "ImageDimensions", "Image Dimensions", "US", "1", true},
		// Item tags have no VR: the dictionary refers to a note.
		{0xFFFEE000, "Item", "Item", "See Note 2", "1", false},
	}
	for _, tt := range tests {
		e, ok := LookupTag(tt.tag)
		if !ok {
			t.Errorf("LookupTag(%v) not found", tt.tag)
			continue
		}
		want := DictEntry{Tag: tt.tag, Name: tt.name, Keyword: tt.keyword, VR: tt.vr, VM: tt.vm, Retired: tt.retired}
		if e != want {
			t.Errorf("LookupTag(%v) = %+v, want %+v", tt.tag, e, want)
		}
	}
}

func TestLookupTagConventions(t *testing.T) {
	for _, tag := range []Tag{0x00080000, 0x00100000, 0x00090000, 0x60000000} {
		e, ok := LookupTag(tag)
		if !ok || e.VR != "UL" || e.Name != "Group Length" || e.Tag != tag {
			t.Errorf("LookupTag(%v) = %+v, %v; want UL Group Length", tag, e, ok)
		}
	}
	// (0002,0000) is in PS3.6 under its own name.
	if e, _ := LookupTag(0x00020000); e.Keyword != "FileMetaInformationGroupLength" || e.Retired {
		t.Errorf("LookupTag((0002,0000)) = %+v", e)
	}
	for _, tag := range []Tag{0x00090010, 0x000900FF, 0x60010010, 0x7FE10010} {
		e, ok := LookupTag(tag)
		if !ok || e.VR != "LO" || e.Name != "Private Creator" || e.Tag != tag {
			t.Errorf("LookupTag(%v) = %+v, %v; want LO Private Creator", tag, e, ok)
		}
	}
	// Private data elements, odd groups that look like repeating groups,
	// and unknown standard tags are not in the dictionary.
	for _, tag := range []Tag{0x00091010, 0x00291001, 0x00090100, 0x60013000, 0x50013000, 0x7FE11010, 0x00080002, 0x00100011, 0xFFFFFFFF} {
		if e, ok := LookupTag(tag); ok {
			t.Errorf("LookupTag(%v) = %+v, want not found", tag, e)
		}
	}
}

func TestTagByKeyword(t *testing.T) {
	tests := []struct {
		kw  string
		tag Tag
	}{
		{"PatientName", 0x00100010},
		{"SOPInstanceUID", 0x00080018},
		{"FileMetaInformationGroupLength", 0x00020000},
		{"PixelData", 0x7FE00010},
		{"OverlayData", 0x60003000},
		{"CurveData", 0x50003000},
		{"SourceImageIDs", 0x00203100},
		{"RowsForNthOrderCoefficients", 0x00280410}, // (0028,0400) is TransformLabel
		{"EscapeTriplet", 0x10000010},               // (1000,0000) is a group length
		{"ZonalMap", 0x10100001},
		{"DataSetTrailingPadding", 0xFFFCFFFC},
	}
	for _, tt := range tests {
		got, ok := TagByKeyword(tt.kw)
		if !ok || got != tt.tag {
			t.Errorf("TagByKeyword(%q) = %v, %v; want %v", tt.kw, got, ok, tt.tag)
		}
	}
	for _, kw := range []string{"", "patientname", "PatientName ", "NoSuchKeyword", "GroupLength", "PrivateCreator"} {
		if got, ok := TagByKeyword(kw); ok {
			t.Errorf("TagByKeyword(%q) = %v, want not found", kw, got)
		}
	}
}

func TestDictTablesSorted(t *testing.T) {
	if !slices.IsSortedFunc(dictExact[:], func(a, b DictEntry) int { return int(int64(a.Tag) - int64(b.Tag)) }) {
		t.Error("dictExact is not sorted by tag")
	}
	for i := 1; i < len(dictExact); i++ {
		if dictExact[i].Tag == dictExact[i-1].Tag {
			t.Errorf("duplicate tag %v", dictExact[i].Tag)
		}
	}
	for i := 1; i < len(dictByKeyword); i++ {
		a, _ := dictKeywordAt(int(dictByKeyword[i-1]))
		b, _ := dictKeywordAt(int(dictByKeyword[i]))
		if a >= b {
			t.Errorf("dictByKeyword not strictly sorted at %d: %q, %q", i, a, b)
		}
	}
	if n := len(dictExact) + len(dictMasked); n != dictEntryCount {
		t.Errorf("%d entries, want %d", n, dictEntryCount)
	}
	if !strings.Contains(DictionaryEdition, "2024") {
		t.Errorf("DictionaryEdition = %q", DictionaryEdition)
	}
}

type jsonAttribute struct {
	Tag     string `json:"tag"`
	Name    string `json:"name"`
	Keyword string `json:"keyword"`
	VR      string `json:"valueRepresentation"`
	VM      string `json:"valueMultiplicity"`
	Retired string `json:"retired"`
}

// TestDictMatchesStandard checks the generated tables against the PS3.6
// table they were generated from: same count, and every entry found by
// LookupTag and TagByKeyword with the same content. It fails when
// dict_gen.go is stale: run go generate ./dicomio/.
func TestDictMatchesStandard(t *testing.T) {
	path := filepath.Join(testutil.SharedDir(t), "dicom-standard", "attributes.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		if testutil.Integration() == "require" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	var attrs []jsonAttribute
	if err := json.Unmarshal(raw, &attrs); err != nil {
		t.Fatal(err)
	}
	if got := len(dictExact) + len(dictMasked); got != len(attrs) {
		t.Errorf("dictionary has %d entries, %s has %d: run go generate ./dicomio/", got, path, len(attrs))
	}
	exact := map[Tag]bool{}
	for _, a := range attrs {
		if !strings.ContainsAny(a.Tag, "xX") {
			exact[parseTestTag(t, a.Tag, "")] = true
		}
	}
	for _, a := range attrs {
		want := DictEntry{Name: a.Name, Keyword: a.Keyword, VR: a.VR, VM: a.VM, Retired: a.Retired == "Y"}
		// A repeating tag is looked up with its x digits set to 2 and to
		// E (which keep the group even), unless that makes an exact tag.
		tags := []Tag{parseTestTag(t, a.Tag, "2"), parseTestTag(t, a.Tag, "E")}
		if !strings.ContainsAny(a.Tag, "xX") {
			tags = tags[:1]
		}
		for _, tag := range tags {
			if strings.ContainsAny(a.Tag, "xX") && exact[tag] {
				continue
			}
			e, ok := LookupTag(tag)
			want.Tag = tag
			if !ok || e != want {
				t.Errorf("LookupTag(%v) = %+v, %v; want %+v", tag, e, ok, want)
			}
		}
		if a.Keyword == "" {
			continue
		}
		// TagByKeyword gives a tag that LookupTag resolves back.
		tag, ok := TagByKeyword(a.Keyword)
		if !ok {
			t.Errorf("TagByKeyword(%q) not found", a.Keyword)
			continue
		}
		if e, _ := LookupTag(tag); e.Keyword != a.Keyword {
			t.Errorf("TagByKeyword(%q) = %v, which LookupTag resolves to %q", a.Keyword, tag, e.Keyword)
		}
	}
}

// parseTestTag parses "(gggg,eeee)", replacing x digits by x.
func parseTestTag(t *testing.T, s, x string) Tag {
	t.Helper()
	s = strings.NewReplacer("x", x, "X", x, "(", "", ")", "", ",", "").Replace(s)
	n, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		t.Fatalf("tag %q: %v", s, err)
	}
	return Tag(n)
}

func BenchmarkLookupTag(b *testing.B) {
	tags := []Tag{0x00100010, 0x7FE00010, 0x60023000, 0x00091010}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		LookupTag(tags[i%len(tags)])
	}
}
