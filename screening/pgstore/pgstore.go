// Package pgstore is a [screening.Store] on PostgreSQL (pgx), for centres
// that run several ingestion processes or want the database on a server.
// It lives in its own package so that programs using the screening rules
// alone do not compile a database driver.
//
// Update locks the rows of the batch's people (SELECT ... FOR UPDATE, in
// ID order so that two batches cannot deadlock), reads their logs, runs
// the engine's validation and appends, in one transaction: writers for
// different people never wait for each other; writers for one person are
// serialised. A COMMIT that returned is durable (the server's fsync and
// synchronous_commit settings apply; the defaults are durable).
//
// Schema migrations are numbered and recorded in the table
// screening_schema; [Open] applies the missing ones under an advisory
// lock and refuses a database written by a newer version.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"

	"github.com/jackc/pgx/v5"
	"github.com/radkit/radkit/screening"
)

var migrations = []string{
	`CREATE TABLE screening_person (
		id TEXT PRIMARY KEY,
		n BIGINT NOT NULL,
		idx_key TEXT NOT NULL DEFAULT '',
		next_due INTEGER NOT NULL,
		last_event INTEGER NOT NULL
	);
	CREATE INDEX screening_person_next ON screening_person(next_due);
	CREATE INDEX screening_person_last ON screening_person(last_event);
	CREATE INDEX screening_person_key ON screening_person(idx_key);
	CREATE TABLE screening_event (
		person TEXT NOT NULL,
		id TEXT NOT NULL,
		programme SMALLINT NOT NULL,
		date INTEGER NOT NULL,
		kind TEXT NOT NULL,
		data BYTEA,
		PRIMARY KEY (person, id)
	);`,
}

// ErrNewerSchema reports a database written by a newer version of this
// package.
var ErrNewerSchema = errors.New("pgstore: database schema is newer than this version")

// migrationLock is the advisory lock key migrations take.
const migrationLock = 0x5c7ee9

// Options configure [Open]; the zero value is usable.
type Options struct {
	// MaxConns bounds the connections kept; 0 means 2×GOMAXPROCS+2.
	MaxConns int
}

// Store is a [screening.Store] in a PostgreSQL database. It is safe for
// concurrent use; Close it when done.
type Store struct {
	dsn   string
	conns chan *pgx.Conn // idle connections
	slots chan struct{}  // bounds open connections
}

var _ screening.Store = (*Store)(nil)

// Open connects to the database of dsn and migrates its schema.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if _, err := pgx.ParseConfig(dsn); err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	n := opts.MaxConns
	if n <= 0 {
		n = 2*runtime.GOMAXPROCS(0) + 2
	}
	s := &Store{dsn: dsn, conns: make(chan *pgx.Conn, n), slots: make(chan struct{}, n)}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// acquire returns an idle connection or opens one.
func (s *Store) acquire(ctx context.Context) (*pgx.Conn, error) {
	select {
	case c := <-s.conns:
		return c, nil
	default:
	}
	select {
	case c := <-s.conns:
		return c, nil
	case s.slots <- struct{}{}:
		c, err := pgx.Connect(ctx, s.dsn)
		if err != nil {
			<-s.slots
			return nil, fmt.Errorf("pgstore: %w", err)
		}
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// release returns a connection; a broken one (or one left in a
// transaction) is closed.
func (s *Store) release(c *pgx.Conn) {
	if c.IsClosed() || c.PgConn().TxStatus() != 'I' {
		c.Close(context.Background())
		<-s.slots
		return
	}
	s.conns <- c
}

// Close closes the idle connections.
func (s *Store) Close() error {
	for {
		select {
		case c := <-s.conns:
			c.Close(context.Background())
			<-s.slots
		default:
			return nil
		}
	}
}

func (s *Store) migrate(ctx context.Context) error {
	c, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	defer s.release(c)
	tx, err := c.Begin(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLock)); err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	if _, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS screening_schema (version INTEGER NOT NULL)"); err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	var v int
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM screening_schema").Scan(&v); err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("%w (version %d, this package knows %d)", ErrNewerSchema, v, len(migrations))
	}
	for ; v < len(migrations); v++ {
		if _, err := tx.Exec(ctx, migrations[v]); err != nil {
			return fmt.Errorf("pgstore: migration %d: %w", v+1, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO screening_schema (version) VALUES ($1)", v+1); err != nil {
			return fmt.Errorf("pgstore: %w", err)
		}
	}
	return tx.Commit(ctx)
}

// SchemaVersion returns the schema version of the database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	c, err := s.acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer s.release(c)
	var v int
	err = c.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM screening_schema").Scan(&v)
	return v, err
}

type eventRow struct {
	person, id, kind string
	prog             int16
	date             int32
	data             []byte
}

func (r *eventRow) event() (screening.Event, error) {
	p, err := screening.DecodePayload(screening.Kind(r.kind), r.data)
	if err != nil {
		return screening.Event{}, fmt.Errorf("pgstore: event %s: %w", r.id, err)
	}
	return screening.Event{ID: screening.EventID(r.id), Person: screening.PersonID(r.person),
		Programme: screening.Programme(r.prog), Date: screening.Date(r.date), Data: p}, nil
}

const eventCols = "person, id, programme, date, kind, data"

