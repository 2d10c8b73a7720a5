// Package ljpeg decodes and encodes lossless JPEG (ITU-T T.81 process 14,
// Huffman coded, non-hierarchical), the codec of DICOM's JPEG Lossless
// transfer syntaxes 1.2.840.10008.1.2.4.70 (selection value 1) and
// 1.2.840.10008.1.2.4.57 (any predictor). The decoder takes 2 to 16 bits,
// predictors 1 to 7, a point transform, restart intervals, and 1 to 4
// components with one sample per component per MCU, interleaved or one
// scan per component; the encoder writes one interleaved scan with a
// Huffman table optimised for the image.
//
// Samples are one byte each up to 8 bits, two little-endian bytes beyond,
// pixel-interleaved. The decoder is checked against dcmtk's encoder for
// every predictor and the encoder against dcmtk's decoder (package codec's
// tests); it is fuzzed with testdata's dcmtk-made streams as seeds.
package ljpeg

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Sentinel errors.
var (
	// ErrTooLarge means the declared image exceeds the WithMaxBytes limit.
	ErrTooLarge = errors.New("ljpeg: image exceeds the size limit")
	// ErrTruncated means the stream ended before the image was complete.
	ErrTruncated = errors.New("ljpeg: truncated stream")
)

// FormatError reports an invalid stream with the byte offset.
type FormatError struct {
	Offset int64
	Msg    string
	Err    error
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("ljpeg: invalid stream at offset %d: %s", e.Offset, e.Msg)
}

// Unwrap returns the sentinel the error wraps, if any.
func (e *FormatError) Unwrap() error { return e.Err }

// UnsupportedError reports a valid JPEG feature this package does not
// decode (lossy or arithmetic-coded processes, subsampling).
type UnsupportedError string

func (e UnsupportedError) Error() string { return "ljpeg: unsupported: " + string(e) }

func formatErr(off int, format string, args ...any) error {
	return &FormatError{Offset: int64(off), Msg: fmt.Sprintf(format, args...)}
}

// DefaultMaxBytes bounds a decoded image by default.
const DefaultMaxBytes = 1 << 30

// DOption configures a [Decoder].
type DOption func(*options) error

type options struct{ maxBytes int64 }

// WithMaxBytes bounds the decoded size of one image (checked on the frame
// header, before any allocation). Default [DefaultMaxBytes] (1 GiB); at
// most 1 TiB.
func WithMaxBytes(n int64) DOption {
	return func(o *options) error {
		if n <= 0 || n > 1<<40 {
			return fmt.Errorf("ljpeg: WithMaxBytes(%d) outside 1..2^40", n)
		}
		o.maxBytes = n
		return nil
	}
}

// Info describes a decoded image.
type Info struct {
	Width, Height, Components, Precision int
	// Predictor is the selection value of the (first) scan, 1..7.
	Predictor int
	// PointTransform is the scan's Pt: samples were shifted right by it.
	PointTransform int
}

// Decoder decodes lossless JPEG images; DecodeAll is safe for concurrent
// use.
type Decoder struct{ opts options }

