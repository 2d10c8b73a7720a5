package dicomio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/flate"
	"github.com/radkit/radkit"
	"github.com/radkit/radkit/internal/atomicfile"
)

// ImplementationClassUID identifies radkit as the writer of a file
// (0002,0012). It is a UUID-derived UID (PS3.5 B.2) since radkit has no
// registered root of its own.
const ImplementationClassUID = "2.25.253143245416117398478655370934553938215"

// ImplementationVersionName is written to (0002,0013); at most 16
// characters.
const ImplementationVersionName = "RADKIT_" + radkit.Version

// SequenceLengths chooses how the writer encodes sequence and item lengths.
type SequenceLengths int

const (
	// SequencesAsRead keeps each sequence's form as it was read (new
	// sequences, with UndefinedLength false, get defined lengths), except
	// that inside a defined-length sequence everything is defined. The
	// default.
	SequencesAsRead SequenceLengths = iota
	// SequencesDefined writes explicit lengths everywhere.
	SequencesDefined
	// SequencesUndefined writes undefined lengths with delimiters.
	SequencesUndefined
)

// WriteOptions steer encoding. The zero value writes the file in its own
// transfer syntax (explicit VR little endian for a new file).
type WriteOptions struct {
	// TransferSyntax is the UID to write; "" keeps the file's. Changing
	// between native syntaxes (implicit, explicit little endian,
	// deflated) is done here; to or from an encapsulated syntax needs a
	// pixel codec and fails with [*UnsupportedTransferSyntaxError].
	// Explicit VR big endian (retired) is read but not written.
	TransferSyntax string
	// Sequences chooses defined or undefined sequence lengths.
	Sequences SequenceLengths
	// DeflateLevel is the flate level for the deflated syntax; 0 means
	// flate.DefaultCompression.
	DeflateLevel int
	// KeepGroupLengths keeps (gggg,0000) elements of the data set. They
	// are retired and often wrong after an edit, so by default they are
	// dropped (the file meta group length is always recomputed).
	KeepGroupLengths bool
}

// NewFile wraps a data set into a File for writing in the transfer syntax
// uid, with file meta information taken from its SOP Class and Instance
// UIDs.
func NewFile(ds *Dataset, uid string) (*File, error) {
	ts, err := LookupTransferSyntax(uid)
	if err != nil {
		return nil, err
	}
	f := &File{Meta: NewDataset(), Dataset: ds, TransferSyntax: ts}
	f.Meta.SetBytes(TagFileMetaInformationVersion, OB, []byte{0, 1})
	f.Meta.MustSetStrings(TagTransferSyntaxUID, UI, uid)
	return f, nil
}

// WriteFile writes f to path atomically: to a temporary file in the same
// directory, synced, then renamed, so that a reader never sees a partial
// file and an error leaves nothing behind.
func WriteFile(path string, f *File, opts *WriteOptions) error {
	return atomicfile.WriteFile(path, 0o644, func(w io.Writer) error {
		return f.Write(w, opts)
	})
}

// Write encodes f as a Part 10 stream: preamble, "DICM", file meta
// information (group length recomputed, radkit's implementation UID and
// version), then the data set in the chosen transfer syntax, elements in
// tag order, every value of even length.
func (f *File) Write(w io.Writer, opts *WriteOptions) error {
	enc, err := newEncoder(w, f, opts)
	if err != nil {
		return err
	}
	if err := enc.writeElements(f.Dataset.Elements()); err != nil {
		return err
	}
	return enc.close()
}

type encoder struct {
	out *bufio.Writer
	w   io.Writer // out, or the deflater over it
	fw  *flate.Writer
	// deflated counts the compressed bytes, for the pad byte PS3.5 A.5
	// requires after an odd-length deflated stream.
	deflated *countingWriter
	explicit bool
	inBody   bool
	// defined counts the defined-length sequences being written: inside
	// one, every nested sequence must have a defined length too.
	defined int
	opts    WriteOptions
	scratch [12]byte
}

func newEncoder(w io.Writer, f *File, o *WriteOptions) (*encoder, error) {
	return newEncoderSize(w, f, o, writeBufferSize)
}

// writeBufferSize is the encoder's write buffer.
const writeBufferSize = 64 << 10

