package cli

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/internal/testutil"
)

// writeTestFile writes a small explicit VR little endian file with text in
// UTF-8, numbers, a sequence, private elements and pixel data, and returns
// its path.
func writeTestFile(t *testing.T, dir string) string {
	t.Helper()
	ds := dicomio.NewDataset()
	ds.MustSetStrings(dicomio.TagSpecificCharacterSet, dicomio.CS, "ISO_IR 192")
	ds.MustSetStrings(dicomio.TagSOPClassUID, dicomio.UI, "1.2.840.10008.5.1.4.1.1.7")
	ds.MustSetStrings(dicomio.TagSOPInstanceUID, dicomio.UI, "2.25.1234567")
	ds.MustSetStrings(dicomio.TagModality, dicomio.CS, "OT")
	if err := ds.SetStrings(dicomio.TagPatientName, dicomio.PN, "Lefèvre^Éloïse"); err != nil {
		t.Fatal(err)
	}
	ds.MustSetStrings(0x00081030, dicomio.LO, strings.Repeat("0123456789", 10)) // Study Description
	ds.MustSetStrings(0x00204000, dicomio.LT, "line one\nline two")             // Image Comments
	item := ds.AddItem(0x00081115)                                              // Referenced Series Sequence
	item.MustSetStrings(dicomio.TagSeriesInstanceUID, dicomio.UI, "2.25.42")
	ds.MustSetStrings(0x00090010, dicomio.LO, "RADKIT TEST")
	ds.SetBytes(0x00091001, dicomio.UN, []byte{1, 2, 3, 4})
	ds.SetUint16s(dicomio.TagSamplesPerPixel, dicomio.US, 1)
	ds.MustSetStrings(dicomio.TagPhotometricInterpretation, dicomio.CS, "MONOCHROME2")
	ds.SetUint16s(dicomio.TagRows, dicomio.US, 4)
	ds.SetUint16s(dicomio.TagColumns, dicomio.US, 4)
	ds.SetUint16s(dicomio.TagBitsAllocated, dicomio.US, 16)
	ds.SetUint16s(dicomio.TagBitsStored, dicomio.US, 12)
	ds.SetUint16s(dicomio.TagHighBit, dicomio.US, 11)
	ds.SetUint16s(dicomio.TagPixelRepresentation, dicomio.US, 0)
	ds.SetFloat64s(0x00189087, dicomio.FD, 1.5) // Diffusion b-value
	px := make([]uint16, 16)
	for i := range px {
		px[i] = uint16(i * 256)
	}
	ds.SetUint16s(dicomio.TagPixelData, dicomio.OW, px...)
	f, err := dicomio.NewFile(ds, dicomio.ExplicitVRLittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "sc-0001.dcm")
	if err := dicomio.WriteFile(path, f, nil); err != nil {
		t.Fatal(err)
	}
	return path
}

// findLine returns the dump line of tag (as "(gggg,eeee)") at the given
// indentation depth.
func findLine(t *testing.T, out string, depth int, tag string) string {
	t.Helper()
	prefix := strings.Repeat("  ", depth) + tag + " "
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, prefix) {
			return strings.TrimRight(line, "\n")
		}
	}
	t.Errorf("no line %q in:\n%s", prefix, out)
	return ""
}

