package anonymize

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/internal/testutil"
	"github.com/radkit/radkit/synth"
)

// TestVerifyFindsPlantedLeaks plants identifying values of the original,
// in other spellings, at several places of a clean output.
func TestVerifyFindsPlantedLeaks(t *testing.T) {
	orig := study(t, "us", 11)[0]
	of := parse(t, orig)
	out, _ := run(t, newTest(t, "teleexpertise", nil), orig)
	if rep := Verify(of, parse(t, out), VerifyOptions{FromOutput: true}); !rep.OK() {
		t.Fatalf("clean output has leaks: %v", rep.Leaks)
	}
	name := of.Dataset.String(tagPatientName)
	family := strings.Split(name, "^")[0]
	birth := of.Dataset.String(tagPatientBirthDate)
	nir := ""
	for _, it := range of.Dataset.Get(tagOtherPatientIDsSequence).Items {
		nir = it.String(tagPatientID)
	}
	phone := of.Dataset.String(0x00102154)
	study := of.Dataset.String(dicomio.TagStudyInstanceUID)
	spaced := nir[:1] + " " + nir[1:3] + " " + nir[3:5] + " " + nir[5:7] + " " + nir[7:10] + " " + nir[10:13] + " " + nir[13:]
	cases := []struct {
		name string
		tag  dicomio.Tag
		vr   dicomio.VR
		val  string
		kind string
	}{
		{"family name upper, no accents", 0x00204000, dicomio.LT, "vu par " + strings.ToUpper(foldASCII(family)), KindName},
		{"birth date French", 0x00081030, dicomio.LO, "né le " + birth[6:8] + "/" + birth[4:6] + "/" + birth[:4], KindDate},
		{"NIR with blanks", 0x00181030, dicomio.LO, spaced, KindID},
		{"phone without blanks", 0x00091010, dicomio.LO, strings.ReplaceAll(phone, " ", ""), KindText},
		{"study UID in a private tag", 0x00091011, dicomio.LO, study, KindUID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := parse(t, out)
			if c.tag.IsPrivate() {
				f.Dataset.MustSetStrings(0x00090010, dicomio.LO, "PLANTED")
			}
			if strings.Contains(c.name, "nested") {
				f.Dataset = f.Dataset.AddItem(0x00400275)
			}
			setText(t, f.Dataset, c.tag, c.vr, c.val)
			rep := Verify(of, f, VerifyOptions{FromOutput: true})
			if rep.OK() {
				t.Fatalf("planted %s not found", c.name)
			}
			for _, l := range rep.Leaks {
				if strings.Contains(l.String(), c.val) {
					t.Errorf("leak report holds the value: %s", l)
				}
			}
		})
	}
	// In the file meta information, at depth, in a UN element.
	f := parse(t, out)
	f.Meta.MustSetStrings(dicomio.TagSourceApplicationEntityTitle, dicomio.AE, "X")
	it := f.Dataset.AddItem(0x00400275).AddItem(0x0040A730)
	it.Set(&dicomio.Element{Tag: 0x00091012, VR: dicomio.UN, Value: []byte(strings.ToLower(name) + " ")})
	if rep := Verify(of, f, VerifyOptions{FromOutput: true}); rep.OK() {
		t.Error("name in a nested UN element not found")
	}
	f = parse(t, out)
	f.Meta.MustSetStrings(dicomio.TagMediaStorageSOPInstanceUID, dicomio.UI, of.Dataset.String(dicomio.TagSOPInstanceUID))
	if rep := Verify(of, f, VerifyOptions{FromOutput: true}); rep.OK() {
		t.Error("original SOP Instance UID in the meta not found")
	}
}

