package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/radkit/radkit/screening"
)

// dueIDs selects the people ScanDue visits through the indexes on
// next_due, last_event and idx_key (the UNION also makes them distinct),
// in ID order: the order of Scan, and the order in which their rows are
// then read by primary key.
const dueIDs = `WITH due(id) AS (
		SELECT id FROM person INDEXED BY person_next WHERE next_due <= ?1
		UNION SELECT id FROM person INDEXED BY person_last WHERE last_event > ?1
		UNION SELECT id FROM person INDEXED BY person_key WHERE idx_key < ?2
		UNION SELECT id FROM person INDEXED BY person_key WHERE idx_key > ?2)
	SELECT id FROM due ORDER BY id`

// dueChunk is the number of people a reader fetches with one statement
// (an IN list of primary keys).
const dueChunk = 256

// chunk is a run of consecutive people of a ScanDue: their IDs, and once
// a reader has fetched them, their logs in one arena.
type chunk struct {
	ids   []string
	ends  []int // ids[k]'s log is arena[ends[k-1]:ends[k]]
	arena []screening.Event
	done  chan error // the reader's result, buffered: a reader never waits
}

func (c *chunk) reset() {
	c.ids, c.ends, c.arena = c.ids[:0], c.ends[:0], c.arena[:0]
}

// ScanDue implements [screening.Store]: people in ID order, as Scan.
// One goroutine selects the people through the indexes and cuts them
// into chunks; Options.ScanReaders goroutines, each on a connection of
// the pool, read and decode the chunks' logs; the calling goroutine
// hands them to fn in order. A cold run waits on the disk, one page read
// at a time per connection: several readers keep several reads in
// flight, and spread the decoding, the rest of their work, over the
// cores. At most a few chunks per reader are in flight, so memory does
// not grow with the cohort. Each person's log is read whole in one
// statement; as with any Scan, people read after a concurrent Update
// committed see its events.
func (s *Store) ScanDue(ctx context.Context, at screening.Date, key string, fn func(screening.PersonID, []screening.Event) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	readers := s.readers
	var (
		wg    sync.WaitGroup
		work  = make(chan *chunk, readers)
		order = make(chan *chunk, 2*readers)
		free  = make(chan *chunk, 3*readers+1)
		perr  error // the selection's error, read once order is closed
	)
	stmt, err := s.prepareFetch(ctx)
	if err != nil {
		return err
	}
	defer stmt.Close() // runs last: after the readers stopped
	// Stop the goroutines and wait for them whatever the way out: the
	// producer and the readers see ctx done or their channel closed.
	defer func() {
		cancel()
		wg.Wait()
	}()
	wg.Add(1 + readers)
	go func() {
		defer wg.Done()
		defer close(work)
		defer close(order)
		perr = s.selectDue(ctx, at, key, free, func(c *chunk) bool {
			// order first: the consumer waits for chunks in the order
			// they were given to the readers, so it never waits for a
			// chunk no reader will take.
			if ctx.Err() != nil {
				return false
			}
			select {
			case order <- c:
			case <-ctx.Done():
				return false
			}
			work <- c // waits while every reader is busy: the back-pressure
			return true
		})
	}()
	for range readers {
		go func() {
			defer wg.Done()
			var args []any
			for c := range work {
				var err error
				if err = ctx.Err(); err == nil {
					args, err = fetch(ctx, stmt, c, args)
				}
				c.done <- err
			}
		}()
	}
	for c := range order {
		var err error
		select {
		case err = <-c.done:
		case <-ctx.Done():
			err = ctx.Err()
		}
		if err != nil {
			return err
		}
		start := 0
		for k, id := range c.ids {
			log := c.arena[start:c.ends[k]:c.ends[k]]
			start = c.ends[k]
			if len(log) == 0 {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(screening.PersonID(id), log); err != nil {
				return err
			}
		}
		c.reset()
		select {
		case free <- c:
		default:
		}
	}
	// order is closed: the producer has returned and set perr (ctx's
	// error if it stopped early).
	return perr
}

// prepareFetch prepares the statement fetch runs: database/sql prepares
// it again on each connection of the pool that runs it.
func (s *Store) prepareFetch(ctx context.Context) (*sql.Stmt, error) {
	stmt, err := s.db.PrepareContext(ctx, "SELECT id, log FROM person WHERE id IN (?"+strings.Repeat(",?", dueChunk-1)+")")
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: %w", err)
	}
	return stmt, nil
}

