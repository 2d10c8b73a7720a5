package synth

import (
	"context"
	"fmt"
	"time"

	"github.com/radkit/radkit/dicomio"
)

// Study generates the objects of one study and passes each to fn, one at a
// time and in instance order, so that a 600-slice CT never has more than
// one slice in memory. Tomosynthesis objects carry their pixel data as a
// [dicomio.ValueSource] that computes each frame while the object is being
// written, so even a gigabyte object is written with memory for one frame.
//
// The objects are explicit VR little endian Part 10 files. fn must not keep
// a file after returning if memory matters; it may modify it. Study stops
// at the first error from fn, or when ctx is cancelled (checked between
// objects and between tomosynthesis frames).
//
// The same kind and Options always give the same objects, byte for byte
// once written.
func Study(ctx context.Context, kind Kind, opts Options, fn func(*dicomio.File) error) error {
	r, err := opts.resolve(kind)
	if err != nil {
		return err
	}
	emit := func(o obj) error {
		if *o.err != nil {
			return *o.err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := dicomio.NewFile(o.ds, dicomio.ExplicitVRLittleEndian)
		if err != nil {
			return err
		}
		return fn(f)
	}
	switch kind {
	case CT:
		return r.ct(emit)
	case MR:
		return r.mr(emit)
	case CR, DX:
		return r.chest(emit)
	case MG:
		return r.mammo(emit)
	case DBT:
		return r.dbt(ctx, emit)
	case US:
		return r.us(emit)
	case SC:
		return r.sc(emit)
	case SR:
		return r.sr(emit)
	}
	return fmt.Errorf("synth: unknown kind %q", kind)
}

// WriteStudy writes the study as Part 10 files in dir (created if needed),
// named <kind>-<series>-<instance>.dcm, each written atomically, and
// returns their paths in generation order. On error the files already
// written are left in place and their paths returned with the error.
func WriteStudy(ctx context.Context, dir string, kind Kind, opts Options) ([]string, error) {
	var paths []string
	err := Study(ctx, kind, opts, func(f *dicomio.File) error {
		ser, _ := f.Dataset.Int(tSeriesNumber)
		inst, _ := f.Dataset.Int(tInstanceNumber)
		name := fmt.Sprintf("%s-%02d-%04d.dcm", kind, ser, inst)
		p, err := dicomio.WriteFileIn(dir, name, f, nil)
		if err != nil {
			return err
		}
		paths = append(paths, p)
		return nil
	})
	return paths, err
}

// at returns the study start plus d.
func (r *resolved) at(d time.Duration) time.Time { return r.start.Add(d) }
