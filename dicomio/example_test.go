package dicomio_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/radkit/radkit/dicomio"
)

// A French patient name is stored in Latin-1 under ISO_IR 100 and comes
// back unchanged after a write and a read.
func Example() {
	ds := dicomio.NewDataset()
	ds.MustSetStrings(dicomio.TagSpecificCharacterSet, dicomio.CS, "ISO_IR 100")
	ds.MustSetStrings(dicomio.TagSOPClassUID, dicomio.UI, "1.2.840.10008.5.1.4.1.1.7")
	ds.MustSetStrings(dicomio.TagSOPInstanceUID, dicomio.UI, "2.25.42")
	if err := ds.SetStrings(dicomio.TagPatientName, dicomio.PN, "Lefèvre-Dupré^Françoise"); err != nil {
		log.Fatal(err)
	}
	f, err := dicomio.NewFile(ds, dicomio.ExplicitVRLittleEndian)
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf, nil); err != nil {
		log.Fatal(err)
	}
	g, err := dicomio.Parse(&buf, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(g.Dataset.String(dicomio.TagPatientName))
	fmt.Printf("% x\n", g.Dataset.Get(dicomio.TagPatientName).Value[:5])
	// Output:
	// Lefèvre-Dupré^Françoise
	// 4c 65 66 e8 76
}

// Rewrite changes the header of an object and streams its pixel data
// through without loading it.
func ExampleRewrite() {
	ds := dicomio.NewDataset()
	ds.MustSetStrings(dicomio.TagSOPInstanceUID, dicomio.UI, "2.25.43")
	ds.MustSetStrings(dicomio.TagPatientName, dicomio.PN, "DUPONT^JEAN")
	ds.SetBytes(dicomio.TagPixelData, dicomio.OW, make([]byte, 1<<20))
	f, _ := dicomio.NewFile(ds, dicomio.ExplicitVRLittleEndian)
	var in, out bytes.Buffer
	if err := f.Write(&in, nil); err != nil {
		log.Fatal(err)
	}
	err := dicomio.Rewrite(context.Background(), &in, &out, func(f *dicomio.File) error {
		return f.Dataset.SetStrings(dicomio.TagPatientName, dicomio.PN, "ANONYME")
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	g, _ := dicomio.Parse(&out, nil)
	fmt.Println(g.Dataset.String(dicomio.TagPatientName), len(g.Dataset.Get(dicomio.TagPixelData).Value))
	// Output: ANONYME 1048576
}