func TestDump(t *testing.T) {
	path := writeTestFile(t, t.TempDir())
	code, stdout, stderr := runCLI(t, "dump", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stderr != "" {
		t.Errorf("stderr: %s", stderr)
	}
	meta := strings.Index(stdout, "# Dicom-Meta-Information-Header")
	body := strings.Index(stdout, "# Dicom-Data-Set")
	if meta < 0 || body < meta || strings.Index(stdout, "(0002,0010)") > body {
		t.Errorf("meta group not printed before the data set:\n%s", stdout)
	}
	tests := []struct {
		depth int
		tag   string
		want  []string
	}{
		{0, "(0002,0010)", []string{"UI [1.2.840.10008.1.2.1]", "# Transfer Syntax UID"}},
		{0, "(0010,0010)", []string{"PN [Lefèvre^Éloïse]", "# Patient's Name"}},
		{0, "(0008,1030)", []string{"LO [" + strings.Repeat("0123456789", 10)[:defaultMaxValue-1] + "... ", "# Study Description"}},
		{0, "(0020,4000)", []string{`LT [line one\nline two]`}},
		{0, "(0008,1115)", []string{"SQ (Sequence with explicit length #=1)", "# Referenced Series Sequence"}},
		{1, "(FFFE,E000)", []string{"na (Item with 1 elements)", "# Item"}},
		{2, "(0020,000E)", []string{"UI [2.25.42]", "# Series Instance UID"}},
		{0, "(0009,0010)", []string{"LO [RADKIT TEST]", "# Private Creator"}},
		{0, "(0009,1001)", []string{`UN (4 bytes) 01\02\03\04`, "# Private Tag"}},
		{0, "(0028,0010)", []string{"US 4 ", "# Rows"}},
		{0, "(0018,9087)", []string{"FD 1.5 ", "# Diffusion b-value"}},
		{0, "(7FE0,0010)", []string{`OW (32 bytes) 0000\0100\0200\0300\0400\0500\0600\0700\...`, "# Pixel Data"}},
	}
	for _, tt := range tests {
		line := findLine(t, stdout, tt.depth, tt.tag)
		for _, w := range tt.want {
			if !strings.Contains(line, w) {
				t.Errorf("line %q lacks %q", line, w)
			}
		}
	}
}

func TestDumpOptions(t *testing.T) {
	path := writeTestFile(t, t.TempDir())
	_, stdout, _ := runCLI(t, "dump", "--no-pixel", "--max-value", "0", path)
	if line := findLine(t, stdout, 0, "(7FE0,0010)"); !strings.Contains(line, "OW (not loaded, 32 bytes)") {
		t.Errorf("--no-pixel: %q", line)
	}
	if line := findLine(t, stdout, 0, "(0008,1030)"); !strings.Contains(line, strings.Repeat("0123456789", 10)+"]") {
		t.Errorf("--max-value 0 cut the value: %q", line)
	}
	_, stdout, _ = runCLI(t, "dump", "--max-value", "5", path)
	if line := findLine(t, stdout, 0, "(0010,0010)"); !strings.Contains(line, "PN [Lefè... ") {
		t.Errorf("--max-value 5 on UTF-8: %q", line)
	}
}

func TestDumpStdin(t *testing.T) {
	path := writeTestFile(t, t.TempDir())
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, stdout, stderr := testFactory(string(data))
	if code := run(t.Context(), f, []string{"dump", "-"}); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	findLine(t, stdout.String(), 0, "(0010,0010)")
}

func TestDumpBadFileContinues(t *testing.T) {
	dir := t.TempDir()
	good := writeTestFile(t, dir)
	bad := filepath.Join(dir, "bad.dcm")
	if err := os.WriteFile(bad, []byte("not a DICOM file at all, not even close"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.dcm")
	code, stdout, stderr := runCLI(t, "dump", bad, good, missing)
	if code != ExitFailure {
		t.Errorf("exit %d, want %d", code, ExitFailure)
	}
	for _, p := range []string{bad, missing} {
		if !strings.Contains(stderr, "radkit dump: "+p+": ") {
			t.Errorf("stderr does not report %s:\n%s", p, stderr)
		}
	}
	if !strings.Contains(stdout, "# File: "+good) || !strings.Contains(stdout, "(0010,0010) PN") {
		t.Errorf("the good file was not dumped:\n%s", stdout)
	}
	if strings.Contains(stdout, "# File: "+bad) {
		t.Errorf("the bad file got a header:\n%s", stdout)
	}
}

// dumpTags extracts the indentation and tag of each element line of a
// dump (radkit's or dcmdump's), marking those of the meta group and
// skipping item and delimitation tags, whose printing differs.
func dumpTags(out string) []string {
	re := regexp.MustCompile(`^( *)\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\) `)
	var tags []string
	sc := bufio.NewScanner(strings.NewReader(out))
	inMeta := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# Dicom-Meta-Information-Header"):
			inMeta = true
		case strings.HasPrefix(line, "# Dicom-Data-Set"):
			inMeta = false
		}
		m := re.FindStringSubmatch(line)
		if m == nil || strings.EqualFold(m[2], "FFFE") {
			continue
		}
		prefix := ""
		if inMeta {
			prefix = "meta "
		}
		tags = append(tags, prefix+m[1]+strings.ToUpper("("+m[2]+","+m[3]+")"))
	}
	return tags
}

// TestDumpMatchesDcmdump compares the elements and nesting that radkit
// dump prints with those of dcmtk's dcmdump on pydicom's test files.
func TestDumpMatchesDcmdump(t *testing.T) {
	dir := testutil.PydicomTestFiles(t)
	testutil.RequireTool(t, "dcmdump")
	for _, name := range []string{
		"CT_small.dcm", "MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm",
		"rtplan.dcm", "rtstruct.dcm", "JPEG2000.dcm", "image_dfl.dcm", "nested_priv_SQ.dcm",
		"reportsi.dcm", "waveform_ecg.dcm", "ExplVR_BigEnd.dcm", "SC_rgb_rle.dcm",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			code, stdout, stderr := runCLI(t, "dump", "--no-pixel", path)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			got := dumpTags(stdout)
			want := dumpTags(testutil.Dcmdump(t, path))
			if !slices.Equal(got, want) {
				t.Errorf("elements differ from dcmdump's:\nradkit:  %q\ndcmdump: %q", got, want)
			}
		})
	}
}

func TestDumpPydicomCT(t *testing.T) {
	path := filepath.Join(testutil.PydicomTestFiles(t), "CT_small.dcm")
	code, stdout, stderr := runCLI(t, "dump", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"(0010,0010) PN [CompressedSamples^CT1]",
		"(0010,1002) SQ (Sequence with explicit length #=2)",
		"  (FFFE,E000) na (Item with 2 elements)",
		"    (0010,0020) LO [ABCD1234]",
		"(0009,0010) LO [GEMS_IDEN_01]",
		"# Private Creator",
		`(7FE0,0010) OW (32768 bytes) `,
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("dump lacks %q", want)
		}
	}
}
