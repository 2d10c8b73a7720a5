package dicomio

// Regression tests for the defects of github.com/suyashkumar/dicom v1.1.0
// that radkit's I/O layer must not inherit (issue "Foundation", 2a-2g).
// Each test is named after the defect and exercises the code that works
// around it; removing the workaround makes it fail.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
)

// a. Specific Character Set round trip.
func TestDefectA_CharsetRoundTrip(t *testing.T) {
	cases := []struct {
		charset string
		name    string
		want    []byte // bytes of the value in the file
	}{
		{"ISO_IR 100", "Lefèvre-Dupré^Françoise", []byte("Lef\xe8vre-Dupr\xe9^Fran\xe7oise ")},
		{"ISO_IR 100", "Hélène", []byte("H\xe9l\xe8ne")},
		{"ISO_IR 192", "Lefèvre-Dupré^Françoise", []byte("Lefèvre-Dupré^Françoise")},
		{"ISO_IR 192", "Zoé^Léa", []byte("Zoé^Léa ")},
		{"", "DUPONT^JEAN", []byte("DUPONT^JEAN ")},
	}
	for _, tc := range cases {
		for _, uid := range []string{ExplicitVRLittleEndian, ImplicitVRLittleEndian, DeflatedExplicitVRLittleEndian} {
			t.Run(tc.charset+"/"+uid, func(t *testing.T) {
				ds := NewDataset()
				if tc.charset != "" {
					if err := ds.SetStrings(TagSpecificCharacterSet, CS, tc.charset); err != nil {
						t.Fatal(err)
					}
				}
				ds.MustSetStrings(TagSOPInstanceUID, UI, "2.25.1")
				if err := ds.SetStrings(TagPatientName, PN, tc.name); err != nil {
					t.Fatal(err)
				}
				if got := ds.Get(TagPatientName).Value; !bytes.Equal(got, tc.want) {
					t.Fatalf("encoded %q, want %q", got, tc.want)
				}
				b := encodeFile(t, newTestFile(t, ds, uid), nil)
				if uid != DeflatedExplicitVRLittleEndian && !bytes.Contains(b, tc.want) {
					t.Fatalf("file does not hold the %s bytes %q", tc.charset, tc.want)
				}
				g := mustParse(t, b, nil)
				if got := g.Dataset.Get(TagPatientName).Value; !bytes.Equal(got, tc.want) {
					t.Errorf("read back %q, want %q", got, tc.want)
				}
				if got := g.Dataset.String(TagPatientName); got != tc.name {
					t.Errorf("decoded %q, want %q", got, tc.name)
				}
				// A second generation is byte-identical.
				if b2 := encodeFile(t, g, nil); !bytes.Equal(b, b2) {
					t.Error("rewrite changed the bytes")
				}
			})
		}
	}
	t.Run("no charset refuses non-ASCII", func(t *testing.T) {
		ds := NewDataset()
		err := ds.SetStrings(TagPatientName, PN, "Hélène")
		var ce *UnsupportedCharsetError
		if !errors.As(err, &ce) {
			t.Fatalf("got %v, want *UnsupportedCharsetError", err)
		}
	})
}

