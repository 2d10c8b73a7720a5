// Package sqlitestore is the embedded [screening.Store]: one SQLite file
// (modernc.org/sqlite, pure Go), for a screening centre that wants no
// database server. It lives in its own package so that programs using
// the screening rules alone do not compile a database driver.
//
// Durability: the database is in WAL mode with synchronous=FULL, so a
// transaction is on disk (the WAL fsynced) when its COMMIT returns, and
// [Store.Update] returns only after its COMMIT: an event Ingest
// acknowledged survives the process being killed (a test SIGKILLs a child
// process mid-ingestion, repeatedly) and a power loss. synchronous=NORMAL
// would survive a killed process too but not a power loss; the cost of
// FULL is one fsync per Update, which large batches amortise.
//
// Concurrency: Update reads the people's logs and runs the engine's
// validation outside any write lock (WAL readers do not block), then
// writes in one short IMMEDIATE transaction that first checks that no
// other writer appended to those people meanwhile (a per-person event
// count); people that changed are read and validated again. So a writer
// never waits for another writer's validation, only for its commit.
// [Store.ScanDue], the read a daily Due run spends its time in, reads and
// decodes the logs on several connections at once.
//
// Schema migrations are numbered and recorded in PRAGMA user_version;
// [Open] applies the missing ones in one transaction and refuses a file
// written by a newer version.
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/radkit/radkit/screening"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// migrations create and evolve the schema; migration i takes the file
// from user_version i to i+1. Dates are stored as the day numbers of
// screening.Date.
var migrations = []string{
	// A person's log is one row: the events encoded one after the other
	// (see record.go), appended with ||. Reading a log is one row, not
	// one per event, which is what a Due run over millions of people
	// spends its time on; idempotency by event ID is the engine's job
	// (it checks against the log it read, under the version n).
	`CREATE TABLE person (
		id TEXT PRIMARY KEY,
		n INTEGER NOT NULL,              -- events stored: the optimistic version
		idx_key TEXT NOT NULL DEFAULT '',
		next_due INTEGER NOT NULL,
		last_event INTEGER NOT NULL,
		log BLOB NOT NULL
	) WITHOUT ROWID;
	CREATE INDEX person_next ON person(next_due);
	CREATE INDEX person_last ON person(last_event);
	CREATE INDEX person_key ON person(idx_key);`,
}

// ErrNewerSchema reports a database written by a newer version of this
// package.
var ErrNewerSchema = errors.New("sqlitestore: database schema is newer than this version")

// Options configure [Open]. The zero value is the durable default.
type Options struct {
	// Synchronous is the SQLite synchronous setting: "" or "FULL"
	// (default: durable against power loss), or "NORMAL" (durable
	// against a killed process only, faster commits on slow disks).
	Synchronous string
	// ScanReaders is the number of connections [Store.ScanDue] reads and
	// decodes logs on at once (0: GOMAXPROCS, at least 2; at most 64).
	// A cold Due run over a file larger than the page cache waits on the
	// disk, one read at a time per connection: on a disk that serves
	// many reads at once, more readers than cores shorten it.
	ScanReaders int
}

// Store is a [screening.Store] in a SQLite file. It is safe for
// concurrent use; Close it when done.
type Store struct {
	db *sql.DB
	// wmu serialises this process's write transactions: SQLite has one
	// writer anyway, and a writer waiting in SQLite's busy handler
	// sleeps (up to 100 ms a time) where a mutex hands over at once.
	wmu sync.Mutex
	// readers is the number of ScanDue's reader goroutines
	// (Options.ScanReaders).
	readers int
}

var _ screening.Store = (*Store)(nil)