// newEncoderSize is newEncoder with a write buffer of size bytes.
func newEncoderSize(w io.Writer, f *File, o *WriteOptions, size int) (*encoder, error) {
	var opts WriteOptions
	if o != nil {
		opts = *o
	}
	src := f.TransferSyntax
	if src.UID == "" {
		src, _ = LookupTransferSyntax(ExplicitVRLittleEndian)
	}
	uid := opts.TransferSyntax
	if uid == "" {
		uid = src.UID
	}
	ts, err := LookupTransferSyntax(uid)
	if err != nil {
		return nil, err
	}
	if ts.BigEndian {
		return nil, &UnsupportedTransferSyntaxError{UID: uid, Reason: "explicit VR big endian is retired and only read, not written"}
	}
	if ts.Encapsulated != src.Encapsulated && f.Dataset.Has(TagPixelData) {
		return nil, &UnsupportedTransferSyntaxError{UID: uid, Reason: fmt.Sprintf("converting pixel data from %s needs a pixel codec", src.UID)}
	}
	if ts.Encapsulated && ts.UID != src.UID && f.Dataset.Has(TagPixelData) {
		return nil, &UnsupportedTransferSyntaxError{UID: uid, Reason: fmt.Sprintf("converting pixel data from %s needs a pixel codec", src.UID)}
	}
	if err := checkPixelLoaded(f.Dataset); err != nil {
		return nil, err
	}
	enc := &encoder{out: bufio.NewWriterSize(w, size), explicit: ts.ExplicitVR, opts: opts}
	enc.w = enc.out
	if _, err := enc.out.Write(f.Preamble[:]); err != nil {
		return nil, err
	}
	if _, err := enc.out.WriteString("DICM"); err != nil {
		return nil, err
	}
	meta := buildMeta(f, ts.UID)
	enc.explicit = true
	groupLen := enc.dsLen(meta)
	gl := &Element{Tag: TagFileMetaInformationGroupLength, VR: UL, Value: binary.LittleEndian.AppendUint32(nil, uint32(groupLen))}
	if err := enc.writeElement(gl); err != nil {
		return nil, err
	}
	if err := enc.writeElements(meta.Elements()); err != nil {
		return nil, err
	}
	enc.explicit = ts.ExplicitVR
	enc.inBody = true
	if ts.Deflated {
		level := opts.DeflateLevel
		if level == 0 {
			level = flate.DefaultCompression
		}
		enc.deflated = &countingWriter{w: enc.out}
		fw, err := flate.NewWriter(enc.deflated, level)
		if err != nil {
			return nil, err
		}
		enc.fw = fw
		enc.w = fw
	}
	return enc, nil
}

func checkPixelLoaded(ds *Dataset) error {
	for _, t := range []Tag{TagPixelData, TagFloatPixelData, TagDoubleFloatPixelData} {
		if e := ds.Get(t); e != nil && e.notLoaded {
			return ErrPixelDataNotLoaded
		}
	}
	return nil
}

// buildMeta returns the meta group to write: the file's, completed from
// the data set, with radkit's implementation identity and without the
// group length, which the encoder computes.
func buildMeta(f *File, uid string) *Dataset {
	m := NewDataset()
	if f.Meta != nil {
		for _, e := range f.Meta.Elements() {
			if e.Tag != TagFileMetaInformationGroupLength {
				m.Set(e)
			}
		}
	}
	if !m.Has(TagFileMetaInformationVersion) {
		m.SetBytes(TagFileMetaInformationVersion, OB, []byte{0, 1})
	}
	if ds := f.Dataset; ds != nil {
		if e := ds.Get(TagSOPClassUID); e != nil {
			m.Set(&Element{Tag: TagMediaStorageSOPClassUID, VR: UI, Value: e.Value})
		}
		if e := ds.Get(TagSOPInstanceUID); e != nil {
			m.Set(&Element{Tag: TagMediaStorageSOPInstanceUID, VR: UI, Value: e.Value})
		}
	}
	m.MustSetStrings(TagTransferSyntaxUID, UI, uid)
	m.MustSetStrings(TagImplementationClassUID, UI, ImplementationClassUID)
	m.MustSetStrings(TagImplementationVersionName, SH, ImplementationVersionName)
	return m
}

func (enc *encoder) close() error {
	if enc.fw != nil {
		if err := enc.fw.Close(); err != nil {
			return err
		}
		if enc.deflated.n%2 == 1 {
			if err := enc.out.WriteByte(0); err != nil {
				return err
			}
		}
	}
	return enc.out.Flush()
}

func (enc *encoder) skip(e *Element) bool {
	g := e.Tag.Group()
	if (g == 0x0002 && enc.inBody) || g == 0xFFFE {
		// Meta elements belong in the meta group; item tags are
		// structure, not elements.
		return true
	}
	return e.Tag.IsGroupLength() && !enc.opts.KeepGroupLengths
}

