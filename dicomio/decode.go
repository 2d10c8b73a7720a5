package dicomio

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/flate"
)

// ReadOptions bound and steer decoding. The zero value is a safe default
// for untrusted input.
type ReadOptions struct {
	// PixelData says what to do with pixel data. Default: load it.
	PixelData PixelDataMode
	// MaxValueLength caps the length of any single value (or fragment).
	// Default 2 GiB; a breast tomosynthesis object of a few GB must be
	// passed through with [PixelDataStream], which this limit does not
	// bound.
	MaxValueLength int64
	// MaxBytes caps the bytes decoded from the data set stream, after
	// inflation for the deflated syntax: the guard against decompression
	// bombs. Default 8 GiB.
	MaxBytes int64
	// MaxDepth caps sequence nesting. Default 64.
	MaxDepth int
}

const (
	defaultMaxValueLength = 2 << 30
	defaultMaxBytes       = 8 << 30
	defaultMaxDepth       = 64
	// preallocLimit is the largest value allocated in one piece before
	// its bytes are seen when the input size is unknown: larger values are
	// read in chunks, so an absurd length in a short stream costs nothing.
	preallocLimit = 16 << 20
	chunkSize     = 1 << 20
)

func (o *ReadOptions) withDefaults() ReadOptions {
	var r ReadOptions
	if o != nil {
		r = *o
	}
	if r.MaxValueLength <= 0 {
		r.MaxValueLength = defaultMaxValueLength
	}
	if r.MaxBytes <= 0 {
		r.MaxBytes = defaultMaxBytes
	}
	if r.MaxDepth <= 0 {
		r.MaxDepth = defaultMaxDepth
	}
	return r
}

// ReadFile reads a Part 10 file from disk.
func ReadFile(path string, opts *ReadOptions) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	if opts != nil && opts.PixelData == PixelDataStream {
		return nil, errors.New("dicomio: ReadFile cannot stream pixel data past its return; use Parse or Rewrite")
	}
	return Parse(fh, opts)
}

// Parse reads a Part 10 file (preamble, "DICM", file meta information, data
// set). A file missing the preamble but starting with the file meta group
// is accepted. With [PixelDataStream], Parse returns once it reaches the
// pixel data, leaving the rest in r; elements after the pixel data are not
// read ([Rewrite] passes them through).
func Parse(r io.Reader, opts *ReadOptions) (*File, error) {
	d := newDecoder(r, opts)
	f, err := d.readFile()
	if err != nil {
		return nil, err
	}
	return f, nil
}

// ReadMeta reads only the preamble and file meta information, like
// image/png's DecodeConfig: enough to route a file without reading its body.
func ReadMeta(r io.Reader) (*File, error) {
	d := newDecoder(r, nil)
	f, err := d.readPreambleAndMeta()
	if err != nil {
		return nil, err
	}
	return f, nil
}

// decoder reads one file. It counts bytes (for error offsets and limits)
// and knows, where the input tells, how many bytes remain, so that a length
// larger than what is left fails at once instead of allocating.
type decoder struct {
	src       io.Reader
	br        *bufio.Reader
	off       int64 // bytes consumed from br
	remaining int64 // bytes left in br's source after off, -1 unknown
	base      int64 // remaining at off==0
	opts      ReadOptions
	bo        binary.ByteOrder
	explicit  bool
	bigEndian bool
	ts        TransferSyntax
	// stopped is set when PixelDataStream leaves the pixel data unread.
	stopped bool
	// pending is the single-use source handed out for streamed pixel
	// data; the decoder may not read on until it is used.
	pending *streamSource
	// raw is true while br reads src directly (not through inflate).
	raw bool
	// noDetect trusts the declared transfer syntax (bare data sets from
	// the network) instead of checking the first element.
	noDetect bool
	// file is the input when it is a regular file read as is (not
	// inflated): streamed pixel data can then move file to file in the
	// kernel (copy_file_range) instead of through user space.
	file *os.File
}

func newDecoder(r io.Reader, opts *ReadOptions) *decoder {
	return newDecoderSize(r, opts, readBufferSize)
}

// readBufferSize is the decoder's read buffer: large enough that parsing
// makes few read calls.
const readBufferSize = 64 << 10

