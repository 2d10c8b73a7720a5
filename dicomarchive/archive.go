package dicomarchive

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/radkit/radkit/dicomarchive/codec"
	"github.com/radkit/radkit/dicomio"
)

// Options configure an [Archive]. The zero value is a working hospital
// archive: no replica, the French hospital retention policy, dicomio's
// default input limits, silent logging, the system clock.
type Options struct {
	// ReplicaDir, when set, is the root of a second [FSBlobStore] that
	// receives a copy of every stored object before Store returns (the
	// backup the cahier des charges requires; put it on another disk or
	// host mount). [Archive.Repair] restores from it. Ignored by [New],
	// which takes the replica from its [Composer]. Default: none.
	ReplicaDir string
	// Policy is the retention policy. Default: the zero [Policy], a
	// hospital's (3 years immediate, 20 years retention).
	Policy Policy
	// Read bounds the parsing of stored objects (value lengths, total
	// size, nesting). Default: dicomio's defaults, safe for untrusted
	// input.
	Read dicomio.ReadOptions
	// Logger receives operational messages. Default: none (silent).
	Logger *slog.Logger
	// Now is the clock, for the audit trail, retention and tests.
	// Default: time.Now.
	Now func() time.Time
	// RequirePrincipal refuses calls whose context carries no principal
	// (see [WithPrincipal]) with ErrNoPrincipal, so that no access goes
	// into the trail anonymously. Default: false (recorded as "").
	RequirePrincipal bool
	// ModifyingSystem names this system in the Original Attributes
	// Sequence of coerced objects (PS3.3 C.12.1.1.9). Default "RADKIT".
	ModifyingSystem string
	// Workers is how many blobs Verify hashes at once. Default:
	// GOMAXPROCS.
	Workers int
	// Codecs transcode pixel data for Migrate and for Open with a
	// compressed transfer syntax. Default: codec.NewRegistry(), radkit's
	// codecs.
	Codecs *codec.Registry
}

func (o *Options) validate() error {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ModifyingSystem == "" {
		o.ModifyingSystem = "RADKIT"
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Codecs == nil {
		o.Codecs = codec.NewRegistry()
	}
	return o.Policy.validate()
}

// Archive is a DICOM archive. It is safe for concurrent use; several
// processes may open the same directory (SQLite's locking serialises
// index writes).
type Archive struct {
	c      *Composer
	opts   Options
	log    *slog.Logger
	now    func() time.Time
	codecs *codec.Registry

	mu     sync.RWMutex // read-held by calls in flight, write-held by Close
	closed bool
	owned  []io.Closer
}

// Open opens the archive in dir, creating it if needed: blobs under
// dir/blobs, the SQLite index in dir/index.db, and a replica if
// opts.ReplicaDir is set. Nothing else needs to be set up. opts may be
// nil.
func Open(ctx context.Context, dir string, opts *Options) (*Archive, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	blobs, err := NewFSBlobStore(filepath.Join(dir, "blobs"))
	if err != nil {
		return nil, err
	}
	ix, err := OpenSQLiteIndex(ctx, filepath.Join(dir, "index.db"))
	if err != nil {
		return nil, err
	}
	c := NewComposer()
	blobs.UseIn(c)
	ix.UseIn(c)
	if o.ReplicaDir != "" {
		rep, err := NewFSBlobStore(o.ReplicaDir)
		if err != nil {
			ix.Close()
			return nil, err
		}
		c.UseReplica(rep)
	}
	a, err := New(ctx, c, &o)
	if err != nil {
		ix.Close()
		return nil, err
	}
	a.owned = append(a.owned, ix)
	return a, nil
}

// New builds an archive over the backends of c (which must have at least
// a blob store, an index and an audit log). The archive does not close
// them: their owner does. opts may be nil.
func New(ctx context.Context, c *Composer, opts *Options) (*Archive, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	cc := *c
	return &Archive{c: &cc, opts: o, log: o.Logger, now: o.Now, codecs: o.Codecs}, nil
}

// Capabilities lists the capabilities of the archive's backends.
func (a *Archive) Capabilities() []string { return a.c.Capabilities() }

// Close waits for calls in flight and closes the backends Open created.
// Readers returned by Open remain readable.
func (a *Archive) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil
	}
	a.closed = true
	var errs []error
	for _, c := range a.owned {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// enter starts a call: it fails on a closed archive, on a cancelled
// context and, with RequirePrincipal, on an anonymous one.
func (a *Archive) enter(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	a.mu.RLock()
	if a.closed {
		a.mu.RUnlock()
		return ErrClosed
	}
	if a.opts.RequirePrincipal && PrincipalFrom(ctx) == "" {
		a.mu.RUnlock()
		return ErrNoPrincipal
	}
	return nil
}

func (a *Archive) leave() { a.mu.RUnlock() }

// StoreOptions steer [Archive.Store].
type StoreOptions struct {
	// Tier is where the object goes. Default Immediate, which refuses
	// lossy objects with a [*TierError].
	Tier Tier
	// StudyInstanceUID, when set, refuses an object of another study
	// with an [*InvalidObjectError] (STOW-RS to /studies/{study} needs
	// this). Default: any study.
	StudyInstanceUID string
}

// StoreResult describes a stored object.
type StoreResult struct {
	Instance Instance
	// Duplicate is true when the same object (same SOP Instance UID, same
	// bytes) was already stored: nothing was written, as a resend after a
	// lost acknowledgement expects.
	Duplicate bool
}

// writeTracker remembers the first write error, so that a failure of the
// blob store (disk full) is reported as such and not as a parse error.
type writeTracker struct {
	w   io.Writer
	err error
}

func (t *writeTracker) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	if err != nil && t.err == nil {
		t.err = err
	}
	return n, err
}