func (enc *encoder) writeElements(elems []*Element) error {
	for _, e := range elems {
		if enc.skip(e) {
			continue
		}
		if err := enc.writeElement(e); err != nil {
			return err
		}
	}
	return nil
}

// wireVR is the VR an element is written with: a short-header VR whose value
// exceeds the 16-bit length is written as UN (PS3.5 6.2.2).
func wireVR(e *Element) VR {
	if e.VR == 0 || !e.VR.Valid() {
		return UN
	}
	if !e.VR.longHeader() && e.Source == nil && len(e.Value)+len(e.Value)%2 > 0xFFFE {
		return UN
	}
	return e.VR
}

func (enc *encoder) undefined(e *Element) bool {
	switch {
	case enc.opts.Sequences == SequencesUndefined:
		return true
	case enc.opts.Sequences == SequencesDefined || enc.defined > 0:
		return false
	}
	return e.UndefinedLength
}

// elemLen is the number of bytes e takes on the wire when written with a
// defined length (and everything inside it too), or -1 when unknown.
func (enc *encoder) elemLen(e *Element) int64 {
	hdr := int64(8)
	vr := wireVR(e)
	if enc.explicit && vr.longHeader() {
		hdr = 12
	}
	switch {
	case e.VR == SQ:
		n := hdr
		for _, it := range e.Items {
			n += 8 + enc.dsLen(it)
		}
		return n
	case e.Fragments != nil:
		n := hdr + 8 + int64(4*len(e.Fragments.BasicOffsetTable))
		for _, f := range e.Fragments.Items {
			n += 8 + int64(len(f)+len(f)%2)
		}
		return n + 8
	case e.Source != nil:
		if l := e.Source.Len(); l >= 0 {
			return hdr + l
		}
		return -1
	}
	return hdr + int64(len(e.Value)+len(e.Value)%2)
}

func (enc *encoder) dsLen(ds *Dataset) int64 {
	var n int64
	for _, e := range ds.Elements() {
		if enc.skip(e) {
			continue
		}
		n += enc.elemLen(e)
	}
	return n
}

func (enc *encoder) header(t Tag, vr VR, length uint32) error {
	b := enc.scratch[:0]
	b = binary.LittleEndian.AppendUint16(b, t.Group())
	b = binary.LittleEndian.AppendUint16(b, t.Element())
	switch {
	case t.Group() == 0xFFFE || !enc.explicit:
		b = binary.LittleEndian.AppendUint32(b, length)
	case vr.longHeader():
		b = append(b, byte(vr>>8), byte(vr), 0, 0)
		b = binary.LittleEndian.AppendUint32(b, length)
	default:
		b = append(b, byte(vr>>8), byte(vr))
		b = binary.LittleEndian.AppendUint16(b, uint16(length))
	}
	_, err := enc.w.Write(b)
	return err
}

func (enc *encoder) writeElement(e *Element) error {
	vr := wireVR(e)
	switch {
	case e.VR == SQ:
		return enc.writeSequence(e)
	case e.Fragments != nil:
		return enc.writeFragments(e)
	case e.Source != nil:
		return enc.writeSource(e, vr)
	}
	if e.notLoaded {
		return ErrPixelDataNotLoaded
	}
	n := len(e.Value)
	if int64(n) >= undefinedLength-1 {
		return fmt.Errorf("dicomio: %v: value of %d bytes is too long for DICOM", e.Tag, n)
	}
	pad := n % 2
	if err := enc.header(e.Tag, vr, uint32(n+pad)); err != nil {
		return err
	}
	if _, err := enc.w.Write(e.Value); err != nil {
		return err
	}
	if pad == 1 {
		_, err := enc.w.Write([]byte{e.VR.padByte()})
		return err
	}
	return nil
}

func (enc *encoder) writeSequence(e *Element) error {
	undef := enc.undefined(e)
	if undef {
		if err := enc.header(e.Tag, SQ, undefinedLength); err != nil {
			return err
		}
	} else {
		enc.defined++
		defer func() { enc.defined-- }()
		n := enc.elemLen(e) - 8
		if enc.explicit {
			n -= 4
		}
		if n >= undefinedLength {
			return fmt.Errorf("dicomio: %v: sequence too long for a defined length", e.Tag)
		}
		if err := enc.header(e.Tag, SQ, uint32(n)); err != nil {
			return err
		}
	}
	for _, it := range e.Items {
		if undef {
			if err := enc.header(TagItem, 0, undefinedLength); err != nil {
				return err
			}
		} else {
			if err := enc.header(TagItem, 0, uint32(enc.dsLen(it))); err != nil {
				return err
			}
		}
		if err := enc.writeElements(it.Elements()); err != nil {
			return err
		}
		if undef {
			if err := enc.header(TagItemDelimitationItem, 0, 0); err != nil {
				return err
			}
		}
	}
	if undef {
		return enc.header(TagSequenceDelimitationItem, 0, 0)
	}
	return nil
}

