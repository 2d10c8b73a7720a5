// Package rle implements DICOM RLE Lossless compression (PS3.5 Annex G):
// each byte of each sample is a separate PackBits-coded segment, most
// significant byte first, at most 15 segments per frame.
//
// Samples are exchanged as DICOM native pixel data stores them: little
// endian, pixel-interleaved (Planar Configuration 0) unless [Frame.Planar]
// says colour-by-plane. Widths need not be even; every row is coded
// separately, as Annex G.3.1 requires, so that a decoder may stop at any
// row.
package rle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

// Frame is the geometry of one RLE frame; RLE streams do not carry it, so
// the caller supplies it from the DICOM data set.
type Frame struct {
	Width, Height int
	// Samples is Samples per Pixel: 1 or 3 (any 1..15 with one byte
	// per sample is accepted).
	Samples int
	// BitsAllocated is 8, 16 or 32.
	BitsAllocated int
	// Planar means colour-by-plane (Planar Configuration 1) for the raw
	// samples; the RLE stream is always by plane.
	Planar bool
}

func (f Frame) bytesPerSample() int { return f.BitsAllocated / 8 }

// Size is the number of bytes of the raw frame.
func (f Frame) Size() int { return f.Width * f.Height * f.Samples * f.bytesPerSample() }

func (f Frame) validate() error {
	if f.Width < 1 || f.Height < 1 || f.Width > 1<<16 || f.Height > 1<<16 {
		return fmt.Errorf("rle: cannot code a %dx%d frame", f.Width, f.Height)
	}
	switch f.BitsAllocated {
	case 8, 16, 32:
	default:
		return UnsupportedError(fmt.Sprintf("%d bits allocated", f.BitsAllocated))
	}
	if f.Samples < 1 || f.Samples*f.bytesPerSample() > 15 {
		return UnsupportedError(fmt.Sprintf("%d samples of %d bits (more than 15 segments)", f.Samples, f.BitsAllocated))
	}
	return nil
}

// Sentinel errors.
var (
	// ErrTooLarge means a frame exceeds the decoder's WithMaxBytes limit.
	ErrTooLarge = errors.New("rle: frame exceeds the size limit")
	// ErrTruncated means a segment ended before its plane was complete.
	ErrTruncated = errors.New("rle: truncated segment")
)

// FormatError reports an invalid RLE stream, with the byte offset.
type FormatError struct {
	Offset int64
	Msg    string
	Err    error
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("rle: invalid stream at offset %d: %s", e.Offset, e.Msg)
}

// Unwrap returns the sentinel the error wraps, if any.
func (e *FormatError) Unwrap() error { return e.Err }

// UnsupportedError reports a valid but unimplemented geometry.
type UnsupportedError string

func (e UnsupportedError) Error() string { return "rle: unsupported: " + string(e) }

// DefaultMaxBytes bounds a decoded frame by default.
const DefaultMaxBytes = 1 << 30

// DOption configures a [Decoder].
type DOption func(*decoderOptions) error

type decoderOptions struct{ maxBytes int64 }

// WithMaxBytes bounds the decoded size of one frame, checked before any
// allocation. Default [DefaultMaxBytes] (1 GiB); at most 1 TiB.
func WithMaxBytes(n int64) DOption {
	return func(o *decoderOptions) error {
		if n <= 0 || n > 1<<40 {
			return fmt.Errorf("rle: WithMaxBytes(%d) outside 1..2^40", n)
		}
		o.maxBytes = n
		return nil
	}
}

// Decoder decodes RLE frames. DecodeAll may be called concurrently.
type Decoder struct {
	opts    decoderOptions
	scratch sync.Pool // *[]byte
}

// NewDecoder returns a decoder. RLE frames are decoded from memory, so
// unlike stream codecs there is no reader to pass.
func NewDecoder(opts ...DOption) (*Decoder, error) {
	d := &Decoder{opts: decoderOptions{maxBytes: DefaultMaxBytes}}
	for _, o := range opts {
		if err := o(&d.opts); err != nil {
			return nil, err
		}
	}
	d.scratch.New = func() any { return new([]byte) }
	return d, nil
}

// Close releases the decoder's resources.
func (d *Decoder) Close() error { return nil }

const headerSize = 64