// b. Binary VRs keep every byte, trailing NULs and spaces included.
func TestDefectB_BinaryVRsNotTrimmed(t *testing.T) {
	tails := [][]byte{{0x41, 0x20, 0x20, 0x20}, {0x00, 0x00, 0x00, 0x00}, {0x20, 0x00, 0x20, 0x00}}
	vrs := []struct {
		tag Tag
		vr  VR
	}{
		{NewTag(0x0064, 0x0009), OF}, // Vector Grid Data
		{NewTag(0x7FE0, 0x0009), OD}, // Double Float Pixel Data
		{NewTag(0x0066, 0x0040), OL}, // Long Primitive Point Index List
		{TagExtendedOffsetTable, OV},
		{NewTag(0x0072, 0x0082), SV}, // Selector SV Value
		{NewTag(0x0072, 0x0083), UV}, // Selector UV Value
	}
	for _, uid := range []string{ExplicitVRLittleEndian, ImplicitVRLittleEndian} {
		for _, v := range vrs {
			t.Run(uid+"/"+v.vr.String(), func(t *testing.T) {
				ds := NewDataset()
				ds.MustSetStrings(TagSOPInstanceUID, UI, "2.25.1")
				val := []byte{}
				for _, tail := range tails {
					val = append(val, 1, 2, 3, 4)
					val = append(val, tail...)
				}
				ds.SetBytes(v.tag, v.vr, append([]byte(nil), val...))
				g := mustParse(t, encodeFile(t, newTestFile(t, ds, uid), nil), nil)
				e := g.Dataset.Get(v.tag)
				if e == nil {
					t.Fatal("element lost")
				}
				if !bytes.Equal(e.Value, val) {
					t.Errorf("value %x, want %x", e.Value, val)
				}
			})
		}
	}
}

// c. Encapsulated pixel data: the Basic Offset Table is kept, frames split
// over fragments are reassembled, and the Extended Offset Table is honoured.
func TestDefectC_EncapsulatedPixelData(t *testing.T) {
	frames := [][]byte{
		append([]byte{0xFF, 0xD8}, bytes.Repeat([]byte{0xAA}, 101)...),
		append([]byte{0xFF, 0xD8}, bytes.Repeat([]byte{0xBB}, 40)...),
		append([]byte{0xFF, 0xD8}, bytes.Repeat([]byte{0xCC}, 64)...),
	}
	build := func(maxFrag int) *Dataset {
		ds := NewDataset()
		ds.MustSetStrings(TagSOPInstanceUID, UI, "2.25.1")
		ds.MustSetStrings(TagNumberOfFrames, IS, "3")
		EncapsulateFrames(ds, frames, maxFrag)
		return ds
	}
	check := func(t *testing.T, ds *Dataset) {
		t.Helper()
		got, err := Frames(ds)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(frames) {
			t.Fatalf("%d frames, want %d", len(got), len(frames))
		}
		for i := range frames {
			// A frame of odd length comes back with its pad byte unless
			// the extended offset table gives its exact length.
			if !bytes.Equal(got[i][:len(frames[i])], frames[i]) || len(got[i]) > len(frames[i])+1 {
				t.Errorf("frame %d differs", i)
			}
		}
	}
	t.Run("BOT kept, multi-fragment frames", func(t *testing.T) {
		ds := build(32)
		bot := ds.Get(TagPixelData).Fragments.BasicOffsetTable
		if len(bot) != 3 || bot[0] != 0 {
			t.Fatalf("BOT %v", bot)
		}
		f := newTestFile(t, ds, JPEGLSLossless)
		g := mustParse(t, encodeFile(t, f, nil), nil)
		if got := g.Dataset.Get(TagPixelData).Fragments.BasicOffsetTable; !equalU32(got, bot) {
			t.Errorf("BOT after round trip %v, want %v", got, bot)
		}
		if n := len(g.Dataset.Get(TagPixelData).Fragments.Items); n <= 3 {
			t.Fatalf("expected frames split into fragments, got %d", n)
		}
		check(t, g.Dataset)
	})
	t.Run("invalid BOT dropped not propagated", func(t *testing.T) {
		ds := build(0)
		ds.Get(TagPixelData).Fragments.BasicOffsetTable = []uint32{0, 7, 9}
		g := mustParse(t, encodeFile(t, newTestFile(t, ds, JPEGLSLossless), nil), nil)
		if bot := g.Dataset.Get(TagPixelData).Fragments.BasicOffsetTable; len(bot) != 0 {
			t.Errorf("invalid BOT written: %v", bot)
		}
		check(t, g.Dataset) // one fragment per frame
	})
	t.Run("extended offset table", func(t *testing.T) {
		ds := build(16)
		e := ds.Get(TagPixelData)
		var offs, lens []uint64
		for _, o := range e.Fragments.BasicOffsetTable {
			offs = append(offs, uint64(o))
		}
		for _, f := range frames {
			lens = append(lens, uint64(len(f)))
		}
		e.Fragments.BasicOffsetTable = nil
		ds.SetBytes(TagExtendedOffsetTable, OV, u64bytes(offs))
		ds.SetBytes(TagExtendedOffsetTableLengths, OV, u64bytes(lens))
		g := mustParse(t, encodeFile(t, newTestFile(t, ds, JPEGLSLossless), nil), nil)
		got, err := Frames(g.Dataset)
		if err != nil {
			t.Fatal(err)
		}
		for i := range frames {
			if !bytes.Equal(got[i], frames[i]) {
				t.Errorf("frame %d: %d bytes, want exactly %d", i, len(got[i]), len(frames[i]))
			}
		}
	})
	t.Run("no offset table, markers", func(t *testing.T) {
		ds := build(32)
		ds.Get(TagPixelData).Fragments.BasicOffsetTable = nil
		check(t, ds)
	})
}

