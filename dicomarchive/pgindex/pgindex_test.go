package pgindex_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/archivetest"
	"github.com/radkit/radkit/dicomarchive/pgindex"
	"github.com/radkit/radkit/dicomarchive/s3blob"
	"github.com/radkit/radkit/internal/testutil"
)

// schema creates an empty schema in the database of dsn and returns a
// DSN whose connections use it (search_path): a schema costs
// milliseconds where a database costs a second, which keeps the suites,
// with their dozens of fresh indexes, fast.
func schema(t testing.TB, dsn string) string {
	t.Helper()
	var rnd [6]byte
	rand.Read(rnd[:])
	name := "t_" + hex.EncodeToString(rnd[:])
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	// Commits need not wait for the WAL flush in tests (locking and
	// visibility are unchanged).
	q.Set("synchronous_commit", "off")
	u.RawQuery = q.Encode()
	return u.String()
}

// openIndex opens the index in a new schema of the database of dsn.
func openIndex(t testing.TB, dsn string) *pgindex.Index {
	t.Helper()
	ix, err := pgindex.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// fsPG returns a composer over the file system blob store in dir and the
// PostgreSQL index of dsn, both opened anew (as another process would).
func fsPG(t *testing.T, dir, dsn string) *dicomarchive.Composer {
	t.Helper()
	blobs, err := dicomarchive.NewFSBlobStore(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	c := dicomarchive.NewComposer()
	blobs.UseIn(c)
	openIndex(t, dsn).UseIn(c)
	return c
}

// s3PG returns a composer over the bucket of srv and the index of dsn,
// both opened anew.
func s3PG(t *testing.T, srv testutil.S3Server, dsn string) *dicomarchive.Composer {
	t.Helper()
	blobs, err := s3blob.Open(context.Background(), s3blob.Options{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey,
		SecretKey: srv.SecretKey, Bucket: srv.Bucket})
	if err != nil {
		t.Fatal(err)
	}
	c := dicomarchive.NewComposer()
	blobs.UseIn(c)
	openIndex(t, dsn).UseIn(c)
	return c
}

func TestConformanceIndex(t *testing.T) {
	t.Parallel()
	db := testutil.Postgres(t)
	archivetest.Index(t, func(t *testing.T) dicomarchive.Index { return openIndex(t, schema(t, db)) })
}

func TestConformanceAuditLog(t *testing.T) {
	t.Parallel()
	db := testutil.Postgres(t)
	archivetest.AuditLog(t, func(t *testing.T) dicomarchive.AuditLog { return openIndex(t, schema(t, db)) })
}

func TestConformanceArchiveFSPostgres(t *testing.T) {
	t.Parallel()
	db := testutil.Postgres(t)
	archivetest.Archive(t, func(t *testing.T) *dicomarchive.Composer { return fsPG(t, t.TempDir(), schema(t, db)) })
}

func TestConformanceArchiveS3Postgres(t *testing.T) {
	t.Parallel()
	db := testutil.Postgres(t)
	archivetest.Archive(t, func(t *testing.T) *dicomarchive.Composer { return s3PG(t, testutil.S3(t), schema(t, db)) })
}

func TestConformanceNodesFSPostgres(t *testing.T) {
	t.Parallel()
	db := testutil.Postgres(t)
	archivetest.Nodes(t, func(t *testing.T, n int) []*dicomarchive.Composer {
		dir, dsn := t.TempDir(), schema(t, db)
		var cs []*dicomarchive.Composer
		for range n {
			cs = append(cs, fsPG(t, dir, dsn))
		}
		return cs
	})
}

func TestConformanceNodesS3Postgres(t *testing.T) {
	t.Parallel()
	db := testutil.Postgres(t)
	archivetest.Nodes(t, func(t *testing.T, n int) []*dicomarchive.Composer {
		srv, dsn := testutil.S3(t), schema(t, db)
		var cs []*dicomarchive.Composer
		for range n {
			cs = append(cs, s3PG(t, srv, dsn))
		}
		return cs
	})
}

func TestMigrations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := schema(t, testutil.Postgres(t))
	// Processes starting at once on an empty database: one migrates,
	// the others wait for it and find the schema current.
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			ix, err := pgindex.Open(ctx, dsn, nil)
			if err != nil {
				t.Error(err)
				return
			}
			ix.Close()
		})
	}
	wg.Wait()
	ix := openIndex(t, dsn)
	var rows, v int
	err := ix.Conn(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT count(*), max(version) FROM schema_migrations`).Scan(&rows, &v)
	})
	if err != nil || rows != v || v < 1 {
		t.Fatalf("schema_migrations: %d rows, version %d, %v", rows, v, err)
	}
	if got, err := ix.SchemaVersion(ctx); err != nil || got != v {
		t.Fatalf("SchemaVersion %d, %v", got, err)
	}
	// A database migrated by a newer radkit is refused.
	err = ix.Conn(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `INSERT INTO schema_migrations VALUES (999, now())`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pgindex.Open(ctx, dsn, nil); !errors.Is(err, dicomarchive.ErrSchema) {
		t.Fatalf("newer schema: %v", err)
	}
}

func TestAuditTrailIsAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ix := openIndex(t, schema(t, testutil.Postgres(t)))
	first, err := ix.Append(ctx, dicomarchive.AuditEntry{Action: dicomarchive.ActionOpen, Object: "1.2.3", Outcome: "ok"})
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE audit SET detail = 'x'`,
		`DELETE FROM audit`,
		`TRUNCATE audit`,
		`DELETE FROM audit_head`,
		// An entry that does not extend the chain, whoever writes it.
		`INSERT INTO audit VALUES (5, now(), '', '', '', '', '', '\x00', '\x00')`,
		`INSERT INTO audit SELECT seq + 1, at, principal, action, object, outcome, detail, '\x00', hash FROM audit`,
	} {
		err := ix.Conn(ctx, func(c *pgx.Conn) error {
			_, err := c.Exec(ctx, stmt)
			return err
		})
		if err == nil {
			t.Errorf("%s: accepted", stmt)
		}
	}
	last, err := ix.LastAudit(ctx)
	if err != nil || last != first {
		t.Fatalf("last %+v, %v; want %+v", last, err, first)
	}
}
