package dicomarchive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Digest is the SHA-256 of a blob's content: its only name. Paths and
// object keys derive from it, never from UIDs or patient names, so no
// input can steer where bytes land.
type Digest [sha256.Size]byte

// String returns the digest in lower-case hexadecimal.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// Short returns the first 12 hexadecimal digits, for messages.
func (d Digest) Short() string { return d.String()[:12] }

// IsZero reports whether d is the zero digest (no digest).
func (d Digest) IsZero() bool { return d == Digest{} }

// ParseDigest parses 64 hexadecimal digits.
func ParseDigest(s string) (Digest, error) {
	var d Digest
	if len(s) != 2*len(d) {
		return d, fmt.Errorf("dicomarchive: digest %q: want %d hexadecimal digits", s, 2*len(d))
	}
	if _, err := hex.Decode(d[:], []byte(strings.ToLower(s))); err != nil {
		return Digest{}, fmt.Errorf("dicomarchive: digest %q: %w", s, err)
	}
	return d, nil
}

// BlobInfo describes a stored blob.
type BlobInfo struct {
	Digest  Digest
	Size    int64
	ModTime time.Time // when it was written; zero if the store does not know
}

// BlobStore is the core of blob storage: content-addressed, immutable
// objects. Every method may be called concurrently. Implementations:
// [FSBlobStore] here; package s3blob for S3-compatible object storage.
type BlobStore interface {
	// Create starts writing a blob. Nothing is visible under any digest
	// until Commit succeeds; Abort (or a crash) leaves at most temporary
	// data that [TempCleaner] removes.
	Create(ctx context.Context) (BlobWriter, error)
	// Open streams a blob. A missing blob must give an error wrapping
	// ErrNotFound. Open does not check the content: callers that must,
	// wrap the reader (the archive does, see [Archive.Open]).
	Open(ctx context.Context, d Digest) (io.ReadCloser, error)
	// Stat returns a blob's size and time, or an error wrapping
	// ErrNotFound.
	Stat(ctx context.Context, d Digest) (BlobInfo, error)
}

// BlobWriter is a blob being written.
type BlobWriter interface {
	io.Writer
	// Commit makes the content durable under its SHA-256 digest and
	// returns it. If want is not zero and the content hashes to
	// something else, Commit keeps nothing and returns a
	// [*DigestMismatchError]. Committing content that already exists
	// replaces it (the bytes are the same unless the old copy is
	// corrupt, which is how [Archive.Repair] works).
	Commit(ctx context.Context, want Digest) (BlobInfo, error)
	// Abort discards the content. It does nothing after Commit.
	Abort() error
}

// BlobDeleter is the capability to delete blobs, needed by purges and
// orphan cleaning. Deleting a missing blob is not an error.
type BlobDeleter interface {
	Delete(ctx context.Context, d Digest) error
}

// BlobLister is the capability to enumerate blobs, needed to find
// orphans (blobs no index row references).
type BlobLister interface {
	// Walk calls fn for every committed blob, in no particular order;
	// an error from fn stops the walk and is returned.
	Walk(ctx context.Context, fn func(BlobInfo) error) error
}

// BlobRanger is the capability to read part of a blob without fetching
// the rest: frames of a large multi-frame object (WADO-RS frames, a DBT
// volume) from object storage where a whole read costs a transfer.
type BlobRanger interface {
	// OpenRange streams length bytes from offset, or to the end when
	// length is negative. A range past the end gives the bytes that
	// exist, possibly none. A missing blob gives an error wrapping
	// ErrNotFound.
	OpenRange(ctx context.Context, d Digest, offset, length int64) (io.ReadCloser, error)
}

// TempCleaner is the capability to remove temporary data left by
// interrupted writes.
type TempCleaner interface {
	// CleanTemp removes temporary data older than olderThan and returns
	// how many items it removed.
	CleanTemp(ctx context.Context, olderThan time.Duration) (int, error)
}

// Tier is where an instance lives: the immediate tier (native or lossless
// only, kept on fast storage for at least three years) or the deferred
// tier (lossy allowed).
type Tier int