// Store ingests one DICOM Part 10 object from r, streaming it to the blob
// store while its header is parsed, so memory stays small whatever the
// object's size.
//
// The order of the steps is what makes a crash harmless: the blob is
// committed (synced and renamed into place) and copied to the replica
// before the index row is written, so the index never names a missing
// blob; a crash in between leaves an orphan blob that [Archive.Verify]
// finds and removes. Input that is not DICOM, is truncated or lacks a
// required UID is refused with an [*InvalidObjectError] and leaves
// nothing behind. The same object stored twice is a no-op
// (StoreResult.Duplicate); a different object under a stored SOP Instance
// UID is refused with a [*ConflictError] and recorded, never overwritten.
// Errors of the storage (disk full) are returned as they are.
func (a *Archive) Store(ctx context.Context, r io.Reader, opts *StoreOptions) (StoreResult, error) {
	if err := a.enter(ctx); err != nil {
		return StoreResult{}, err
	}
	defer a.leave()
	var o StoreOptions
	if opts != nil {
		o = *opts
	}
	res, object, detail, audited, err := a.store(ctx, r, &o)
	if audited {
		return res, err
	}
	if res.Duplicate {
		// With several nodes the same object may be offered twice: the
		// trail must tell the call that wrote it from the one that found
		// it already there.
		detail += ", duplicate: already stored, nothing written"
	}
	return res, a.done(ctx, ActionStore, object, err, detail)
}