// Open opens or creates the store at path and migrates its schema.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	sync := strings.ToUpper(opts.Synchronous)
	switch sync {
	case "":
		sync = "FULL"
	case "FULL", "NORMAL":
	default:
		return nil, fmt.Errorf("sqlitestore: Synchronous %q: want FULL or NORMAL", opts.Synchronous)
	}
	readers := opts.ScanReaders
	switch {
	case readers == 0:
		readers = max(2, runtime.GOMAXPROCS(0))
	case readers < 0 || readers > 64:
		return nil, fmt.Errorf("sqlitestore: ScanReaders %d: want 0 to 64", opts.ScanReaders)
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(60000)", "journal_mode(WAL)", "synchronous(" + sync + ")"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: %w", err)
	}
	// ScanDue holds readers+1 connections: leave some to writers.
	db.SetMaxOpenConns(max(2*runtime.GOMAXPROCS(0), readers) + 2)
	s := &Store{db: db, readers: readers}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil) // IMMEDIATE (_txlock): one migrator at a time
	if err != nil {
		return fmt.Errorf("sqlitestore: %w", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("sqlitestore: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("%w (version %d, this package knows %d)", ErrNewerSchema, v, len(migrations))
	}
	for ; v < len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("sqlitestore: migration %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
			return fmt.Errorf("sqlitestore: %w", err)
		}
	}
	return tx.Commit()
}

// SchemaVersion returns the schema version of the open database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Events implements [screening.Store].
func (s *Store) Events(ctx context.Context, person screening.PersonID) ([]screening.Event, error) {
	var log []byte
	err := s.db.QueryRowContext(ctx, "SELECT log FROM person WHERE id = ?", string(person)).Scan(&log)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: %w", err)
	}
	evs, err := decodeLog(person, log, nil)
	if err != nil || len(evs) == 0 {
		return nil, err
	}
	return evs, nil
}

// rowsOf calls fn for each person of idx that has a row, with its
// version and (when withLog) its log, by chunks of IN lists.
func rowsOf(ctx context.Context, q querier, people []screening.PersonID, idx []int, withLog bool, fn func(id string, n int64, log []byte) error) error {
	const chunk = 500
	cols := "id, n, x''"
	if withLog {
		cols = "id, n, log"
	}
	for lo := 0; lo < len(idx); lo += chunk {
		hi := min(lo+chunk, len(idx))
		args := make([]any, 0, hi-lo)
		for _, i := range idx[lo:hi] {
			args = append(args, string(people[i]))
		}
		rows, err := q.QueryContext(ctx, "SELECT "+cols+" FROM person WHERE id IN (?"+strings.Repeat(",?", len(args)-1)+")", args...)
		if err != nil {
			return fmt.Errorf("sqlitestore: %w", err)
		}
		for rows.Next() {
			var id string
			var n int64
			var log []byte
			if err := rows.Scan(&id, &n, &log); err != nil {
				rows.Close()
				return fmt.Errorf("sqlitestore: %w", err)
			}
			if err := fn(id, n, log); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlitestore: %w", err)
		}
	}
	return nil
}

// pending is a person's validated append, waiting for the write
// transaction.
type pending struct {
	i   int
	ver int64 // event count fn saw (-1: no row)
	app screening.Append
}

// Update implements [screening.Store]: read and validate outside the
// write lock, then write the batch in one transaction, re-validating the
// people another writer changed in between.
func (s *Store) Update(ctx context.Context, people []screening.PersonID, fn func(int, []screening.Event) (screening.Append, error)) error {
	todo := make([]int, len(people))
	for i := range todo {
		todo[i] = i
	}
	for len(todo) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		ps, err := s.prepare(ctx, people, todo, fn)
		if err != nil {
			return err
		}
		todo, err = s.write(ctx, people, ps)
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) prepare(ctx context.Context, people []screening.PersonID, todo []int, fn func(int, []screening.Event) (screening.Append, error)) ([]pending, error) {
	type stored struct {
		n   int64
		log []screening.Event
	}
	have := make(map[screening.PersonID]stored, len(todo))
	// One statement per chunk: versions and logs from the same snapshot.
	err := rowsOf(ctx, s.db, people, todo, true, func(id string, n int64, b []byte) error {
		p := screening.PersonID(id)
		log, err := decodeLog(p, b, nil)
		if err != nil {
			return err
		}
		have[p] = stored{n, log}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The validations of different people are independent: spread them
	// over the cores (the Store contract lets fn run concurrently).
	out := make([]pending, len(todo))
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		once sync.Once
		ferr error
	)
	workers := max(1, min(runtime.GOMAXPROCS(0), len(todo)/64))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1)) - 1
				if k >= len(todo) {
					return
				}
				i := todo[k]
				st, ok := have[people[i]]
				if !ok {
					st.n = -1
				}
				app, err := fn(i, st.log)
				if err != nil {
					once.Do(func() { ferr = err })
					next.Store(int64(len(todo)))
					return
				}
				out[k] = pending{i, st.n, app}
			}
		}()
	}
	wg.Wait()
	if ferr != nil {
		return nil, ferr
	}
	return out, nil
}