// newDecoderSize is newDecoder with a read buffer of size bytes, or less
// when the input is known to be shorter (a 16 KiB header read from memory
// needs no 64 KiB buffer).
func newDecoderSize(r io.Reader, opts *ReadOptions, size int) *decoder {
	d := &decoder{src: r, opts: opts.withDefaults(), bo: binary.LittleEndian, explicit: true}
	d.base = sizeHint(r)
	d.remaining = d.base
	if f, ok := r.(*os.File); ok && d.base >= 0 {
		d.file = f
	}
	if d.base >= 0 && d.base < int64(size) {
		size = int(max(d.base, 512)) // Peek needs up to 132 bytes
	}
	d.br = bufio.NewReaderSize(r, size)
	d.raw = d.br != r
	return d
}

// sizeHint returns the bytes left in r, or -1 when r does not tell.
func sizeHint(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len())
	case *os.File:
		st, err := v.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return -1
		}
		pos, err := v.Seek(0, io.SeekCurrent)
		if err != nil {
			return -1
		}
		return st.Size() - pos
	}
	return -1
}

func (d *decoder) consumed(n int) {
	d.off += int64(n)
	if d.remaining >= 0 {
		d.remaining = d.base - d.off
	}
}

func (d *decoder) readFull(b []byte) error {
	n, err := io.ReadFull(d.br, b)
	d.consumed(n)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return ErrTruncated
		}
		return err
	}
	return nil
}

func (d *decoder) u16(b []byte) uint16 { return d.bo.Uint16(b) }
func (d *decoder) u32(b []byte) uint32 { return d.bo.Uint32(b) }

func (d *decoder) readPreambleAndMeta() (*File, error) {
	f := &File{Meta: NewDataset(), Dataset: NewDataset()}
	head, err := d.br.Peek(132)
	switch {
	case err == nil && string(head[128:132]) == "DICM":
		copy(f.Preamble[:], head[:128])
		d.br.Discard(132)
		d.consumed(132)
	case len(head) >= 8 && head[0] == 0x02 && head[1] == 0x00 && isUpperVR(head[4], head[5]):
		// No preamble: the file starts with the meta group (PS3.10
		// files written by some old tools); accept it.
	default:
		if ts, ok := guessRawDataset(head, false); ok {
			// A bare data set with no Part 10 header (old modalities,
			// DICOMDIR-era exports): read it in the syntax its first
			// element shows, as dcmtk does.
			f.TransferSyntax = ts
			return f, nil
		}
		return nil, ErrNotDICOM
	}
	// The meta group is explicit VR little endian whatever follows. Its
	// group length is often wrong in the wild, so read while group is 2.
	for {
		p, err := d.br.Peek(6)
		if len(p) < 2 {
			if err != nil {
				break
			}
		}
		if len(p) < 6 || binary.LittleEndian.Uint16(p) != 0x0002 {
			break
		}
		if !isUpperVR(p[4], p[5]) {
			return nil, &ParseError{Offset: d.off, Tag: NewTag(2, binary.LittleEndian.Uint16(p[2:])), Err: malformed("file meta information must be explicit VR")}
		}
		e, err := d.readElement(f.Meta, 0)
		if err != nil {
			return nil, err
		}
		if e != nil {
			f.Meta.appendSorted(e)
		}
	}
	if f.Meta.Len() == 0 {
		return nil, fmt.Errorf("%w: no file meta information", ErrNotDICOM)
	}
	uid := trimPadding(string(valueOf(f.Meta.Get(TagTransferSyntaxUID))))
	if uid == "" {
		// A meta group without a transfer syntax: follow what the first
		// element of the body shows.
		p, _ := d.br.Peek(8)
		ts, ok := guessRawDataset(p, true)
		if !ok {
			return nil, &ParseError{Offset: d.off, Tag: TagTransferSyntaxUID, Err: malformed("missing Transfer Syntax UID")}
		}
		f.TransferSyntax = ts
		return f, nil
	}
	ts, err := LookupTransferSyntax(uid)
	if err != nil {
		return nil, err
	}
	f.TransferSyntax = ts
	return f, nil
}

