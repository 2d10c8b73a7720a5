package dicomio

import (
	"bytes"
	"context"
	"io"
	"testing"
)

// benchFile encodes a data set with rows×cols 16-bit pixels.
func benchFile(b *testing.B, rows, cols int) []byte {
	ds := sampleDataset(b, "ISO_IR 100")
	ds.SetUint16s(TagRows, US, uint16(rows))
	ds.SetUint16s(TagColumns, US, uint16(cols))
	px := make([]byte, rows*cols*2)
	io.ReadFull(&patternReader{n: int64(len(px))}, px)
	ds.SetBytes(TagPixelData, OW, px)
	return encodeFile(b, newTestFile(b, ds, ExplicitVRLittleEndian), nil)
}

var benchSizes = []struct {
	name       string
	rows, cols int
}{
	{"CT-512x512", 512, 512},
	{"MG-4096x3328", 4096, 3328},
}

func BenchmarkParse(b *testing.B) {
	for _, sz := range benchSizes {
		in := benchFile(b, sz.rows, sz.cols)
		b.Run(sz.name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bytes.NewReader(in), nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseHeaderOnly(b *testing.B) {
	in := benchFile(b, 4096, 3328)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(in), &ReadOptions{PixelData: PixelDataSkip}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	for _, sz := range benchSizes {
		f := mustParse(b, benchFile(b, sz.rows, sz.cols), nil)
		b.Run(sz.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int64
			for b.Loop() {
				cw := &countingWriter{w: io.Discard}
				if err := f.Write(cw, nil); err != nil {
					b.Fatal(err)
				}
				n = cw.n
			}
			b.SetBytes(n)
		})
	}
}

func BenchmarkRewrite(b *testing.B) {
	for _, sz := range benchSizes {
		in := benchFile(b, sz.rows, sz.cols)
		b.Run(sz.name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				err := Rewrite(context.Background(), bytes.NewReader(in), io.Discard, func(f *File) error {
					return f.Dataset.SetStrings(TagPatientName, PN, "ANONYME")
				}, nil)
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
