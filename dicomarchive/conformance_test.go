package dicomarchive_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/archivetest"
)

func TestConformanceFSBlobStore(t *testing.T) {
	archivetest.BlobStore(t, func(t *testing.T) dicomarchive.BlobStore {
		s, err := dicomarchive.NewFSBlobStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestConformanceSQLiteIndex(t *testing.T) {
	archivetest.Index(t, func(t *testing.T) dicomarchive.Index {
		ix, err := dicomarchive.OpenSQLiteIndex(context.Background(), filepath.Join(t.TempDir(), "index.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ix.Close() })
		return ix
	})
}

// fsSQLite returns a composer over a new file system blob store and
// SQLite index in dir, each opened anew (as another process would).
func fsSQLite(t *testing.T, dir string) *dicomarchive.Composer {
	t.Helper()
	blobs, err := dicomarchive.NewFSBlobStore(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := dicomarchive.OpenSQLiteIndex(context.Background(), filepath.Join(dir, "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	c := dicomarchive.NewComposer()
	blobs.UseIn(c)
	ix.UseIn(c)
	return c
}

func TestConformanceArchiveFSSQLite(t *testing.T) {
	archivetest.Archive(t, func(t *testing.T) *dicomarchive.Composer { return fsSQLite(t, t.TempDir()) })
}

func TestConformanceAuditLogSQLite(t *testing.T) {
	archivetest.AuditLog(t, func(t *testing.T) dicomarchive.AuditLog { return fsSQLite(t, t.TempDir()).Audit })
}

func TestConformanceNodesFSSQLite(t *testing.T) {
	archivetest.Nodes(t, func(t *testing.T, n int) []*dicomarchive.Composer {
		dir := t.TempDir()
		var cs []*dicomarchive.Composer
		for range n {
			cs = append(cs, fsSQLite(t, dir))
		}
		return cs
	})
}

func TestSQLiteSchemaVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.db")
	ix, err := dicomarchive.OpenSQLiteIndex(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	var v int
	if err := ix.DB().QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil || v != 3 {
		t.Fatalf("schema version %d, %v", v, err)
	}
	// Reopening applies nothing; an index from a newer radkit is refused.
	ix.Close()
	if ix, err = dicomarchive.OpenSQLiteIndex(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.DB().Exec(`INSERT INTO schema_migrations VALUES (99, 0)`); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	if _, err := dicomarchive.OpenSQLiteIndex(context.Background(), path); !errors.Is(err, dicomarchive.ErrSchema) {
		t.Fatalf("newer schema: %v", err)
	}
}