// guessRawDataset recognises the start of a data set without a Part 10
// header: an element of a low even group (0008 is the usual first), in
// little or big endian, explicit or implicit VR. After a meta group
// (afterMeta) any group below 0x0100 is taken, odd ones included.
func guessRawDataset(p []byte, afterMeta bool) (TransferSyntax, bool) {
	if len(p) < 8 {
		return TransferSyntax{}, false
	}
	le := binary.LittleEndian.Uint16(p)
	be := binary.BigEndian.Uint16(p)
	explicit := isUpperVR(p[4], p[5]) && NewVR(string(p[4:6])).Valid()
	var uid string
	if afterMeta && le < 0x0100 {
		uid = ImplicitVRLittleEndian
		if explicit {
			uid = ExplicitVRLittleEndian
		}
		ts, _ := LookupTransferSyntax(uid)
		return ts, true
	}
	switch {
	case le >= 0x0008 && le <= 0x0010 && le%2 == 0 && explicit:
		uid = ExplicitVRLittleEndian
	case le >= 0x0008 && le <= 0x0010 && le%2 == 0:
		uid = ImplicitVRLittleEndian
	case be >= 0x0008 && be <= 0x0010 && be%2 == 0 && explicit:
		uid = ExplicitVRBigEndian
	default:
		return TransferSyntax{}, false
	}
	ts, _ := LookupTransferSyntax(uid)
	return ts, true
}

func valueOf(e *Element) []byte {
	if e == nil {
		return nil
	}
	return e.Value
}

func isUpperVR(a, b byte) bool { return a >= 'A' && a <= 'Z' && b >= 'A' && b <= 'Z' }

func (d *decoder) readFile() (*File, error) {
	f, err := d.readPreambleAndMeta()
	if err != nil {
		return nil, err
	}
	if err := d.startBody(f.TransferSyntax); err != nil {
		return nil, err
	}
	if err := d.readDataset(f.Dataset, -1, 0); err != nil {
		return nil, err
	}
	return f, nil
}

// startBody switches the decoder to the data set's encoding.
func (d *decoder) startBody(ts TransferSyntax) error {
	d.ts = ts
	d.explicit = ts.ExplicitVR
	d.bigEndian = ts.BigEndian
	if ts.BigEndian {
		d.bo = binary.BigEndian
	}
	if ts.Deflated {
		d.file = nil
		d.raw = false
		// The inflated size is unknown: limits then rest on MaxBytes and
		// chunked reads, never on a length read from the stream.
		d.br = bufio.NewReaderSize(flate.NewReader(d.br), 64<<10)
		d.off = 0
		d.base, d.remaining = -1, -1
		return nil
	}
	// Some writers label implicit data as explicit, or the reverse; look at
	// the first element and follow what it is, as dcmtk does.
	p, err := d.br.Peek(6)
	if err == nil && !d.noDetect && !ts.BigEndian && binary.LittleEndian.Uint16(p) != 0xFFFE {
		looksExplicit := isUpperVR(p[4], p[5]) && NewVR(string(p[4:6])).Valid()
		if looksExplicit != d.explicit {
			d.explicit = looksExplicit
		}
	}
	return nil
}

type header struct {
	tag    Tag
	vr     VR
	length uint32
	off    int64
}

const undefinedLength = 0xFFFFFFFF

// readHeader reads an element header. ds is the data set being read, for
// implicit VR resolution.
func (d *decoder) readHeader(ds *Dataset) (header, error) {
	h := header{off: d.off}
	var b [8]byte
	if err := d.readFull(b[:4]); err != nil {
		return h, err
	}
	h.tag = NewTag(d.u16(b[:]), d.u16(b[2:]))
	if h.tag.Group() == 0xFFFE {
		if err := d.readFull(b[:4]); err != nil {
			return h, err
		}
		h.length = d.u32(b[:])
		return h, nil
	}
	// The meta group is always explicit little endian.
	explicit := d.explicit || h.tag.Group() == 0x0002
	if !explicit {
		if err := d.readFull(b[:4]); err != nil {
			return h, err
		}
		h.length = d.u32(b[:])
		h.vr = vrForImplicit(h.tag, ds)
		return h, nil
	}
	if err := d.readFull(b[:4]); err != nil {
		return h, err
	}
	if !isUpperVR(b[0], b[1]) {
		return h, &ParseError{Offset: h.off, Tag: h.tag, Err: malformed("invalid VR bytes %q", b[:2])}
	}
	h.vr = vrOf(b[0], b[1])
	if !h.vr.Valid() {
		// PS3.5 6.2: a VR unknown to this reader is read as UN, whose
		// header is the long form.
		h.vr = UN
	}
	if h.vr.longHeader() {
		if err := d.readFull(b[4:8]); err != nil {
			return h, err
		}
		h.length = d.u32(b[4:])
	} else {
		h.length = uint32(d.u16(b[2:]))
	}
	return h, nil
}