func (enc *encoder) writeFragments(e *Element) error {
	fr := e.Fragments
	if err := enc.header(e.Tag, OB, undefinedLength); err != nil {
		return err
	}
	bot := fr.BasicOffsetTable
	if !validBOT(bot, fr.Items) {
		bot = nil
	}
	if err := enc.header(TagItem, 0, uint32(4*len(bot))); err != nil {
		return err
	}
	for _, o := range bot {
		if _, err := enc.w.Write(binary.LittleEndian.AppendUint32(enc.scratch[:0], o)); err != nil {
			return err
		}
	}
	for _, it := range fr.Items {
		pad := len(it) % 2
		if err := enc.header(TagItem, 0, uint32(len(it)+pad)); err != nil {
			return err
		}
		if _, err := enc.w.Write(it); err != nil {
			return err
		}
		if pad == 1 {
			if _, err := enc.w.Write([]byte{0}); err != nil {
				return err
			}
		}
	}
	return enc.header(TagSequenceDelimitationItem, 0, 0)
}

// validBOT reports whether every offset of the table falls on the start of
// a fragment item, ascending: a table that points elsewhere would send a
// reader to the wrong frame, so the writer drops it (an empty table is
// always valid, PS3.5 A.4).
func validBOT(bot []uint32, items [][]byte) bool {
	if len(bot) == 0 {
		return true
	}
	starts := make(map[uint32]bool, len(items))
	var pos uint64
	for _, it := range items {
		if pos > 0xFFFFFFFF {
			return false
		}
		starts[uint32(pos)] = true
		pos += 8 + uint64(len(it)+len(it)%2)
	}
	prev := int64(-1)
	for _, o := range bot {
		if int64(o) <= prev || !starts[o] {
			return false
		}
		prev = int64(o)
	}
	return bot[0] == 0
}

// countingWriter counts bytes for checking a source's declared length.
type countingWriter struct {
	w io.Writer
	n int64
}

// ReadFrom passes a copy through to w's ReadFrom when it has one, so that
// counting does not stop a kernel file-to-file copy.
func (c *countingWriter) ReadFrom(r io.Reader) (int64, error) {
	var n int64
	var err error
	if bw, ok := c.w.(*bufio.Writer); ok && bw.Buffered() > 0 {
		// A bufio.Writer holding data fills its buffer from r before it
		// hands r to the writer below: half a CT slice would then go
		// through user space. Flushed, it passes all of r down at once.
		if err := bw.Flush(); err != nil {
			return 0, err
		}
	}
	if rf, ok := c.w.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(struct{ io.Writer }{c.w}, r)
	}
	c.n += n
	return n, err
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func (enc *encoder) writeSource(e *Element, vr VR) error {
	n := e.Source.Len()
	if n < 0 {
		if err := enc.header(e.Tag, OB, undefinedLength); err != nil {
			return err
		}
		return e.Source.WriteValue(enc.w)
	}
	if n%2 == 1 || n >= undefinedLength {
		return fmt.Errorf("dicomio: %v: source length %d is odd or too long", e.Tag, n)
	}
	if err := enc.header(e.Tag, vr, uint32(n)); err != nil {
		return err
	}
	cw := &countingWriter{w: enc.w}
	if err := e.Source.WriteValue(cw); err != nil {
		return err
	}
	if cw.n != n {
		return fmt.Errorf("dicomio: %v: source wrote %d bytes, declared %d", e.Tag, cw.n, n)
	}
	return nil
}

// errNoPath guards against writing to a directory path by mistake.
var errNoPath = errors.New("dicomio: empty output path")

// WriteFileIn writes f into dir under name (a base name, never a path
// derived from the data set) atomically and returns the full path.
func WriteFileIn(dir, name string, f *File, opts *WriteOptions) (string, error) {
	if name == "" || filepath.Base(name) != name {
		return "", errNoPath
	}
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return p, WriteFile(p, f, opts)
}

func writeAtomic(path string, fn func(io.Writer) error) error {
	return atomicfile.WriteFile(path, 0o644, fn)
}

func openFile(path string) (*os.File, error) { return os.Open(path) }
