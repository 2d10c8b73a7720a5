package dicomio

import (
	"bytes"
	"context"
	"io"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the reader. It must never panic, must
// return a typed error or a data set, and a data set it accepts must
// survive a write and a second read unchanged; the streaming rewrite must
// agree with the in-memory path.
func FuzzParse(f *testing.F) {
	ds := sampleDataset(f, "ISO_IR 100")
	for _, uid := range []string{ExplicitVRLittleEndian, ImplicitVRLittleEndian, DeflatedExplicitVRLittleEndian} {
		for _, mode := range []SequenceLengths{SequencesDefined, SequencesUndefined} {
			f.Add(encodeFile(f, newTestFile(f, ds, uid), &WriteOptions{Sequences: mode}))
		}
	}
	enc := NewDataset()
	enc.MustSetStrings(TagSOPInstanceUID, UI, "2.25.9")
	enc.MustSetStrings(TagNumberOfFrames, IS, "2")
	EncapsulateFrames(enc, [][]byte{{0xFF, 0xD8, 1, 2, 3}, {0xFF, 0xD8, 4}}, 2)
	f.Add(encodeFile(f, newTestFile(f, enc, JPEGLSLossless), nil))
	f.Add([]byte("DICM"))
	f.Add(append(make([]byte, 128), "DICM\x02\x00\x10\x00UI\x04\x001.2\x00"...))
	opts := &ReadOptions{MaxValueLength: 1 << 20, MaxBytes: 4 << 20, MaxDepth: 16}
	f.Fuzz(func(t *testing.T, in []byte) {
		g, err := Parse(bytes.NewReader(in), opts)
		if err != nil {
			return
		}
		if g.TransferSyntax.BigEndian {
			return
		}
		var out bytes.Buffer
		if err := g.Write(&out, nil); err != nil {
			return
		}
		h, err := Parse(bytes.NewReader(out.Bytes()), opts)
		if err != nil {
			t.Fatalf("re-reading our own output: %v", err)
		}
		if g.TransferSyntax.ExplicitVR && !sameIgnoringGroupLengths(g.Dataset, h.Dataset) {
			t.Fatal("data set changed across write and read")
		}
		_ = Rewrite(context.Background(), bytes.NewReader(in), io.Discard, nil, &RewriteOptions{Read: *opts})
		_, _ = Frames(g.Dataset)
	})
}
