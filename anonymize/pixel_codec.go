package anonymize

import (
	"context"
	"fmt"

	"github.com/radkit/radkit/dicomarchive/codec"
	"github.com/radkit/radkit/dicomio"
)

// cleanCompressed cleans the pixels of an object whose pixel data is
// compressed: decoded to native with radkit's codecs, masked as native
// pixel data is, and encoded again in the same transfer syntax, so that a
// lossless object stays lossless (PS3.15 Clean Pixel Data leaves the
// encoding to the implementation; a lossy re-encoding would degrade the
// image for no reason). Syntaxes radkit cannot encode (baseline JPEG,
// JPEG 2000) are refused with ErrCompressedPixels rather than converted.
func (a *Anonymizer) cleanCompressed(ctx context.Context, f *dicomio.File, p pixelPlan) error {
	ts := f.TransferSyntax.UID
	reg := codec.NewRegistry()
	if !reg.CanDecode(ts) || !reg.CanEncode(ts) {
		return fmt.Errorf("%w: radkit cannot re-encode %s (%s) after cleaning", ErrCompressedPixels, f.TransferSyntax.Name, ts)
	}
	native, _, err := codec.Transcode(ctx, f, dicomio.ExplicitVRLittleEndian, &codec.TranscodeOptions{Registry: reg})
	if err != nil {
		return fmt.Errorf("anonymize: decoding pixel data to clean it: %w", err)
	}
	if err := a.cleanPixels(native.Dataset, p, nil); err != nil {
		return err
	}
	back, _, err := codec.Transcode(ctx, native, ts, &codec.TranscodeOptions{Registry: reg, Verify: true})
	if err != nil {
		return fmt.Errorf("anonymize: re-encoding cleaned pixel data: %w", err)
	}
	// The header was de-identified before; take from the cleaned object
	// only what cleaning and encoding changed: the image pixel module,
	// Burned In Annotation, overlays and the pixel data with its offset
	// tables.
	ds := f.Dataset
	for _, e := range back.Dataset.Elements() {
		g := e.Tag.Group()
		if g == 0x0028 || g == 0x7FE0 || (g >= 0x6000 && g <= 0x60FF && g%2 == 0) {
			ds.Set(e)
		}
	}
	for _, t := range []dicomio.Tag{dicomio.TagExtendedOffsetTable, dicomio.TagExtendedOffsetTableLengths} {
		if !back.Dataset.Has(t) {
			ds.Delete(t)
		}
	}
	return nil
}
