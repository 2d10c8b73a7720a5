package codec

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/radkit/radkit/dicomio"
)

// Tags of the lossy compression rules (PS3.3 C.7.6.1.1.5, C.7.6.1.1.2
// and C.12.1.1.1); dicomio names only the tags it needs itself.
var (
	tagImageType                  = dicomio.NewTag(0x0008, 0x0008)
	tagSourceImageSequence        = dicomio.NewTag(0x0008, 0x2112)
	tagReferencedSOPClassUID      = dicomio.NewTag(0x0008, 0x1150)
	tagReferencedSOPInstanceUID   = dicomio.NewTag(0x0008, 0x1155)
	tagPurposeOfReferenceCodeSeq  = dicomio.NewTag(0x0040, 0xA170)
	tagCodeValue                  = dicomio.NewTag(0x0008, 0x0100)
	tagCodingSchemeDesignator     = dicomio.NewTag(0x0008, 0x0102)
	tagCodeMeaning                = dicomio.NewTag(0x0008, 0x0104)
	tagLossyImageCompression      = dicomio.NewTag(0x0028, 0x2110)
	tagLossyImageCompressionRatio = dicomio.NewTag(0x0028, 0x2112)
	tagLossyImageCompressionMeth  = dicomio.NewTag(0x0028, 0x2114)
)

// TranscodeOptions steer [Transcode]. The zero value transcodes
// losslessly with radkit's codecs on all cores.
type TranscodeOptions struct {
	// Near is the JPEG-LS NEAR parameter for the near-lossless syntax
	// (0..255; 0 keeps the samples exact). JPEG-LS codes signed samples
	// as their bit patterns, so near the sign boundary (2047 and -2048
	// for 12 bits) an error within NEAR on the pattern is a large one on
	// the value: Transcode verifies near-lossless output and fails with
	// [ErrPixelMismatch] rather than write such an image.
	Near int
	// RestartInterval makes JPEG-LS frames carry restart markers every
	// RestartInterval lines, so that one large frame decodes on several
	// cores. 0: none.
	RestartInterval int
	// Concurrency is how many frames are coded at once. Default
	// GOMAXPROCS. A single-frame object with restart intervals uses the
	// goroutines for its intervals instead.
	Concurrency int
	// MaxFragment splits compressed frames into fragments of at most
	// this many bytes; 0 puts each frame in one fragment.
	MaxFragment int
	// Registry supplies the codecs; nil means [NewRegistry].
	Registry *Registry
	// NewUID makes the SOP Instance UID of a lossy result; nil makes a
	// UUID-derived "2.25." UID (PS3.5 B.2).
	NewUID func() string
	// Verify decodes each encoded frame again and compares it with the
	// source, failing with [ErrPixelMismatch] beyond NEAR. Near-lossless
	// encoding always verifies, to report the maximum error.
	Verify bool
}

// Report describes a transcoding.
type Report struct {
	Frames int
	// Lossy is true when the result was made lossy by this transcoding.
	Lossy bool
	// Ratio is native size over compressed size (1 for native results).
	Ratio float64
	// MaxError is the largest absolute difference between a source
	// sample and its decoded value, measured when verifying.
	MaxError int
	// Verified says whether MaxError was measured.
	Verified bool
}

// MaxFrameBytes bounds the native size of one frame (the codecs' own
// default limit): a larger declared frame is refused before any
// allocation.
const MaxFrameBytes = 1 << 30

