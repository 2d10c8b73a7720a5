// Package dicomarchive is a DICOM archive as French rules require it:
// the CNAM cahier des charges (immediate lossless tier for at least three
// years, deferred lossy tier, retention of 20 years in hospitals and at
// least 5 in private practice, backup, traced accesses, reconciliation
// with the RIS, INS) and the teleradiology guide (no modification of
// images, identity or dates; time-stamped traces; queries by patient ID,
// name, physician, record number, modality and date).
//
// [Open] gives a working archive in a directory with nothing to install:
// blobs on the file system, content-addressed by SHA-256 ([FSBlobStore]),
// and an index in SQLite ([SQLiteIndex], pure Go, WAL, schema
// migrations). The storage and the index are interfaces ([BlobStore],
// [Index] and the capability interfaces [BlobDeleter], [BlobLister],
// [TempCleaner], [IdentityIndex], [RetentionIndex], [AuditLog]) joined by
// a [Composer], so that other backends (S3, PostgreSQL) plug in through
// [New].
//
// # Objects are immutable
//
// [Archive.Store] is idempotent for the same bytes and refuses different
// bytes under a stored SOP Instance UID ([ConflictError]), recording the
// attempt. Blobs are named by their hash, so a stored object cannot change
// without [Archive.Verify] noticing, and no UID or name ever becomes a
// path. The blob is durable before its index row is written, so a crash
// leaves at worst an orphan blob, which Verify removes.
//
// # Identity lives in the index
//
// Reconciliation ([Archive.UpdatePatient], [Archive.MergePatients],
// [Archive.MoveStudy], [Archive.AttachINS]) changes the index, never the
// bytes; [Archive.Open] applies the current identity on the way out and
// records the received values in the Original Attributes Sequence.
//
// # Every access is traced
//
// Each API call appends an entry to a hash-chained audit trail with the
// principal of its context ([WithPrincipal]); [Archive.VerifyAudit] finds
// a changed, inserted or removed entry. A chain can be recomputed by whoever
// can write the database, so keep anchors ([Archive.AuditHead]) elsewhere:
// with them, a rewritten chain or a removed tail is caught too.
//
// # Tiers and retention
//
// The immediate tier accepts only native and lossless transfer syntaxes
// ([TierError]); [Policy] enforces the legal minimums, with per-modality
// and per-exam overrides and legal holds ([Archive.Hold]); [Archive.Purge]
// removes expired studies and [Archive.Migrate] moves studies past their
// immediate window to the deferred tier with JPEG-LS (lossless, or
// near-lossless with a new SOP Instance UID and the lossy attributes),
// both with a dry run, both resumable. Pixel codecs come from
// dicomarchive/codec.
//
// Archive methods are safe for concurrent use. Nothing is logged unless
// [Options.Logger] is set.
package dicomarchive
