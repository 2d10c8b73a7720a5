package dicomarchive

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// VerifyOptions steer [Archive.Verify].
type VerifyOptions struct {
	// CleanOrphans deletes orphan blobs (no index row names them) and
	// stale temporary files. Default false: report only.
	CleanOrphans bool
	// OrphanGrace protects recent blobs: a Store in progress has
	// committed its blob but not yet its index row, so only blobs and
	// temporary files older than this count as orphans. Default one hour;
	// a negative value means no grace (only safe when nothing else
	// writes to the archive, as after a crash).
	OrphanGrace time.Duration
	// Replica also checks that every indexed blob has an intact copy in
	// the replica. Default false.
	Replica bool
}

// BlobProblem is a blob that is missing or corrupt.
type BlobProblem struct {
	Digest         Digest
	SOPInstanceUID string // one instance naming the blob
	Err            error
}

// VerifyReport is the result of [Archive.Verify].
type VerifyReport struct {
	Instances int   // index rows checked
	Blobs     int   // distinct blobs hashed
	Bytes     int64 // bytes hashed
	Missing   []BlobProblem
	Corrupt   []BlobProblem
	// ReplicaMissing and ReplicaCorrupt concern the replica copies
	// (with VerifyOptions.Replica).
	ReplicaMissing []BlobProblem
	ReplicaCorrupt []BlobProblem
	Orphans        []Digest // blobs no index row names (older than the grace)
	OrphansRemoved int
	TempRemoved    int
	Elapsed        time.Duration
}

// OK reports whether nothing is missing or corrupt (orphans are not
// damage: they are the expected residue of interrupted writes).
func (r *VerifyReport) OK() bool {
	return len(r.Missing)+len(r.Corrupt)+len(r.ReplicaMissing)+len(r.ReplicaCorrupt) == 0
}

func (r *VerifyReport) String() string {
	return fmt.Sprintf("%d instances, %d blobs, %d bytes: %d missing, %d corrupt, %d replica missing, %d replica corrupt, %d orphans (%d removed), %d temporary files removed, %v",
		r.Instances, r.Blobs, r.Bytes, len(r.Missing), len(r.Corrupt), len(r.ReplicaMissing), len(r.ReplicaCorrupt),
		len(r.Orphans), r.OrphansRemoved, r.TempRemoved, r.Elapsed.Round(time.Millisecond))
}

// Verify re-hashes every blob the index names (in parallel, Options.Workers
// at a time) and reports missing and corrupt ones; then lists the blob
// store to find orphans, and with CleanOrphans removes them and stale
// temporary files. Damage is reported, not returned as an error: the
// error is for Verify itself failing.
func (a *Archive) Verify(ctx context.Context, opts *VerifyOptions) (*VerifyReport, error) {
	if err := a.enter(ctx); err != nil {
		return nil, err
	}
	defer a.leave()
	var o VerifyOptions
	if opts != nil {
		o = *opts
	}
	if o.OrphanGrace == 0 {
		o.OrphanGrace = time.Hour
	}
	start := time.Now()
	rep, err := a.verify(ctx, &o)
	rep.Elapsed = time.Since(start)
	return rep, a.done(ctx, ActionVerify, "", err, rep.String())
}