// FrameInfoOf reads the Image Pixel module of ds.
func FrameInfoOf(ds *dicomio.Dataset) (FrameInfo, error) {
	get := func(t dicomio.Tag, def int) (int, error) {
		v, err := ds.Int(t)
		if err != nil {
			if def >= 0 && !ds.Has(t) {
				return def, nil
			}
			return 0, fmt.Errorf("codec: %v: %w", t, err)
		}
		return int(v), nil
	}
	var fi FrameInfo
	var err error
	if fi.Rows, err = get(dicomio.TagRows, -1); err != nil {
		return fi, err
	}
	if fi.Columns, err = get(dicomio.TagColumns, -1); err != nil {
		return fi, err
	}
	if fi.SamplesPerPixel, err = get(dicomio.TagSamplesPerPixel, 1); err != nil {
		return fi, err
	}
	if fi.BitsAllocated, err = get(dicomio.TagBitsAllocated, -1); err != nil {
		return fi, err
	}
	if fi.BitsStored, err = get(dicomio.TagBitsStored, fi.BitsAllocated); err != nil {
		return fi, err
	}
	if fi.PixelRepresentation, err = get(dicomio.TagPixelRepresentation, 0); err != nil {
		return fi, err
	}
	if fi.PlanarConfiguration, err = get(dicomio.TagPlanarConfiguration, 0); err != nil {
		return fi, err
	}
	if fi.NumberOfFrames, err = get(dicomio.TagNumberOfFrames, 1); err != nil {
		return fi, err
	}
	fi.PhotometricInterpretation = ds.String(dicomio.TagPhotometricInterpretation)
	if fi.Rows < 1 || fi.Columns < 1 || fi.SamplesPerPixel < 1 || fi.NumberOfFrames < 1 {
		return fi, fmt.Errorf("%w: %d rows, %d columns, %d samples, %d frames", ErrUnsupportedImage, fi.Rows, fi.Columns, fi.SamplesPerPixel, fi.NumberOfFrames)
	}
	if fi.BitsAllocated%8 != 0 || fi.BitsAllocated == 0 || fi.BitsAllocated > 64 {
		return fi, fmt.Errorf("%w: %d bits allocated", ErrUnsupportedImage, fi.BitsAllocated)
	}
	if fi.SamplesPerPixel > 4 || fi.BitsStored > fi.BitsAllocated || fi.BitsStored < 1 {
		return fi, fmt.Errorf("%w: %d samples per pixel, %d of %d bits stored", ErrUnsupportedImage, fi.SamplesPerPixel, fi.BitsStored, fi.BitsAllocated)
	}
	if int64(fi.FrameSize()) > MaxFrameBytes {
		return fi, fmt.Errorf("%w: frames of %d bytes exceed %d", ErrUnsupportedImage, fi.FrameSize(), int64(MaxFrameBytes))
	}
	return fi, nil
}

// DecodeFrames returns the native frames of f's pixel data, decoded in
// parallel (concurrency 0: GOMAXPROCS) with the registry's codecs (nil:
// [NewRegistry]).
func DecodeFrames(ctx context.Context, f *dicomio.File, reg *Registry, concurrency int) ([][]byte, FrameInfo, error) {
	if reg == nil {
		reg = NewRegistry()
	}
	ds := f.Dataset
	fi, err := FrameInfoOf(ds)
	if err != nil {
		return nil, fi, err
	}
	uid := f.TransferSyntax.UID
	if uid == "" {
		uid = dicomio.ExplicitVRLittleEndian
	}
	pd := ds.Get(dicomio.TagPixelData)
	if pd == nil {
		return nil, fi, fmt.Errorf("codec: no pixel data")
	}
	if !pd.Loaded() {
		return nil, fi, dicomio.ErrPixelDataNotLoaded
	}
	if pd.Source != nil {
		return nil, fi, fmt.Errorf("codec: pixel data is streamed (a ValueSource); read it into memory to transcode")
	}
	if pd.Fragments == nil {
		if !IsNative(uid) {
			return nil, fi, fmt.Errorf("codec: %s pixel data is not encapsulated", uid)
		}
		size := fi.FrameSize()
		if len(pd.Value) < size*fi.NumberOfFrames {
			return nil, fi, fmt.Errorf("codec: native pixel data of %d bytes holds fewer than %d frames of %d bytes", len(pd.Value), fi.NumberOfFrames, size)
		}
		frames := make([][]byte, fi.NumberOfFrames)
		for i := range frames {
			frames[i] = pd.Value[i*size : (i+1)*size : (i+1)*size]
		}
		return frames, fi, nil
	}
	enc, err := dicomio.Frames(ds)
	if err != nil {
		return nil, fi, err
	}
	if len(enc) != fi.NumberOfFrames {
		return nil, fi, fmt.Errorf("codec: %d compressed frames, Number of Frames says %d", len(enc), fi.NumberOfFrames)
	}
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	// Cores the frames leave idle go to each frame's restart intervals.
	dec, err := reg.NewDecoder(uid, DecoderOptions{Concurrency: max(1, concurrency/len(enc))})
	if err != nil {
		return nil, fi, err
	}
	out := make([][]byte, len(enc))
	err = parallel(ctx, len(enc), concurrency, func(i int) error {
		// No allocation from the data set's declared size: the decoder
		// allocates from its stream's header, within its own limit.
		b, err := dec.DecodeFrame(fi, enc[i], nil)
		if err != nil {
			return fmt.Errorf("frame %d: %w", i+1, err)
		}
		if len(b) != fi.FrameSize() {
			return fmt.Errorf("frame %d: decoded %d bytes, %d expected", i+1, len(b), fi.FrameSize())
		}
		out[i] = b
		return nil
	})
	return out, fi, err
}