// NewDecoder returns a decoder. Images are decoded from memory, so there
// is no reader to pass.
func NewDecoder(opts ...DOption) (*Decoder, error) {
	d := &Decoder{opts: options{maxBytes: DefaultMaxBytes}}
	for _, o := range opts {
		if err := o(&d.opts); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Close releases the decoder's resources.
func (d *Decoder) Close() error { return nil }

// huffman is a canonical Huffman table (T.81 C and F.2.2.3) with a 9-bit
// lookup for short codes.
type huffman struct {
	lookup  [512]uint16 // value<<8 | length, 0 when longer than 9 bits
	maxcode [18]int32
	valptr  [17]int32
	mincode [17]int32
	vals    []byte
	ok      bool
}

func (h *huffman) build(counts [16]int, vals []byte) error {
	*h = huffman{vals: vals, ok: true}
	code := int32(0)
	k := 0
	for l := 1; l <= 16; l++ {
		n := counts[l-1]
		h.valptr[l] = int32(k)
		h.mincode[l] = code
		if n == 0 {
			h.maxcode[l] = -1
		} else {
			for i := range n {
				if l <= 9 {
					c := int(code) + i
					if c >= 1<<l {
						return errors.New("over-subscribed Huffman table")
					}
					base := c << (9 - l)
					for j := range 1 << (9 - l) {
						h.lookup[base+j] = uint16(vals[k+i])<<8 | uint16(l)
					}
				}
			}
			code += int32(n)
			k += n
			h.maxcode[l] = code - 1
		}
		if code > 1<<l {
			return errors.New("over-subscribed Huffman table")
		}
		code <<= 1
	}
	h.maxcode[17] = 1 << 30
	return nil
}

type component struct {
	id   int
	h, v int
	done bool
}

type frame struct {
	precision, width, height int
	comps                    []component
	restart                  int
	tables                   [4]huffman
}

// ReadInfo parses the frame header only.
func ReadInfo(src []byte) (Info, error) {
	var info Info
	err := walk(src, new(frame), func(m byte, seg []byte, off int, fr *frame) (bool, error) {
		if m == 0xC3 {
			info = Info{Width: fr.width, Height: fr.height, Components: len(fr.comps), Precision: fr.precision}
		}
		if m == 0xDA {
			if len(seg) > 0 && len(seg) >= 1+2*int(seg[0])+3 {
				n := int(seg[0])
				info.Predictor = int(seg[1+2*n])
				info.PointTransform = int(seg[3+2*n] & 15)
			}
			return true, nil
		}
		return false, nil
	})
	return info, err
}

// walk visits marker segments; visit returns true to stop. Frame and
// table segments are parsed into fr before visit sees them.
func walk(src []byte, fr *frame, visit func(m byte, seg []byte, off int, fr *frame) (bool, error)) error {
	if len(src) < 2 || src[0] != 0xFF || src[1] != 0xD8 {
		return formatErr(0, "missing start-of-image marker")
	}
	pos := 2
	for {
		for pos < len(src) && src[pos] != 0xFF {
			pos++ // tolerate garbage between segments, as decoders do
		}
		for pos < len(src) && src[pos] == 0xFF {
			pos++
		}
		if pos >= len(src) {
			return &FormatError{Offset: int64(pos), Msg: "no end-of-image marker", Err: ErrTruncated}
		}
		m := src[pos]
		pos++
		if m == 0xD9 {
			return nil
		}
		if m >= 0xD0 && m <= 0xD7 || m == 0x01 {
			continue
		}
		if pos+2 > len(src) {
			return &FormatError{Offset: int64(pos), Msg: "truncated segment", Err: ErrTruncated}
		}
		n := int(binary.BigEndian.Uint16(src[pos:]))
		if n < 2 || pos+n > len(src) {
			return &FormatError{Offset: int64(pos), Msg: "segment length past the end", Err: ErrTruncated}
		}
		seg := src[pos+2 : pos+n]
		off := pos + 2
		pos += n
		switch {
		case m == 0xC3:
			if fr.comps != nil {
				return formatErr(off, "second frame header")
			}
			if len(seg) < 6 {
				return formatErr(off, "short frame header")
			}
			fr.precision = int(seg[0])
			fr.height = int(binary.BigEndian.Uint16(seg[1:]))
			fr.width = int(binary.BigEndian.Uint16(seg[3:]))
			nc := int(seg[5])
			if fr.precision < 2 || fr.precision > 16 {
				return formatErr(off, "precision %d", fr.precision)
			}
			if fr.width == 0 || fr.height == 0 {
				return UnsupportedError("zero dimensions (DNL marker)")
			}
			if nc < 1 || nc > 4 || len(seg) != 6+3*nc {
				return formatErr(off, "%d components in a header of %d bytes", nc, len(seg))
			}
			for i := range nc {
				c := seg[6+3*i:]
				if c[1] != 0x11 {
					return UnsupportedError("subsampled components")
				}
				fr.comps = append(fr.comps, component{id: int(c[0]), h: 1, v: 1})
			}
		case m == 0xC4:
			for len(seg) > 0 {
				if len(seg) < 17 {
					return formatErr(off, "short Huffman table")
				}
				tc, th := int(seg[0]>>4), int(seg[0]&15)
				if tc != 0 || th > 3 {
					return formatErr(off, "Huffman table class %d id %d", tc, th)
				}
				var counts [16]int
				total := 0
				for i := range 16 {
					counts[i] = int(seg[1+i])
					total += counts[i]
				}
				if len(seg) < 17+total || total > 256 {
					return formatErr(off, "Huffman table values past the segment")
				}
				if err := fr.tables[th].build(counts, seg[17:17+total]); err != nil {
					return formatErr(off, "%v", err)
				}
				seg = seg[17+total:]
			}
		case m == 0xDD:
			if len(seg) != 2 {
				return formatErr(off, "restart interval segment")
			}
			fr.restart = int(binary.BigEndian.Uint16(seg))
		case m == 0xC0 || m == 0xC1 || m == 0xC2:
			return UnsupportedError(fmt.Sprintf("lossy JPEG process (SOF%d)", m-0xC0))
		case m >= 0xC5 && m <= 0xCF && m != 0xC8 && m != 0xCC:
			return UnsupportedError(fmt.Sprintf("JPEG process SOF%d", m-0xC0))
		case m == 0xF7:
			return UnsupportedError("JPEG-LS stream")
		}
		stop, err := visit(m, seg, off, fr)
		if err != nil || stop {
			return err
		}
		if m == 0xDA {
			// Skip the entropy-coded data to the next marker.
			for pos+1 < len(src) && !(src[pos] == 0xFF && src[pos+1] != 0 && (src[pos+1] < 0xD0 || src[pos+1] > 0xD7)) {
				pos++
			}
		}
	}
}

// DecodeAll decodes one image from src and appends its samples to dst.
func (d *Decoder) DecodeAll(src, dst []byte) ([]byte, error) {
	out, _, err := d.DecodeInfo(src, dst)
	return out, err
}

// DecodeInfo is DecodeAll that also returns the image's [Info].
func (d *Decoder) DecodeInfo(src, dst []byte) ([]byte, Info, error) {
	var info Info
	start := len(dst)
	var out []byte
	var fr frame
	err := walk(src, &fr, func(m byte, seg []byte, off int, fr *frame) (bool, error) {
		if m != 0xDA {
			return false, nil
		}
		if fr.comps == nil {
			return false, formatErr(off, "scan before frame header")
		}
		if out == nil {
			bps := 1
			if fr.precision > 8 {
				bps = 2
			}
			size := int64(fr.width) * int64(fr.height) * int64(len(fr.comps)) * int64(bps)
			if size > d.opts.maxBytes {
				return false, fmt.Errorf("%w: %d bytes", ErrTooLarge, size)
			}
			// Every sample takes at least one bit: a stream shorter than
			// that is truncated, whatever its header claims.
			if samples := int64(fr.width) * int64(fr.height) * int64(len(fr.comps)); int64(len(src))*8 < samples {
				return false, &FormatError{Offset: int64(len(src)), Msg: fmt.Sprintf("%d bytes cannot code %d samples", len(src), samples), Err: ErrTruncated}
			}
			if cap(dst)-len(dst) < int(size) {
				nd := make([]byte, len(dst), len(dst)+int(size))
				copy(nd, dst)
				dst = nd
			}
			dst = dst[:start+int(size)]
			out = dst[start:]
			info = Info{Width: fr.width, Height: fr.height, Components: len(fr.comps), Precision: fr.precision}
		}
		end := off + len(seg)
		sc, err := parseScan(seg, off, fr)
		if err != nil {
			return false, err
		}
		info.Predictor, info.PointTransform = sc.pred, sc.pt
		if err := decodeScan(fr, sc, src[end:], end, out); err != nil {
			return false, err
		}
		return false, nil
	})
	if err != nil {
		return dst[:start], info, err
	}
	if out == nil {
		return dst[:start], info, formatErr(len(src), "no scan")
	}
	for _, c := range fr.comps {
		if !c.done {
			return dst[:start], info, &FormatError{Offset: int64(len(src)), Msg: fmt.Sprintf("component %d never coded", c.id), Err: ErrTruncated}
		}
	}
	return dst, info, nil
}