func (a *Archive) verify(ctx context.Context, o *VerifyOptions) (*VerifyReport, error) {
	rep := &VerifyReport{}
	if o.Replica && a.c.Replica == nil {
		return rep, fmt.Errorf("%w: no replica configured", ErrUnsupported)
	}
	// Collect the distinct digests first: the walk must not hold the
	// index while blobs are hashed.
	type want struct {
		size int64
		sop  string
	}
	wanted := map[Digest]want{}
	err := a.c.Index.WalkInstances(ctx, func(in Instance) error {
		rep.Instances++
		if _, ok := wanted[in.Digest]; !ok {
			wanted[in.Digest] = want{in.Size, in.SOPInstanceUID}
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	digests := make([]Digest, 0, len(wanted))
	for d := range wanted {
		digests = append(digests, d)
	}
	sort.Slice(digests, func(i, j int) bool { return string(digests[i][:]) < string(digests[j][:]) })

	var mu sync.Mutex
	jobs := make(chan Digest)
	var wg sync.WaitGroup
	check := func(store BlobStore, d Digest, missing, corrupt *[]BlobProblem, count bool) {
		w := wanted[d]
		n, err := hashBlob(ctx, store, d, w.size)
		mu.Lock()
		defer mu.Unlock()
		if count {
			rep.Blobs++
			rep.Bytes += n
		}
		p := BlobProblem{Digest: d, SOPInstanceUID: w.sop, Err: err}
		switch {
		case err == nil:
		case errors.Is(err, ErrNotFound):
			*missing = append(*missing, p)
		case errors.Is(err, ErrCorrupt):
			*corrupt = append(*corrupt, p)
		default:
			*corrupt = append(*corrupt, p) // unreadable counts as corrupt
		}
	}
	for range a.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range jobs {
				check(a.c.Blobs, d, &rep.Missing, &rep.Corrupt, true)
				if o.Replica {
					check(a.c.Replica, d, &rep.ReplicaMissing, &rep.ReplicaCorrupt, false)
				}
			}
		}()
	}
	for _, d := range digests {
		if ctx.Err() != nil {
			break
		}
		jobs <- d
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	for _, l := range [][]BlobProblem{rep.Missing, rep.Corrupt, rep.ReplicaMissing, rep.ReplicaCorrupt} {
		sort.Slice(l, func(i, j int) bool { return l[i].SOPInstanceUID < l[j].SOPInstanceUID })
	}

	if a.c.Lister == nil {
		return rep, nil
	}
	cutoff := time.Now().Add(-max(o.OrphanGrace, 0))
	err = a.c.Lister.Walk(ctx, func(b BlobInfo) error {
		if _, ok := wanted[b.Digest]; ok || b.ModTime.After(cutoff) {
			return nil
		}
		// Re-check the index: the blob may have been indexed since the
		// walk above.
		ref, err := a.c.Index.BlobReferenced(ctx, b.Digest)
		if err != nil || ref {
			return err
		}
		rep.Orphans = append(rep.Orphans, b.Digest)
		return nil
	})
	if err != nil {
		return rep, err
	}
	if !o.CleanOrphans {
		return rep, nil
	}
	if len(rep.Orphans) > 0 && a.c.Deleter == nil {
		return rep, fmt.Errorf("%w: blob deletion", ErrUnsupported)
	}
	for _, d := range rep.Orphans {
		if err := a.c.Deleter.Delete(ctx, d); err != nil {
			return rep, err
		}
		rep.OrphansRemoved++
	}
	if a.c.TempCleaner != nil {
		n, err := a.c.TempCleaner.CleanTemp(ctx, max(o.OrphanGrace, 0))
		rep.TempRemoved = n
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// hashBlob reads blob d and checks its size and digest; it returns the
// bytes read.
func hashBlob(ctx context.Context, s BlobStore, d Digest, size int64) (int64, error) {
	rc, err := s.Open(ctx, d)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, ctxReader{ctx, rc})
	if err != nil {
		return n, err
	}
	var got Digest
	h.Sum(got[:0])
	if got != d || (size >= 0 && n != size) {
		return n, &CorruptBlobError{Digest: d, Got: got, Size: size, Read: n}
	}
	return n, nil
}

// ctxReader stops a long read when ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// RepairReport is the result of [Archive.Repair].
type RepairReport struct {
	Repaired        []Digest      // primary copies restored from the replica
	ReplicaRepaired []Digest      // replica copies restored from the primary
	Failed          []BlobProblem // no intact copy to restore from
}

// Repair restores the missing and corrupt blobs of a Verify report from
// the other copy: primary blobs from the replica, replica blobs from the
// primary. Every copy is checked against its digest before it replaces
// anything, so a corrupt source never spreads.
func (a *Archive) Repair(ctx context.Context, rep *VerifyReport) (RepairReport, error) {
	if err := a.enter(ctx); err != nil {
		return RepairReport{}, err
	}
	defer a.leave()
	var out RepairReport
	var err error
	if a.c.Replica == nil {
		err = fmt.Errorf("%w: repair needs a replica", ErrUnsupported)
	} else {
		fix := func(problems []BlobProblem, src, dst BlobStore, done *[]Digest) error {
			for _, p := range problems {
				if err := ctx.Err(); err != nil {
					return err
				}
				if e := a.replicate(ctx, src, dst, p.Digest); e != nil {
					out.Failed = append(out.Failed, BlobProblem{Digest: p.Digest, SOPInstanceUID: p.SOPInstanceUID, Err: e})
					continue
				}
				*done = append(*done, p.Digest)
			}
			return nil
		}
		err = fix(append(append([]BlobProblem(nil), rep.Missing...), rep.Corrupt...), a.c.Replica, a.c.Blobs, &out.Repaired)
		if err == nil {
			err = fix(append(append([]BlobProblem(nil), rep.ReplicaMissing...), rep.ReplicaCorrupt...), a.c.Blobs, a.c.Replica, &out.ReplicaRepaired)
		}
	}
	return out, a.done(ctx, ActionRepair, "", err, fmt.Sprintf("%d repaired, %d replica copies repaired, %d failed", len(out.Repaired), len(out.ReplicaRepaired), len(out.Failed)))
}
