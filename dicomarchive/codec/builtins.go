package codec

import (
	"fmt"
	"strings"

	"github.com/radkit/radkit/dicomarchive/codec/jpegls"
	"github.com/radkit/radkit/dicomarchive/codec/ljpeg"
	"github.com/radkit/radkit/dicomarchive/codec/rle"
	"github.com/radkit/radkit/dicomio"
)

// nativeSyntaxes have unencapsulated pixel data: there is no frame codec,
// frames are slices of the pixel data value.
var nativeSyntaxes = map[string]bool{
	dicomio.ImplicitVRLittleEndian:         true,
	dicomio.ExplicitVRLittleEndian:         true,
	dicomio.DeflatedExplicitVRLittleEndian: true,
	dicomio.ExplicitVRBigEndian:            true, // read only; dicomio refuses to write it
}

// IsNative reports whether uid stores pixel data unencapsulated.
func IsNative(uid string) bool { return nativeSyntaxes[uid] }

// lossySyntaxes are those whose encoder may lose information.
var lossySyntaxes = map[string]bool{
	dicomio.JPEGLSNearLossless: true,
	dicomio.JPEGBaseline8Bit:   true,
	dicomio.JPEGExtended12Bit:  true,
	dicomio.JPEG2000:           true,
	"1.2.840.10008.1.2.4.203":  true, // HTJ2K
}

func registerBuiltins(r *Registry) {
	for uid := range nativeSyntaxes {
		r.RegisterDecoder(uid, func(DecoderOptions) (Decoder, error) { return nativeCodec{}, nil })
		if uid != dicomio.ExplicitVRBigEndian {
			r.RegisterEncoder(uid, func(EncoderOptions) (Encoder, error) { return nativeCodec{}, nil })
		}
	}
	r.RegisterDecoder(dicomio.RLELossless, func(DecoderOptions) (Decoder, error) {
		d, err := rle.NewDecoder()
		return rleCodec{dec: d}, err
	})
	r.RegisterEncoder(dicomio.RLELossless, func(EncoderOptions) (Encoder, error) {
		return rleCodec{enc: rle.NewEncoder()}, nil
	})
	for _, uid := range []string{dicomio.JPEGLSLossless, dicomio.JPEGLSNearLossless} {
		r.RegisterDecoder(uid, func(o DecoderOptions) (Decoder, error) {
			d, err := jpegls.NewDecoder(nil, jpegls.WithDecoderConcurrency(max(1, o.Concurrency)))
			return &jlsCodec{dec: d}, err
		})
	}
	r.RegisterEncoder(dicomio.JPEGLSLossless, func(o EncoderOptions) (Encoder, error) {
		if o.Near != 0 {
			return nil, fmt.Errorf("codec: NEAR %d with the lossless JPEG-LS syntax; use %s", o.Near, dicomio.JPEGLSNearLossless)
		}
		return newJLSEncoder(o)
	})
	r.RegisterEncoder(dicomio.JPEGLSNearLossless, newJLSEncoder)
	for _, uid := range []string{dicomio.JPEGLosslessSV1, dicomio.JPEGLossless} {
		r.RegisterDecoder(uid, func(DecoderOptions) (Decoder, error) {
			d, err := ljpeg.NewDecoder()
			return ljpegCodec{dec: d}, err
		})
		// Selection value 1 suits both syntaxes (.70 requires it).
		r.RegisterEncoder(uid, func(o EncoderOptions) (Encoder, error) {
			if o.Near != 0 || o.RestartInterval != 0 {
				return nil, fmt.Errorf("codec: lossless JPEG takes neither NEAR nor restart intervals")
			}
			e, err := ljpeg.NewEncoder(1)
			return ljpegCodec{enc: e}, err
		})
	}
}

// ljpegCodec codes lossless JPEG (process 14).
type ljpegCodec struct {
	dec *ljpeg.Decoder
	enc *ljpeg.Encoder
}

func (c ljpegCodec) EncodeFrame(fi FrameInfo, src, dst []byte) ([]byte, error) {
	p, err := jlsPrecision(fi) // the same sample rules as JPEG-LS
	if err != nil {
		return dst, err
	}
	if err := checkColour(fi); err != nil {
		return dst, err
	}
	if len(src) != fi.FrameSize() {
		return dst, fmt.Errorf("codec: frame of %d bytes, %d expected", len(src), fi.FrameSize())
	}
	samples := src
	if fi.BitsAllocated == 16 && p < 16 || fi.BitsAllocated == 8 && p < 8 || fi.PlanarConfiguration == 1 && fi.SamplesPerPixel > 1 {
		samples = jlsSamples(fi, p, src)
	}
	return c.enc.EncodeAll(ljpeg.Frame{Width: fi.Columns, Height: fi.Rows, Components: fi.SamplesPerPixel, Precision: p}, samples, dst)
}

