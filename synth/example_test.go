package synth_test

import (
	"context"
	"fmt"
	"log"

	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

// A screening mammogram for tests: four views of a made-up patient, the
// same bytes for the same seed on every machine.
func Example() {
	opts := synth.Options{Seed: 42, Rows: 256, Columns: 208} // reduced size for speed
	err := synth.Study(context.Background(), synth.MG, opts, func(f *dicomio.File) error {
		ds := f.Dataset
		view := ds.Get(0x00540220).Items[0].String(0x00080104) // View Code Sequence, Code Meaning
		fmt.Printf("%s %s %s\n", ds.String(dicomio.TagModality), ds.String(0x00200062), view)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	p := synth.NewPatient(42, synth.PatientOptions{Sex: "F"})
	fmt.Println(synth.ValidNIR(p.NIR), len(p.NIR))
	// Output:
	// MG R cranio-caudal
	// MG L cranio-caudal
	// MG R medio-lateral oblique
	// MG L medio-lateral oblique
	// true 15
}
