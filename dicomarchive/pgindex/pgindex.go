// Package pgindex is the PostgreSQL index of dicomarchive: the metadata
// index, identity reconciliation, tiers, retention and the audit trail in
// one PostgreSQL database, so that several archive processes (on several
// hosts, sharing an S3 or network blob store) serve one archive.
//
// It keeps the semantics of [dicomarchive.SQLiteIndex] exactly (the same
// conformance suites run against both, see dicomarchive/archivetest):
// names matched folded (case and accents ignored) with DICOM wildcards,
// patient IDs matched against every ID a patient was received under,
// conflicts recorded, the audit trail append-only and hash-chained, and a
// schema_migrations table of versioned migrations.
//
// # Several writers
//
// Every method may be called concurrently from any number of processes.
// Transactions run at READ COMMITTED; the invariants rest on unique
// constraints and row locks, not on a single writer:
//
//   - PutInstance inserts with ON CONFLICT DO NOTHING and, when the SOP
//     Instance UID is already there (or another writer inserted it first),
//     rolls back and returns the stored row: one row per instance, and the
//     caller compares digests as with SQLite.
//   - A patient received for the first time by two writers at once gives
//     one patient: the (patient ID, issuer) alias is the primary key of
//     patient_aliases; the writer that loses the race drops the patient row
//     it created, in its own transaction, and takes the winner's.
//   - A writer adding to a study holds a key-share lock on the study row,
//     so that a concurrent DeleteStudy either waits for it (and deletes its
//     instance too) or runs first (and the writer starts over, creating the
//     study anew); merges lock the patients involved, so that an instance
//     never lands on a patient merged under its feet.
//   - Deadlocks and serialisation failures, which PostgreSQL resolves by
//     aborting one transaction, are retried (Options.Retries).
//
// # The audit chain with several writers
//
// The chain is one sequence for the whole archive, whatever process
// writes. An operation commits its audit entry with itself (an instance
// and its store entry in the same statement, [dicomarchive.AuditedIndex])
// into a pending table, and the entry is sealed into the chain: under
// one advisory lock for the whole database, a sealer reads the pending
// entries oldest first, links each to the one before
// ([dicomarchive.AuditEntry.ComputeHash], computed by the server so that
// the lock is never held across a round trip; radkit checks every hash
// it is returned), inserts them into the chain and removes them from the
// pending table. Triggers check each link (seq = head+1, prev_hash =
// head hash) and move the head row, and let a pending entry go only once
// an identical entry is in the chain.
//
// A writer that finds nobody sealing seals in its own transaction: one
// commit for the instance and its sealed entry. When writers collide,
// the others commit their entries pending (their commits proceed in
// parallel and PostgreSQL flushes them together), then wait for the
// sealer and find their entries sealed by it, or seal themselves every
// entry committed meanwhile, by any process: one commit, and one hold of
// the lock, per group rather than per entry, where holding a head row
// lock through every commit serialised all writers of all nodes on the
// WAL flush. A sealer that finds its work done writes nothing, so its
// commit costs no flush. Store, Append and the rest return once their
// entry is in the chain.
//
// Sequence numbers have no gap (a seal that rolls back releases the lock
// without moving the head). An entry is durable from its operation's
// commit: if its process dies before the seal, the next seal by any
// process (any append, LastAudit or WalkAudit) links it. Sequence order
// is sealing order, not clock order: entries of several hosts may have
// times out of order by their clock skew and commit latency. UPDATE,
// DELETE and TRUNCATE of the trail are refused by triggers; as with
// SQLite, whoever owns the database can still disable them, which is why
// [dicomarchive.Archive.AuditHead] anchors should be kept elsewhere.
// Entry text is stored as the exact bytes hashed (bytea), so that no
// input, not even a NUL or invalid UTF-8, can make an access untraceable.
//
// An instance insert is one call of a server-side function
// (radkit_put_instance: patient, alias, merges, study, series, instance,
// audit entry), committed by itself: one round trip where a transaction
// of separate statements took about ten.
//
// # Indexes
//
// Text columns are COLLATE "C" (bytewise order, as SQLite's, whatever the
// database locale), so B-tree indexes serve prefix patterns: patient ID
// (current and former), folded name prefix, accession, referring
// physician. Wildcard matches ignore ASCII case, as SQLite's LIKE does,
// through indexes on upper(column). Study date ranges read an index in
// the result order, and the per-study counts read covering indexes. At one
// million instances a page of 100 studies by patient ID, name prefix or
// date range touches from tens to about ten thousand buffers (see
// BenchmarkQueryScale).
package pgindex

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/radkit/radkit/dicomarchive"
)

// Options configure an [Index]. The zero value works.
type Options struct {
	// MaxConns bounds the connections this Index opens. Default
	// 2×GOMAXPROCS+2, as the SQLite index. Each archive process has its
	// own: size the server's max_connections for the sum.
	MaxConns int
	// Retries is how many times a transaction aborted by PostgreSQL for a
	// deadlock or a serialisation failure is run again. Default 5;
	// negative means none.
	Retries int
}

func (o *Options) validate() {
	if o.MaxConns <= 0 {
		o.MaxConns = 2*runtime.GOMAXPROCS(0) + 2
	}
	if o.Retries == 0 {
		o.Retries = 5
	} else if o.Retries < 0 {
		o.Retries = 0
	}
}

// Index is the PostgreSQL index. It implements [dicomarchive.Index],
// [dicomarchive.IdentityIndex], [dicomarchive.TierIndex],
// [dicomarchive.RetentionIndex], [dicomarchive.AuditLog] and
// [dicomarchive.AuditedIndex]. It is safe for concurrent use by
// goroutines and by any number of processes sharing the database.
type Index struct {
	pool *pool
	db   db // statements outside transactions
	opts Options
}

