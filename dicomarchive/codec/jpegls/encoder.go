package jpegls

import (
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"sync"
)

// Frame is the geometry of an image to encode. Samples are given as
// [Decoder.DecodeAll] returns them: pixel-interleaved, one byte per sample
// up to 8 bits, two little-endian bytes beyond.
type Frame struct {
	Width, Height int // 1..65535 each (larger sizes are not written)
	Components    int // 1..4
	BitsPerSample int // 2..16
}

func (f Frame) size() int {
	bps := 1
	if f.BitsPerSample > 8 {
		bps = 2
	}
	return f.Width * f.Height * f.Components * bps
}

// EOption configures an [Encoder].
type EOption func(*encoderOptions) error

type encoderOptions struct {
	near        int
	ilv         Interleave
	ilvSet      bool
	restart     int
	preset      Preset
	transform   ColorTransform
	concurrency int
}

func (o *encoderOptions) setDefault() {
	*o = encoderOptions{concurrency: runtime.GOMAXPROCS(0)}
}

// WithNear sets the NEAR parameter: 0 (the default) is lossless, n > 0
// allows each sample to differ from the original by at most n. At most 255
// (and at most MAXVAL/2 for the image's precision, checked at encode time).
func WithNear(n int) EOption {
	return func(o *encoderOptions) error {
		if n < 0 || n > 255 {
			return fmt.Errorf("jpegls: WithNear(%d) outside 0..255", n)
		}
		o.near = n
		return nil
	}
}

// WithInterleave sets the interleave mode of images with several
// components. Default [InterleaveLine], which CharLS, dcmtk and every
// DICOM toolkit decode; single-component images always use
// [InterleaveNone].
func WithInterleave(m Interleave) EOption {
	return func(o *encoderOptions) error {
		if m < InterleaveNone || m > InterleaveSample {
			return fmt.Errorf("jpegls: WithInterleave(%d): unknown mode", int(m))
		}
		o.ilv, o.ilvSet = m, true
		return nil
	}
}

// WithRestartInterval makes the encoder emit a restart marker every n
// lines (line groups when interleaved), 0 for none (the default), at most
// 65535. Intervals are coded independently, so the encoder and
// [Decoder] process them in parallel: a mammogram coded with restart
// intervals decodes on every core, at a cost of a few bytes per interval.
func WithRestartInterval(n int) EOption {
	return func(o *encoderOptions) error {
		if n < 0 || n > 65535 {
			return fmt.Errorf("jpegls: WithRestartInterval(%d) outside 0..65535", n)
		}
		o.restart = n
		return nil
	}
}

// WithPreset sets non-default coding parameters, written in an LSE
// segment. Zero fields mean the standard's defaults. The values are
// checked against the image at encode time (C.2.4.1.1).
func WithPreset(p Preset) EOption {
	return func(o *encoderOptions) error {
		if p.MaxVal < 0 || p.T1 < 0 || p.T2 < 0 || p.T3 < 0 || p.Reset < 0 ||
			p.MaxVal > 65535 || p.T1 > 65535 || p.T2 > 65535 || p.T3 > 65535 || p.Reset > 65535 {
			return fmt.Errorf("jpegls: WithPreset(%+v): values outside 0..65535", p)
		}
		o.preset = p
		return nil
	}
}

// WithColorTransform applies an HP colour transform to three-component
// images before coding (signalled in an APP8 "mrfx" segment). Default
// none; DICOM does not allow it.
func WithColorTransform(t ColorTransform) EOption {
	return func(o *encoderOptions) error {
		if t < TransformNone || t > TransformHP3 {
			return fmt.Errorf("jpegls: WithColorTransform(%d): unknown transform", int(t))
		}
		o.transform = t
		return nil
	}
}

// WithEncoderConcurrency sets how many goroutines encode the restart
// intervals of one image at once. Default GOMAXPROCS; at most 256.
func WithEncoderConcurrency(n int) EOption {
	return func(o *encoderOptions) error {
		if n < 1 || n > 256 {
			return fmt.Errorf("jpegls: WithEncoderConcurrency(%d) outside 1..256", n)
		}
		o.concurrency = n
		return nil
	}
}

// Encoder encodes JPEG-LS images. [Encoder.EncodeAll] may be called
// concurrently.
type Encoder struct {
	opts    encoderOptions
	w       io.Writer
	workers sync.Pool
	tables  sync.Pool
}

// NewEncoder returns an encoder writing to w (which may be nil when only
// [Encoder.EncodeAll] is used).
func NewEncoder(w io.Writer, opts ...EOption) (*Encoder, error) {
	e := &Encoder{w: w}
	e.opts.setDefault()
	for _, o := range opts {
		if err := o(&e.opts); err != nil {
			return nil, err
		}
	}
	e.workers.New = func() any { return new(worker) }
	e.tables.New = func() any { return new(quantTable) }
	return e, nil
}

// Reset makes Encode write to w.
func (e *Encoder) Reset(w io.Writer) { e.w = w }

// Close releases the encoder's resources.
func (e *Encoder) Close() error {
	e.w = nil
	return nil
}