// parallel runs fn(0..n-1) on at most conc goroutines (0: GOMAXPROCS)
// and returns the first error; it stops starting work once ctx is done
// or an error occurred.
func parallel(ctx context.Context, n, conc int, fn func(int) error) error {
	if conc <= 0 {
		conc = runtime.GOMAXPROCS(0)
	}
	conc = min(conc, n)
	var (
		mu    sync.Mutex
		first error
		next  int
		wg    sync.WaitGroup
	)
	for range conc {
		wg.Go(func() {
			for {
				mu.Lock()
				if first != nil || next >= n {
					mu.Unlock()
					return
				}
				if err := ctx.Err(); err != nil {
					first = err
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

// Transcode returns a copy of f whose pixel data is in the transfer
// syntax toUID, with the file meta Transfer Syntax UID to match. f is not
// modified. The rules applied, in order:
//
//  1. Every frame is decoded with the source syntax's decoder and
//     encoded with the target's, frames in parallel.
//  2. Compressed frames are encapsulated one per item (or split at
//     MaxFragment) with a Basic Offset Table (an Extended Offset Table
//     past 4 GiB); native frames are concatenated, Extended Offset
//     Table removed.
//  3. JPEG-LS and JPEG output gets Planar Configuration 0 (PS3.5 8.2).
//  4. When the target is near-lossless with NEAR > 0, the result is a
//     new, derived image (PS3.3 C.7.6.1.1.5): Lossy Image Compression
//     "01", the ratio and "ISO_14495_1" appended to their lists, Image
//     Type DERIVED, a new SOP Instance UID, and the source referenced in
//     Source Image Sequence as its uncompressed predecessor.
func Transcode(ctx context.Context, f *dicomio.File, toUID string, opts *TranscodeOptions) (*dicomio.File, Report, error) {
	var o TranscodeOptions
	if opts != nil {
		o = *opts
	}
	var rep Report
	if o.Near < 0 || o.Near > 255 {
		return nil, rep, fmt.Errorf("codec: NEAR %d outside 0..255", o.Near)
	}
	if o.Registry == nil {
		o.Registry = NewRegistry()
	}
	dstTS, err := dicomio.LookupTransferSyntax(toUID)
	if err != nil {
		return nil, rep, err
	}
	if !o.Registry.CanEncode(toUID) {
		return nil, rep, &UnsupportedSyntaxError{UID: toUID, Name: dstTS.Name, Op: "encode"}
	}
	if o.Near > 0 && toUID != dicomio.JPEGLSNearLossless {
		return nil, rep, fmt.Errorf("codec: NEAR %d needs the JPEG-LS near-lossless syntax %s, not %s", o.Near, dicomio.JPEGLSNearLossless, toUID)
	}
	frames, fi, err := DecodeFrames(ctx, f, o.Registry, o.Concurrency)
	if err != nil {
		return nil, rep, err
	}
	rep.Frames = len(frames)
	ds := f.Dataset.Clone()
	out := &dicomio.File{Preamble: f.Preamble, Dataset: ds, TransferSyntax: dstTS}
	if f.Meta != nil {
		out.Meta = f.Meta.Clone()
	} else {
		out.Meta = dicomio.NewDataset()
	}
	out.Meta.MustSetStrings(dicomio.TagTransferSyntaxUID, dicomio.UI, toUID)
	native := fi.FrameSize() * len(frames)

	if !dstTS.Encapsulated {
		buf := make([]byte, 0, native+native%2)
		for _, fr := range frames {
			buf = append(buf, fr...)
		}
		if len(buf)%2 == 1 {
			buf = append(buf, 0)
		}
		vr := dicomio.OW
		if fi.BitsAllocated <= 8 {
			vr = dicomio.OB
		}
		ds.Delete(dicomio.TagExtendedOffsetTable)
		ds.Delete(dicomio.TagExtendedOffsetTableLengths)
		ds.Set(&dicomio.Element{Tag: dicomio.TagPixelData, VR: vr, Value: buf})
		rep.Ratio = 1
		return out, rep, nil
	}

	frameConc := o.Concurrency
	if frameConc <= 0 {
		frameConc = runtime.GOMAXPROCS(0)
	}
	encConc := 1
	if len(frames) < frameConc && o.RestartInterval > 0 {
		encConc = max(1, frameConc/len(frames))
	}
	enc, err := o.Registry.NewEncoder(toUID, EncoderOptions{Near: o.Near, RestartInterval: o.RestartInterval, Concurrency: encConc})
	if err != nil {
		return nil, rep, err
	}
	var dec Decoder
	verify := o.Verify || o.Near > 0
	if verify {
		if dec, err = o.Registry.NewDecoder(toUID, DecoderOptions{Concurrency: encConc}); err != nil {
			return nil, rep, err
		}
	}
	outFI := fi
	if strings.HasPrefix(toUID, "1.2.840.10008.1.2.4.") { // JPEG family
		outFI.PlanarConfiguration = 0
	}
	coded := make([][]byte, len(frames))
	errs := make([]int, len(frames))
	err = parallel(ctx, len(frames), frameConc, func(i int) error {
		src := frames[i]
		if outFI.PlanarConfiguration != fi.PlanarConfiguration {
			src = append([]byte(nil), src...)
			toInterleaved(src, fi)
		}
		b, err := enc.EncodeFrame(outFI, src, nil)
		if err != nil {
			return fmt.Errorf("frame %d: %w", i+1, err)
		}
		coded[i] = b
		if verify {
			back, err := dec.DecodeFrame(outFI, b, nil)
			if err != nil {
				return fmt.Errorf("frame %d: verification decode: %w", i+1, err)
			}
			errs[i] = maxAbsDiff(src, back, outFI)
		}
		return nil
	})
	if err != nil {
		return nil, rep, err
	}
	total := 0
	for i, b := range coded {
		total += len(b)
		rep.MaxError = max(rep.MaxError, errs[i])
	}
	rep.Verified = verify
	if verify && rep.MaxError > o.Near {
		return nil, rep, fmt.Errorf("%w: maximum error %d exceeds NEAR %d", ErrPixelMismatch, rep.MaxError, o.Near)
	}
	rep.Ratio = float64(native) / float64(max(total, 1))
	dicomio.EncapsulateFrames(ds, coded, o.MaxFragment)
	if outFI.PlanarConfiguration != fi.PlanarConfiguration {
		ds.SetUint16s(dicomio.TagPlanarConfiguration, dicomio.US, uint16(outFI.PlanarConfiguration))
	}
	if lossySyntaxes[toUID] && o.Near > 0 {
		rep.Lossy = true
		if err := markLossy(ds, rep.Ratio, "ISO_14495_1", o.NewUID); err != nil {
			return nil, rep, err
		}
	}
	return out, rep, nil
}

// toInterleaved rearranges a colour-by-plane frame to colour-by-pixel.
func toInterleaved(frame []byte, fi FrameInfo) {
	bps := fi.BitsAllocated / 8
	ns := fi.SamplesPerPixel
	px := fi.Rows * fi.Columns
	tmp := append([]byte(nil), frame...)
	for i := range px {
		for s := range ns {
			copy(frame[(i*ns+s)*bps:(i*ns+s+1)*bps], tmp[(s*px+i)*bps:(s*px+i+1)*bps])
		}
	}
}

// maxAbsDiff compares two native frames sample by sample, within the
// bits stored and with their sign.
func maxAbsDiff(a, b []byte, fi FrameInfo) int {
	if len(a) != len(b) {
		return 1 << 30
	}
	bps := fi.BitsAllocated / 8
	shift := 64 - fi.BitsStored
	m := 0
	for i := 0; i+bps <= len(a); i += bps {
		var x, y uint64
		for k := range bps {
			x |= uint64(a[i+k]) << (8 * k)
			y |= uint64(b[i+k]) << (8 * k)
		}
		var dx, dy int64
		if fi.PixelRepresentation == 1 {
			dx, dy = int64(x<<shift)>>shift, int64(y<<shift)>>shift
		} else {
			dx, dy = int64(x<<shift>>shift), int64(y<<shift>>shift)
		}
		d := dx - dy
		if d < 0 {
			d = -d
		}
		m = max(m, int(d))
	}
	return m
}

// markLossy applies PS3.3 C.7.6.1.1.5 to a data set that has just been
// lossy compressed.
func markLossy(ds *dicomio.Dataset, ratio float64, method string, newUID func() string) error {
	oldUID := ds.String(dicomio.TagSOPInstanceUID)
	classUID := ds.String(dicomio.TagSOPClassUID)
	if err := ds.SetStrings(tagLossyImageCompression, dicomio.CS, "01"); err != nil {
		return err
	}
	ratios, _ := ds.Strings(tagLossyImageCompressionRatio)
	methods, _ := ds.Strings(tagLossyImageCompressionMeth)
	r := strconv.FormatFloat(ratio, 'f', 2, 64)
	if err := ds.SetStrings(tagLossyImageCompressionRatio, dicomio.DS, append(ratios, r)...); err != nil {
		return err
	}
	if err := ds.SetStrings(tagLossyImageCompressionMeth, dicomio.CS, append(methods, method)...); err != nil {
		return err
	}
	if it, err := ds.Strings(tagImageType); err == nil && len(it) > 0 && it[0] == "ORIGINAL" {
		it[0] = "DERIVED"
		if err := ds.SetStrings(tagImageType, dicomio.CS, it...); err != nil {
			return err
		}
	}
	if oldUID != "" {
		item := ds.AddItem(tagSourceImageSequence)
		item.MustSetStrings(tagReferencedSOPClassUID, dicomio.UI, classUID)
		item.MustSetStrings(tagReferencedSOPInstanceUID, dicomio.UI, oldUID)
		code := item.AddItem(tagPurposeOfReferenceCodeSeq)
		code.MustSetStrings(tagCodeValue, dicomio.SH, "121320")
		code.MustSetStrings(tagCodingSchemeDesignator, dicomio.SH, "DCM")
		code.MustSetStrings(tagCodeMeaning, dicomio.LO, "Uncompressed predecessor")
	}
	if newUID == nil {
		newUID = uuidUID
	}
	return ds.SetStrings(dicomio.TagSOPInstanceUID, dicomio.UI, newUID())
}

// uuidUID makes a "2.25." UID from a random UUID (PS3.5 B.2).
func uuidUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0F | 0x40
	b[8] = b[8]&0x3F | 0x80
	return "2.25." + new(big.Int).SetBytes(b[:]).String()
}