var (
	_ dicomarchive.Index          = (*Index)(nil)
	_ dicomarchive.IdentityIndex  = (*Index)(nil)
	_ dicomarchive.RetentionIndex = (*Index)(nil)
	_ dicomarchive.AuditLog       = (*Index)(nil)
	_ dicomarchive.AuditedIndex   = (*Index)(nil)
	_ dicomarchive.TierIndex      = (*Index)(nil)
)

// migrateLock is the key of the advisory lock that serialises schema
// migrations between processes opening the same database at once.
var migrateLock = func() int64 {
	h := fnv.New64a()
	h.Write([]byte("radkit/dicomarchive/pgindex: schema_migrations"))
	return int64(h.Sum64())
}()

// Open connects to the PostgreSQL database of dsn (a postgres:// URL or
// a key=value string, as pgx accepts), creates or migrates its schema and
// returns the index. Several processes may Open the same database at
// once: migrations run once, under an advisory lock. opts may be nil.
//
// The database must exist; the role needs to create tables, functions and
// triggers the first time (migrations), and only to read and write rows
// afterwards.
func Open(ctx context.Context, dsn string, opts *Options) (*Index, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	o.validate()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("pgindex: %w", err)
	}
	// A cached generic plan cannot use an index for LIKE $1 (the pattern
	// is unknown when it is planned) and PostgreSQL may switch to one
	// after five executions: a name-prefix query would then scan the
	// table. Planning each time costs a fraction of a millisecond.
	if _, set := cfg.RuntimeParams["plan_cache_mode"]; !set {
		cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	p := newPool(cfg, o.MaxConns)
	ix := &Index{pool: p, db: db{p}, opts: o}
	if err := ix.migrate(ctx); err != nil {
		p.close()
		return nil, err
	}
	return ix, nil
}

// UseIn registers the index and all its capabilities (identity, tiers,
// retention, audit log committed with the index rows) in c.
func (ix *Index) UseIn(c *dicomarchive.Composer) { c.UseIndex(ix) }

// Conn calls fn with a connection of the index's pool, for tests and
// administration tools. Writing through it bypasses every guarantee of
// the archive.
func (ix *Index) Conn(ctx context.Context, fn func(*pgx.Conn) error) error {
	c, err := ix.pool.acquire(ctx)
	if err != nil {
		return err
	}
	defer ix.pool.release(c)
	return fn(c)
}

// Close implements [dicomarchive.Index]: it closes this process's
// connections (those in use close when their call ends).
func (ix *Index) Close() error { return ix.pool.close() }

// SchemaVersion returns the version the database's schema is at.
func (ix *Index) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := ix.db.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, dbErr(err)
}