const (
	// Immediate is the default tier: native or lossless only.
	Immediate Tier = iota
	// Deferred accepts lossy compression.
	Deferred
)

func (t Tier) String() string {
	switch t {
	case Immediate:
		return "immediate"
	case Deferred:
		return "deferred"
	}
	return fmt.Sprintf("Tier(%d)", int(t))
}

// Identity is a patient identity: as received in the objects, or as
// corrected by reconciliation.
type Identity struct {
	PatientID string // (0010,0020), e.g. the IPP
	Issuer    string // (0010,0021) Issuer of Patient ID
	Name      string // (0010,0010), DICOM PN ("FAMILY^Given")
	BirthDate string // (0010,0030), DICOM DA (YYYYMMDD)
	Sex       string // (0010,0040): M, F, O or ""
	INS       string // INS matricule (the NIR for an INS-NIR), "" if none
}

// Patient is a patient record of the index: its current identity.
type Patient struct {
	Key int64 // index key, stable across reconciliation
	Identity
	// Reconciled is true once the identity was corrected, merged or had
	// an INS attached: the objects' bytes then differ from the index and
	// retrieval coerces them (see [Archive.Open]).
	Reconciled bool
	// MergedInto is the key of the patient this one was merged into, or
	// 0. A merged record keeps its history but owns no study.
	MergedInto int64
}

// Study is a study's index record, with its current patient.
type Study struct {
	StudyInstanceUID   string
	Patient            Patient
	StudyDate          string // DICOM DA as received, "" if absent
	StudyTime          string
	AccessionNumber    string
	ReferringPhysician string
	Description        string
	StudyID            string
	Modalities         []string // distinct modalities of its series, sorted
	NumSeries          int
	NumInstances       int
	Size               int64     // total bytes of its instances
	CreatedAt          time.Time // when its first instance was stored
	Hold               string    // legal-hold reason, "" if none
}

// Series is a series' index record.
type Series struct {
	SeriesInstanceUID string
	StudyInstanceUID  string
	Modality          string
	SeriesNumber      int
	Description       string
	BodyPart          string
	NumInstances      int
}

// Instance is an instance's index record.
type Instance struct {
	SOPInstanceUID    string
	SOPClassUID       string
	SeriesInstanceUID string
	StudyInstanceUID  string
	TransferSyntaxUID string
	InstanceNumber    int
	NumberOfFrames    int
	Digest            Digest
	Size              int64
	Tier              Tier
	StoredAt          time.Time
	StoredBy          string // principal who stored it
}

// Record is what [Index.PutInstance] receives: an instance with its series,
// study and the identity found in the object.
type Record struct {
	Instance Instance
	Series   Series
	Study    Study // Patient, Modalities and counts ignored
	Identity Identity
}

// Conflict records a refused offer of different content under a stored
// SOP Instance UID.
type Conflict struct {
	SOPInstanceUID string
	Stored         Digest
	Offered        Digest
	OfferedSize    int64
	At             time.Time
	Principal      string
}

// Page is one page of query results.
type Page[T any] struct {
	Items []T
	// More is true when results remain after this page: ask again with
	// Offset increased by len(Items).
	More bool
}

// Index is the core of the metadata index. Every method may be called
// concurrently, from several processes for a shared backend.
// Implementations: [SQLiteIndex] here; package pgindex for PostgreSQL.
type Index interface {
	// PutInstance adds an instance with its patient, study and series,
	// atomically. If the SOP Instance UID exists, it changes nothing and
	// returns the stored record and false: the caller compares digests.
	// The patient is found by (PatientID, Issuer) among every identity
	// ever received (so that objects arriving after a correction or a
	// merge join the right patient), else created.
	PutInstance(ctx context.Context, r *Record) (stored Instance, inserted bool, err error)
	// Instance, Series and Study return one record or an error wrapping
	// ErrNotFound.
	Instance(ctx context.Context, sopUID string) (Instance, error)
	Series(ctx context.Context, seriesUID string) (Series, error)
	Study(ctx context.Context, studyUID string) (Study, error)
	// QueryStudies, QuerySeries and QueryInstances return one page of the
	// records matching q, in a stable order.
	QueryStudies(ctx context.Context, q *Query) (Page[Study], error)
	QuerySeries(ctx context.Context, q *Query) (Page[Series], error)
	QueryInstances(ctx context.Context, q *Query) (Page[Instance], error)
	// WalkInstances calls fn for every instance; an error from fn stops
	// the walk and is returned.
	WalkInstances(ctx context.Context, fn func(Instance) error) error
	// BlobReferenced reports whether any instance has digest d.
	BlobReferenced(ctx context.Context, d Digest) (bool, error)
	// RecordConflict keeps a refused offer; Conflicts lists those of a
	// SOP Instance UID, or all when sopUID is "".
	RecordConflict(ctx context.Context, c Conflict) error
	Conflicts(ctx context.Context, sopUID string) ([]Conflict, error)
	Close() error
}