// DecodeAll decodes one RLE frame of geometry f from src and appends the
// raw samples to dst.
func (d *Decoder) DecodeAll(f Frame, src, dst []byte) ([]byte, error) {
	if err := f.validate(); err != nil {
		return dst, err
	}
	if int64(f.Size()) > d.opts.maxBytes {
		return dst, fmt.Errorf("%w: %d bytes", ErrTooLarge, f.Size())
	}
	if len(src) < headerSize {
		return dst, &FormatError{Offset: 0, Msg: "shorter than the 64-byte header", Err: ErrTruncated}
	}
	bps := f.bytesPerSample()
	nseg := int(binary.LittleEndian.Uint32(src))
	if nseg != f.Samples*bps {
		return dst, &FormatError{Msg: fmt.Sprintf("%d segments where %d samples of %d bits need %d", nseg, f.Samples, f.BitsAllocated, f.Samples*bps)}
	}
	var offs [16]int
	for i := range nseg {
		o := int(binary.LittleEndian.Uint32(src[4+4*i:]))
		if o < headerSize || o > len(src) || (i > 0 && o < offs[i-1]) {
			return dst, &FormatError{Offset: int64(4 + 4*i), Msg: fmt.Sprintf("segment %d offset %d", i+1, o)}
		}
		offs[i] = o
	}
	offs[nseg] = len(src)
	plane := f.Width * f.Height
	for s := range nseg {
		// A two-byte replicate run yields at most 128 bytes: a segment
		// shorter than plane/64 cannot fill its plane. Checking before
		// allocating bounds the output by 64 times the input.
		if (offs[s+1]-offs[s])*64 < plane {
			return dst, &FormatError{Offset: int64(offs[s]), Msg: fmt.Sprintf("segment %d of %d bytes cannot hold a plane of %d", s+1, offs[s+1]-offs[s], plane), Err: ErrTruncated}
		}
	}
	start := len(dst)
	size := f.Size()
	dst = grow(dst, size)
	out := dst[start:]
	// One byte per sample: the segments are the planes (or, for one
	// sample, the frame itself); decode in place.
	if bps == 1 && (f.Samples == 1 || f.Planar) {
		for s := range nseg {
			if err := unpack(src[offs[s]:offs[s+1]], out[s*plane:(s+1)*plane], offs[s]); err != nil {
				return dst[:start], err
			}
		}
		return dst, nil
	}
	// Decode bands of rows from every segment into small planes that
	// stay in cache while they are interleaved: a mammogram's planes would
	// not.
	band := max(1, bandBytes/f.Width) * f.Width
	band = min(band, plane)
	bp := d.scratch.Get().(*[]byte)
	defer d.scratch.Put(bp)
	if cap(*bp) < nseg*band {
		*bp = make([]byte, nseg*band)
	}
	planes := (*bp)[:nseg*band]
	var cur [15]unpacker
	for s := range nseg {
		cur[s] = unpacker{seg: src[offs[s]:offs[s+1]], base: offs[s]}
	}
	stride := bps * f.Samples
	for p0 := 0; p0 < plane; p0 += band {
		n := min(band, plane-p0)
		for s := range nseg {
			if err := cur[s].unpack(planes[s*n : (s+1)*n]); err != nil {
				return dst[:start], err
			}
		}
		if f.Planar {
			for s := range f.Samples {
				interleaveBytes(planes[s*bps*n:(s+1)*bps*n], out[(s*plane+p0)*bps:(s*plane+p0+n)*bps], bps, 1, n)
			}
		} else {
			interleaveBytes(planes[:nseg*n], out[p0*stride:(p0+n)*stride], bps, f.Samples, n)
		}
	}
	for s := range nseg {
		if cur[s].lit > 0 || cur[s].rep > 0 {
			return dst[:start], &FormatError{Offset: int64(cur[s].base + cur[s].pos), Msg: "run past the end of the plane"}
		}
	}
	return dst, nil
}

// bandBytes is the size of the per-segment band decoded before
// interleaving: small enough that all segments' bands fit in L2.
const bandBytes = 16 << 10

func grow(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), len(b)+n)
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}

// unpacker decodes one PackBits segment in pieces; a run may straddle
// two pieces (encoders other than radkit's need not end runs at rows).
type unpacker struct {
	seg     []byte
	pos     int
	base    int
	lit     int  // literal bytes still to copy
	rep     int  // replicated bytes still to write
	repByte byte // the byte being replicated
}