func (c ljpegCodec) DecodeFrame(fi FrameInfo, src, dst []byte) ([]byte, error) {
	if fi.BitsAllocated != 8 && fi.BitsAllocated != 16 {
		return dst, fmt.Errorf("%w: lossless JPEG with %d bits allocated", ErrUnsupportedImage, fi.BitsAllocated)
	}
	start := len(dst)
	out, info, err := c.dec.DecodeInfo(src, dst)
	if err != nil {
		return dst, err
	}
	if info.Width != fi.Columns || info.Height != fi.Rows || info.Components != fi.SamplesPerPixel {
		return dst, fmt.Errorf("codec: lossless JPEG frame is %dx%d with %d components, data set says %dx%d with %d samples",
			info.Width, info.Height, info.Components, fi.Columns, fi.Rows, fi.SamplesPerPixel)
	}
	return finishNative(out, start, info.Precision, fi)
}

// nativeCodec copies frames.
type nativeCodec struct{}

func (nativeCodec) DecodeFrame(fi FrameInfo, src, dst []byte) ([]byte, error) {
	if len(src) < fi.FrameSize() {
		return dst, fmt.Errorf("codec: native frame of %d bytes, %d expected", len(src), fi.FrameSize())
	}
	return append(dst, src[:fi.FrameSize()]...), nil
}

func (nativeCodec) EncodeFrame(fi FrameInfo, src, dst []byte) ([]byte, error) {
	return append(dst, src...), nil
}

type rleCodec struct {
	dec *rle.Decoder
	enc *rle.Encoder
}

func rleFrame(fi FrameInfo) rle.Frame {
	return rle.Frame{Width: fi.Columns, Height: fi.Rows, Samples: fi.SamplesPerPixel, BitsAllocated: fi.BitsAllocated, Planar: fi.PlanarConfiguration == 1}
}

func (c rleCodec) DecodeFrame(fi FrameInfo, src, dst []byte) ([]byte, error) {
	return c.dec.DecodeAll(rleFrame(fi), src, dst)
}

func (c rleCodec) EncodeFrame(fi FrameInfo, src, dst []byte) ([]byte, error) {
	if err := checkColour(fi); err != nil {
		return dst, err
	}
	return c.enc.EncodeAll(rleFrame(fi), src, dst)
}

// checkColour rejects native layouts the encoders cannot represent:
// chroma-subsampled YBR data is stored two luminance samples per chroma
// pair, not one sample triple per pixel.
func checkColour(fi FrameInfo) error {
	if strings.HasSuffix(fi.PhotometricInterpretation, "_422") || strings.HasSuffix(fi.PhotometricInterpretation, "_420") {
		return fmt.Errorf("%w: photometric interpretation %s", ErrUnsupportedImage, fi.PhotometricInterpretation)
	}
	return nil
}

type jlsCodec struct {
	dec *jpegls.Decoder
	enc *jpegls.Encoder
}

func newJLSEncoder(o EncoderOptions) (Encoder, error) {
	conc := max(1, o.Concurrency)
	e, err := jpegls.NewEncoder(nil, jpegls.WithNear(o.Near), jpegls.WithRestartInterval(o.RestartInterval),
		jpegls.WithEncoderConcurrency(conc), jpegls.WithInterleave(jpegls.InterleaveLine))
	if err != nil {
		return nil, err
	}
	return &jlsCodec{enc: e}, nil
}

func jlsPrecision(fi FrameInfo) (int, error) {
	if fi.BitsAllocated != 8 && fi.BitsAllocated != 16 {
		return 0, fmt.Errorf("%w: JPEG-LS with %d bits allocated", ErrUnsupportedImage, fi.BitsAllocated)
	}
	if fi.BitsStored < 1 || fi.BitsStored > fi.BitsAllocated {
		return 0, fmt.Errorf("%w: %d bits stored in %d allocated", ErrUnsupportedImage, fi.BitsStored, fi.BitsAllocated)
	}
	if fi.SamplesPerPixel < 1 || fi.SamplesPerPixel > 4 {
		return 0, fmt.Errorf("%w: JPEG-LS with %d samples per pixel", ErrUnsupportedImage, fi.SamplesPerPixel)
	}
	return max(2, fi.BitsStored), nil
}

func (c *jlsCodec) DecodeFrame(fi FrameInfo, src, dst []byte) ([]byte, error) {
	if _, err := jlsPrecision(fi); err != nil {
		return dst, err
	}
	start := len(dst)
	out, info, err := c.dec.DecodeInfo(src, dst)
	if err != nil {
		return dst, err
	}
	if info.Width != fi.Columns || info.Height != fi.Rows || len(info.Components) != fi.SamplesPerPixel || info.Subsampled() {
		return dst, fmt.Errorf("codec: JPEG-LS frame is %dx%d with %d components, data set says %dx%d with %d samples",
			info.Width, info.Height, len(info.Components), fi.Columns, fi.Rows, fi.SamplesPerPixel)
	}
	return finishNative(out, start, info.BitsPerSample, fi)
}