func equalU32(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// d. An unknown or private transfer syntax is a typed error, not a panic.
func TestDefectD_UnknownTransferSyntax(t *testing.T) {
	ds := sampleDataset(t, "")
	f := newTestFile(t, ds, ExplicitVRLittleEndian)
	b := encodeFile(t, f, nil)
	for _, uid := range []string{"1.2.3.4.5.6.7.8", "1.3.46.670589.33.1.4.1", "garbage"} {
		// Patch the transfer syntax in the meta group, keeping lengths
		// consistent by rebuilding the meta.
		f.Meta.MustSetStrings(TagTransferSyntaxUID, UI, uid)
		mb := rawMeta(t, f.Meta)
		in := append(mb, b[132+metaLen(b):]...)
		_, err := Parse(bytes.NewReader(in), nil)
		var te *UnsupportedTransferSyntaxError
		if !errors.As(err, &te) || te.UID != uid {
			t.Errorf("%s: got %v, want *UnsupportedTransferSyntaxError naming it", uid, err)
		}
		if _, err := NewFile(ds, uid); !errors.As(err, &te) {
			t.Errorf("NewFile(%s): got %v", uid, err)
		}
		if err := f.Write(io.Discard, &WriteOptions{TransferSyntax: uid}); !errors.As(err, &te) {
			t.Errorf("Write(%s): got %v", uid, err)
		}
	}
}

// rawMeta encodes preamble, DICM and a meta group by hand.
func rawMeta(t *testing.T, meta *Dataset) []byte {
	var body bytes.Buffer
	enc := &encoder{out: nil, w: &body, explicit: true}
	for _, e := range meta.Elements() {
		if e.Tag == TagFileMetaInformationGroupLength {
			continue
		}
		if err := enc.writeElement(e); err != nil {
			t.Fatal(err)
		}
	}
	out := make([]byte, 128, 132+12+body.Len())
	out = append(out, "DICM"...)
	out = append(out, 2, 0, 0, 0, 'U', 'L', 4, 0)
	out = binary.LittleEndian.AppendUint32(out, uint32(body.Len()))
	return append(out, body.Bytes()...)
}

func metaLen(b []byte) int {
	return 12 + int(binary.LittleEndian.Uint32(b[132+8:]))
}

// e. Pixel data is never silently emptied on rewrite.
func TestDefectE_PixelDataNeverEmptied(t *testing.T) {
	ds := sampleDataset(t, "")
	want := append([]byte(nil), ds.Get(TagPixelData).Value...)
	b := encodeFile(t, newTestFile(t, ds, ExplicitVRLittleEndian), nil)

	skipped := mustParse(t, b, &ReadOptions{PixelData: PixelDataSkip})
	if e := skipped.Dataset.Get(TagPixelData); e == nil || e.Loaded() || e.ValueLength() != int64(len(want)) {
		t.Fatalf("skipped pixel data element not recorded: %+v", e)
	}
	if err := skipped.Write(io.Discard, nil); !errors.Is(err, ErrPixelDataNotLoaded) {
		t.Fatalf("writing a skipped data set: got %v, want ErrPixelDataNotLoaded", err)
	}

	var out bytes.Buffer
	err := Rewrite(context.Background(), bytes.NewReader(b), &out, func(f *File) error {
		return f.Dataset.SetStrings(TagPatientID, LO, "PSEUDO-1")
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := mustParse(t, out.Bytes(), nil)
	if got := g.Dataset.Get(TagPixelData).Value; !bytes.Equal(got, want) {
		t.Fatalf("pixel data after rewrite: %d bytes, want %d", len(got), len(want))
	}
	if g.Dataset.String(TagPatientID) != "PSEUDO-1" {
		t.Error("edit not applied")
	}
}

// f. Memory: parsing and rewriting a mammogram-sized object allocates
// under twice its size, and passing a 1 GiB object through Rewrite
// allocates a few megabytes. TotalAlloc bounds the peak heap from above.
func TestDefectF_BoundedMemory(t *testing.T) {
	t.Run("30MB mammogram parse and write", func(t *testing.T) {
		ds := sampleDataset(t, "ISO_IR 100")
		rows, cols := 4096, 3328
		ds.SetUint16s(TagRows, US, uint16(rows))
		ds.SetUint16s(TagColumns, US, uint16(cols))
		px := make([]byte, rows*cols*2)
		for i := range px {
			px[i] = byte(i * 7)
		}
		ds.SetBytes(TagPixelData, OW, px)
		b := encodeFile(t, newTestFile(t, ds, ExplicitVRLittleEndian), nil)
		px, ds = nil, nil
		size := uint64(len(b))
		alloc := measureAlloc(func() {
			f, err := Parse(bytes.NewReader(b), nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Write(io.Discard, nil); err != nil {
				t.Fatal(err)
			}
		})
		t.Logf("file %d bytes, allocated %d bytes (%.2fx)", size, alloc, float64(alloc)/float64(size))
		if alloc >= 2*size {
			t.Errorf("allocated %d bytes for a %d-byte file: want < 2x", alloc, size)
		}
	})
	t.Run("1GiB tomosynthesis pass-through", func(t *testing.T) {
		if testing.Short() {
			t.Skip("short")
		}
		const pixelLen = 1 << 30
		ds := sampleDataset(t, "ISO_IR 100")
		ds.Set(&Element{Tag: TagPixelData, VR: OW, Source: patternSource(pixelLen)})
		var hdr bytes.Buffer
		f := newTestFile(t, ds, ExplicitVRLittleEndian)
		// Encode the header only, then stream the pixel bytes from a
		// generator, so the test itself holds nothing large.
		ds.Delete(TagPixelData)
		enc, err := newEncoder(&hdr, f, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := enc.writeElements(ds.Elements()); err != nil {
			t.Fatal(err)
		}
		if err := enc.writeElement(&Element{Tag: TagPixelData, VR: OW, Value: []byte{}}); err != nil {
			t.Fatal(err)
		}
		enc.close()
		head := hdr.Bytes()
		binary.LittleEndian.PutUint32(head[len(head)-4:], pixelLen)
		in := io.MultiReader(bytes.NewReader(head), &patternReader{n: pixelLen})
		sink := &hashSink{h: sha256.New()}
		alloc := measureAlloc(func() {
			err := Rewrite(context.Background(), in, sink, func(f *File) error {
				return f.Dataset.SetStrings(TagPatientName, PN, "ANONYME")
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
		})
		t.Logf("1 GiB pixel data rewritten with %d bytes allocated", alloc)
		if alloc > 32<<20 {
			t.Errorf("allocated %d bytes to pass 1 GiB through: want a few MB", alloc)
		}
		// The output is the new header followed by the same pixel bytes.
		hdrLen := sink.n - pixelLen
		want := sha256.New()
		want.Write(sink.prefix[:hdrLen])
		io.Copy(want, &patternReader{n: pixelLen})
		if !bytes.Equal(sink.h.Sum(nil), want.Sum(nil)) {
			t.Error("pixel data changed on its way through")
		}
		if !bytes.Contains(sink.prefix[:hdrLen], []byte("ANONYME")) {
			t.Error("edit not in the output header")
		}
	})
}

func measureAlloc(fn func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// patternReader yields n bytes of a deterministic pattern without holding
// them.
type patternReader struct{ n, off int64 }

// patternPeriod is prime so that the pattern does not align with
// power-of-two buffers; byte o of the stream is patternBlock[o%period].
const patternPeriod = 65521

var patternBlock = func() []byte {
	b := make([]byte, 2*patternPeriod)
	for i := range b {
		b[i] = byte((i % patternPeriod) * 31 >> 3)
	}
	return b
}()

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), p.n-p.off, patternPeriod)]
	k := int(p.off % patternPeriod)
	copy(b, patternBlock[k:])
	p.off += int64(len(b))
	return len(b), nil
}

type patternSource int64

func (p patternSource) Len() int64 { return int64(p) }
func (p patternSource) WriteValue(w io.Writer) error {
	_, err := io.Copy(w, &patternReader{n: int64(p)})
	return err
}

// hashSink hashes everything written and keeps the first bytes, so that a
// test can check the pixel data at the end of a huge output without
// holding it.
type hashSink struct {
	h      hash.Hash
	prefix []byte
	n      int64
}

func (s *hashSink) Write(b []byte) (int, error) {
	if len(s.prefix) < 64<<10 {
		s.prefix = append(s.prefix, b[:min(len(b), 64<<10-len(s.prefix))]...)
	}
	s.n += int64(len(b))
	return s.h.Write(b)
}

// g. Output is valid Part 10.
func TestDefectG_ValidPart10Output(t *testing.T) {
	ds := sampleDataset(t, "ISO_IR 100")
	for _, uid := range []string{ExplicitVRLittleEndian, ImplicitVRLittleEndian, DeflatedExplicitVRLittleEndian} {
		for _, mode := range []SequenceLengths{SequencesAsRead, SequencesDefined, SequencesUndefined} {
			b := encodeFile(t, newTestFile(t, ds, uid), &WriteOptions{Sequences: mode})
			if string(b[128:132]) != "DICM" {
				t.Fatal("no DICM prefix")
			}
			// Group length counts exactly the meta elements that follow.
			gl := int(binary.LittleEndian.Uint32(b[140:144]))
			end := 144 + gl
			var g uint16
			if uid == DeflatedExplicitVRLittleEndian {
				g = 0 // body is compressed; check via parse
			} else {
				g = binary.LittleEndian.Uint16(b[end:])
				if g != 0x0008 {
					t.Errorf("%s: after group length %d, next group is %04x, want 0008", uid, gl, g)
				}
			}
			f := mustParse(t, b, nil)
			if got := f.Meta.String(TagImplementationClassUID); got != ImplementationClassUID {
				t.Errorf("Implementation Class UID %q", got)
			}
			if got := f.Meta.String(TagImplementationVersionName); got != ImplementationVersionName {
				t.Errorf("Implementation Version Name %q", got)
			}
			if f.TransferSyntax.UID != uid {
				t.Errorf("transfer syntax %q, want %q", f.TransferSyntax.UID, uid)
			}
			var prev Tag
			f.Dataset.Walk(func(path []Tag, e *Element) error {
				if len(e.Value)%2 != 0 {
					t.Errorf("%v has odd length %d", e.Tag, len(e.Value))
				}
				return nil
			})
			for _, e := range f.Dataset.Elements() {
				if e.Tag <= prev {
					t.Errorf("elements not sorted: %v after %v", e.Tag, prev)
				}
				prev = e.Tag
			}
			// Implicit VR loses the VR of private elements, as it must.
			if uid != ImplicitVRLittleEndian && !f.Dataset.Equal(ds) {
				t.Errorf("%s mode %d: data set differs after round trip", uid, mode)
			}
		}
	}
}

// Elements after the pixel data are not seen by edit, but EditTrailing
// sees them and can remove them.
func TestRewriteEditTrailing(t *testing.T) {
	ds := sampleDataset(t, "")
	ds.MustSetStrings(NewTag(0x7FE1, 0x0010), LO, "ACME")
	ds.MustSetStrings(NewTag(0x7FE1, 0x1010), LO, "Dupont")
	b := encodeFile(t, newTestFile(t, ds, ExplicitVRLittleEndian), nil)
	for _, remove := range []bool{false, true} {
		var out bytes.Buffer
		var seen []Tag
		opts := &RewriteOptions{}
		if remove {
			opts.EditTrailing = func(rest *Dataset) error {
				for _, e := range rest.Elements() {
					seen = append(seen, e.Tag)
				}
				rest.DeleteFunc(func(e *Element) bool { return e.Tag.IsPrivate() })
				return nil
			}
		}
		if err := Rewrite(context.Background(), bytes.NewReader(b), &out, nil, opts); err != nil {
			t.Fatal(err)
		}
		if got := bytes.Contains(out.Bytes(), []byte("Dupont")); got == remove {
			t.Errorf("EditTrailing set %v: private trailing value present %v", remove, got)
		}
		if remove && len(seen) != 2 {
			t.Errorf("EditTrailing saw %v", seen)
		}
	}
}

// RewriteFile from a file to a file moves native pixel data in the kernel
// (copy_file_range through ReadFrom): the bytes are the same as the
// in-memory path's, and no copy buffer is allocated for them.
func TestRewriteFileKernelCopy(t *testing.T) {
	dir := t.TempDir()
	ds := sampleDataset(t, "ISO_IR 100")
	ds.SetUint16s(TagRows, US, 2048)
	ds.SetUint16s(TagColumns, US, 2048)
	px := make([]byte, 2048*2048*2)
	io.ReadFull(&patternReader{n: int64(len(px))}, px)
	ds.SetBytes(TagPixelData, OW, px)
	// Something after the pixel data, to check the stream stays in step.
	ds.SetBytes(TagDataSetTrailingPadding, OB, make([]byte, 6))
	src, dst := dir+"/src.dcm", dir+"/dst.dcm"
	if err := WriteFile(src, newTestFile(t, ds, ExplicitVRLittleEndian), nil); err != nil {
		t.Fatal(err)
	}
	edit := func(f *File) error { return f.Dataset.SetStrings(TagPatientName, PN, "ANONYME") }
	alloc := measureAlloc(func() {
		if err := RewriteFile(context.Background(), src, dst, edit, nil); err != nil {
			t.Fatal(err)
		}
	})
	var want bytes.Buffer
	in, _ := os.ReadFile(src)
	if err := Rewrite(context.Background(), bytes.NewReader(in), &want, edit, nil); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(dst)
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("file-to-file rewrite (%d bytes) differs from the in-memory one (%d bytes)", len(got), want.Len())
	}
	t.Logf("8 MiB of pixel data rewritten file to file with %d bytes allocated", alloc)
	if alloc > 900<<10 {
		t.Errorf("allocated %d bytes: the pixel data went through a user-space buffer", alloc)
	}
}

// splitWriter counts what reaches an output file through Write (user
// space) and through ReadFrom (copy_file_range).
type splitWriter struct {
	f              *os.File
	written, moved int64
}

func (s *splitWriter) Write(p []byte) (int, error) {
	n, err := s.f.Write(p)
	s.written += int64(n)
	return n, err
}

func (s *splitWriter) ReadFrom(r io.Reader) (int64, error) {
	n, err := s.f.ReadFrom(r)
	s.moved += n
	return n, err
}

// Rewrite from an *os.File hands the writer's ReadFrom all of the pixel
// data but what the (small) read buffer already holds.
func TestRewriteFileReaderFrom(t *testing.T) {
	dir := t.TempDir()
	ds := sampleDataset(t, "ISO_IR 100")
	ds.SetUint16s(TagRows, US, 512)
	ds.SetUint16s(TagColumns, US, 512)
	px := make([]byte, 512*512*2)
	io.ReadFull(&patternReader{n: int64(len(px))}, px)
	ds.SetBytes(TagPixelData, OW, px)
	src := dir + "/src.dcm"
	if err := WriteFile(src, newTestFile(t, ds, ExplicitVRLittleEndian), nil); err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dir + "/dst.dcm")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w := &splitWriter{f: out}
	if err := Rewrite(context.Background(), in, w, nil, nil); err != nil {
		t.Fatal(err)
	}
	if w.moved < int64(len(px))-16<<10 || w.written > 32<<10 {
		t.Errorf("%d bytes through Write, %d through ReadFrom, of %d bytes of pixel data", w.written, w.moved, len(px))
	}
	got, _ := os.ReadFile(dir + "/dst.dcm")
	want, _ := os.ReadFile(src)
	if !bytes.Equal(got, want) {
		t.Errorf("output (%d bytes) differs from the input (%d bytes)", len(got), len(want))
	}
}

// The encoder's buffer, holding the header, is flushed before the pixel
// data is handed to the writer's ReadFrom, instead of being filled from
// the file first (which sent tens of kilobytes of every object through
// user space).
func TestCountingWriterFlushesBeforeReadFrom(t *testing.T) {
	dir := t.TempDir()
	const n = 200 << 10
	if err := os.WriteFile(dir+"/src", make([]byte, n), 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(dir + "/src")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dir + "/dst")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w := &splitWriter{f: out}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(make([]byte, 100)) // the header
	cw := &countingWriter{w: bw}
	if _, err := cw.ReadFrom(io.LimitReader(in, n)); err != nil {
		t.Fatal(err)
	}
	bw.Flush()
	if w.written != 100 || w.moved != n || cw.n != n {
		t.Errorf("%d bytes through Write, %d through ReadFrom, %d counted; want 100, %d, %d", w.written, w.moved, cw.n, n, n)
	}
}

// cancelAfter cancels a context once n bytes have been written to it.
type cancelAfter struct {
	n      int64
	cancel context.CancelFunc
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	c.n -= int64(len(p))
	if c.n <= 0 {
		c.cancel()
	}
	return len(p), nil
}

// A cancelled context stops a long pass-through promptly, whatever path
// the copy takes.
func TestRewriteCancel(t *testing.T) {
	const pixelLen = 1 << 30
	ds := sampleDataset(t, "")
	ds.Set(&Element{Tag: TagPixelData, VR: OW, Source: patternSource(pixelLen)})
	var hdr bytes.Buffer
	f := newTestFile(t, ds, ExplicitVRLittleEndian)
	ds.Delete(TagPixelData)
	enc, err := newEncoder(&hdr, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	enc.writeElements(ds.Elements())
	enc.writeElement(&Element{Tag: TagPixelData, VR: OW, Value: []byte{}})
	enc.close()
	head := hdr.Bytes()
	binary.LittleEndian.PutUint32(head[len(head)-4:], pixelLen)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := io.MultiReader(bytes.NewReader(head), &patternReader{n: pixelLen})
	sink := &cancelAfter{n: 8 << 20, cancel: cancel}
	err = Rewrite(ctx, in, sink, nil, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if written := 8<<20 - sink.n; written > 64<<20 {
		t.Errorf("%d bytes written after the cancellation point", written)
	}
}
