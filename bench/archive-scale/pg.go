package main

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/radkit/radkit/dicomarchive/pgindex"
)

// pgDatabase makes sure database name exists on the server of admin and
// returns its DSN with extra run-time parameters (key=value pairs).
func pgDatabase(ctx context.Context, admin, name string, create bool, params ...string) (string, error) {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		if !create {
			return "", fmt.Errorf("database %s does not exist", name)
		}
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return "", err
		}
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	q := u.Query()
	for i := 0; i+1 < len(params); i += 2 {
		q.Set(params[i], params[i+1])
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func dropDatabase(ctx context.Context, admin, name string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}

func benchPostgres(ctx context.Context, c *config, p *plan) error {
	if c.postgres == "" {
		return fmt.Errorf("no server: set -postgres or RADKIT_POSTGRES_URL")
	}
	name := "radkit_" + planName(p)
	dsn, err := pgDatabase(ctx, c.postgres, name, true)
	if err != nil {
		return err
	}
	ix, err := pgindex.Open(ctx, dsn, nil)
	if err != nil {
		return err
	}
	ok, err := loaded(ctx, ix, p)
	if err != nil {
		ix.Close()
		return err
	}
	if !ok {
		ix.Close()
		fmt.Printf("PostgreSQL: loading database %s with %d sessions\n", name, c.loadWorkers)
		// Durability relaxed for the load only: commits do not wait
		// for the WAL flush.
		loadDSN, err := pgDatabase(ctx, c.postgres, name, false, "synchronous_commit", "off")
		if err != nil {
			return err
		}
		lix, err := pgindex.Open(ctx, loadDSN, &pgindex.Options{MaxConns: c.loadWorkers + 1})
		if err != nil {
			return err
		}
		err = load(ctx, lix, p, c.loadWorkers)
		if err == nil {
			// What autovacuum would do after such a load, now rather
			// than at its next round.
			err = lix.Conn(ctx, func(conn *pgx.Conn) error {
				_, err := conn.Exec(ctx, "VACUUM ANALYZE")
				return err
			})
		}
		lix.Close()
		if err != nil {
			return err
		}
		if ix, err = pgindex.Open(ctx, dsn, nil); err != nil {
			return err
		}
	}
	defer ix.Close()
	var size string
	ix.Conn(ctx, func(conn *pgx.Conn) error {
		return conn.QueryRow(ctx, "SELECT pg_size_pretty(pg_database_size(current_database()))").Scan(&size)
	})
	fmt.Printf("PostgreSQL database %s: %s\n", name, size)
	a, err := archiveOver(ctx, ix, c.dir)
	if err != nil {
		return err
	}
	defer a.Close()
	return measureQueries(ctx, "PostgreSQL", ix, a, p, c.queries, func() time.Duration {
		t, _ := postgresCPU(ctx, ix)
		return selfCPU() + t
	})
}