// readDataset reads elements into ds until end (an offset) is reached, or,
// for end < 0 with depth 0, until EOF; for undefined-length items (end < 0,
// depth > 0) until an Item Delimitation Item.
func (d *decoder) readDataset(ds *Dataset, end int64, depth int) error {
	for {
		if end >= 0 && d.off >= end {
			if d.off > end {
				return &ParseError{Offset: d.off, Err: malformed("element overruns the item's length")}
			}
			return nil
		}
		if end < 0 && depth == 0 {
			if _, err := d.br.Peek(1); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
		}
		e, err := d.readElement(ds, depth)
		if err != nil {
			if errors.Is(err, errItemEnd) {
				if end >= 0 || depth == 0 {
					return &ParseError{Offset: d.off - 8, Tag: TagItemDelimitationItem, Err: malformed("unexpected item delimiter")}
				}
				return nil
			}
			return err
		}
		if e == nil {
			continue
		}
		ds.appendSorted(e)
		if d.stopped {
			return nil
		}
	}
}

var errItemEnd = errors.New("item delimitation")

// readElement reads one element. It returns (nil, errItemEnd) at an Item
// Delimitation Item and (nil, nil) for a stray padding element to ignore.
func (d *decoder) readElement(ds *Dataset, depth int) (*Element, error) {
	h, err := d.readHeader(ds)
	if err != nil {
		return nil, d.wrap(h, err)
	}
	switch h.tag {
	case TagItemDelimitationItem:
		return nil, errItemEnd
	case TagItem, TagSequenceDelimitationItem:
		return nil, &ParseError{Offset: h.off, Tag: h.tag, Err: malformed("item tag outside a sequence")}
	}
	if d.off > d.opts.MaxBytes {
		return nil, &ParseError{Offset: h.off, Tag: h.tag, Err: fmt.Errorf("%w: data set larger than MaxBytes (%d)", ErrLimit, d.opts.MaxBytes)}
	}
	e := &Element{Tag: h.tag, VR: h.vr}
	isPixel := h.tag == TagPixelData || h.tag == TagFloatPixelData || h.tag == TagDoubleFloatPixelData
	if isPixel && depth == 0 {
		return e, d.readPixelData(e, h)
	}
	if h.vr == SQ || (h.length == undefinedLength && (h.vr == UN || h.vr == OB || h.vr == OW)) {
		if h.vr != SQ {
			// PS3.5 6.2.2: UN of undefined length is a sequence encoded
			// in implicit VR little endian.
			e.VR = SQ
			saved := d.explicit
			d.explicit = false
			err := d.readSequence(e, h, depth, ds)
			d.explicit = saved
			return e, err
		}
		return e, d.readSequence(e, h, depth, ds)
	}
	if h.length == undefinedLength {
		return nil, &ParseError{Offset: h.off, Tag: h.tag, Err: malformed("undefined length on a %v element", h.vr)}
	}
	v, err := d.readValue(h)
	if err != nil {
		return nil, err
	}
	e.Value = v
	return e, nil
}

func (d *decoder) wrap(h header, err error) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		return err
	}
	return &ParseError{Offset: h.off, Tag: h.tag, Err: err}
}