// write stores the validated appends whose person did not change since
// they were read, in one transaction, and returns the others.
func (s *Store) write(ctx context.Context, people []screening.PersonID, ps []pending) ([]int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: %w", err)
	}
	defer tx.Rollback()
	idx := make([]int, len(ps))
	for k := range ps {
		idx[k] = ps[k].i
	}
	vers := make(map[screening.PersonID]int64, len(ps))
	if err := rowsOf(ctx, tx, people, idx, false, func(id string, n int64, _ []byte) error {
		vers[screening.PersonID(id)] = n
		return nil
	}); err != nil {
		return nil, err
	}
	var retry []int
	upd, err := tx.PrepareContext(ctx, `INSERT INTO person (id, n, idx_key, next_due, last_event, log) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET n = n + excluded.n,
			idx_key = CASE WHEN excluded.idx_key = '' THEN idx_key ELSE excluded.idx_key END,
			next_due = CASE WHEN excluded.idx_key = '' THEN next_due ELSE excluded.next_due END,
			last_event = max(last_event, excluded.last_event),
			log = log || excluded.log`)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: %w", err)
	}
	defer upd.Close()
	var buf []byte
	for _, p := range ps {
		person := people[p.i]
		ver, ok := vers[person]
		if !ok {
			ver = -1
		}
		if ver != p.ver {
			retry = append(retry, p.i)
			continue
		}
		if len(p.app.Events) == 0 && p.app.Index.Key == "" {
			continue
		}
		last := int64(p.app.Index.Last)
		if p.app.Index.Key == "" {
			last = int64(screening.NoDate)
		}
		buf = buf[:0]
		for k := range p.app.Events {
			ev := &p.app.Events[k]
			last = max(last, int64(ev.Date))
			if buf, err = appendRecord(buf, ev); err != nil {
				return nil, err
			}
		}
		x := p.app.Index
		if _, err := upd.ExecContext(ctx, string(person), len(p.app.Events), x.Key, int64(x.Next), last, append([]byte{}, buf...)); err != nil {
			return nil, fmt.Errorf("sqlitestore: person %s: %w", person, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlitestore: commit: %w", err)
	}
	return retry, nil
}

// Scan implements [screening.Store]: people in ID order.
func (s *Store) Scan(ctx context.Context, fn func(screening.PersonID, []screening.Event) error) error {
	return s.scan(ctx, "SELECT id, log FROM person ORDER BY id", nil, fn)
}

func (s *Store) scan(ctx context.Context, q string, args []any, fn func(screening.PersonID, []screening.Event) error) error {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("sqlitestore: %w", err)
	}
	defer rows.Close()
	var (
		log []screening.Event
		b   sql.RawBytes
		id  string
	)
	for rows.Next() {
		if err := rows.Scan(&id, &b); err != nil {
			return fmt.Errorf("sqlitestore: %w", err)
		}
		p := screening.PersonID(id)
		if log, err = decodeLog(p, b, log[:0]); err != nil {
			return err
		}
		if len(log) == 0 {
			continue
		}
		if err := fn(p, log); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlitestore: %w", err)
	}
	return nil
}
