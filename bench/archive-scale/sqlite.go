package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/radkit/radkit/dicomarchive"
)

// planName names the stored index of a plan, so that a different plan
// never reuses it.
func planName(p *plan) string {
	return fmt.Sprintf("scale_%d_%d_%d", p.instances, len(p.patients), p.seed)
}

func benchSQLite(ctx context.Context, c *config, p *plan) error {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(c.dir, planName(p)+".db")
	ix, err := dicomarchive.OpenSQLiteIndex(ctx, path)
	if err != nil {
		return err
	}
	ok, err := loaded(ctx, ix, p)
	if err != nil {
		ix.Close()
		return err
	}
	if !ok {
		fmt.Printf("SQLite: loading %s\n", path)
		// One connection, so that the pragma applies to every insert;
		// SQLite serialises writers anyway.
		db := ix.DB()
		db.SetMaxOpenConns(1)
		if _, err := db.ExecContext(ctx, "PRAGMA synchronous=OFF"); err != nil {
			ix.Close()
			return err
		}
		err := load(ctx, ix, p, 1)
		if err == nil {
			_, err = db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
		}
		ix.Close()
		if err != nil {
			return err
		}
		if ix, err = dicomarchive.OpenSQLiteIndex(ctx, path); err != nil {
			return err
		}
	}
	defer ix.Close()
	if fi, err := os.Stat(path); err == nil {
		fmt.Printf("SQLite index %s: %.0f MiB\n", path, float64(fi.Size())/(1<<20))
	}
	a, err := archiveOver(ctx, ix, c.dir)
	if err != nil {
		return err
	}
	defer a.Close()
	return measureQueries(ctx, "SQLite", ix, a, p, c.queries, selfCPU)
}

// archiveOver builds an archive over ix with an empty file blob store
// (queries read no blob).
func archiveOver(ctx context.Context, ix dicomarchive.Index, dir string) (*dicomarchive.Archive, error) {
	blobs, err := dicomarchive.NewFSBlobStore(filepath.Join(dir, "blobs"))
	if err != nil {
		return nil, err
	}
	comp := dicomarchive.NewComposer()
	blobs.UseIn(comp)
	comp.UseIndex(ix)
	return dicomarchive.New(ctx, comp, nil)
}
