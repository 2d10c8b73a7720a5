package jpegls

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
)

// DefaultMaxBytes is the default limit on the decoded size of one image.
const DefaultMaxBytes = 1 << 30

// MaxMaxBytes is the largest limit [WithMaxBytes] accepts.
const MaxMaxBytes = 1 << 40

// DOption configures a [Decoder].
type DOption func(*decoderOptions) error

type decoderOptions struct {
	maxBytes    int64
	concurrency int
}

func (o *decoderOptions) setDefault() {
	*o = decoderOptions{maxBytes: DefaultMaxBytes, concurrency: runtime.GOMAXPROCS(0)}
}

// WithMaxBytes bounds the decoded size of one image (width × height ×
// components × bytes per sample, as the headers declare it) before any
// allocation, so that a hostile stream cannot make the decoder allocate
// more. Default [DefaultMaxBytes] (1 GiB); at most [MaxMaxBytes].
func WithMaxBytes(n int64) DOption {
	return func(o *decoderOptions) error {
		if n <= 0 || n > MaxMaxBytes {
			return fmt.Errorf("jpegls: WithMaxBytes(%d) outside 1..%d", n, int64(MaxMaxBytes))
		}
		o.maxBytes = n
		return nil
	}
}

// WithDecoderConcurrency sets how many goroutines decode the restart
// intervals of one image at once; intervals are independent, so an image
// encoded with restart markers decodes on several cores. Default
// GOMAXPROCS; 1 decodes on the calling goroutine only. At most 256.
func WithDecoderConcurrency(n int) DOption {
	return func(o *decoderOptions) error {
		if n < 1 || n > 256 {
			return fmt.Errorf("jpegls: WithDecoderConcurrency(%d) outside 1..256", n)
		}
		o.concurrency = n
		return nil
	}
}

// Decoder decodes JPEG-LS images. Its methods may be called concurrently;
// scratch buffers are pooled inside the Decoder so that decoding many
// frames allocates only their output.
type Decoder struct {
	opts    decoderOptions
	r       io.Reader
	pending []byte // decoded bytes not yet returned by Read
	readErr error
	workers sync.Pool // *worker
	tables  sync.Pool // *quantTable
}

var _ io.Reader = (*Decoder)(nil)

// NewDecoder returns a decoder. r, which may be nil, is the stream read by
// [Decoder.Read]; [Decoder.DecodeAll] does not use it.
func NewDecoder(r io.Reader, opts ...DOption) (*Decoder, error) {
	d := &Decoder{r: r}
	d.opts.setDefault()
	for _, o := range opts {
		if err := o(&d.opts); err != nil {
			return nil, err
		}
	}
	d.workers.New = func() any { return new(worker) }
	d.tables.New = func() any { return new(quantTable) }
	return d, nil
}

// Reset makes the decoder read a new stream with Read.
func (d *Decoder) Reset(r io.Reader) error {
	d.r, d.pending, d.readErr = r, nil, nil
	return nil
}

// Close releases the decoder's resources. A closed decoder must not be
// used.
func (d *Decoder) Close() error {
	d.r, d.pending = nil, nil
	return nil
}

// Read decodes the whole stream given to [NewDecoder] or [Decoder.Reset]
// on its first call and returns the raw samples in the layout of
// [Decoder.DecodeAll].
func (d *Decoder) Read(p []byte) (int, error) {
	if d.pending == nil && d.readErr == nil {
		if d.r == nil {
			return 0, io.EOF
		}
		src, err := io.ReadAll(io.LimitReader(d.r, d.opts.maxBytes*2+1<<20))
		if err != nil {
			d.readErr = err
			return 0, err
		}
		out, err := d.DecodeAll(src, nil)
		if err != nil {
			d.readErr = err
			return 0, err
		}
		d.pending = out
		if len(out) == 0 {
			d.readErr = io.EOF
		}
	}
	if len(d.pending) == 0 {
		if d.readErr == nil {
			d.readErr = io.EOF
		}
		return 0, d.readErr
	}
	n := copy(p, d.pending)
	d.pending = d.pending[n:]
	if len(d.pending) == 0 {
		d.readErr = io.EOF
	}
	return n, nil
}

// DecodeAll decodes one JPEG-LS image from src and appends its samples to
// dst: one byte per sample up to 8 bits, two little-endian bytes beyond,
// pixel-interleaved (R G B R G B …) whatever the interleave mode of the
// stream, except that subsampled components are written as planes one
// after another. It is safe to call concurrently.
func (d *Decoder) DecodeAll(src, dst []byte) ([]byte, error) {
	out, _, err := d.decode(src, dst)
	return out, err
}