// scanRows calls fn per person for rows ordered (or grouped) by person.
func scanRows(rows pgx.Rows, fn func(screening.PersonID, []screening.Event) error) error {
	defer rows.Close()
	var (
		cur screening.PersonID
		log []screening.Event
	)
	emit := func() error {
		if len(log) == 0 {
			return nil
		}
		screening.SortEvents(log)
		err := fn(cur, log)
		log = log[:0]
		return err
	}
	for rows.Next() {
		var r eventRow
		if err := rows.Scan(&r.person, &r.id, &r.prog, &r.date, &r.kind, &r.data); err != nil {
			return fmt.Errorf("pgstore: %w", err)
		}
		ev, err := r.event()
		if err != nil {
			return err
		}
		if ev.Person != cur {
			if err := emit(); err != nil {
				return err
			}
			cur = ev.Person
		}
		log = append(log, ev)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	return emit()
}

// Events implements [screening.Store].
func (s *Store) Events(ctx context.Context, person screening.PersonID) ([]screening.Event, error) {
	c, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer s.release(c)
	rows, err := c.Query(ctx, "SELECT "+eventCols+" FROM screening_event WHERE person = $1", string(person))
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	var out []screening.Event
	err = scanRows(rows, func(_ screening.PersonID, evs []screening.Event) error {
		out = append([]screening.Event(nil), evs...)
		return nil
	})
	return out, err
}

// Update implements [screening.Store].
func (s *Store) Update(ctx context.Context, people []screening.PersonID, fn func(int, []screening.Event) (screening.Append, error)) error {
	if len(people) == 0 {
		return nil
	}
	c, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	defer s.release(c)
	tx, err := c.Begin(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	defer tx.Rollback(context.Background())
	ids := make([]string, len(people))
	for i, p := range people {
		ids[i] = string(p)
	}
	sorted := append([]string(nil), ids...)
	sort.Strings(sorted)
	// Rows for new people, then lock them all in ID order.
	if _, err := tx.Exec(ctx, `INSERT INTO screening_person (id, n, next_due, last_event)
		SELECT id, 0, 0, $2 FROM unnest($1::text[]) AS id ORDER BY id ON CONFLICT (id) DO NOTHING`, sorted, int32(screening.NoDate)); err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	rows, err := tx.Query(ctx, "SELECT id, n FROM screening_person WHERE id = ANY($1) ORDER BY id FOR UPDATE", sorted)
	if err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	var withEvents []string
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return fmt.Errorf("pgstore: %w", err)
		}
		if n > 0 {
			withEvents = append(withEvents, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	logs := map[screening.PersonID][]screening.Event{}
	if len(withEvents) > 0 {
		rows, err := tx.Query(ctx, "SELECT "+eventCols+" FROM screening_event WHERE person = ANY($1) ORDER BY person", withEvents)
		if err != nil {
			return fmt.Errorf("pgstore: %w", err)
		}
		if err := scanRows(rows, func(p screening.PersonID, evs []screening.Event) error {
			logs[p] = append([]screening.Event(nil), evs...)
			return nil
		}); err != nil {
			return err
		}
	}
	var (
		evRows       [][]any
		pIDs, pKeys  []string
		pN           []int64
		pNext, pLast []int32
	)
	for i, p := range people {
		app, err := fn(i, logs[p])
		if err != nil {
			return err
		}
		if len(app.Events) == 0 && app.Index.Key == "" {
			continue
		}
		last := int32(screening.NoDate)
		if app.Index.Key != "" {
			last = int32(app.Index.Last)
		}
		for k := range app.Events {
			ev := &app.Events[k]
			data, err := screening.EncodePayload(ev.Data)
			if err != nil {
				return fmt.Errorf("pgstore: event %s: %w", ev.ID, err)
			}
			evRows = append(evRows, []any{string(p), string(ev.ID), int16(ev.Programme), int32(ev.Date), string(ev.Kind()), data})
			last = max(last, int32(ev.Date))
		}
		pIDs = append(pIDs, string(p))
		pN = append(pN, int64(len(app.Events)))
		pKeys = append(pKeys, app.Index.Key)
		pNext = append(pNext, int32(app.Index.Next))
		pLast = append(pLast, last)
	}
	if len(evRows) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"screening_event"}, []string{"person", "id", "programme", "date", "kind", "data"}, pgx.CopyFromRows(evRows)); err != nil {
			return fmt.Errorf("pgstore: insert events: %w", err)
		}
	}
	if len(pIDs) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE screening_person p SET n = p.n + u.n,
				idx_key = CASE WHEN u.k = '' THEN p.idx_key ELSE u.k END,
				next_due = CASE WHEN u.k = '' THEN p.next_due ELSE u.nx END,
				last_event = greatest(p.last_event, u.l)
			FROM unnest($1::text[], $2::bigint[], $3::text[], $4::int[], $5::int[]) AS u(id, n, k, nx, l)
			WHERE p.id = u.id`, pIDs, pN, pKeys, pNext, pLast); err != nil {
			return fmt.Errorf("pgstore: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("pgstore: commit: %w", err)
	}
	return nil
}

// Scan implements [screening.Store]: people in ID order.
func (s *Store) Scan(ctx context.Context, fn func(screening.PersonID, []screening.Event) error) error {
	return s.scan(ctx, "SELECT "+eventCols+" FROM screening_event ORDER BY person", nil, fn)
}

// ScanDue implements [screening.Store].
func (s *Store) ScanDue(ctx context.Context, at screening.Date, key string, fn func(screening.PersonID, []screening.Event) error) error {
	return s.scan(ctx, `SELECT e.person, e.id, e.programme, e.date, e.kind, e.data
		FROM screening_event e JOIN screening_person p ON p.id = e.person
		WHERE p.next_due <= $1 OR p.last_event > $1 OR p.idx_key <> $2
		ORDER BY e.person`, []any{int32(at), key}, fn)
}

func (s *Store) scan(ctx context.Context, q string, args []any, fn func(screening.PersonID, []screening.Event) error) error {
	c, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	defer s.release(c)
	rows, err := c.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	return scanRows(rows, fn)
}
