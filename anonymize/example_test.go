package anonymize_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/radkit/radkit/anonymize"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

// A CT slice de-identified with the research profile: the patient becomes
// a keyed linkage identifier, dates move back by the patient's shift, and
// the markers say what was done.
func ExampleAnonymizer_Stream() {
	var in bytes.Buffer
	err := synth.Study(context.Background(), synth.CT, synth.Options{Seed: 7, Slices: 1, Rows: 64, Columns: 64}, func(f *dicomio.File) error {
		return f.Write(&in, nil)
	})
	if err != nil {
		log.Fatal(err)
	}
	p, _ := anonymize.ProfileByName("research")
	a, err := anonymize.New(anonymize.Options{Profile: p, Key: []byte("a secret of at least 16 bytes")})
	if err != nil {
		log.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := a.Stream(context.Background(), bytes.NewReader(in.Bytes()), &out); err != nil {
		log.Fatal(err)
	}
	f, err := dicomio.Parse(&out, nil)
	if err != nil {
		log.Fatal(err)
	}
	ds := f.Dataset
	fmt.Println("pseudonym:", strings.HasPrefix(ds.String(dicomio.TagPatientID), "RK"))
	fmt.Println("identity removed:", ds.String(dicomio.NewTag(0x0012, 0x0062)))
	fmt.Println("dates:", ds.String(dicomio.NewTag(0x0028, 0x0303)))
	fmt.Println("new UIDs:", strings.HasPrefix(ds.String(dicomio.TagStudyInstanceUID), "2.25."))
	// Output:
	// pseudonym: true
	// identity removed: YES
	// dates: MODIFIED
	// new UIDs: true
}

// The Cristal profile takes the donor record number from the caller.
func ExampleParsePseudonymMap() {
	m, err := anonymize.ParsePseudonymMap(strings.NewReader("identifier,pseudonym\n1 42 10 2A 247 650 52,CRISTAL-2024-0042\n"))
	if err != nil {
		log.Fatal(err)
	}
	p, _ := anonymize.ProfileByName("cristal")
	_, err = anonymize.New(anonymize.Options{Profile: p, Key: []byte("a secret of at least 16 bytes"), Pseudonyms: m.Lookup})
	fmt.Println(err)
	ps, _ := m.Lookup(context.Background(), anonymize.PatientRef{INS: "142102A24765052"})
	fmt.Println(ps)
	// Output:
	// <nil>
	// CRISTAL-2024-0042
}

// The linkage identifier of the research profile does not depend on how
// the NIR is written, and nobody without the key can compute it.
func ExampleLinkageID() {
	key := []byte("a secret of at least 16 bytes")
	fmt.Println(anonymize.LinkageID(key, "1 42 10 2A 247 650 52") == anonymize.LinkageID(key, "142102a24765052"))
	// Output: true
}

// Verify searches a de-identified object for the identifying values of
// its original; here a name is planted back to show a leak report.
func ExampleVerify() {
	var orig *dicomio.File
	_ = synth.Study(context.Background(), synth.CR, synth.Options{Seed: 3, Rows: 64, Columns: 64}, func(f *dicomio.File) error {
		orig = f
		return nil
	})
	var in, out bytes.Buffer
	_ = orig.Write(&in, nil)
	a, _ := anonymize.New(anonymize.Options{Key: []byte("a secret of at least 16 bytes")})
	if _, err := a.Stream(context.Background(), bytes.NewReader(in.Bytes()), &out); err != nil {
		log.Fatal(err)
	}
	anon, _ := dicomio.Parse(&out, nil)
	fmt.Println("leaks:", len(anonymize.Verify(orig, anon, anonymize.VerifyOptions{FromOutput: true}).Leaks))
	_ = anon.Dataset.SetStrings(dicomio.NewTag(0x0020, 0x4000), dicomio.LT, "vu par "+strings.ToUpper(orig.Dataset.String(dicomio.TagPatientName)))
	for _, l := range anonymize.Verify(orig, anon, anonymize.VerifyOptions{FromOutput: true}).Leaks[:1] {
		fmt.Println(l)
	}
	// Output:
	// leaks: 0
	// name value of (0010,0010) found at (0020,4000)
}