// DecodeInfo is [Decoder.DecodeAll] that also returns the image's [Info].
func (d *Decoder) DecodeInfo(src, dst []byte) ([]byte, Info, error) {
	return d.decode(src, dst)
}

// worker holds the scratch of one goroutine decoding or encoding.
type worker struct {
	st    state
	br    bitReader
	lines []int32
	bw    bitWriter
	buf   []byte // encoded restart intervals, parallel encoding
}

func (w *worker) lineBuf(n int) []int32 {
	if cap(w.lines) < n {
		w.lines = make([]int32, n)
	}
	w.lines = w.lines[:n]
	clear(w.lines)
	return w.lines
}

// image is the output of one decode.
type image struct {
	info     *Info
	out      []byte
	bps      int
	planar   bool
	planeOff [4]int
}

func (im *image) putLine(c, y int, src []int32) {
	in := im.info
	out := im.out
	w := len(src)
	if im.planar {
		off := im.planeOff[c] + y*w*im.bps
		if im.bps == 1 {
			o := out[off : off+w]
			for i, v := range src {
				o[i] = byte(v)
			}
			return
		}
		o := out[off : off+2*w]
		for i, v := range src {
			o[2*i] = byte(v)
			o[2*i+1] = byte(v >> 8)
		}
		return
	}
	nc := len(in.Components)
	if im.bps == 1 {
		off := y*in.Width*nc + c
		o := out[off : off+(w-1)*nc+1]
		for i, v := range src {
			o[i*nc] = byte(v)
		}
		return
	}
	off := (y*in.Width*nc + c) * 2
	o := out[off : off+(w-1)*nc*2+2]
	for i, v := range src {
		o[i*nc*2] = byte(v)
		o[i*nc*2+1] = byte(v >> 8)
	}
}

// putLineN writes a sample-interleaved line of the scan components comps.
func (im *image) putLineN(comps []int, y int, src []int32) {
	nc := len(im.info.Components)
	ns := len(comps)
	w := len(src) / ns
	base := y * im.info.Width * nc
	if im.bps == 1 {
		o := im.out[base : base+w*nc]
		if ns == nc && comps[0] == 0 && (ns == 1 || comps[ns-1] == ns-1) && sortedComps(comps) {
			for i, v := range src {
				o[i] = byte(v)
			}
			return
		}
		for x := range w {
			for j, c := range comps {
				o[x*nc+c] = byte(src[x*ns+j])
			}
		}
		return
	}
	o := im.out[2*base : 2*(base+w*nc)]
	for x := range w {
		for j, c := range comps {
			v := src[x*ns+j]
			o[2*(x*nc+c)] = byte(v)
			o[2*(x*nc+c)+1] = byte(v >> 8)
		}
	}
}

func sortedComps(c []int) bool {
	for i, v := range c {
		if v != i {
			return false
		}
	}
	return true
}

func (d *Decoder) decode(src, dst []byte) ([]byte, Info, error) {
	p := parser{data: src}
	var fs frameState
	m, err := p.nextMarker()
	if err != nil {
		return dst, Info{}, err
	}
	if m != mSOI {
		return dst, Info{}, formatErr(0, "missing start-of-image marker")
	}
	var im *image
	start := len(dst)
	for {
		at := p.pos
		if p.pos >= len(src) && im != nil && fs.allDone() {
			break // tolerate a missing end-of-image marker
		}
		m, err := p.nextMarker()
		if err != nil {
			return dst, fs.info, err
		}
		if m == mEOI {
			break
		}
		if m != mSOS {
			if err := fs.headerSegment(&p, m, at); err != nil {
				return dst, fs.info, err
			}
			continue
		}
		seg, off, err := p.segment()
		if err != nil {
			return dst, fs.info, err
		}
		if im == nil {
			if !fs.haveFrame {
				return dst, fs.info, formatErr(off, "scan before frame header")
			}
			if err := fs.finishFrame(off); err != nil {
				return dst, fs.info, err
			}
			if err := d.checkSize(&fs.info); err != nil {
				return dst, fs.info, err
			}
			size := fs.info.Size()
			dst = slices.Grow(dst, size)[:start+size]
			im = &image{info: &fs.info, out: dst[start:], bps: fs.info.BytesPerSample(), planar: fs.info.Subsampled()}
			if im.planar {
				o := 0
				for i, c := range fs.info.Components {
					im.planeOff[i] = o
					o += c.Width * c.Height * im.bps
				}
			}
		}
		sh, err := fs.readSOS(seg, off)
		if err != nil {
			return dst, fs.info, err
		}
		fs.info.Near = max(fs.info.Near, sh.near)
		if sh.ilv != InterleaveNone {
			fs.info.Interleave = sh.ilv
		}
		n, err := d.decodeScan(im, &fs, sh, src[p.pos:], p.pos)
		if err != nil {
			return dst, fs.info, err
		}
		p.pos += n
		for _, c := range sh.comps {
			fs.done[c] = true
		}
	}
	if im == nil || !fs.allDone() {
		return dst, fs.info, truncatedErr(p.pos)
	}
	if fs.info.ColorTransform != TransformNone {
		if err := inverseTransform(&fs.info, im.out); err != nil {
			return dst, fs.info, err
		}
	}
	return dst, fs.info, nil
}

