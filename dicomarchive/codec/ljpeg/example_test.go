package ljpeg_test

import (
	"bytes"
	"fmt"

	"github.com/radkit/radkit/dicomarchive/codec/ljpeg"
)

// Selection value 1, what DICOM's JPEG Lossless SV1 syntax requires.
func Example() {
	f := ljpeg.Frame{Width: 32, Height: 16, Components: 1, Precision: 12}
	src := make([]byte, 2*32*16)
	for i := range 32 * 16 {
		v := i % 32 * 100
		src[2*i], src[2*i+1] = byte(v), byte(v>>8)
	}
	enc, _ := ljpeg.NewEncoder(1)
	stream, err := enc.EncodeAll(f, src, nil)
	if err != nil {
		panic(err)
	}
	dec, _ := ljpeg.NewDecoder()
	out, info, err := dec.DecodeInfo(stream, nil)
	fmt.Println(err, info.Predictor, bytes.Equal(out, src))
	// Output: <nil> 1 true
}
