package codec

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/radkit/radkit/dicomio"
)

// image builds a native Explicit VR Little Endian file with synthetic
// pixels.
func image(t testing.TB, fi FrameInfo, seed uint64) *dicomio.File {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 5))
	ds := dicomio.NewDataset()
	ds.MustSetStrings(dicomio.TagSOPClassUID, dicomio.UI, "1.2.840.10008.5.1.4.1.1.2")
	ds.MustSetStrings(dicomio.TagSOPInstanceUID, dicomio.UI, "2.25.1234")
	ds.MustSetStrings(tagImageType, dicomio.CS, "ORIGINAL", "PRIMARY", "AXIAL")
	ds.SetUint16s(dicomio.TagRows, dicomio.US, uint16(fi.Rows))
	ds.SetUint16s(dicomio.TagColumns, dicomio.US, uint16(fi.Columns))
	ds.SetUint16s(dicomio.TagSamplesPerPixel, dicomio.US, uint16(fi.SamplesPerPixel))
	ds.SetUint16s(dicomio.TagBitsAllocated, dicomio.US, uint16(fi.BitsAllocated))
	ds.SetUint16s(dicomio.TagBitsStored, dicomio.US, uint16(fi.BitsStored))
	ds.SetUint16s(dicomio.TagHighBit, dicomio.US, uint16(fi.BitsStored-1))
	ds.SetUint16s(dicomio.TagPixelRepresentation, dicomio.US, uint16(fi.PixelRepresentation))
	ds.MustSetStrings(dicomio.TagPhotometricInterpretation, dicomio.CS, fi.PhotometricInterpretation)
	if fi.SamplesPerPixel > 1 {
		ds.SetUint16s(dicomio.TagPlanarConfiguration, dicomio.US, uint16(fi.PlanarConfiguration))
	}
	if fi.NumberOfFrames > 1 {
		ds.MustSetStrings(dicomio.TagNumberOfFrames, dicomio.IS, strconv.Itoa(fi.NumberOfFrames))
	}
	n := fi.FrameSize() * fi.NumberOfFrames
	pix := make([]byte, n)
	bps := fi.BitsAllocated / 8
	for i := 0; i < n; i += bps {
		x := (i / bps) % fi.Columns
		var v int64
		if x < fi.Columns/2 {
			v = int64(x * 3)
		} else {
			v = int64(r.IntN(1 << (fi.BitsStored - 1)))
		}
		if fi.PixelRepresentation == 1 && (i/bps)%3 == 0 {
			v = -v - 1
		}
		// Sign-extended to the bits allocated, masked to the bits
		// stored for unsigned data.
		if fi.PixelRepresentation == 0 {
			v &= 1<<fi.BitsStored - 1
		}
		for k := range bps {
			pix[i+k] = byte(v >> (8 * k))
		}
	}
	vr := dicomio.OW
	if bps == 1 {
		vr = dicomio.OB
	}
	ds.Set(&dicomio.Element{Tag: dicomio.TagPixelData, VR: vr, Value: pix})
	f, err := dicomio.NewFile(ds, dicomio.ExplicitVRLittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// writeRead writes f and parses it back, as an archive would.
func writeRead(t testing.TB, f *dicomio.File) *dicomio.File {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Write(&buf, nil); err != nil {
		t.Fatal(err)
	}
	g, err := dicomio.Parse(&buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func pixels(t testing.TB, f *dicomio.File) []byte {
	t.Helper()
	frames, _, err := DecodeFrames(context.Background(), f, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Join(frames, nil)
}

func TestTranscodeRoundTrip(t *testing.T) {
	ctx := context.Background()
	geoms := []FrameInfo{
		{Rows: 32, Columns: 33, SamplesPerPixel: 1, BitsAllocated: 16, BitsStored: 12, PixelRepresentation: 1, PhotometricInterpretation: "MONOCHROME2", NumberOfFrames: 1},
		{Rows: 20, Columns: 17, SamplesPerPixel: 1, BitsAllocated: 16, BitsStored: 16, PixelRepresentation: 1, PhotometricInterpretation: "MONOCHROME2", NumberOfFrames: 3},
		{Rows: 21, Columns: 15, SamplesPerPixel: 1, BitsAllocated: 16, BitsStored: 14, PhotometricInterpretation: "MONOCHROME1", NumberOfFrames: 1},
		{Rows: 9, Columns: 11, SamplesPerPixel: 3, BitsAllocated: 8, BitsStored: 8, PhotometricInterpretation: "RGB", NumberOfFrames: 4},
		{Rows: 9, Columns: 11, SamplesPerPixel: 3, BitsAllocated: 8, BitsStored: 8, PlanarConfiguration: 1, PhotometricInterpretation: "RGB", NumberOfFrames: 2},
		{Rows: 7, Columns: 5, SamplesPerPixel: 1, BitsAllocated: 8, BitsStored: 8, PhotometricInterpretation: "MONOCHROME2", NumberOfFrames: 1},
	}
	targets := []string{dicomio.RLELossless, dicomio.JPEGLSLossless, dicomio.JPEGLSNearLossless, dicomio.JPEGLosslessSV1, dicomio.JPEGLossless, dicomio.ImplicitVRLittleEndian, dicomio.DeflatedExplicitVRLittleEndian}
	for gi, fi := range geoms {
		src := image(t, fi, uint64(gi))
		want := pixels(t, src)
		for _, to := range targets {
			out, rep, err := Transcode(ctx, src, to, &TranscodeOptions{Verify: true, MaxFragment: 64})
			if err != nil {
				t.Fatalf("geometry %d to %s: %v", gi, to, err)
			}
			if rep.Frames != fi.NumberOfFrames || rep.MaxError != 0 || rep.Lossy {
				t.Errorf("geometry %d to %s: report %+v", gi, to, rep)
			}
			back := writeRead(t, out)
			if back.TransferSyntax.UID != to {
				t.Fatalf("written as %s, want %s", back.TransferSyntax.UID, to)
			}
			got := pixels(t, back)
			jpegFamily := strings.HasPrefix(to, "1.2.840.10008.1.2.4.")
			if jpegFamily {
				// JPEG-LS output is colour-by-pixel: compare through a
				// transcode back to the native form.
				nat, _, err := Transcode(ctx, back, dicomio.ExplicitVRLittleEndian, nil)
				if err != nil {
					t.Fatal(err)
				}
				got = pixels(t, nat)
			}
			if fi.PlanarConfiguration == 1 && jpegFamily {
				continue // layout changed; checked by Verify
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("geometry %d via %s: pixels differ", gi, to)
			}
			if src.Dataset.String(dicomio.TagSOPInstanceUID) != back.Dataset.String(dicomio.TagSOPInstanceUID) {
				t.Errorf("lossless transcoding changed the SOP Instance UID")
			}
		}
	}
}

func TestTranscodeNearLossless(t *testing.T) {
	ctx := context.Background()
	fi := FrameInfo{Rows: 40, Columns: 41, SamplesPerPixel: 1, BitsAllocated: 16, BitsStored: 12, PixelRepresentation: 1, PhotometricInterpretation: "MONOCHROME2", NumberOfFrames: 2}
	src := image(t, fi, 7)
	out, rep, err := Transcode(ctx, src, dicomio.JPEGLSNearLossless, &TranscodeOptions{Near: 3, NewUID: func() string { return "2.25.99" }})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Lossy || !rep.Verified || rep.MaxError > 3 || rep.MaxError == 0 || rep.Ratio <= 1 {
		t.Fatalf("report %+v", rep)
	}
	ds := writeRead(t, out).Dataset
	if got := ds.String(tagLossyImageCompression); got != "01" {
		t.Errorf("Lossy Image Compression %q", got)
	}
	if m, _ := ds.Strings(tagLossyImageCompressionMeth); len(m) != 1 || m[0] != "ISO_14495_1" {
		t.Errorf("method %q", m)
	}
	if r, _ := ds.Strings(tagLossyImageCompressionRatio); len(r) != 1 {
		t.Errorf("ratio %q", r)
	}
	if ds.String(dicomio.TagSOPInstanceUID) != "2.25.99" {
		t.Errorf("SOP Instance UID not renewed")
	}
	if it, _ := ds.Strings(tagImageType); it[0] != "DERIVED" {
		t.Errorf("Image Type %q", it)
	}
	seq := ds.Get(tagSourceImageSequence)
	if seq == nil || len(seq.Items) != 1 || seq.Items[0].String(tagReferencedSOPInstanceUID) != "2.25.1234" {
		t.Fatalf("Source Image Sequence missing or wrong")
	}
	// Decoded samples are within NEAR of the source, sign included.
	nat, _, err := Transcode(ctx, out, dicomio.ExplicitVRLittleEndian, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(pixels(t, nat), pixels(t, src), fi); d > 3 {
		t.Fatalf("max error %d", d)
	}
	// A second lossy step appends to the lists.
	out2, _, err := Transcode(ctx, nat, dicomio.JPEGLSNearLossless, &TranscodeOptions{Near: 2})
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := out2.Dataset.Strings(tagLossyImageCompressionMeth); len(m) != 2 {
		t.Errorf("methods after two lossy steps: %q", m)
	}
}

func TestRestartIntervalsSingleFrame(t *testing.T) {
	fi := FrameInfo{Rows: 300, Columns: 200, SamplesPerPixel: 1, BitsAllocated: 16, BitsStored: 14, PhotometricInterpretation: "MONOCHROME1", NumberOfFrames: 1}
	src := image(t, fi, 2)
	out, _, err := Transcode(context.Background(), src, dicomio.JPEGLSLossless, &TranscodeOptions{RestartInterval: 32, Concurrency: 2, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	frames, err := dicomio.Frames(out.Dataset)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(frames[0], []byte{0xFF, 0xDD}) || !bytes.Contains(frames[0], []byte{0xFF, 0xD0}) {
		t.Fatal("no DRI or RST marker in the frame")
	}
}

func TestUnsupportedSyntax(t *testing.T) {
	reg := NewRegistry()
	for _, uid := range []string{dicomio.JPEG2000Lossless, dicomio.JPEGBaseline8Bit, "1.2.840.10008.1.2.4.201"} {
		_, err := reg.NewDecoder(uid, DecoderOptions{})
		var ue *UnsupportedSyntaxError
		if !errors.As(err, &ue) || ue.UID != uid || ue.Name == "" {
			t.Errorf("%s: %v", uid, err)
		}
	}
	src := image(t, FrameInfo{Rows: 4, Columns: 4, SamplesPerPixel: 1, BitsAllocated: 8, BitsStored: 8, PhotometricInterpretation: "MONOCHROME2", NumberOfFrames: 1}, 1)
	_, _, err := Transcode(context.Background(), src, dicomio.JPEG2000, nil)
	var ue *UnsupportedSyntaxError
	if !errors.As(err, &ue) {
		t.Fatalf("JPEG 2000 target: %v", err)
	}
	if _, _, err := Transcode(context.Background(), src, dicomio.RLELossless, &TranscodeOptions{Near: 2}); err == nil {
		t.Fatal("NEAR with RLE accepted")
	}
}

func TestRegisterDuplicatePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	NewRegistry().RegisterDecoder(dicomio.RLELossless, func(DecoderOptions) (Decoder, error) { return nativeCodec{}, nil })
}

func TestRegisterNewCodec(t *testing.T) {
	reg := NewRegistry()
	const uid = "1.2.840.10008.1.2.4.90"
	if reg.CanDecode(uid) {
		t.Fatal("JPEG 2000 decodable before registration")
	}
	reg.RegisterDecoder(uid, func(DecoderOptions) (Decoder, error) { return nativeCodec{}, nil })
	if !reg.CanDecode(uid) {
		t.Fatal("registration not seen")
	}
}

// TestNearLosslessSignBoundary shows why near-lossless output is always
// verified: signed samples at the sign boundary wrap.
func TestNearLosslessSignBoundary(t *testing.T) {
	fi := FrameInfo{Rows: 8, Columns: 8, SamplesPerPixel: 1, BitsAllocated: 16, BitsStored: 12, PixelRepresentation: 1, PhotometricInterpretation: "MONOCHROME2", NumberOfFrames: 1}
	src := image(t, fi, 1)
	pix := src.Dataset.Get(dicomio.TagPixelData).Value
	for i := 0; i < len(pix); i += 2 {
		v := int16(2047)
		if (i/2)%2 == 1 {
			v = -2048
		}
		pix[i], pix[i+1] = byte(v), byte(uint16(v)>>8)
	}
	_, _, err := Transcode(context.Background(), src, dicomio.JPEGLSNearLossless, &TranscodeOptions{Near: 3})
	if !errors.Is(err, ErrPixelMismatch) {
		t.Fatalf("got %v, want ErrPixelMismatch", err)
	}
}
