package codec

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/radkit/radkit/dicomio"
)

// FuzzDecodeFrames feeds whole Part 10 files through DecodeFrames and a
// lossless transcoding: whatever the data set declares and whatever the
// fragments hold, the adapters must return an error, never panic, and a
// decoded object must transcode losslessly.
func FuzzDecodeFrames(f *testing.F) {
	geoms := []FrameInfo{
		{Rows: 6, Columns: 5, SamplesPerPixel: 1, BitsAllocated: 16, BitsStored: 12, PixelRepresentation: 1, PhotometricInterpretation: "MONOCHROME2", NumberOfFrames: 2},
		{Rows: 4, Columns: 3, SamplesPerPixel: 3, BitsAllocated: 8, BitsStored: 8, PlanarConfiguration: 1, PhotometricInterpretation: "RGB", NumberOfFrames: 1},
	}
	for i, fi := range geoms {
		src := image(f, fi, uint64(i))
		for _, to := range []string{dicomio.ExplicitVRLittleEndian, dicomio.RLELossless, dicomio.JPEGLSLossless} {
			out, _, err := Transcode(context.Background(), src, to, nil)
			if err != nil {
				f.Fatal(err)
			}
			var buf bytes.Buffer
			if err := out.Write(&buf, nil); err != nil {
				f.Fatal(err)
			}
			f.Add(buf.Bytes())
		}
	}
	reg := NewRegistry()
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := dicomio.Parse(bytes.NewReader(b), &dicomio.ReadOptions{MaxBytes: 1 << 20})
		if err != nil {
			return
		}
		if fi, err := FrameInfoOf(file.Dataset); err != nil || fi.FrameSize()*fi.NumberOfFrames > 1<<20 {
			return
		}
		frames, fi, err := DecodeFrames(context.Background(), file, reg, 2)
		if err != nil {
			return
		}
		for i, fr := range frames {
			if len(fr) != fi.FrameSize() {
				t.Fatalf("frame %d: %d bytes, %d expected", i, len(fr), fi.FrameSize())
			}
		}
		for _, to := range []string{dicomio.RLELossless, dicomio.JPEGLSLossless} {
			_, _, err := Transcode(context.Background(), file, to, &TranscodeOptions{Registry: reg, Verify: true, Concurrency: 2})
			if errors.Is(err, ErrPixelMismatch) {
				t.Fatalf("lossless transcoding to %s changed pixels: %v", to, err)
			}
		}
	})
}