// Encode encodes one image and writes it to the encoder's writer.
func (e *Encoder) Encode(f Frame, src []byte) error {
	if e.w == nil {
		return fmt.Errorf("jpegls: Encode with no writer")
	}
	out, err := e.EncodeAll(f, src, nil)
	if err != nil {
		return err
	}
	_, err = e.w.Write(out)
	return err
}

// EncodeAll encodes one image from src and appends the JPEG-LS stream to
// dst.
func (e *Encoder) EncodeAll(f Frame, src, dst []byte) ([]byte, error) {
	o := e.opts
	if f.Width < 1 || f.Width > 65535 || f.Height < 1 || f.Height > 65535 {
		return dst, fmt.Errorf("jpegls: cannot encode a %dx%d image", f.Width, f.Height)
	}
	if f.Components < 1 || f.Components > 4 {
		return dst, fmt.Errorf("jpegls: cannot encode %d components", f.Components)
	}
	if f.BitsPerSample < 2 || f.BitsPerSample > 16 {
		return dst, fmt.Errorf("jpegls: cannot encode %d-bit samples", f.BitsPerSample)
	}
	if len(src) != f.size() {
		return dst, fmt.Errorf("%w: %d bytes for a %dx%dx%d image of %d bits (%d expected)", ErrTooLarge, len(src), f.Width, f.Height, f.Components, f.BitsPerSample, f.size())
	}
	p, err := newParams(f.BitsPerSample, o.near, o.preset, 0)
	if err != nil {
		return dst, fmt.Errorf("jpegls: encoder parameters: %w", err)
	}
	ilv := o.ilv
	if !o.ilvSet {
		ilv = InterleaveLine
	}
	if f.Components == 1 {
		ilv = InterleaveNone
	}
	info := Info{Width: f.Width, Height: f.Height, BitsPerSample: f.BitsPerSample, Interleave: ilv}
	for i := range f.Components {
		info.Components = append(info.Components, Component{ID: i + 1, H: 1, V: 1, Width: f.Width, Height: f.Height})
	}
	if o.transform != TransformNone {
		if f.Components != 3 || ilv == InterleaveNone {
			return dst, fmt.Errorf("jpegls: a colour transform needs three interleaved components")
		}
		src = forwardTransform(o.transform, &info, src)
	}
	if err := checkSamples(src, f.BitsPerSample, p.maxval); err != nil {
		return dst, err
	}

	out := append(dst, 0xFF, mSOI)
	out = append(out, 0xFF, mSOF55)
	out = binary.BigEndian.AppendUint16(out, uint16(8+3*f.Components))
	out = append(out, byte(f.BitsPerSample))
	out = binary.BigEndian.AppendUint16(out, uint16(f.Height))
	out = binary.BigEndian.AppendUint16(out, uint16(f.Width))
	out = append(out, byte(f.Components))
	for i := range f.Components {
		out = append(out, byte(i+1), 0x11, 0)
	}
	if o.transform != TransformNone {
		out = append(out, 0xFF, mAPP8, 0, 7, 'm', 'r', 'f', 'x', byte(o.transform))
	}
	if o.preset != (Preset{}) {
		out = append(out, 0xFF, mLSE, 0, 13, 1)
		for _, v := range []int{o.preset.MaxVal, o.preset.T1, o.preset.T2, o.preset.T3, o.preset.Reset} {
			out = binary.BigEndian.AppendUint16(out, uint16(v))
		}
	}
	if o.restart > 0 {
		out = append(out, 0xFF, mDRI, 0, 4)
		out = binary.BigEndian.AppendUint16(out, uint16(o.restart))
	}
	q := e.tables.Get().(*quantTable)
	defer e.tables.Put(q)
	q.init(&p)
	var scans [][]int
	if ilv == InterleaveNone {
		for c := range f.Components {
			scans = append(scans, []int{c})
		}
	} else {
		all := make([]int, f.Components)
		for c := range all {
			all[c] = c
		}
		scans = append(scans, all)
	}
	for _, comps := range scans {
		out = append(out, 0xFF, mSOS)
		out = binary.BigEndian.AppendUint16(out, uint16(6+2*len(comps)))
		out = append(out, byte(len(comps)))
		for _, c := range comps {
			out = append(out, byte(c+1), 0)
		}
		out = append(out, byte(o.near), byte(ilv), 0)
		sj := &encScan{info: &info, src: src, comps: comps, ilv: ilv, p: &p, q: q}
		out = e.encodeScan(sj, out)
	}
	out = append(out, 0xFF, mEOI)
	return out, nil
}

// checkSamples rejects samples above MAXVAL, which a decoder would
// reconstruct differently: a 12-bit image in 16-bit words must not carry
// bits above bit 11.
func checkSamples(src []byte, bits, maxval int) error {
	if bits <= 8 {
		if maxval >= 255 {
			return nil
		}
		for i, v := range src {
			if int(v) > maxval {
				return fmt.Errorf("jpegls: sample %d is %d, above MAXVAL %d", i, v, maxval)
			}
		}
		return nil
	}
	if maxval >= 65535 {
		return nil
	}
	var or uint16
	for i := 0; i+1 < len(src); i += 2 {
		or |= uint16(src[i]) | uint16(src[i+1])<<8
	}
	if int(or) <= maxval {
		return nil
	}
	for i := 0; i+1 < len(src); i += 2 {
		if v := int(src[i]) | int(src[i+1])<<8; v > maxval {
			return fmt.Errorf("jpegls: sample %d is %d, above MAXVAL %d", i/2, v, maxval)
		}
	}
	return nil
}