// readValue reads a value of h.length bytes, byte-swapped to little endian
// when the stream is big endian. It never allocates more than the input can
// hold: a length beyond the known remaining bytes fails at once, and with an
// unknown input size large values are read in chunks.
func (d *decoder) readValue(h header) ([]byte, error) {
	n := int64(h.length)
	if n > d.opts.MaxValueLength {
		return nil, &ParseError{Offset: h.off, Tag: h.tag, Err: fmt.Errorf("%w: value length %d > MaxValueLength %d", ErrLimit, n, d.opts.MaxValueLength)}
	}
	if d.remaining >= 0 && n > d.remaining {
		return nil, &ParseError{Offset: h.off, Tag: h.tag, Err: fmt.Errorf("%w: value length %d but %d bytes left", ErrTruncated, n, d.remaining)}
	}
	if d.off+n > d.opts.MaxBytes {
		return nil, &ParseError{Offset: h.off, Tag: h.tag, Err: fmt.Errorf("%w: data set larger than MaxBytes (%d)", ErrLimit, d.opts.MaxBytes)}
	}
	var v []byte
	if d.remaining >= 0 || n <= preallocLimit {
		v = make([]byte, n)
		if err := d.readFull(v); err != nil {
			return nil, d.wrap(h, err)
		}
	} else {
		var chunks [][]byte
		for left := n; left > 0; {
			c := make([]byte, min(left, chunkSize))
			if err := d.readFull(c); err != nil {
				return nil, d.wrap(h, err)
			}
			chunks = append(chunks, c)
			left -= int64(len(c))
		}
		v = bytes.Join(chunks, nil)
	}
	if d.bigEndian {
		swapInPlace(v, h.vr.wordSize())
	}
	return v, nil
}

func swapInPlace(v []byte, size int) {
	switch size {
	case 2:
		for i := 0; i+1 < len(v); i += 2 {
			v[i], v[i+1] = v[i+1], v[i]
		}
	case 4:
		for i := 0; i+3 < len(v); i += 4 {
			v[i], v[i+1], v[i+2], v[i+3] = v[i+3], v[i+2], v[i+1], v[i]
		}
	case 8:
		for i := 0; i+7 < len(v); i += 8 {
			for j := 0; j < 4; j++ {
				v[i+j], v[i+7-j] = v[i+7-j], v[i+j]
			}
		}
	}
}

func (d *decoder) readSequence(e *Element, h header, depth int, ds *Dataset) error {
	if depth+1 > d.opts.MaxDepth {
		return &ParseError{Offset: h.off, Tag: h.tag, Err: fmt.Errorf("%w: sequences nested deeper than %d", ErrLimit, d.opts.MaxDepth)}
	}
	e.VR = SQ
	end := int64(-1)
	if h.length != undefinedLength {
		end = d.off + int64(h.length)
		if d.remaining >= 0 && int64(h.length) > d.remaining {
			return &ParseError{Offset: h.off, Tag: h.tag, Err: fmt.Errorf("%w: sequence length %d but %d bytes left", ErrTruncated, h.length, d.remaining)}
		}
	} else {
		e.UndefinedLength = true
	}
	for {
		if end >= 0 && d.off >= end {
			if d.off > end {
				return &ParseError{Offset: d.off, Tag: h.tag, Err: malformed("item overruns the sequence's length")}
			}
			return nil
		}
		ih, err := d.readHeader(nil)
		if err != nil {
			return d.wrap(ih, err)
		}
		switch ih.tag {
		case TagSequenceDelimitationItem:
			if end >= 0 {
				return &ParseError{Offset: ih.off, Tag: h.tag, Err: malformed("sequence delimiter in a defined-length sequence")}
			}
			return nil
		case TagItem:
		default:
			return &ParseError{Offset: ih.off, Tag: h.tag, Err: malformed("expected an item, found %v", ih.tag)}
		}
		// The parent link lets implicit-VR items resolve "US or SS" from
		// the enclosing Pixel Representation while they are read.
		item := &Dataset{parent: ds}
		itemEnd := int64(-1)
		if ih.length != undefinedLength {
			itemEnd = d.off + int64(ih.length)
			if d.remaining >= 0 && int64(ih.length) > d.remaining {
				return &ParseError{Offset: ih.off, Tag: h.tag, Err: fmt.Errorf("%w: item length %d but %d bytes left", ErrTruncated, ih.length, d.remaining)}
			}
		}
		if err := d.readDataset(item, itemEnd, depth+1); err != nil {
			return err
		}
		e.Items = append(e.Items, item)
	}
}