// IdentityIndex is the capability to reconcile identities.
type IdentityIndex interface {
	Patient(ctx context.Context, key int64) (Patient, error)
	// FindPatient resolves a received (PatientID, Issuer) to the patient
	// that now owns it, following merges.
	FindPatient(ctx context.Context, patientID, issuer string) (Patient, error)
	// UpdatePatient replaces the current identity (empty fields of id
	// keep their value) and marks the patient reconciled.
	UpdatePatient(ctx context.Context, key int64, id Identity) error
	// MergePatients moves every study and received identity of from to
	// into, marks into reconciled and from merged.
	MergePatients(ctx context.Context, from, into int64) error
	// MoveStudy gives a study to another patient, which becomes
	// reconciled.
	MoveStudy(ctx context.Context, studyUID string, to int64) error
	// StudyIdentity returns a study's current patient and the identity
	// its first instance carried (what its bytes say), in one lookup:
	// retrieval calls it for every object.
	StudyIdentity(ctx context.Context, studyUID string) (current Patient, received Identity, err error)
}

// TierIndex is the capability to move instances between tiers.
type TierIndex interface {
	// ReplaceInstance swaps the stored object of an instance atomically:
	// same SOP Instance UID (a lossless re-encoding) updates the row;
	// a new one (a lossy result is a new image) inserts it in the same
	// series, removes the old row and remembers the replacement.
	ReplaceInstance(ctx context.Context, oldSOP string, in Instance, reason string) error
	// ReplacedBy returns the SOP Instance UID that replaced oldSOP, or an
	// error wrapping ErrNotFound.
	ReplacedBy(ctx context.Context, oldSOP string) (string, error)
}

// AuditedIndex is the optional capability of an index that also holds the
// audit log in the same transactional store ([Composer.UseIndex] detects
// it): a stored instance and its audit entry then commit together, so a
// crash cannot separate them, and ingest saves one commit per object.
type AuditedIndex interface {
	// PutInstanceAudited is PutInstance that, when it inserts, commits e
	// with the instance (the entry is durable exactly when the instance
	// is) and returns it sealed as [AuditLog.Append] does. A backend may
	// seal it into the chain just after the commit (pgindex does, to
	// seal the entries of concurrent writers in groups); if the context
	// ends before, the entry stays durable, is sealed later, and is
	// returned with Seq 0. When the SOP Instance UID exists nothing is
	// written.
	PutInstanceAudited(ctx context.Context, r *Record, e *AuditEntry) (stored Instance, inserted bool, sealed AuditEntry, err error)
}

// RetentionIndex is the capability to hold, enumerate and delete studies.
type RetentionIndex interface {
	// SetHold puts a legal hold on a study (reason non-empty) or lifts it
	// (reason "").
	SetHold(ctx context.Context, studyUID, reason string) error
	// WalkStudies calls fn for every study.
	WalkStudies(ctx context.Context, fn func(Study) error) error
	// DeleteStudy removes a study, its series and instances from the
	// index and returns the removed instances. It refuses a held study
	// with a [*HeldError]. Patients are kept.
	DeleteStudy(ctx context.Context, studyUID string) ([]Instance, error)
}

