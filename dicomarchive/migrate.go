package dicomarchive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/radkit/radkit/dicomarchive/codec"
	"github.com/radkit/radkit/dicomio"
)

// JPEG-LS transfer syntaxes, the deferred tier's codecs.
const (
	JPEGLSLossless     = "1.2.840.10008.1.2.4.80"
	JPEGLSNearLossless = "1.2.840.10008.1.2.4.81"
)

// MigrateOptions steer [Archive.Migrate].
type MigrateOptions struct {
	// DryRun lists the studies that would move and changes nothing.
	DryRun bool
	// Now is the date the immediate window is judged at. Default: the
	// archive's clock.
	Now time.Time
	// Near is the JPEG-LS NEAR parameter: 0 (the default) keeps the
	// samples exact (JPEG-LS lossless); k > 0 allows an error of k per
	// sample (near-lossless, a lossy, derived image with a new SOP
	// Instance UID, as PS3.3 C.7.6.1.1.5 requires).
	Near int
	// TransferSyntax overrides the target syntax. Default JPEG-LS
	// lossless, or near-lossless when Near > 0.
	TransferSyntax string
	// Limit stops after that many studies (0: no limit), so that a large
	// backlog migrates in bounded batches.
	Limit int
}

// MigrateItem reports one study.
type MigrateItem struct {
	StudyInstanceUID string
	ImmediateUntil   time.Time
	Instances        int   // instances moved (or, in a dry run, to move)
	BytesBefore      int64 // stored size before
	BytesAfter       int64 // stored size after (0 in a dry run)
	// Ratio is BytesBefore/BytesAfter, what the deferred tier saves.
	Ratio float64
	// MaxError is the largest sample error over the study's images
	// (0 for lossless), measured by decoding the result.
	MaxError int
	Lossy    bool
}

// MigrateReport is the result of [Archive.Migrate].
type MigrateReport struct {
	DryRun   bool
	Studies  []MigrateItem
	Held     []string // past the window but under legal hold: not degraded
	Examined int
}

// Migrate moves the studies past their immediate window (see
// [Policy.ImmediateUntil]) to the deferred tier, re-encoding their images
// with JPEG-LS (lossless, or near-lossless with opts.Near). Studies under
// legal hold are left untouched: a hold preserves evidence, compression
// would alter it. Objects without pixel data move tier unchanged.
//
// Each instance is moved on its own: the new blob is written (and
// replicated) first, then the index swaps the rows in one transaction,
// then the old blob is deleted; an interruption leaves whole instances in
// one tier or the other plus orphan blobs for Verify, and running Migrate
// again finishes the work. A lossy result is a new image with a new SOP
// Instance UID; [Archive.Open] of the old UID still finds it.
func (a *Archive) Migrate(ctx context.Context, opts *MigrateOptions) (MigrateReport, error) {
	if err := a.enter(ctx); err != nil {
		return MigrateReport{}, err
	}
	defer a.leave()
	var o MigrateOptions
	if opts != nil {
		o = *opts
	}
	rep := MigrateReport{DryRun: o.DryRun}
	err := a.migrate(ctx, &o, &rep)
	return rep, a.done(ctx, ActionMigrate, "", err, fmt.Sprintf("dry run=%v: %d studies, %d held", o.DryRun, len(rep.Studies), len(rep.Held)))
}

