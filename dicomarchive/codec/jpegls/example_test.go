package jpegls_test

import (
	"bytes"
	"fmt"

	"github.com/radkit/radkit/dicomarchive/codec/jpegls"
)

// A 12-bit image round-trips losslessly; DecodeAll appends to dst, so one
// buffer serves every frame of a series.
func Example() {
	const w, h = 64, 48
	src := make([]byte, 2*w*h) // 12-bit samples, little-endian
	for i := range w * h {
		v := (i%w)*40 + (i/w)*10
		src[2*i], src[2*i+1] = byte(v), byte(v>>8)
	}
	enc, err := jpegls.NewEncoder(nil)
	if err != nil {
		panic(err)
	}
	stream, err := enc.EncodeAll(jpegls.Frame{Width: w, Height: h, Components: 1, BitsPerSample: 12}, src, nil)
	if err != nil {
		panic(err)
	}
	dec, err := jpegls.NewDecoder(nil)
	if err != nil {
		panic(err)
	}
	defer dec.Close()
	var buf []byte
	buf, err = dec.DecodeAll(stream, buf[:0])
	if err != nil {
		panic(err)
	}
	fmt.Println(bytes.Equal(buf, src), len(stream) < len(src)/4)
	// Output: true true
}

// Near-lossless coding bounds the error of every sample by NEAR; restart
// intervals let one large image decode on several cores.
func ExampleWithRestartInterval() {
	const w, h = 256, 256
	src := make([]byte, w*h)
	for i := range src {
		src[i] = byte(i%w ^ i/w)
	}
	enc, _ := jpegls.NewEncoder(nil, jpegls.WithNear(2), jpegls.WithRestartInterval(64))
	stream, _ := enc.EncodeAll(jpegls.Frame{Width: w, Height: h, Components: 1, BitsPerSample: 8}, src, nil)
	info, _ := jpegls.ReadInfo(stream)
	dec, _ := jpegls.NewDecoder(nil, jpegls.WithDecoderConcurrency(4))
	out, _ := dec.DecodeAll(stream, nil)
	worst := 0
	for i := range out {
		d := int(out[i]) - int(src[i])
		worst = max(worst, d, -d)
	}
	fmt.Println(info.Near, info.RestartInterval, worst <= 2)
	// Output: 2 64 true
}