// readPixelData reads top-level pixel data according to the pixel mode.
func (d *decoder) readPixelData(e *Element, h header) error {
	encapsulated := h.length == undefinedLength
	if encapsulated {
		e.VR = OB
		e.UndefinedLength = true
	}
	switch d.opts.PixelData {
	case PixelDataStream:
		n := int64(h.length)
		if encapsulated {
			n = -1
		} else if d.remaining >= 0 && n > d.remaining {
			return &ParseError{Offset: h.off, Tag: h.tag, Err: fmt.Errorf("%w: pixel data length %d but %d bytes left", ErrTruncated, n, d.remaining)}
		}
		s := &streamSource{d: d, n: n, vr: e.VR}
		e.Source = s
		d.pending = s
		d.stopped = true
		return nil
	case PixelDataSkip:
		e.notLoaded = true
		if encapsulated {
			e.length = -1
			return d.skipItems(h)
		}
		e.length = int64(h.length)
		return d.discard(h, int64(h.length))
	}
	if !encapsulated {
		v, err := d.readValue(h)
		e.Value = v
		return err
	}
	frags := &Fragments{}
	first := true
	for {
		ih, err := d.readHeader(nil)
		if err != nil {
			return d.wrap(ih, err)
		}
		if ih.tag == TagSequenceDelimitationItem {
			break
		}
		if ih.tag != TagItem || ih.length == undefinedLength {
			return &ParseError{Offset: ih.off, Tag: h.tag, Err: malformed("bad item %v (length %#x) in encapsulated pixel data", ih.tag, ih.length)}
		}
		v, err := d.readValue(header{tag: h.tag, vr: OB, length: ih.length, off: ih.off})
		if err != nil {
			return err
		}
		if first {
			first = false
			if len(v)%4 != 0 {
				return &ParseError{Offset: ih.off, Tag: h.tag, Err: malformed("Basic Offset Table length %d is not a multiple of 4", len(v))}
			}
			for i := 0; i < len(v); i += 4 {
				frags.BasicOffsetTable = append(frags.BasicOffsetTable, binary.LittleEndian.Uint32(v[i:]))
			}
			continue
		}
		frags.Items = append(frags.Items, v)
	}
	if first {
		return &ParseError{Offset: h.off, Tag: h.tag, Err: malformed("encapsulated pixel data without a Basic Offset Table item")}
	}
	e.Fragments = frags
	return nil
}

func (d *decoder) discard(h header, n int64) error {
	if d.remaining >= 0 && n > d.remaining {
		return &ParseError{Offset: h.off, Tag: h.tag, Err: fmt.Errorf("%w: value length %d but %d bytes left", ErrTruncated, n, d.remaining)}
	}
	// Skipping the pixel data of a file or an in-memory buffer is a seek,
	// not a copy: reading the header of a 1 GB object costs microseconds.
	if s, ok := d.src.(io.Seeker); ok && d.raw && d.remaining >= 0 && n > int64(d.br.Buffered()) {
		b := d.br.Buffered()
		d.br.Discard(b)
		d.consumed(b)
		if _, err := s.Seek(n-int64(b), io.SeekCurrent); err != nil {
			return d.wrap(h, err)
		}
		d.br.Reset(d.src)
		d.consumed(int(n - int64(b)))
		return nil
	}
	m, err := io.CopyN(io.Discard, d.br, n)
	d.consumed(int(m))
	if err != nil {
		return d.wrap(h, ErrTruncated)
	}
	return nil
}

func (d *decoder) skipItems(h header) error {
	for {
		ih, err := d.readHeader(nil)
		if err != nil {
			return d.wrap(ih, err)
		}
		if ih.tag == TagSequenceDelimitationItem {
			return nil
		}
		if ih.tag != TagItem || ih.length == undefinedLength {
			return &ParseError{Offset: ih.off, Tag: h.tag, Err: malformed("bad item %v in encapsulated pixel data", ih.tag)}
		}
		if err := d.discard(ih, int64(ih.length)); err != nil {
			return err
		}
	}
}