func (fs *frameState) allDone() bool {
	for i := range fs.info.Components {
		if !fs.done[i] {
			return false
		}
	}
	return true
}

func (d *Decoder) checkSize(in *Info) error {
	per := int64(in.BytesPerSample())
	total := int64(0)
	for _, c := range in.Components {
		if c.Width <= 0 || c.Height <= 0 {
			return formatErr(0, "component of size %dx%d", c.Width, c.Height)
		}
		n := int64(c.Width) * int64(c.Height) * per
		total += n
		if n > d.opts.maxBytes || total > d.opts.maxBytes {
			return fmt.Errorf("%w: %dx%d, %d components of %d bits exceed %d bytes", ErrTooLarge, in.Width, in.Height, len(in.Components), in.BitsPerSample, d.opts.maxBytes)
		}
	}
	if total > int64(int(^uint(0)>>1)) {
		return ErrTooLarge
	}
	return nil
}

// splitIntervals returns the entropy-coded segments of a scan starting at
// data[0], split at restart markers, and the length of the scan data
// (up to the marker that ends it).
func splitIntervals(data []byte, base int, segs [][]byte) ([][]byte, int, error) {
	start := 0
	next := 0 // expected restart number
	i := 0
	for {
		j := bytes.IndexByte(data[i:], 0xFF)
		if j < 0 {
			// No end marker: the scan runs to the end of the input.
			segs = append(segs, data[start:])
			return segs, len(data), nil
		}
		i += j
		if i+1 >= len(data) {
			segs = append(segs, data[start:i])
			return segs, i, nil
		}
		b := data[i+1]
		if b < 0x80 {
			i += 2
			continue
		}
		if b == 0xFF {
			// A fill byte before a marker, or the second of two: the
			// marker proper comes later.
			k := i + 1
			for k < len(data) && data[k] == 0xFF {
				k++
			}
			if k < len(data) && data[k] < 0x80 {
				i = k + 1
				continue
			}
			if k >= len(data) {
				segs = append(segs, data[start:i])
				return segs, i, nil
			}
			b = data[k]
			if b < mRST0 || b > mRST0+7 {
				segs = append(segs, data[start:i])
				return segs, i, nil
			}
			if int(b-mRST0) != next {
				return nil, 0, formatErr(base+k, "restart marker RST%d where RST%d was expected", b-mRST0, next)
			}
			segs = append(segs, data[start:i])
			next = (next + 1) & 7
			i = k + 1
			start = i
			continue
		}
		if b >= mRST0 && b <= mRST0+7 {
			if int(b-mRST0) != next {
				return nil, 0, formatErr(base+i, "restart marker RST%d where RST%d was expected", b-mRST0, next)
			}
			segs = append(segs, data[start:i])
			next = (next + 1) & 7
			i += 2
			start = i
			continue
		}
		segs = append(segs, data[start:i])
		return segs, i, nil
	}
}

// scanJob is one scan being decoded.
type scanJob struct {
	im     *image
	sh     scanHeader
	p      params
	q      *quantTable
	groups int // lines, or line groups in line-interleaved mode
	vs     [4]int
}