type encScan struct {
	info  *Info
	src   []byte
	comps []int
	ilv   Interleave
	p     *params
	q     *quantTable
}

func (e *Encoder) encodeScan(sj *encScan, out []byte) []byte {
	lines := sj.info.Height
	ri := e.opts.restart
	if ri == 0 {
		ri = lines
	}
	nint := (lines + ri - 1) / ri
	conc := min(e.opts.concurrency, nint)
	if conc <= 1 {
		w := e.workers.Get().(*worker)
		defer e.workers.Put(w)
		for i := range nint {
			if i > 0 {
				out = append(out, 0xFF, byte(mRST0+(i-1)&7))
			}
			w.bw.reset(out)
			sj.encodeInterval(w, i*ri, min((i+1)*ri, lines))
			out = w.bw.finish()
			w.bw.out = nil
		}
		return out
	}
	// Each goroutine appends its intervals to its own pooled buffer;
	// the parts are copied out in order once all are done.
	type span struct {
		w          *worker
		start, end int
	}
	parts := make([]span, nint)
	var wg sync.WaitGroup
	next := make(chan int, nint)
	for i := range nint {
		next <- i
	}
	close(next)
	workers := make([]*worker, conc)
	for k := range conc {
		w := e.workers.Get().(*worker)
		w.buf = w.buf[:0]
		workers[k] = w
		wg.Go(func() {
			for i := range next {
				start := len(w.buf)
				w.bw.reset(w.buf)
				sj.encodeInterval(w, i*ri, min((i+1)*ri, lines))
				w.buf = w.bw.finish()
				w.bw.out = nil
				parts[i] = span{w, start, len(w.buf)}
			}
		})
	}
	wg.Wait()
	for i, p := range parts {
		if i > 0 {
			out = append(out, 0xFF, byte(mRST0+(i-1)&7))
		}
		out = append(out, p.w.buf[p.start:p.end]...)
	}
	for _, w := range workers {
		e.workers.Put(w)
	}
	return out
}

// loadLine copies component c of line y of the source into dst.
func (sj *encScan) loadLine(c, y int, dst []int32) {
	in := sj.info
	nc := len(in.Components)
	w := in.Width
	if in.BitsPerSample <= 8 {
		s := sj.src[y*w*nc+c:]
		s = s[:(w-1)*nc+1]
		for x := range dst[:w] {
			dst[x] = int32(s[x*nc])
		}
		return
	}
	s := sj.src[2*(y*w*nc+c):]
	s = s[:2*((w-1)*nc+1)]
	for x := range dst[:w] {
		dst[x] = int32(s[2*x*nc]) | int32(s[2*x*nc+1])<<8
	}
}

func (sj *encScan) encodeInterval(w *worker, y0, y1 int) {
	w.st.reset(sj.p)
	le := lineEncoder{p: sj.p, q: sj.q, st: &w.st, bw: &w.bw}
	width := sj.info.Width
	ns := len(sj.comps)
	if sj.ilv == InterleaveSample {
		stride := (width + 2) * ns
		buf := w.lineBuf(3*stride + width)
		prev, cur, src := buf[:stride], buf[stride:2*stride], buf[2*stride:2*stride+width*ns]
		tmp := buf[3*stride : 3*stride+width]
		nc := len(sj.info.Components)
		for y := y0; y < y1; y++ {
			if sj.info.BitsPerSample <= 8 && ns == nc {
				s := sj.src[y*width*nc : (y+1)*width*nc]
				for i, v := range s {
					src[i] = int32(v)
				}
			} else {
				for j, c := range sj.comps {
					sj.loadLine(c, y, tmp)
					for x, v := range tmp {
						src[x*ns+j] = v
					}
				}
			}
			copy(cur[:ns], prev[ns:2*ns])
			copy(prev[(width+1)*ns:], prev[width*ns:(width+1)*ns])
			le.encodeLineN(prev, cur, src, ns, &w.st.runIdx[0])
			prev, cur = cur, prev
		}
		return
	}
	cw := width + 2
	buf := w.lineBuf(2*cw*ns + width)
	src := buf[2*cw*ns:]
	var prevs, curs [4][]int32
	for j := range ns {
		prevs[j], curs[j] = buf[2*j*cw:(2*j+1)*cw], buf[(2*j+1)*cw:(2*j+2)*cw]
	}
	for y := y0; y < y1; y++ {
		for j, c := range sj.comps {
			prev, cur := prevs[j], curs[j]
			sj.loadLine(c, y, src)
			cur[0] = prev[1]
			prev[width+1] = prev[width]
			le.encodeLine(prev, cur, src, &w.st.runIdx[j])
			prevs[j], curs[j] = cur, prev
		}
	}
}
