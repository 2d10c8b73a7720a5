package codec_test

import (
	"context"
	"fmt"

	"github.com/radkit/radkit/dicomarchive/codec"
	"github.com/radkit/radkit/dicomio"
)

// Transcode a CT slice to JPEG-LS near-lossless: the result is a new,
// derived instance marked lossy, and the report gives the measured error.
func ExampleTranscode() {
	ds := dicomio.NewDataset()
	ds.MustSetStrings(dicomio.TagSOPClassUID, dicomio.UI, "1.2.840.10008.5.1.4.1.1.2")
	ds.MustSetStrings(dicomio.TagSOPInstanceUID, dicomio.UI, "2.25.42")
	ds.SetUint16s(dicomio.TagRows, dicomio.US, 64)
	ds.SetUint16s(dicomio.TagColumns, dicomio.US, 64)
	ds.SetUint16s(dicomio.TagSamplesPerPixel, dicomio.US, 1)
	ds.SetUint16s(dicomio.TagBitsAllocated, dicomio.US, 16)
	ds.SetUint16s(dicomio.TagBitsStored, dicomio.US, 12)
	ds.SetUint16s(dicomio.TagHighBit, dicomio.US, 11)
	ds.SetUint16s(dicomio.TagPixelRepresentation, dicomio.US, 1)
	ds.MustSetStrings(dicomio.TagPhotometricInterpretation, dicomio.CS, "MONOCHROME2")
	pix := make([]byte, 64*64*2)
	for i := range 64 * 64 {
		v := int16((i%64)*8 - 1000) // signed Hounsfield units
		pix[2*i], pix[2*i+1] = byte(v), byte(uint16(v)>>8)
	}
	ds.Set(&dicomio.Element{Tag: dicomio.TagPixelData, VR: dicomio.OW, Value: pix})
	f, _ := dicomio.NewFile(ds, dicomio.ExplicitVRLittleEndian)

	out, rep, err := codec.Transcode(context.Background(), f, dicomio.JPEGLSNearLossless, &codec.TranscodeOptions{Near: 2})
	if err != nil {
		panic(err)
	}
	fmt.Println(out.TransferSyntax.Name)
	fmt.Println(rep.Lossy, rep.MaxError <= 2, out.Dataset.String(dicomio.TagSOPInstanceUID) != "2.25.42")
	// Output:
	// JPEG-LS Lossy (Near-Lossless) Image Compression
	// true true true
}
