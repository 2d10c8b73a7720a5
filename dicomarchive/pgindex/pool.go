package pgindex

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pool is a small connection pool over pgx.Conn. (pgx's own pgxpool
// needs a module radkit does not depend on; an archive needs no more
// than this: a bound, reuse of idle connections, and dropping the broken
// ones.)
type pool struct {
	cfg  *pgx.ConnConfig
	sem  chan struct{} // one token per open or opening connection
	mu   sync.Mutex
	idle []idleConn
	shut bool
}

type idleConn struct {
	c     *pgx.Conn
	since time.Time
}

// pingAfter is how long a connection may stay idle before it is checked
// on reuse: a server or firewall may have closed it meanwhile, and the
// call that takes it should not fail for that.
const pingAfter = 30 * time.Second

var errClosed = errors.New("pgindex: index closed")

func newPool(cfg *pgx.ConnConfig, max int) *pool {
	return &pool{cfg: cfg, sem: make(chan struct{}, max)}
}

func (p *pool) acquire(ctx context.Context) (*pgx.Conn, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.mu.Lock()
	if p.shut {
		p.mu.Unlock()
		<-p.sem
		return nil, errClosed
	}
	for len(p.idle) > 0 {
		n := len(p.idle)
		ic := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		if time.Since(ic.since) < pingAfter || ic.c.Ping(ctx) == nil {
			return ic.c, nil
		}
		ic.c.Close(context.Background())
		p.mu.Lock()
	}
	p.mu.Unlock()
	c, err := pgx.ConnectConfig(ctx, p.cfg)
	if err != nil {
		<-p.sem
		return nil, err
	}
	return c, nil
}

// release returns c to the pool, or closes it if it is broken or was
// left inside a transaction (an interrupted call).
func (p *pool) release(c *pgx.Conn) {
	defer func() { <-p.sem }()
	pc := c.PgConn()
	if c.IsClosed() || pc.IsBusy() || pc.TxStatus() != 'I' {
		c.Close(context.Background())
		return
	}
	p.mu.Lock()
	if p.shut {
		p.mu.Unlock()
		c.Close(context.Background())
		return
	}
	p.idle = append(p.idle, idleConn{c, time.Now()})
	p.mu.Unlock()
}

// close closes the idle connections; those in use close on release.
func (p *pool) close() error {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.shut = nil, true
	p.mu.Unlock()
	var errs []error
	for _, ic := range idle {
		errs = append(errs, ic.c.Close(context.Background()))
	}
	return errors.Join(errs...)
}

// querier is what *pgx.Conn, pgx.Tx and *db have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// db runs each statement on a connection of the pool, outside any
// explicit transaction.
type db struct{ p *pool }

func (d db) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c, err := d.p.acquire(ctx)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	defer d.p.release(c)
	return c.Exec(ctx, sql, args...)
}

func (d db) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c, err := d.p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := c.Query(ctx, sql, args...)
	if err != nil {
		d.p.release(c)
		return nil, err
	}
	return &releasingRows{Rows: rows, release: func() { d.p.release(c) }}, nil
}

func (d db) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := d.Query(ctx, sql, args...)
	if err != nil {
		return errRow{err}
	}
	return rowOf{rows}
}

type releasingRows struct {
	pgx.Rows
	release func()
	once    sync.Once
}

func (r *releasingRows) Close() {
	r.Rows.Close()
	r.once.Do(r.release)
}

func (r *releasingRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// rowOf is pgx's QueryRow semantics over rows that release their
// connection.
type rowOf struct{ rows pgx.Rows }

func (r rowOf) Scan(dest ...any) error {
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}