func (d *Decoder) decodeScan(im *image, fs *frameState, sh scanHeader, data []byte, base int) (int, error) {
	info := &fs.info
	p, err := newParams(info.BitsPerSample, sh.near, fs.preset, base)
	if err != nil {
		return 0, err
	}
	q := d.tables.Get().(*quantTable)
	defer d.tables.Put(q)
	q.init(&p)
	sj := &scanJob{im: im, sh: sh, p: p, q: q}
	switch sh.ilv {
	case InterleaveNone:
		sj.groups = info.Components[sh.comps[0]].Height
	case InterleaveSample:
		sj.groups = info.Height
	case InterleaveLine:
		vmax := 1
		for _, c := range info.Components {
			vmax = max(vmax, c.V)
		}
		sj.groups = (info.Height + vmax - 1) / vmax
		for j, c := range sh.comps {
			sj.vs[j] = info.Components[c].V
		}
	}
	segs, n, err := splitIntervals(data, base, nil)
	if err != nil {
		return 0, err
	}
	ri := info.RestartInterval
	nint := 1
	if ri > 0 {
		nint = (sj.groups + ri - 1) / ri
	} else {
		ri = sj.groups
	}
	if len(segs) < nint {
		return 0, truncatedErr(base + n)
	}
	if len(segs) > nint {
		return 0, formatErr(base, "%d restart intervals where %d were expected", len(segs), nint)
	}
	conc := min(d.opts.concurrency, nint)
	if conc <= 1 {
		w := d.workers.Get().(*worker)
		defer d.workers.Put(w)
		for i, seg := range segs {
			if err := sj.decodeInterval(w, seg, i*ri, min((i+1)*ri, sj.groups), base); err != nil {
				return 0, err
			}
		}
		return n, nil
	}
	errs := make([]error, nint)
	var wg sync.WaitGroup
	next := make(chan int, nint)
	for i := range nint {
		next <- i
	}
	close(next)
	for range conc {
		wg.Go(func() {
			w := d.workers.Get().(*worker)
			defer d.workers.Put(w)
			for i := range next {
				errs[i] = sj.decodeInterval(w, segs[i], i*ri, min((i+1)*ri, sj.groups), base)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}

// decodeInterval decodes line groups g0..g1 from one entropy-coded
// segment, starting from a reset state as after a restart marker.
func (sj *scanJob) decodeInterval(w *worker, seg []byte, g0, g1, base int) error {
	w.st.reset(&sj.p)
	w.br.init(seg)
	ld := lineDecoder{p: &sj.p, q: sj.q, st: &w.st, br: &w.br}
	info := sj.im.info
	ns := len(sj.sh.comps)
	bad := func(y int) error {
		return formatErr(base, "corrupt code in line %d", y)
	}
	switch sj.sh.ilv {
	case InterleaveSample:
		stride := (info.Width + 2) * ns
		buf := w.lineBuf(2 * stride)
		prev, cur := buf[:stride], buf[stride:]
		for y := g0; y < g1; y++ {
			copy(cur[:ns], prev[ns:2*ns])
			copy(prev[(info.Width+1)*ns:], prev[info.Width*ns:(info.Width+1)*ns])
			if !ld.decodeLineN(prev, cur, ns, &w.st.runIdx[0]) {
				return bad(y)
			}
			sj.im.putLineN(sj.sh.comps, y, cur[ns:(info.Width+1)*ns])
			prev, cur = cur, prev
		}
	default:
		// One pair of lines per component of the scan.
		var prevs, curs [4][]int32
		total := 0
		for _, c := range sj.sh.comps {
			total += 2 * (info.Components[c].Width + 2)
		}
		buf := w.lineBuf(total)
		for j, c := range sj.sh.comps {
			cw := info.Components[c].Width + 2
			prevs[j], curs[j] = buf[:cw], buf[cw:2*cw]
			buf = buf[2*cw:]
		}
		for g := g0; g < g1; g++ {
			for j, c := range sj.sh.comps {
				comp := &info.Components[c]
				y0, y1 := g, g+1
				if sj.sh.ilv == InterleaveLine {
					y0, y1 = g*sj.vs[j], min((g+1)*sj.vs[j], comp.Height)
				}
				prev, cur := prevs[j], curs[j]
				cw := comp.Width
				for y := y0; y < y1; y++ {
					cur[0] = prev[1]
					prev[cw+1] = prev[cw]
					if !ld.decodeLine(prev, cur, &w.st.runIdx[j]) {
						return bad(y)
					}
					sj.im.putLine(c, y, cur[1:cw+1])
					prev, cur = cur, prev
				}
				prevs[j], curs[j] = prev, cur
			}
		}
	}
	if w.br.overrun() {
		return truncatedErr(base + len(seg))
	}
	return nil
}