// store does the work of Store. audited is true when the audit entry was
// committed with the index row.
func (a *Archive) store(ctx context.Context, r io.Reader, o *StoreOptions) (res StoreResult, object, detail string, audited bool, err error) {
	w, err := a.c.Blobs.Create(ctx)
	if err != nil {
		return res, "", "", false, err
	}
	committed := false
	defer func() {
		if !committed {
			w.Abort()
		}
	}()
	h := sha256.New()
	wt := &writeTracker{w: io.MultiWriter(w, h)}
	cr := &countingReader{r: io.TeeReader(r, wt)}
	ro := a.opts.Read
	ro.PixelData = dicomio.PixelDataSkip
	f, perr := dicomio.Parse(cr, &ro)
	if wt.err != nil {
		return res, "", "", false, wt.err
	}
	if perr != nil {
		return res, "", "", false, &InvalidObjectError{Reason: "not a readable DICOM Part 10 object", Err: perr}
	}
	// Whatever follows what the parser consumed belongs to the object too.
	if _, err := io.Copy(io.Discard, cr); err != nil {
		if wt.err != nil {
			return res, "", "", false, wt.err
		}
		return res, "", "", false, err
	}
	if err := ctx.Err(); err != nil {
		return res, "", "", false, err
	}
	rec, err := recordOf(f)
	if err != nil {
		return res, "", "", false, err
	}
	object = rec.Instance.SOPInstanceUID
	if o.StudyInstanceUID != "" && o.StudyInstanceUID != rec.Study.StudyInstanceUID {
		return res, object, "", false, &InvalidObjectError{Reason: fmt.Sprintf("object of study %s, expected study %s", rec.Study.StudyInstanceUID, o.StudyInstanceUID)}
	}
	if o.Tier == Immediate {
		if err := checkImmediate(f); err != nil {
			return res, object, "", false, err
		}
	}
	var digest Digest
	h.Sum(digest[:0])
	size := cr.n
	rec.Instance.Digest, rec.Instance.Size, rec.Instance.Tier = digest, size, o.Tier
	rec.Instance.StoredAt = a.now().UTC().Truncate(time.Microsecond)
	rec.Instance.StoredBy = PrincipalFrom(ctx)
	detail = fmt.Sprintf("%s %d bytes, study %s", digest.Short(), size, rec.Study.StudyInstanceUID)

	// Fast path for resends: no need to write anything.
	if stored, err := a.c.Index.Instance(ctx, object); err == nil {
		res, err := a.existing(ctx, stored, digest, size)
		return res, object, detail, false, err
	} else if !errors.Is(err, ErrNotFound) {
		return res, object, detail, false, err
	}
	if _, err := w.Commit(ctx, digest); err != nil {
		return res, object, detail, false, err
	}
	committed = true
	if a.c.Replica != nil {
		if err := a.replicate(ctx, a.c.Blobs, a.c.Replica, digest); err != nil {
			a.dropUnreferenced(ctx, digest)
			return res, object, detail, false, fmt.Errorf("dicomarchive: replica: %w", err)
		}
	}
	var stored Instance
	var inserted bool
	if a.c.Audited != nil {
		e := a.entry(ctx, ActionStore, object, nil, detail)
		stored, inserted, _, err = a.c.Audited.PutInstanceAudited(ctx, rec, &e)
		audited = inserted
	} else {
		stored, inserted, err = a.c.Index.PutInstance(ctx, rec)
	}
	if err != nil {
		a.dropUnreferenced(ctx, digest)
		return res, object, detail, false, err
	}
	if !inserted {
		// Another writer stored this SOP Instance UID between our check
		// and our insert.
		res, err := a.existing(ctx, stored, digest, size)
		if err != nil {
			a.dropUnreferenced(ctx, digest)
		}
		return res, object, detail, false, err
	}
	return StoreResult{Instance: stored}, object, detail, audited, nil
}

// existing handles an offer under a SOP Instance UID already stored.
func (a *Archive) existing(ctx context.Context, stored Instance, offered Digest, size int64) (StoreResult, error) {
	if stored.Digest == offered {
		return StoreResult{Instance: stored, Duplicate: true}, nil
	}
	c := Conflict{SOPInstanceUID: stored.SOPInstanceUID, Stored: stored.Digest, Offered: offered,
		OfferedSize: size, At: a.now().UTC(), Principal: PrincipalFrom(ctx)}
	if err := a.c.Index.RecordConflict(context.WithoutCancel(ctx), c); err != nil {
		return StoreResult{}, err
	}
	return StoreResult{}, &ConflictError{SOPInstanceUID: stored.SOPInstanceUID, Stored: stored.Digest, Offered: offered}
}

// dropUnreferenced deletes a blob no index row names, best effort:
// whatever stays is an orphan for Verify.
func (a *Archive) dropUnreferenced(ctx context.Context, d Digest) {
	if a.c.Deleter == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	if ref, err := a.c.Index.BlobReferenced(ctx, d); err == nil && !ref {
		a.c.Deleter.Delete(ctx, d)
	}
}