func foldASCII(s string) string {
	var b strings.Builder
	for _, r := range s {
		if f := foldRune(r); f != "" {
			b.WriteString(f)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestVerifyCatchesDisabledRule: turning off one rule of the engine makes
// the verifier fail.
func TestVerifyCatchesDisabledRule(t *testing.T) {
	orig := study(t, "ct", 12)[0]
	for _, tag := range []dicomio.Tag{0x00101040, tagPatientBirthDate, 0x00080090, tagOtherPatientIDsSequence, 0x00081030} {
		a := newTest(t, "basic", nil)
		a.disabled = map[dicomio.Tag]bool{tag: true}
		out, _ := run(t, a, orig)
		if rep := Verify(parse(t, orig), parse(t, out), VerifyOptions{FromOutput: true}); rep.OK() {
			t.Errorf("rule %v disabled, verifier passed", tag)
		}
	}
}

// TestCorpusNoLeaks runs every profile over every synthetic kind (small
// sizes) through the batch API and verifies the outputs.
func TestCorpusNoLeaks(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	for i, k := range synth.Kinds() {
		for j, b := range study(t, k, uint64(20+i)) {
			writeTemp(t, in, fmt.Sprintf("%s/%d.dcm", k, j), b)
		}
	}
	for _, p := range Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			out := filepath.Join(dir, "out-"+p.Name)
			a := newTest(t, p.Name, nil)
			rep, err := a.Batch(context.Background(), []string{in}, out, BatchOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rep.Files {
				refused := strings.Contains(r.Input, "/us/") || strings.Contains(r.Input, "/sc/")
				if p.Name == "basic" && refused {
					if r.Status == "ok" {
						t.Errorf("%s: burned-in image accepted under basic", r.Input)
					}
					continue
				}
				if r.Status != "ok" {
					t.Errorf("%s: %s", r.Input, r.Error)
				}
			}
			v, err := VerifyPaths(context.Background(), in, out, VerifyOptions{FromOutput: true})
			if err != nil {
				t.Fatal(err)
			}
			if v.Files == 0 || v.Values < 20 {
				t.Fatalf("verified %d files, %d values", v.Files, v.Values)
			}
			for _, l := range v.Leaks {
				t.Errorf("leak: %s", l)
			}
		})
	}
}

// TestPydicomFilesNoLeaks runs every profile over Debian's pydicom test
// files. Files radkit refuses (unsupported syntax, burned-in images
// without a rule, compressed images that need cleaning) produce no output,
// which is not a leak; every output must verify clean.
func TestPydicomFilesNoLeaks(t *testing.T) {
	src := testutil.PydicomTestFiles(t)
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, p := range Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			a := newTest(t, p.Name, nil)
			ok := 0
			for _, e := range ents {
				if !strings.HasSuffix(e.Name(), ".dcm") {
					continue
				}
				in := filepath.Join(src, e.Name())
				out := filepath.Join(dir, p.Name+"-"+e.Name())
				if _, err := a.AnonymizeFile(context.Background(), in, out); err != nil {
					if _, serr := os.Stat(out); serr == nil {
						t.Errorf("%s: failed (%v) but left an output", e.Name(), err)
					}
					continue
				}
				ok++
				v, err := VerifyPaths(context.Background(), in, out, VerifyOptions{FromOutput: true})
				if err != nil {
					t.Errorf("%s: %v", e.Name(), err)
					continue
				}
				for _, l := range v.Leaks {
					t.Errorf("%s: leak: %s", e.Name(), l)
				}
			}
			if ok < 30 {
				t.Errorf("only %d pydicom files de-identified", ok)
			}
			t.Logf("%s: %d pydicom files de-identified, 0 leaks", p.Name, ok)
		})
	}
}

// TestDciodvfyNoNewErrors: the outputs of every profile raise no dciodvfy
// error that the input did not already have.
func TestDciodvfyNoNewErrors(t *testing.T) {
	testutil.RequireTool(t, "dciodvfy")
	dir := t.TempDir()
	for _, k := range synth.Kinds() {
		orig := study(t, k, 30)[0]
		inPath := writeTemp(t, dir, string(k)+".dcm", orig)
		before, _ := testutil.Dciodvfy(t, inPath)
		for _, p := range Profiles() {
			if p.Name == "basic" && (k == synth.US || k == synth.SC) {
				continue
			}
			a := newTest(t, p.Name, nil)
			outPath := filepath.Join(dir, string(k)+"-"+p.Name+".dcm")
			if _, err := a.AnonymizeFile(context.Background(), inPath, outPath); err != nil {
				t.Fatalf("%s %s: %v", k, p.Name, err)
			}
			after, out := testutil.Dciodvfy(t, outPath)
			for _, e := range newErrors(before, after) {
				t.Errorf("%s %s: new dciodvfy error: %s\n%s", k, p.Name, e, out)
			}
		}
	}
}

func newErrors(before, after []string) []string {
	seen := map[string]bool{}
	for _, b := range before {
		seen[b] = true
	}
	var out []string
	for _, a := range after {
		if !seen[a] {
			out = append(out, a)
		}
	}
	return out
}

var _ = bytes.Equal
