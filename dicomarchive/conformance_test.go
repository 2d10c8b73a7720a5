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

func TestSQLiteSchemaVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.db")
	ix, err := dicomarchive.OpenSQLiteIndex(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	var v int
	if err := ix.DB().QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil || v != 2 {
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