// unpack fills out from the segment; trailing bytes left at the end of the
// frame (the pad byte, or a no-op 0x80) are ignored.
func (u *unpacker) unpack(out []byte) error {
	o := 0
	seg := u.seg
	for o < len(out) {
		if u.lit > 0 {
			n := min(u.lit, len(out)-o)
			if u.pos+n > len(seg) {
				return &FormatError{Offset: int64(u.base + u.pos), Msg: "literal run past the segment end", Err: ErrTruncated}
			}
			copy(out[o:o+n], seg[u.pos:u.pos+n])
			u.pos += n
			u.lit -= n
			o += n
			continue
		}
		if u.rep > 0 {
			n := min(u.rep, len(out)-o)
			fill(out[o:o+n], u.repByte)
			u.rep -= n
			o += n
			continue
		}
		if u.pos >= len(seg) {
			return &FormatError{Offset: int64(u.base + u.pos), Msg: "segment ends before its plane is complete", Err: ErrTruncated}
		}
		n := int(int8(seg[u.pos]))
		u.pos++
		switch {
		case n >= 0:
			n++
			if u.pos+n <= len(seg) && o+n <= len(out) {
				copy(out[o:o+n], seg[u.pos:u.pos+n]) // the common case
				u.pos += n
				o += n
				continue
			}
			u.lit = n
		case n != -128:
			if u.pos >= len(seg) {
				return &FormatError{Offset: int64(u.base + u.pos), Msg: "replicate run without its byte", Err: ErrTruncated}
			}
			u.rep, u.repByte = 1-n, seg[u.pos]
			u.pos++
		}
	}
	return nil
}

// unpack decodes a whole plane from one segment.
func unpack(seg, out []byte, base int) error {
	u := unpacker{seg: seg, base: base}
	if err := u.unpack(out); err != nil {
		return err
	}
	if u.lit > 0 || u.rep > 0 {
		return &FormatError{Offset: int64(base + u.pos), Msg: "run past the end of the plane"}
	}
	return nil
}

// fill sets every byte of b to v; runs are at most 128 bytes, so a word
// loop beats the generic clear-and-copy.
func fill(b []byte, v byte) {
	w := uint64(v) * 0x0101010101010101
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, w)
		b = b[8:]
	}
	for i := range b {
		b[i] = v
	}
}

// interleaveBytes writes pixel-interleaved little-endian samples of bps
// bytes and ns samples from ns*bps planes.
func interleaveBytes(planes, out []byte, bps, ns, plane int) {
	switch {
	case bps == 2 && ns == 1:
		hi, lo := planes[:plane], planes[plane:2*plane]
		out = out[:2*plane]
		i := 0
		for ; i+8 <= plane; i += 8 {
			h := binary.LittleEndian.Uint64(hi[i:])
			l := binary.LittleEndian.Uint64(lo[i:])
			binary.LittleEndian.PutUint64(out[2*i:], spread(uint32(l))|spread(uint32(h))<<8)
			binary.LittleEndian.PutUint64(out[2*i+8:], spread(uint32(l>>32))|spread(uint32(h>>32))<<8)
		}
		for ; i < plane; i++ {
			out[2*i], out[2*i+1] = lo[i], hi[i]
		}
	case bps == 1 && ns == 3:
		r, g, b := planes[:plane], planes[plane:2*plane], planes[2*plane:3*plane]
		out = out[:3*plane]
		for i := range plane {
			o := out[3*i : 3*i+3 : 3*i+3]
			o[0], o[1], o[2] = r[i], g[i], b[i]
		}
	default:
		stride := bps * ns
		for s := range ns {
			for b := range bps {
				p := planes[(s*bps+b)*plane : (s*bps+b+1)*plane]
				off := s*bps + (bps - 1 - b)
				for i, v := range p {
					out[i*stride+off] = v
				}
			}
		}
	}
}

// spread moves the four bytes of x to the even bytes of the result.
func spread(x uint32) uint64 {
	v := uint64(x)
	v = (v | v<<16) & 0x0000FFFF0000FFFF
	return (v | v<<8) & 0x00FF00FF00FF00FF
}