// AuditLog is the append-only store of the audit trail. The archive
// computes nothing the log must trust: the log seals entries itself with
// [AuditEntry.Seal] so that the chain is linked under its own lock.
type AuditLog interface {
	// Append assigns the next sequence number, links e to the last entry
	// and seals it (e.Seal), atomically with respect to other appends,
	// stores it and returns it.
	Append(ctx context.Context, e AuditEntry) (AuditEntry, error)
	// WalkAudit calls fn for every entry with Seq >= from, in order.
	WalkAudit(ctx context.Context, from int64, fn func(AuditEntry) error) error
	// LastAudit returns the last entry, or the zero entry if there is
	// none.
	LastAudit(ctx context.Context) (AuditEntry, error)
}

// Composer joins a blob store, an index, an audit log and their optional
// capabilities, like tusd's StoreComposer. Backends add themselves with
// their UseIn method, which registers every capability they have; the
// UseX setters override one piece. [Archive] checks capabilities when an
// operation needs them and fails with ErrUnsupported otherwise.
type Composer struct {
	Blobs       BlobStore
	Deleter     BlobDeleter
	Lister      BlobLister
	Ranger      BlobRanger
	TempCleaner TempCleaner

	Index     Index
	Identity  IdentityIndex
	Retention RetentionIndex
	Audit     AuditLog
	// Audited is set when Index also keeps Audit (the same backend).
	Audited AuditedIndex
	Tiers   TierIndex

	// Replica, when set, receives a copy of every stored blob (the
	// backup the cahier des charges requires) and is where Repair reads.
	Replica BlobStore
	// ReplicaDeleter deletes replica blobs on purge.
	ReplicaDeleter BlobDeleter
}

// NewComposer returns an empty composer.
func NewComposer() *Composer { return &Composer{} }

// UseBlobs sets the blob store and takes the capabilities it has.
func (c *Composer) UseBlobs(s BlobStore) {
	c.Blobs = s
	c.Deleter, _ = s.(BlobDeleter)
	c.Lister, _ = s.(BlobLister)
	c.Ranger, _ = s.(BlobRanger)
	c.TempCleaner, _ = s.(TempCleaner)
}

// UseIndex sets the index and takes the capabilities it has, including
// the audit log when the index keeps one.
func (c *Composer) UseIndex(ix Index) {
	c.Index = ix
	c.Identity, _ = ix.(IdentityIndex)
	c.Retention, _ = ix.(RetentionIndex)
	c.Tiers, _ = ix.(TierIndex)
	c.Audited = nil
	if a, ok := ix.(AuditLog); ok {
		c.Audit = a
		c.Audited, _ = ix.(AuditedIndex)
	}
}

// UseAudit sets a separate audit log: one that cannot commit with the
// index, so the archive appends after each index write.
func (c *Composer) UseAudit(a AuditLog) {
	c.Audit = a
	c.Audited = nil
}

// UseReplica sets the replica blob store.
func (c *Composer) UseReplica(s BlobStore) {
	c.Replica = s
	c.ReplicaDeleter, _ = s.(BlobDeleter)
}

// Capabilities lists the capabilities present, sorted, for messages and
// for a DICOMweb or CLI front end deciding what to offer.
func (c *Composer) Capabilities() []string {
	var caps []string
	add := func(ok bool, name string) {
		if ok {
			caps = append(caps, name)
		}
	}
	add(c.Blobs != nil, "blobs")
	add(c.Deleter != nil, "delete")
	add(c.Lister != nil, "list")
	add(c.Ranger != nil, "range")
	add(c.TempCleaner != nil, "cleantemp")
	add(c.Index != nil, "index")
	add(c.Identity != nil, "identity")
	add(c.Retention != nil, "retention")
	add(c.Tiers != nil, "tiers")
	add(c.Audit != nil, "audit")
	add(c.Replica != nil, "replica")
	sort.Strings(caps)
	return caps
}

func (c *Composer) validate() error {
	if c.Blobs == nil || c.Index == nil || c.Audit == nil {
		return fmt.Errorf("%w: a composer needs at least a blob store, an index and an audit log (have %v)", ErrUnsupported, c.Capabilities())
	}
	return nil
}