// finishNative turns decoded samples (one byte each up to 8 bits, two
// beyond, pixel-interleaved) at out[start:] into the native layout fi
// describes: widened to the bits allocated, sign-extended from the bits
// stored, colour-by-plane when asked.
func finishNative(out []byte, start, precision int, fi FrameInfo) ([]byte, error) {
	if precision > fi.BitsAllocated {
		return out[:start], fmt.Errorf("codec: %d-bit samples in %d bits allocated", precision, fi.BitsAllocated)
	}
	frame := out[start:]
	if precision <= 8 && fi.BitsAllocated == 16 {
		// Widen one-byte samples in place, from the end.
		n := len(frame)
		out = append(out, make([]byte, n)...)
		frame = out[start:]
		for i := n - 1; i >= 0; i-- {
			frame[2*i], frame[2*i+1] = frame[i], 0
		}
	}
	if fi.PixelRepresentation == 1 && fi.BitsAllocated == 16 && fi.BitsStored < 16 {
		signExtend16(frame, fi.BitsStored)
	}
	if fi.SamplesPerPixel > 1 && fi.PlanarConfiguration == 1 {
		toPlanar(frame, fi)
	}
	return out, nil
}

// signExtend16 restores the two's complement form of signed samples of
// bits bits: JPEG-LS codes their bit pattern as an unsigned value.
func signExtend16(b []byte, bits int) {
	shift := 16 - bits
	for i := 0; i+1 < len(b); i += 2 {
		v := int16(uint16(b[i])|uint16(b[i+1])<<8) << shift >> shift
		b[i], b[i+1] = byte(v), byte(uint16(v)>>8)
	}
}

func (c *jlsCodec) EncodeFrame(fi FrameInfo, src, dst []byte) ([]byte, error) {
	p, err := jlsPrecision(fi)
	if err != nil {
		return dst, err
	}
	if err := checkColour(fi); err != nil {
		return dst, err
	}
	if len(src) != fi.FrameSize() {
		return dst, fmt.Errorf("codec: frame of %d bytes, %d expected", len(src), fi.FrameSize())
	}
	samples := src
	if fi.BitsAllocated == 16 && p < 16 || fi.BitsAllocated == 8 && p < 8 || fi.PlanarConfiguration == 1 && fi.SamplesPerPixel > 1 {
		samples = jlsSamples(fi, p, src)
	}
	return c.enc.EncodeAll(jpegls.Frame{Width: fi.Columns, Height: fi.Rows, Components: fi.SamplesPerPixel, BitsPerSample: p}, samples, dst)
}

// jlsSamples converts a native frame to the encoder's input: samples
// masked to the bits stored (bits above them are not pixel data, PS3.5
// 8.1.1, and a signed value is coded as its bit pattern), one byte each
// up to 8 bits, pixel-interleaved.
func jlsSamples(fi FrameInfo, p int, src []byte) []byte {
	n := fi.Rows * fi.Columns * fi.SamplesPerPixel
	mask := 1<<p - 1
	var out []byte
	if p <= 8 {
		out = make([]byte, n)
		if fi.BitsAllocated == 8 {
			for i := range out {
				out[i] = src[i] & byte(mask)
			}
		} else {
			for i := range out {
				out[i] = src[2*i] & byte(mask)
			}
		}
	} else {
		out = make([]byte, 2*n)
		for i := range n {
			v := (int(src[2*i]) | int(src[2*i+1])<<8) & mask
			out[2*i], out[2*i+1] = byte(v), byte(v>>8)
		}
	}
	if fi.SamplesPerPixel > 1 && fi.PlanarConfiguration == 1 {
		out = fromPlanar(out, fi, p)
	}
	return out
}

// toPlanar rearranges a pixel-interleaved frame to colour-by-plane in
// place (through a copy).
func toPlanar(frame []byte, fi FrameInfo) {
	bps := fi.BitsAllocated / 8
	ns := fi.SamplesPerPixel
	px := fi.Rows * fi.Columns
	tmp := append([]byte(nil), frame...)
	for i := range px {
		for s := range ns {
			copy(frame[(s*px+i)*bps:(s*px+i+1)*bps], tmp[(i*ns+s)*bps:(i*ns+s+1)*bps])
		}
	}
}

func fromPlanar(b []byte, fi FrameInfo, p int) []byte {
	bps := 1
	if p > 8 {
		bps = 2
	}
	ns := fi.SamplesPerPixel
	px := fi.Rows * fi.Columns
	out := make([]byte, len(b))
	for i := range px {
		for s := range ns {
			copy(out[(i*ns+s)*bps:(i*ns+s+1)*bps], b[(s*px+i)*bps:(s*px+i+1)*bps])
		}
	}
	return out
}