// copyFromFile passes native pixel data when the input is a regular file:
// what the read buffer already holds is written from it, the rest goes
// from the file through w's ReadFrom, which reaches copy_file_range(2)
// when w ends in a file (the bytes then never enter user space).
func (s *streamSource) copyFromFile(rf io.ReaderFrom, w io.Writer) error {
	d := s.d
	if d.off+s.n > d.opts.MaxBytes {
		return &ParseError{Offset: d.off, Tag: TagPixelData, Err: fmt.Errorf("%w: data set larger than MaxBytes (%d)", ErrLimit, d.opts.MaxBytes)}
	}
	if n := s.n; d.remaining >= 0 && n > d.remaining {
		return &ParseError{Offset: d.off, Tag: TagPixelData, Err: fmt.Errorf("%w: value length %d but %d bytes left", ErrTruncated, n, d.remaining)}
	}
	k := min(s.n, int64(d.br.Buffered()))
	head, _ := d.br.Peek(int(k))
	if _, err := w.Write(head); err != nil {
		return err
	}
	d.br.Discard(int(k))
	d.consumed(int(k))
	rest := s.n - k
	if rest == 0 {
		return nil
	}
	// The read buffer is empty, so the file's offset is the stream's.
	m, err := rf.ReadFrom(io.LimitReader(d.file, rest))
	d.consumed(int(m))
	if err != nil {
		return err
	}
	if m != rest {
		return &ParseError{Offset: d.off, Tag: TagPixelData, Err: ErrTruncated}
	}
	return nil
}

// streamSource passes pixel data from the decoder's input to a writer
// without holding it: the value of a 1 GB object moves through a 1 MiB
// buffer.
type streamSource struct {
	d    *decoder
	n    int64 // -1: encapsulated
	vr   VR
	used bool
}

func (s *streamSource) Len() int64 { return s.n }

// errSourceUsed is returned when a single-use source is asked twice.
var errSourceUsed = errors.New("dicomio: streamed pixel data was already consumed; it can be written once")

func (s *streamSource) WriteValue(w io.Writer) error {
	if s.used {
		return errSourceUsed
	}
	s.used = true
	d := s.d
	d.pending = nil
	bufSize := int64(chunkSize)
	if s.n >= 0 {
		bufSize = max(min(bufSize, s.n), 1)
	}
	var buf []byte
	copyN := func(n int64, swap int) error {
		if buf == nil {
			buf = make([]byte, bufSize)
		}
		if d.off+n > d.opts.MaxBytes {
			return &ParseError{Offset: d.off, Tag: TagPixelData, Err: fmt.Errorf("%w: data set larger than MaxBytes (%d)", ErrLimit, d.opts.MaxBytes)}
		}
		if d.remaining >= 0 && n > d.remaining {
			return &ParseError{Offset: d.off, Tag: TagPixelData, Err: fmt.Errorf("%w: value length %d but %d bytes left", ErrTruncated, n, d.remaining)}
		}
		for n > 0 {
			c := buf[:min(n, int64(len(buf)))]
			if err := d.readFull(c); err != nil {
				return &ParseError{Offset: d.off, Tag: TagPixelData, Err: err}
			}
			if swap > 1 {
				swapInPlace(c, swap)
			}
			if _, err := w.Write(c); err != nil {
				return err
			}
			n -= int64(len(c))
		}
		return nil
	}
	if s.n >= 0 {
		swap := 0
		if d.bigEndian {
			swap = s.vr.wordSize()
		}
		if swap == 0 && d.file != nil {
			if rf, ok := w.(io.ReaderFrom); ok {
				return s.copyFromFile(rf, w)
			}
		}
		return copyN(s.n, swap)
	}
	var hb [8]byte
	for {
		ih, err := d.readHeader(nil)
		if err != nil {
			return d.wrap(ih, err)
		}
		if ih.tag != TagItem && ih.tag != TagSequenceDelimitationItem || ih.length == undefinedLength {
			return &ParseError{Offset: ih.off, Tag: TagPixelData, Err: malformed("bad item %v in encapsulated pixel data", ih.tag)}
		}
		binary.LittleEndian.PutUint16(hb[0:], ih.tag.Group())
		binary.LittleEndian.PutUint16(hb[2:], ih.tag.Element())
		binary.LittleEndian.PutUint32(hb[4:], ih.length)
		if _, err := w.Write(hb[:]); err != nil {
			return err
		}
		if ih.tag == TagSequenceDelimitationItem {
			return nil
		}
		if int64(ih.length) > d.opts.MaxValueLength {
			return &ParseError{Offset: ih.off, Tag: TagPixelData, Err: fmt.Errorf("%w: fragment length %d", ErrLimit, ih.length)}
		}
		if err := copyN(int64(ih.length), 0); err != nil {
			return err
		}
	}
}