func (ix *Index) migrate(ctx context.Context) error {
	c, err := ix.pool.acquire(ctx)
	if err != nil {
		return fmt.Errorf("pgindex: %w", err)
	}
	defer ix.pool.release(c)
	tx, err := c.Begin(ctx)
	if err != nil {
		return fmt.Errorf("pgindex: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	// The lock comes first: even CREATE TABLE IF NOT EXISTS fails when two
	// sessions run it at once.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
		return fmt.Errorf("pgindex: migration lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)`); err != nil {
		return fmt.Errorf("pgindex: %w", err)
	}
	var v int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return fmt.Errorf("pgindex: %w", err)
	}
	if v > schemaVersion {
		return fmt.Errorf("%w: PostgreSQL index is at version %d, this radkit knows %d", dicomarchive.ErrSchema, v, schemaVersion)
	}
	for i := v; i < schemaVersion; i++ {
		if _, err := tx.Exec(ctx, migrations[i]); err != nil {
			return fmt.Errorf("pgindex: migration %d: %w", i+1, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations VALUES ($1, now())`, i+1); err != nil {
			return fmt.Errorf("pgindex: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("pgindex: %w", err)
	}
	return nil
}

// retryable reports whether PostgreSQL aborted the transaction for a
// reason that running it again resolves.
func retryable(err error) bool {
	switch pgState(err) {
	case "40001", "40P01", stateStudyGone:
		return true
	}
	return false
}

// inTx runs fn in a transaction and commits, running it again on
// deadlocks and serialisation failures.
func (ix *Index) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return ix.retry(ctx, func() error { return ix.tryTx(ctx, fn) })
}

// retry runs fn, a transaction or a statement, again on deadlocks,
// serialisation failures and concurrent study deletions.
func (ix *Index) retry(ctx context.Context, fn func() error) error {
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || !retryable(err) || attempt >= ix.opts.Retries {
			if pgState(err) == stateStudyGone {
				err = fmt.Errorf("pgindex: gave up after %d attempts: concurrent deletion: %w", attempt+1, err)
			}
			return dbErr(err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
}

func (ix *Index) tryTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	c, err := ix.pool.acquire(ctx)
	if err != nil {
		return err
	}
	defer ix.pool.release(c)
	tx, err := c.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func dbErr(err error) error {
	if err == nil || errors.Is(err, dicomarchive.ErrNotFound) || errors.Is(err, dicomarchive.ErrConflict) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var he *dicomarchive.HeldError
	if errors.As(err, &he) {
		return err
	}
	if strings.HasPrefix(err.Error(), "pgindex: ") {
		return err
	}
	return fmt.Errorf("pgindex: %w", err)
}

type scanner interface{ Scan(dest ...any) error }

// storable reports whether PostgreSQL can hold every s in a text column
// (valid UTF-8 without NUL). A key that it cannot hold cannot be stored,
// so lookups answer "not found" and queries "no match" for it, as SQLite
// does, instead of failing with an encoding error.
func storable(s ...string) bool {
	for _, v := range s {
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return false
		}
	}
	return true
}

const instanceCols = `i.sop_uid, i.sop_class, i.series_uid, i.study_uid, i.transfer_syntax, i.instance_number, i.frames, i.digest, i.size, i.tier, i.stored_at, i.stored_by`

func scanInstance(r scanner) (dicomarchive.Instance, error) {
	var in dicomarchive.Instance
	var dg []byte
	var tier int
	err := r.Scan(&in.SOPInstanceUID, &in.SOPClassUID, &in.SeriesInstanceUID, &in.StudyInstanceUID, &in.TransferSyntaxUID,
		&in.InstanceNumber, &in.NumberOfFrames, &dg, &in.Size, &tier, &in.StoredAt, &in.StoredBy)
	if err != nil {
		return in, err
	}
	copy(in.Digest[:], dg)
	in.Tier = dicomarchive.Tier(tier)
	in.StoredAt = in.StoredAt.UTC()
	return in, nil
}

func getInstance(ctx context.Context, q querier, sopUID, lock string) (dicomarchive.Instance, error) {
	if !storable(sopUID) {
		return dicomarchive.Instance{}, fmt.Errorf("%w: instance %q", dicomarchive.ErrNotFound, sopUID)
	}
	in, err := scanInstance(q.QueryRow(ctx, `SELECT `+instanceCols+` FROM instances i WHERE i.sop_uid = $1`+lock, sopUID))
	if errors.Is(err, pgx.ErrNoRows) {
		return in, fmt.Errorf("%w: instance %s", dicomarchive.ErrNotFound, sopUID)
	}
	return in, err
}

// PutInstance implements [dicomarchive.Index].
func (ix *Index) PutInstance(ctx context.Context, r *dicomarchive.Record) (dicomarchive.Instance, bool, error) {
	in, inserted, _, err := ix.PutInstanceAudited(ctx, r, nil)
	return in, inserted, err
}

// SQLSTATEs radkit_put_instance raises (see the migration).
const (
	stateStudyGone = "RK001"
	stateExists    = "RK002"
)

func pgState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// PutInstanceAudited implements [dicomarchive.AuditedIndex]: the instance
// and, when it is inserted, its audit entry commit in one statement (one
// round trip), the entry sealed in the same transaction when no other
// writer is sealing, else sealed just after with the others committed
// meanwhile (see the package documentation). The entry is durable from
// the commit: if the context ends before the seal, the instance is
// reported inserted with the entry unsealed (Seq 0), and the next seal
// of any process links it. Any other failure after the commit is
// returned with inserted true.
func (ix *Index) PutInstanceAudited(ctx context.Context, r *dicomarchive.Record, e *dicomarchive.AuditEntry) (dicomarchive.Instance, bool, dicomarchive.AuditEntry, error) {
	in, st, se, id := &r.Instance, &r.Study, &r.Series, &r.Identity
	args := []any{
		in.SOPInstanceUID, in.SOPClassUID, in.TransferSyntaxUID, in.InstanceNumber, in.NumberOfFrames, in.Digest[:], in.Size,
		int16(in.Tier), in.StoredAt, in.StoredBy,
		se.SeriesInstanceUID, se.Modality, se.SeriesNumber, se.Description, se.BodyPart,
		st.StudyInstanceUID, st.StudyDate, st.StudyTime, st.AccessionNumber, st.ReferringPhysician, dicomarchive.FoldName(st.ReferringPhysician),
		st.Description, st.StudyID,
		id.PatientID, id.Issuer, id.Name, dicomarchive.FoldName(id.Name), id.BirthDate, id.Sex, id.INS,
		nil, nil, nil, nil, nil, nil,
	}
	var pending dicomarchive.AuditEntry
	if e != nil {
		pending = *e
		pending.Time = pending.Time.UTC().Truncate(time.Microsecond)
		copy(args[len(args)-6:], []any{pending.Time, []byte(pending.Principal), []byte(pending.Action),
			[]byte(pending.Object), []byte(pending.Outcome), []byte(pending.Detail)})
	}
	var pid, seq *int64
	var prev, h []byte
	err := ix.retry(ctx, func() error {
		pid, seq, prev, h = nil, nil, nil, nil
		rows, err := ix.db.Query(ctx, `SELECT * FROM radkit_put_instance($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
			$19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := rows.Scan(&pid, &seq, &prev, &h); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if pgState(err) == stateExists {
		// Stored before, or by another writer whose statement has
		// committed (ON CONFLICT waits for that): a new statement sees
		// its row.
		stored, err := getInstance(ctx, ix.db, in.SOPInstanceUID, "")
		return stored, false, dicomarchive.AuditEntry{}, dbErr(err)
	}
	if err != nil {
		return dicomarchive.Instance{}, false, dicomarchive.AuditEntry{}, err
	}
	if e == nil {
		return r.Instance, true, dicomarchive.AuditEntry{}, nil
	}
	if pid == nil {
		return r.Instance, true, pending, fmt.Errorf("pgindex: stored %s without its audit entry", in.SOPInstanceUID)
	}
	if seq != nil {
		sealed, ok := sealedAs(pending, *seq, prev, h)
		if !ok {
			return r.Instance, true, pending, fmt.Errorf("pgindex: audit entry %d of %s: the database's hash is not radkit's", *seq, in.SOPInstanceUID)
		}
		return r.Instance, true, sealed, nil
	}
	sealed, err := ix.sealed(ctx, *pid, pending)
	if err != nil && ctx.Err() == nil {
		return r.Instance, true, pending, err
	}
	return r.Instance, true, sealed, nil
}

// Instance implements [dicomarchive.Index].
func (ix *Index) Instance(ctx context.Context, sopUID string) (dicomarchive.Instance, error) {
	in, err := getInstance(ctx, ix.db, sopUID, "")
	return in, dbErr(err)
}

const seriesCols = `se.series_uid, se.study_uid, se.modality, se.series_number, se.description, se.body_part,
	(SELECT count(*) FROM instances x WHERE x.series_uid = se.series_uid)`

func scanSeries(r scanner) (dicomarchive.Series, error) {
	var s dicomarchive.Series
	err := r.Scan(&s.SeriesInstanceUID, &s.StudyInstanceUID, &s.Modality, &s.SeriesNumber, &s.Description, &s.BodyPart, &s.NumInstances)
	return s, err
}

// Series implements [dicomarchive.Index].
func (ix *Index) Series(ctx context.Context, seriesUID string) (dicomarchive.Series, error) {
	if !storable(seriesUID) {
		return dicomarchive.Series{}, fmt.Errorf("%w: series %q", dicomarchive.ErrNotFound, seriesUID)
	}
	s, err := scanSeries(ix.db.QueryRow(ctx, `SELECT `+seriesCols+` FROM series se WHERE se.series_uid = $1`, seriesUID))
	if errors.Is(err, pgx.ErrNoRows) {
		return s, fmt.Errorf("%w: series %s", dicomarchive.ErrNotFound, seriesUID)
	}
	return s, dbErr(err)
}

const patientCols = `p.pkey, p.patient_id, p.issuer, p.name, p.birth_date, p.sex, p.ins, p.reconciled, COALESCE(p.merged_into, 0)`

func scanPatientInto(p *dicomarchive.Patient) []any {
	return []any{&p.Key, &p.PatientID, &p.Issuer, &p.Name, &p.BirthDate, &p.Sex, &p.INS, &p.Reconciled, &p.MergedInto}
}

// studyCols: modalities are distinct ignoring ASCII case, as SQLite's
// NOCASE column gives them.
const studyCols = `s.study_uid, s.study_date, s.study_time, s.accession, s.referring, s.description, s.study_id, s.created_at, s.hold, ` + patientCols + `,
	(SELECT COALESCE(string_agg(m, ','), '') FROM (SELECT min(x.modality) AS m FROM series x WHERE x.study_uid = s.study_uid GROUP BY upper(x.modality)) mods),
	(SELECT count(*) FROM series x WHERE x.study_uid = s.study_uid),
	(SELECT count(*) FROM instances x WHERE x.study_uid = s.study_uid),
	(SELECT COALESCE(sum(x.size), 0) FROM instances x WHERE x.study_uid = s.study_uid)`

func scanStudy(r scanner) (dicomarchive.Study, error) {
	var s dicomarchive.Study
	var mods string
	dest := []any{&s.StudyInstanceUID, &s.StudyDate, &s.StudyTime, &s.AccessionNumber, &s.ReferringPhysician, &s.Description, &s.StudyID, &s.CreatedAt, &s.Hold}
	dest = append(dest, scanPatientInto(&s.Patient)...)
	dest = append(dest, &mods, &s.NumSeries, &s.NumInstances, &s.Size)
	if err := r.Scan(dest...); err != nil {
		return s, err
	}
	s.CreatedAt = s.CreatedAt.UTC()
	if mods != "" {
		s.Modalities = strings.Split(mods, ",")
		sort.Strings(s.Modalities)
	}
	return s, nil
}

// Study implements [dicomarchive.Index].
func (ix *Index) Study(ctx context.Context, studyUID string) (dicomarchive.Study, error) {
	if !storable(studyUID) {
		return dicomarchive.Study{}, fmt.Errorf("%w: study %q", dicomarchive.ErrNotFound, studyUID)
	}
	s, err := scanStudy(ix.db.QueryRow(ctx, `SELECT `+studyCols+` FROM studies s JOIN patients p ON p.pkey = s.pkey WHERE s.study_uid = $1`, studyUID))
	if errors.Is(err, pgx.ErrNoRows) {
		return s, fmt.Errorf("%w: study %s", dicomarchive.ErrNotFound, studyUID)
	}
	return s, dbErr(err)
}

// StudyIdentity implements [dicomarchive.IdentityIndex].
func (ix *Index) StudyIdentity(ctx context.Context, studyUID string) (dicomarchive.Patient, dicomarchive.Identity, error) {
	var p dicomarchive.Patient
	var id dicomarchive.Identity
	if !storable(studyUID) {
		return p, id, fmt.Errorf("%w: study %q", dicomarchive.ErrNotFound, studyUID)
	}
	dest := append(scanPatientInto(&p), &id.PatientID, &id.Issuer, &id.Name, &id.BirthDate, &id.Sex, &id.INS)
	err := ix.db.QueryRow(ctx, `SELECT `+patientCols+`, s.orig_patient_id, s.orig_issuer, s.orig_name, s.orig_birth_date, s.orig_sex, s.orig_ins
		FROM studies s JOIN patients p ON p.pkey = s.pkey WHERE s.study_uid = $1`, studyUID).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, id, fmt.Errorf("%w: study %s", dicomarchive.ErrNotFound, studyUID)
	}
	return p, id, dbErr(err)
}

// where builds the WHERE clause of a query. Level 0 is studies (aliases s
// and p), 1 series (adds se), 2 instances (adds i). Patterns with
// wildcards compare upper(column) LIKE upper(pattern): SQLite's LIKE
// ignores ASCII case, and so must this index.
func where(q *dicomarchive.Query, level int) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	// cond returns the condition matching col against a DICOM pattern.
	cond := func(col, v string) string {
		if p, wild := dicomarchive.LikePattern(v); wild {
			return `upper(` + col + `) LIKE upper(` + arg(p) + `) ESCAPE '\'`
		}
		return col + ` = ` + arg(v)
	}
	if q.PatientID != "" {
		// The current ID or any ID the patient was received under: a
		// union of two index lookups, not an OR the planner cannot index.
		conds = append(conds, `s.pkey IN (SELECT pp.pkey FROM patients pp WHERE `+cond("pp.patient_id", q.PatientID)+
			` UNION SELECT a.pkey FROM patient_aliases a WHERE `+cond("a.patient_id", q.PatientID)+`)`)
	}
	if q.PatientName != "" {
		// Folded values are upper case already: a plain LIKE keeps the
		// prefix usable by the index.
		if p, wild := dicomarchive.LikePattern(dicomarchive.FoldName(q.PatientName)); wild {
			conds = append(conds, `p.name_fold LIKE `+arg(p)+` ESCAPE '\'`)
		} else {
			conds = append(conds, `p.name_fold = `+arg(dicomarchive.FoldName(q.PatientName)))
		}
	}
	if q.INS != "" {
		conds = append(conds, `p.ins = `+arg(strings.ReplaceAll(q.INS, " ", "")))
	}
	if q.ReferringPhysician != "" {
		if p, wild := dicomarchive.LikePattern(dicomarchive.FoldName(q.ReferringPhysician)); wild {
			conds = append(conds, `s.referring_fold LIKE `+arg(p)+` ESCAPE '\'`)
		} else {
			conds = append(conds, `s.referring_fold = `+arg(dicomarchive.FoldName(q.ReferringPhysician)))
		}
	}
	if q.AccessionNumber != "" {
		conds = append(conds, cond("s.accession", q.AccessionNumber))
	}
	if q.Modality != "" {
		if level == 0 {
			conds = append(conds, `EXISTS (SELECT 1 FROM series x WHERE x.study_uid = s.study_uid AND upper(x.modality) = upper(`+arg(q.Modality)+`))`)
		} else {
			conds = append(conds, `upper(se.modality) = upper(`+arg(q.Modality)+`)`)
		}
	}
	if !q.StudyDateFrom.IsZero() {
		conds = append(conds, `s.study_date >= `+arg(q.StudyDateFrom.Format("20060102")))
	}
	if !q.StudyDateTo.IsZero() {
		conds = append(conds, `s.study_date <> '' AND s.study_date <= `+arg(q.StudyDateTo.Format("20060102")))
	}
	if q.StudyInstanceUID != "" {
		conds = append(conds, `s.study_uid = `+arg(q.StudyInstanceUID))
	}
	if q.SeriesInstanceUID != "" {
		if level == 0 {
			conds = append(conds, `EXISTS (SELECT 1 FROM series x WHERE x.study_uid = s.study_uid AND x.series_uid = `+arg(q.SeriesInstanceUID)+`)`)
		} else {
			conds = append(conds, `se.series_uid = `+arg(q.SeriesInstanceUID))
		}
	}
	if q.SOPInstanceUID != "" {
		switch level {
		case 0:
			conds = append(conds, `EXISTS (SELECT 1 FROM instances x WHERE x.study_uid = s.study_uid AND x.sop_uid = `+arg(q.SOPInstanceUID)+`)`)
		case 1:
			conds = append(conds, `EXISTS (SELECT 1 FROM instances x WHERE x.series_uid = se.series_uid AND x.sop_uid = `+arg(q.SOPInstanceUID)+`)`)
		default:
			conds = append(conds, `i.sop_uid = `+arg(q.SOPInstanceUID))
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// pageSQL returns the statement and arguments of one page of a query:
// limit+1 rows, to tell whether more remain.
func pageSQL(q *dicomarchive.Query, level int, sqlText func(where, page string) string) (string, []any, int, error) {
	limit, err := q.Check()
	if err != nil {
		return "", nil, 0, err
	}
	w, args := where(q, level)
	if !storable(q.PatientID, q.PatientName, q.INS, q.ReferringPhysician, q.AccessionNumber, q.Modality,
		q.StudyInstanceUID, q.SeriesInstanceUID, q.SOPInstanceUID) {
		w, args = " WHERE false", nil // nothing stored can match
	}
	n := len(args)
	args = append(args, limit+1, q.Offset)
	return sqlText(w, fmt.Sprintf(` LIMIT $%d OFFSET $%d`, n+1, n+2)), args, limit, nil
}

// studiesSQL selects a page of studies first and only then computes
// the counts of the page's studies, two index-only scans per study (one
// over its series, one over its instances) instead of one per count.
func studiesSQL(w, page string) string {
	return `SELECT t.study_uid, t.study_date, t.study_time, t.accession, t.referring, t.description, t.study_id, t.created_at, t.hold,
		t.pkey, t.patient_id, t.issuer, t.name, t.birth_date, t.sex, t.ins, t.reconciled, t.merged_into,
		se.mods, se.n, i.n, i.size
	FROM (SELECT s.study_uid, s.study_date, s.study_time, s.accession, s.referring, s.description, s.study_id, s.created_at, s.hold,
			p.pkey, p.patient_id, p.issuer, p.name, p.birth_date, p.sex, p.ins, p.reconciled, COALESCE(p.merged_into, 0) AS merged_into
		FROM studies s JOIN patients p ON p.pkey = s.pkey` + w + `
		ORDER BY s.study_date DESC, s.study_time DESC, s.study_uid` + page + `) t
	CROSS JOIN LATERAL (SELECT COALESCE(string_agg(g.m, ','), '') AS mods, COALESCE(sum(g.c), 0)::bigint AS n
		FROM (SELECT min(x.modality) AS m, count(*) AS c FROM series x WHERE x.study_uid = t.study_uid GROUP BY upper(x.modality)) g) se
	CROSS JOIN LATERAL (SELECT count(*) AS n, COALESCE(sum(x.size), 0)::bigint AS size FROM instances x WHERE x.study_uid = t.study_uid) i
	ORDER BY t.study_date DESC, t.study_time DESC, t.study_uid`
}

func queryPage[T any](ctx context.Context, db querier, q *dicomarchive.Query, level int, sqlText func(where, page string) string, scan func(scanner) (T, error)) (dicomarchive.Page[T], error) {
	stmt, args, limit, err := pageSQL(q, level, sqlText)
	if err != nil {
		return dicomarchive.Page[T]{}, err
	}
	rows, err := db.Query(ctx, stmt, args...)
	if err != nil {
		return dicomarchive.Page[T]{}, dbErr(err)
	}
	defer rows.Close()
	var p dicomarchive.Page[T]
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return dicomarchive.Page[T]{}, dbErr(err)
		}
		p.Items = append(p.Items, v)
	}
	if err := rows.Err(); err != nil {
		return dicomarchive.Page[T]{}, dbErr(err)
	}
	if len(p.Items) > limit {
		p.Items, p.More = p.Items[:limit], true
	}
	return p, nil
}

// QueryStudies implements [dicomarchive.Index].
func (ix *Index) QueryStudies(ctx context.Context, q *dicomarchive.Query) (dicomarchive.Page[dicomarchive.Study], error) {
	return queryPage(ctx, ix.db, q, 0, studiesSQL, scanStudy)
}

// QuerySeries implements [dicomarchive.Index].
func (ix *Index) QuerySeries(ctx context.Context, q *dicomarchive.Query) (dicomarchive.Page[dicomarchive.Series], error) {
	return queryPage(ctx, ix.db, q, 1, func(w, page string) string {
		return `SELECT ` + seriesCols + ` FROM series se JOIN studies s ON s.study_uid = se.study_uid JOIN patients p ON p.pkey = s.pkey` + w +
			` ORDER BY s.study_uid, se.series_number, se.series_uid` + page
	}, scanSeries)
}

// QueryInstances implements [dicomarchive.Index].
func (ix *Index) QueryInstances(ctx context.Context, q *dicomarchive.Query) (dicomarchive.Page[dicomarchive.Instance], error) {
	return queryPage(ctx, ix.db, q, 2, func(w, page string) string {
		return `SELECT ` + instanceCols + ` FROM instances i JOIN series se ON se.series_uid = i.series_uid
		JOIN studies s ON s.study_uid = i.study_uid JOIN patients p ON p.pkey = s.pkey` + w +
			` ORDER BY i.study_uid, i.series_uid, i.instance_number, i.sop_uid` + page
	}, scanInstance)
}

func walkRows(ctx context.Context, q querier, query string, args []any, fn func(scanner) error) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return dbErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return dbErr(rows.Err())
}

// WalkInstances implements [dicomarchive.Index]. Rows are read in
// batches, so fn may take its time without holding a transaction (and
// its snapshot, which holds back vacuum) over the whole walk.
func (ix *Index) WalkInstances(ctx context.Context, fn func(dicomarchive.Instance) error) error {
	after := ""
	for {
		var batch []dicomarchive.Instance
		err := walkRows(ctx, ix.db, `SELECT `+instanceCols+` FROM instances i WHERE i.sop_uid > $1 ORDER BY i.sop_uid LIMIT 1000`, []any{after}, func(r scanner) error {
			in, err := scanInstance(r)
			batch = append(batch, in)
			return err
		})
		if err != nil {
			return dbErr(err)
		}
		if len(batch) == 0 {
			return nil
		}
		for _, in := range batch {
			if err := fn(in); err != nil {
				return err
			}
		}
		after = batch[len(batch)-1].SOPInstanceUID
	}
}

// BlobReferenced implements [dicomarchive.Index].
func (ix *Index) BlobReferenced(ctx context.Context, d dicomarchive.Digest) (bool, error) {
	var ok bool
	err := ix.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM instances WHERE digest = $1)`, d[:]).Scan(&ok)
	return ok, dbErr(err)
}

// RecordConflict implements [dicomarchive.Index].
func (ix *Index) RecordConflict(ctx context.Context, c dicomarchive.Conflict) error {
	_, err := ix.db.Exec(ctx, `INSERT INTO conflicts (sop_uid, stored, offered, offered_size, at, principal) VALUES ($1, $2, $3, $4, $5, $6)`,
		c.SOPInstanceUID, c.Stored[:], c.Offered[:], c.OfferedSize, c.At, c.Principal)
	return dbErr(err)
}

// Conflicts implements [dicomarchive.Index].
func (ix *Index) Conflicts(ctx context.Context, sopUID string) ([]dicomarchive.Conflict, error) {
	var out []dicomarchive.Conflict
	if !storable(sopUID) {
		return nil, nil
	}
	err := walkRows(ctx, ix.db, `SELECT sop_uid, stored, offered, offered_size, at, principal FROM conflicts WHERE $1 = '' OR sop_uid = $1 ORDER BY id`,
		[]any{sopUID}, func(r scanner) error {
			var c dicomarchive.Conflict
			var s, o []byte
			if err := r.Scan(&c.SOPInstanceUID, &s, &o, &c.OfferedSize, &c.At, &c.Principal); err != nil {
				return err
			}
			copy(c.Stored[:], s)
			copy(c.Offered[:], o)
			c.At = c.At.UTC()
			out = append(out, c)
			return nil
		})
	return out, err
}

func getPatient(ctx context.Context, q querier, key int64, lock string) (dicomarchive.Patient, error) {
	var p dicomarchive.Patient
	err := q.QueryRow(ctx, `SELECT `+patientCols+` FROM patients p WHERE p.pkey = $1`+lock, key).Scan(scanPatientInto(&p)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Errorf("%w: patient %d", dicomarchive.ErrNotFound, key)
	}
	return p, err
}

// Patient implements [dicomarchive.IdentityIndex].
func (ix *Index) Patient(ctx context.Context, key int64) (dicomarchive.Patient, error) {
	p, err := getPatient(ctx, ix.db, key, "")
	return p, dbErr(err)
}

// FindPatient implements [dicomarchive.IdentityIndex].
func (ix *Index) FindPatient(ctx context.Context, patientID, issuer string) (dicomarchive.Patient, error) {
	if !storable(patientID, issuer) {
		return dicomarchive.Patient{}, fmt.Errorf("%w: patient %q (issuer %q)", dicomarchive.ErrNotFound, patientID, issuer)
	}
	var key int64
	err := ix.db.QueryRow(ctx, `SELECT pkey FROM patient_aliases WHERE patient_id = $1 AND issuer = $2`, patientID, issuer).Scan(&key)
	if errors.Is(err, pgx.ErrNoRows) {
		return dicomarchive.Patient{}, fmt.Errorf("%w: patient %s (issuer %q)", dicomarchive.ErrNotFound, patientID, issuer)
	}
	if err != nil {
		return dicomarchive.Patient{}, dbErr(err)
	}
	for range 64 {
		p, err := ix.Patient(ctx, key)
		if err != nil || p.MergedInto == 0 {
			return p, err
		}
		key = p.MergedInto
	}
	return dicomarchive.Patient{}, fmt.Errorf("pgindex: patient %d: merge chain too long", key)
}

// UpdatePatient implements [dicomarchive.IdentityIndex].
func (ix *Index) UpdatePatient(ctx context.Context, key int64, id dicomarchive.Identity) error {
	return ix.inTx(ctx, func(tx pgx.Tx) error {
		p, err := getPatient(ctx, tx, key, ` FOR UPDATE`)
		if err != nil {
			return err
		}
		if p.MergedInto != 0 {
			return fmt.Errorf("%w: patient %d was merged into %d; update that one", dicomarchive.ErrConflict, key, p.MergedInto)
		}
		set := func(dst *string, v string) {
			if v != "" {
				*dst = v
			}
		}
		n := p.Identity
		set(&n.PatientID, id.PatientID)
		set(&n.Issuer, id.Issuer)
		set(&n.Name, id.Name)
		set(&n.BirthDate, id.BirthDate)
		set(&n.Sex, id.Sex)
		set(&n.INS, id.INS)
		if n.PatientID != p.PatientID || n.Issuer != p.Issuer {
			if _, err := tx.Exec(ctx, `INSERT INTO patient_aliases VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, n.PatientID, n.Issuer, key); err != nil {
				return err
			}
			var owner int64
			if err := tx.QueryRow(ctx, `SELECT pkey FROM patient_aliases WHERE patient_id = $1 AND issuer = $2`, n.PatientID, n.Issuer).Scan(&owner); err != nil {
				return err
			}
			if owner != key {
				return fmt.Errorf("%w: patient ID %s (issuer %q) belongs to patient %d: merge the records instead", dicomarchive.ErrConflict, n.PatientID, n.Issuer, owner)
			}
		}
		_, err = tx.Exec(ctx, `UPDATE patients SET patient_id = $1, issuer = $2, name = $3, name_fold = $4, birth_date = $5, sex = $6, ins = $7, reconciled = true WHERE pkey = $8`,
			n.PatientID, n.Issuer, n.Name, dicomarchive.FoldName(n.Name), n.BirthDate, n.Sex, n.INS, key)
		return err
	})
}

