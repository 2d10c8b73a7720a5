package rle_test

import (
	"bytes"
	"fmt"

	"github.com/radkit/radkit/dicomarchive/codec/rle"
)

// RLE frames carry no geometry: the caller takes it from the data set.
func Example() {
	f := rle.Frame{Width: 5, Height: 3, Samples: 1, BitsAllocated: 16} // odd width
	src := make([]byte, f.Size())
	for i := range src {
		src[i] = byte(i / 6)
	}
	enc, err := rle.NewEncoder().EncodeAll(f, src, nil)
	if err != nil {
		panic(err)
	}
	dec, _ := rle.NewDecoder()
	out, err := dec.DecodeAll(f, enc, nil)
	fmt.Println(err, bytes.Equal(out, src), len(enc)%2)
	// Output: <nil> true 0
}