// selectDue runs the selection and calls emit with each full chunk and
// the last one, until emit returns false.
func (s *Store) selectDue(ctx context.Context, at screening.Date, key string, free chan *chunk, emit func(*chunk) bool) error {
	rows, err := s.db.QueryContext(ctx, dueIDs, int64(at), key)
	if err != nil {
		return fmt.Errorf("sqlitestore: %w", err)
	}
	defer rows.Close()
	var c *chunk
	for rows.Next() {
		if c == nil {
			select {
			case c = <-free:
			default:
				c = &chunk{ids: make([]string, 0, dueChunk), ends: make([]int, 0, dueChunk), done: make(chan error, 1)}
			}
		}
		var id string
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("sqlitestore: %w", err)
		}
		c.ids = append(c.ids, id)
		if len(c.ids) == dueChunk {
			if !emit(c) {
				return ctx.Err()
			}
			c = nil
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlitestore: %w", err)
	}
	if c != nil && !emit(c) {
		return ctx.Err()
	}
	return nil
}

// fetch reads and decodes the logs of c's people into c.arena. The IN
// list is always dueChunk long (one prepared statement): a short chunk
// repeats its first ID, which the IN list ignores. Rows come in any
// order; a person without a row (none: rows are never deleted) gets an
// empty log.
func fetch(ctx context.Context, stmt *sql.Stmt, c *chunk, args []any) ([]any, error) {
	args = args[:0]
	for _, id := range c.ids {
		args = append(args, id)
	}
	for len(args) < dueChunk {
		args = append(args, c.ids[0])
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return args, fmt.Errorf("sqlitestore: %w", err)
	}
	defer rows.Close()
	// The rows come in primary-key order, which is c.ids' order: decode
	// straight into the arena, and only if a row is out of place (or
	// missing) lay the logs out again by ID.
	type span struct{ lo, hi int }
	var (
		spans   map[string]span
		id      string
		b       sql.RawBytes
		inOrder = true
	)
	for rows.Next() {
		if err := rows.Scan(&id, &b); err != nil {
			return args, fmt.Errorf("sqlitestore: %w", err)
		}
		lo := len(c.arena)
		if c.arena, err = decodeLog(screening.PersonID(id), b, c.arena); err != nil {
			return args, err
		}
		if inOrder && len(c.ends) < len(c.ids) && c.ids[len(c.ends)] == id {
			c.ends = append(c.ends, len(c.arena))
			continue
		}
		if inOrder {
			inOrder = false
			spans = make(map[string]span, len(c.ids))
			lo := 0
			for k, end := range c.ends {
				spans[c.ids[k]] = span{lo, end}
				lo = end
			}
		}
		spans[id] = span{lo, len(c.arena)}
	}
	if err := rows.Err(); err != nil {
		return args, fmt.Errorf("sqlitestore: %w", err)
	}
	if inOrder {
		for len(c.ends) < len(c.ids) { // trailing people without a row
			c.ends = append(c.ends, len(c.arena))
		}
		return args, nil
	}
	decoded := c.arena
	c.arena, c.ends = nil, c.ends[:0]
	for _, id := range c.ids {
		sp := spans[id]
		c.arena = append(c.arena, decoded[sp.lo:sp.hi]...)
		c.ends = append(c.ends, len(c.arena))
	}
	return args, nil
}