// MergePatients implements [dicomarchive.IdentityIndex].
func (ix *Index) MergePatients(ctx context.Context, from, into int64) error {
	if from == into {
		return fmt.Errorf("%w: cannot merge patient %d into itself", dicomarchive.ErrConflict, from)
	}
	return ix.inTx(ctx, func(tx pgx.Tx) error {
		// Lock both in key order: two opposite merges must not deadlock.
		keys := []int64{from, into}
		if into < from {
			keys[0], keys[1] = into, from
		}
		for _, k := range keys {
			p, err := getPatient(ctx, tx, k, ` FOR UPDATE`)
			if err != nil {
				return err
			}
			if p.MergedInto != 0 {
				return fmt.Errorf("%w: patient %d was already merged into %d", dicomarchive.ErrConflict, k, p.MergedInto)
			}
		}
		for _, stmt := range []string{
			`UPDATE studies SET pkey = $1 WHERE pkey = $2`,
			`UPDATE patient_aliases SET pkey = $1 WHERE pkey = $2`,
			`UPDATE patients SET merged_into = $1 WHERE merged_into = $2`,
			`UPDATE patients SET merged_into = $1 WHERE pkey = $2`,
		} {
			if _, err := tx.Exec(ctx, stmt, into, from); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE patients SET reconciled = true WHERE pkey = $1`, into)
		return err
	})
}

// MoveStudy implements [dicomarchive.IdentityIndex].
func (ix *Index) MoveStudy(ctx context.Context, studyUID string, to int64) error {
	return ix.inTx(ctx, func(tx pgx.Tx) error {
		p, err := getPatient(ctx, tx, to, ` FOR UPDATE`)
		if err != nil {
			return err
		}
		if p.MergedInto != 0 {
			return fmt.Errorf("%w: patient %d was merged into %d", dicomarchive.ErrConflict, to, p.MergedInto)
		}
		res, err := tx.Exec(ctx, `UPDATE studies SET pkey = $1 WHERE study_uid = $2`, to, studyUID)
		if err != nil {
			return err
		}
		if res.RowsAffected() == 0 {
			return fmt.Errorf("%w: study %s", dicomarchive.ErrNotFound, studyUID)
		}
		_, err = tx.Exec(ctx, `UPDATE patients SET reconciled = true WHERE pkey = $1`, to)
		return err
	})
}

// SetHold implements [dicomarchive.RetentionIndex].
func (ix *Index) SetHold(ctx context.Context, studyUID, reason string) error {
	res, err := ix.db.Exec(ctx, `UPDATE studies SET hold = $1 WHERE study_uid = $2`, reason, studyUID)
	if err != nil {
		return dbErr(err)
	}
	if res.RowsAffected() == 0 {
		return fmt.Errorf("%w: study %s", dicomarchive.ErrNotFound, studyUID)
	}
	return nil
}

// WalkStudies implements [dicomarchive.RetentionIndex].
func (ix *Index) WalkStudies(ctx context.Context, fn func(dicomarchive.Study) error) error {
	after := ""
	for {
		var batch []dicomarchive.Study
		err := walkRows(ctx, ix.db, `SELECT `+studyCols+` FROM studies s JOIN patients p ON p.pkey = s.pkey WHERE s.study_uid > $1 ORDER BY s.study_uid LIMIT 500`,
			[]any{after}, func(r scanner) error {
				s, err := scanStudy(r)
				batch = append(batch, s)
				return err
			})
		if err != nil {
			return dbErr(err)
		}
		if len(batch) == 0 {
			return nil
		}
		for _, s := range batch {
			if err := fn(s); err != nil {
				return err
			}
		}
		after = batch[len(batch)-1].StudyInstanceUID
	}
}

// DeleteStudy implements [dicomarchive.RetentionIndex]. It locks the
// study first: writers adding to it finish before, or start over after.
func (ix *Index) DeleteStudy(ctx context.Context, studyUID string) ([]dicomarchive.Instance, error) {
	var out []dicomarchive.Instance
	err := ix.inTx(ctx, func(tx pgx.Tx) error {
		out = nil
		var hold string
		err := tx.QueryRow(ctx, `SELECT hold FROM studies WHERE study_uid = $1 FOR UPDATE`, studyUID).Scan(&hold)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: study %s", dicomarchive.ErrNotFound, studyUID)
		}
		if err != nil {
			return err
		}
		if hold != "" {
			return &dicomarchive.HeldError{StudyInstanceUID: studyUID, Reason: hold}
		}
		err = walkRows(ctx, tx, `SELECT `+instanceCols+` FROM instances i WHERE i.study_uid = $1`, []any{studyUID}, func(r scanner) error {
			in, err := scanInstance(r)
			out = append(out, in)
			return err
		})
		if err != nil {
			return err
		}
		for _, stmt := range []string{
			`DELETE FROM instances WHERE study_uid = $1`,
			`DELETE FROM series WHERE study_uid = $1`,
			`DELETE FROM studies WHERE study_uid = $1`,
		} {
			if _, err := tx.Exec(ctx, stmt, studyUID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReplaceInstance implements [dicomarchive.TierIndex].
func (ix *Index) ReplaceInstance(ctx context.Context, oldSOP string, in dicomarchive.Instance, reason string) error {
	return ix.inTx(ctx, func(tx pgx.Tx) error {
		old, err := getInstance(ctx, tx, oldSOP, ` FOR UPDATE`)
		if err != nil {
			return err
		}
		if in.SOPInstanceUID == oldSOP {
			_, err = tx.Exec(ctx, `UPDATE instances SET transfer_syntax = $1, frames = $2, digest = $3, size = $4, tier = $5 WHERE sop_uid = $6`,
				in.TransferSyntaxUID, in.NumberOfFrames, in.Digest[:], in.Size, int(in.Tier), oldSOP)
			return err
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO instances VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, []any{in.SOPInstanceUID, old.SeriesInstanceUID, old.StudyInstanceUID,
				in.SOPClassUID, in.TransferSyntaxUID, in.InstanceNumber, in.NumberOfFrames, in.Digest[:], in.Size, int(in.Tier), in.StoredAt, in.StoredBy}},
			{`DELETE FROM instances WHERE sop_uid = $1`, []any{oldSOP}},
			{`UPDATE replaced SET new_sop = $1 WHERE new_sop = $2`, []any{in.SOPInstanceUID, oldSOP}},
			{`INSERT INTO replaced VALUES ($1, $2, $3, $4)`, []any{oldSOP, in.SOPInstanceUID, in.StoredAt, reason}},
		} {
			if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReplacedBy implements [dicomarchive.TierIndex].
func (ix *Index) ReplacedBy(ctx context.Context, oldSOP string) (string, error) {
	if !storable(oldSOP) {
		return "", fmt.Errorf("%w: instance %q", dicomarchive.ErrNotFound, oldSOP)
	}
	var n string
	err := ix.db.QueryRow(ctx, `SELECT new_sop FROM replaced WHERE old_sop = $1`, oldSOP).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("%w: instance %s", dicomarchive.ErrNotFound, oldSOP)
	}
	return n, dbErr(err)
}