func (a *Archive) migrate(ctx context.Context, o *MigrateOptions, rep *MigrateReport) error {
	ri, err := a.retention()
	if err != nil {
		return err
	}
	if a.c.Tiers == nil {
		return fmt.Errorf("%w: tier migration", ErrUnsupported)
	}
	if o.Near < 0 || o.Near > 255 {
		return fmt.Errorf("dicomarchive: NEAR %d out of 0..255", o.Near)
	}
	if o.Now.IsZero() {
		o.Now = a.now()
	}
	if o.TransferSyntax == "" {
		o.TransferSyntax = JPEGLSLossless
		if o.Near > 0 {
			o.TransferSyntax = JPEGLSNearLossless
		}
	}
	if !a.codecs.CanEncode(o.TransferSyntax) {
		return fmt.Errorf("%w: no encoder for %s", ErrUnsupported, o.TransferSyntax)
	}
	var due []MigrateItem
	err = ri.WalkStudies(ctx, func(s Study) error {
		rep.Examined++
		until := a.opts.Policy.ImmediateUntil(&s)
		if o.Now.Before(until) {
			return nil
		}
		if s.Hold != "" {
			rep.Held = append(rep.Held, s.StudyInstanceUID)
			return nil
		}
		due = append(due, MigrateItem{StudyInstanceUID: s.StudyInstanceUID, ImmediateUntil: until})
		return nil
	})
	if err != nil {
		return err
	}
	for _, it := range due {
		if o.Limit > 0 && len(rep.Studies) >= o.Limit {
			break
		}
		var todo []Instance
		err := a.allInstances(ctx, &Query{StudyInstanceUID: it.StudyInstanceUID}, func(in Instance) error {
			if in.Tier == Immediate {
				todo = append(todo, in)
				it.BytesBefore += in.Size
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(todo) == 0 {
			continue
		}
		it.Instances = len(todo)
		if o.DryRun {
			rep.Studies = append(rep.Studies, it)
			continue
		}
		for _, in := range todo {
			if err := ctx.Err(); err != nil {
				return err
			}
			size, r, err := a.migrateInstance(ctx, in, o)
			if err != nil {
				a.audit(ctx, ActionMigrate, in.SOPInstanceUID, err, "")
				return fmt.Errorf("dicomarchive: migrating %s: %w", in.SOPInstanceUID, err)
			}
			it.BytesAfter += size
			it.MaxError = max(it.MaxError, r.MaxError)
			it.Lossy = it.Lossy || r.Lossy
		}
		if it.BytesAfter > 0 {
			it.Ratio = float64(it.BytesBefore) / float64(it.BytesAfter)
		}
		rep.Studies = append(rep.Studies, it)
		if err := a.audit(ctx, ActionMigrate, it.StudyInstanceUID, nil, fmt.Sprintf("%d instances to %s, %d -> %d bytes (ratio %.2f), max error %d, lossy %v",
			it.Instances, o.TransferSyntax, it.BytesBefore, it.BytesAfter, it.Ratio, it.MaxError, it.Lossy)); err != nil {
			return err
		}
	}
	return nil
}

// migrateInstance re-encodes one instance into the deferred tier and
// returns its new size.
func (a *Archive) migrateInstance(ctx context.Context, in Instance, o *MigrateOptions) (int64, codec.Report, error) {
	_, f, err := a.load(ctx, in)
	if err != nil {
		return 0, codec.Report{}, err
	}
	moved := in
	moved.Tier = Deferred
	var rep codec.Report
	if f.Dataset.Has(dicomio.TagPixelData) && in.TransferSyntaxUID != o.TransferSyntax {
		out, r, err := codec.Transcode(ctx, f, o.TransferSyntax, &codec.TranscodeOptions{Near: o.Near, Registry: a.codecs, Verify: true})
		if err != nil {
			return 0, rep, err
		}
		rep = r
		var buf bytes.Buffer
		if err := out.Write(&buf, nil); err != nil {
			return 0, rep, err
		}
		data := buf.Bytes()
		moved.SOPInstanceUID = out.Dataset.String(dicomio.TagSOPInstanceUID)
		moved.TransferSyntaxUID = o.TransferSyntax
		moved.StoredAt = a.now().UTC().Truncate(time.Microsecond)
		moved.StoredBy = PrincipalFrom(ctx)
		w, err := a.c.Blobs.Create(ctx)
		if err != nil {
			return 0, rep, err
		}
		if _, err := w.Write(data); err != nil {
			w.Abort()
			return 0, rep, err
		}
		info, err := w.Commit(ctx, Digest{})
		if err != nil {
			return 0, rep, err
		}
		moved.Digest, moved.Size = info.Digest, info.Size
		if a.c.Replica != nil {
			if err := a.replicate(ctx, a.c.Blobs, a.c.Replica, moved.Digest); err != nil {
				return 0, rep, fmt.Errorf("dicomarchive: replica: %w", err)
			}
		}
	}
	reason := fmt.Sprintf("migrated to the deferred tier as %s", moved.TransferSyntaxUID)
	if err := a.c.Tiers.ReplaceInstance(ctx, in.SOPInstanceUID, moved, reason); err != nil {
		a.dropUnreferenced(ctx, moved.Digest)
		return 0, rep, err
	}
	if moved.Digest != in.Digest {
		a.dropUnreferencedEverywhere(ctx, in.Digest)
	}
	return moved.Size, rep, nil
}

// dropUnreferencedEverywhere deletes a blob no index row names from the
// primary store and the replica.
func (a *Archive) dropUnreferencedEverywhere(ctx context.Context, d Digest) {
	if ref, err := a.c.Index.BlobReferenced(ctx, d); err != nil || ref {
		return
	}
	if a.c.Deleter != nil {
		a.c.Deleter.Delete(ctx, d)
	}
	if a.c.ReplicaDeleter != nil {
		a.c.ReplicaDeleter.Delete(ctx, d)
	}
}

// load reads and checks a whole instance and parses it with its pixel
// data.
func (a *Archive) load(ctx context.Context, in Instance) ([]byte, *dicomio.File, error) {
	rc, err := a.c.Blobs.Open(ctx, in.Digest)
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(ctxReader{ctx, newVerifyingReader(rc, in.Digest, in.Size)})
	if err != nil {
		return nil, nil, err
	}
	f, err := dicomio.Parse(bytes.NewReader(data), &a.opts.Read)
	if err != nil {
		return nil, nil, fmt.Errorf("dicomarchive: parsing stored %s: %w", in.SOPInstanceUID, err)
	}
	return data, f, nil
}

// resolve finds an instance, following tier-migration replacements.
func (a *Archive) resolve(ctx context.Context, sopUID string) (Instance, error) {
	in, err := a.c.Index.Instance(ctx, sopUID)
	if errors.Is(err, ErrNotFound) && a.c.Tiers != nil {
		if n, rerr := a.c.Tiers.ReplacedBy(ctx, sopUID); rerr == nil {
			return a.c.Index.Instance(ctx, n)
		}
	}
	return in, err
}