// replicate copies blob d from src to dst, checking its digest.
func (a *Archive) replicate(ctx context.Context, src, dst BlobStore, d Digest) error {
	rc, err := src.Open(ctx, d)
	if err != nil {
		return err
	}
	defer rc.Close()
	w, err := dst.Create(ctx)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, rc); err != nil {
		w.Abort()
		return err
	}
	_, err = w.Commit(ctx, d)
	return err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Tags the index reads.
var (
	tagStudyDate              = dicomio.NewTag(0x0008, 0x0020)
	tagStudyTime              = dicomio.NewTag(0x0008, 0x0030)
	tagAccessionNumber        = dicomio.NewTag(0x0008, 0x0050)
	tagReferringPhysicianName = dicomio.NewTag(0x0008, 0x0090)
	tagStudyDescription       = dicomio.NewTag(0x0008, 0x1030)
	tagSeriesDescription      = dicomio.NewTag(0x0008, 0x103E)
	tagIssuerOfPatientID      = dicomio.NewTag(0x0010, 0x0021)
	tagIssuerQualifiersSeq    = dicomio.NewTag(0x0010, 0x0024)
	tagPatientBirthDate       = dicomio.NewTag(0x0010, 0x0030)
	tagPatientSex             = dicomio.NewTag(0x0010, 0x0040)
	tagOtherPatientIDsSeq     = dicomio.NewTag(0x0010, 0x1002)
	tagTypeOfPatientID        = dicomio.NewTag(0x0010, 0x0022)
	tagBodyPartExamined       = dicomio.NewTag(0x0018, 0x0015)
	tagStudyID                = dicomio.NewTag(0x0020, 0x0010)
	tagSeriesNumber           = dicomio.NewTag(0x0020, 0x0011)
	tagInstanceNumber         = dicomio.NewTag(0x0020, 0x0013)
	tagLossyImageCompression  = dicomio.NewTag(0x0028, 0x2110)
	tagUniversalEntityID      = dicomio.NewTag(0x0040, 0x0032)
	tagUniversalEntityIDType  = dicomio.NewTag(0x0040, 0x0033)
	tagModifiedAttributesSeq  = dicomio.NewTag(0x0400, 0x0550)
	tagOriginalAttributesSeq  = dicomio.NewTag(0x0400, 0x0561)
	tagAttributeModDateTime   = dicomio.NewTag(0x0400, 0x0562)
	tagModifyingSystem        = dicomio.NewTag(0x0400, 0x0563)
	tagSourceOfPreviousValues = dicomio.NewTag(0x0400, 0x0564)
	tagReasonForModification  = dicomio.NewTag(0x0400, 0x0565)
)

// recordOf extracts the index record of a parsed object.
func recordOf(f *dicomio.File) (*Record, error) {
	ds := f.Dataset
	req := func(t dicomio.Tag, name string) (string, error) {
		v := ds.String(t)
		if v == "" {
			return "", &InvalidObjectError{Reason: "missing " + name}
		}
		if !validUID(v) {
			return "", &InvalidObjectError{Reason: fmt.Sprintf("%s %q is not a valid UID", name, v)}
		}
		return v, nil
	}
	var r Record
	var err error
	if r.Instance.SOPInstanceUID, err = req(dicomio.TagSOPInstanceUID, "SOP Instance UID"); err != nil {
		return nil, err
	}
	if r.Instance.SOPClassUID, err = req(dicomio.TagSOPClassUID, "SOP Class UID"); err != nil {
		return nil, err
	}
	if r.Study.StudyInstanceUID, err = req(dicomio.TagStudyInstanceUID, "Study Instance UID"); err != nil {
		return nil, err
	}
	if r.Series.SeriesInstanceUID, err = req(dicomio.TagSeriesInstanceUID, "Series Instance UID"); err != nil {
		return nil, err
	}
	r.Instance.StudyInstanceUID = r.Study.StudyInstanceUID
	r.Instance.SeriesInstanceUID = r.Series.SeriesInstanceUID
	r.Series.StudyInstanceUID = r.Study.StudyInstanceUID
	r.Instance.TransferSyntaxUID = f.TransferSyntax.UID
	r.Instance.InstanceNumber = atoi(ds.String(tagInstanceNumber))
	r.Instance.NumberOfFrames = atoi(ds.String(dicomio.TagNumberOfFrames))
	if r.Instance.NumberOfFrames == 0 && ds.Has(dicomio.TagPixelData) {
		r.Instance.NumberOfFrames = 1
	}
	r.Series.Modality = ds.String(dicomio.TagModality)
	r.Series.SeriesNumber = atoi(ds.String(tagSeriesNumber))
	r.Series.Description = ds.String(tagSeriesDescription)
	r.Series.BodyPart = ds.String(tagBodyPartExamined)
	r.Study.StudyDate = ds.String(tagStudyDate)
	r.Study.StudyTime = ds.String(tagStudyTime)
	r.Study.AccessionNumber = ds.String(tagAccessionNumber)
	r.Study.ReferringPhysician = ds.String(tagReferringPhysicianName)
	r.Study.Description = ds.String(tagStudyDescription)
	r.Study.StudyID = ds.String(tagStudyID)
	r.Identity = identityOf(ds)
	return &r, nil
}

// identityOf reads the patient identity of a data set, including an INS
// found in Other Patient IDs Sequence under the INS-NIR issuer or OID.
func identityOf(ds *dicomio.Dataset) Identity {
	id := Identity{
		PatientID: ds.String(dicomio.TagPatientID),
		Issuer:    ds.String(tagIssuerOfPatientID),
		Name:      ds.String(dicomio.TagPatientName),
		BirthDate: ds.String(tagPatientBirthDate),
		Sex:       ds.String(tagPatientSex),
	}
	if it := insItem(ds); it != nil {
		id.INS = it.String(dicomio.TagPatientID)
	}
	return id
}

// INS identification, as the ANS's DICOM guidance writes it.
const (
	// INSIssuer is the Issuer of Patient ID of an INS-NIR.
	INSIssuer = "ASIP-SANTE-INS-NIR"
	// INSNIROID qualifies an INS whose matricule is the NIR.
	INSNIROID = "1.2.250.1.213.1.4.8"
)

// insItem returns the Other Patient IDs Sequence item holding the INS.
func insItem(ds *dicomio.Dataset) *dicomio.Dataset {
	e := ds.Get(tagOtherPatientIDsSeq)
	if e == nil {
		return nil
	}
	for _, it := range e.Items {
		if it.String(tagIssuerOfPatientID) == INSIssuer {
			return it
		}
		if q := it.Get(tagIssuerQualifiersSeq); q != nil {
			for _, qi := range q.Items {
				if qi.String(tagUniversalEntityID) == INSNIROID {
					return it
				}
			}
		}
	}
	return nil
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

// validUID checks the PS3.5 9.1 syntax: digits and dots, no empty or
// zero-led component, at most 64 characters.
func validUID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, comp := range strings.Split(s, ".") {
		if comp == "" || (len(comp) > 1 && comp[0] == '0') {
			return false
		}
		for i := 0; i < len(comp); i++ {
			if comp[i] < '0' || comp[i] > '9' {
				return false
			}
		}
	}
	return true
}

// verifyingReader hashes a blob as it is read and turns the end of the
// stream into a [*CorruptBlobError] when the content no longer matches
// its digest: a corrupt object never reaches a reader silently.
type verifyingReader struct {
	rc   io.ReadCloser
	want Digest
	size int64
	h    hash.Hash
	n    int64
}

func newVerifyingReader(rc io.ReadCloser, d Digest, size int64) *verifyingReader {
	return &verifyingReader{rc: rc, want: d, size: size, h: sha256.New()}
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if err == io.EOF {
		var got Digest
		v.h.Sum(got[:0])
		if got != v.want || v.n != v.size {
			return n, &CorruptBlobError{Digest: v.want, Got: got, Size: v.size, Read: v.n}
		}
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.rc.Close() }
