// Package scaleout holds dicomarchive's tests of several archive
// processes sharing one archive (two nodes ingesting the same study at
// once) and of processes killed while ingesting, run against each shared
// backend: a directory with its SQLite index, and S3 with PostgreSQL.
// The tests re-execute their own binary as the archive processes; this
// file opens a node from a [Backend] description that travels to them in
// an environment variable.
//
// # The audit chain with several writers
//
// Several processes append to one trail, and it stays one hash chain:
// the index serialises the sealing of entries (SQLite's write lock;
// PostgreSQL's sealing lock, under which pending entries of every process
// are linked in groups, see package pgindex), so that sequence numbers
// have no gap and each entry links to the one sealed just before it, by
// whichever process. An instance and its "store" entry commit in one
// transaction (with PostgreSQL the entry may be sealed just after, by
// this process or another; a process killed in between leaves it to the
// next seal). When two nodes store the same object, the one whose row
// commits first commits the store entry with it; the other finds the
// row, answers Duplicate and appends its own store entry afterwards:
// each node's call is traced once, and the entry of the node that stored
// the bytes always comes first in the chain.
package scaleout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/radkit/radkit/dicomarchive"
)

// Backend kinds.
const (
	// FSSQLite is a directory: file blobs and the SQLite index, shared
	// by processes of one host.
	FSSQLite = "fs-sqlite"
	// S3Postgres is an S3 bucket and a PostgreSQL database, shared by
	// processes of any host.
	S3Postgres = "s3-postgres"
)

// Backend describes the shared storage of an archive, for every process
// of a test to open.
type Backend struct {
	Kind string
	// Dir is the archive directory (FSSQLite).
	Dir string
	// S3 endpoint (host:port), keys and bucket, and the PostgreSQL DSN
	// (S3Postgres).
	S3Endpoint, S3AccessKey, S3SecretKey, S3Bucket string
	Postgres                                       string
}

// Encode returns b as one string, for an environment variable.
func (b Backend) Encode() string {
	s, _ := json.Marshal(b)
	return string(s)
}

// DecodeBackend parses what Encode returned.
func DecodeBackend(s string) (Backend, error) {
	var b Backend
	err := json.Unmarshal([]byte(s), &b)
	return b, err
}

// Node is one process's view of the shared archive.
type Node struct {
	Archive *dicomarchive.Archive
	// Composer holds the backends, for checks that go around the
	// archive (listing blobs, statting one).
	Composer *dicomarchive.Composer
	closers  []func() error
}

// Close closes the archive and the backends.
func (n *Node) Close() error {
	var errs []error
	if n.Archive != nil {
		errs = append(errs, n.Archive.Close())
	}
	for i := len(n.closers) - 1; i >= 0; i-- {
		errs = append(errs, n.closers[i]())
	}
	return errors.Join(errs...)
}

// Wrap lets a test replace backends (to inject faults) before the
// archive is built.
type Wrap func(*dicomarchive.Composer)

// Open opens a node on b. wrap may be nil.
func Open(ctx context.Context, b Backend, opts *dicomarchive.Options, wrap Wrap) (*Node, error) {
	c := dicomarchive.NewComposer()
	n := &Node{Composer: c}
	switch b.Kind {
	case FSSQLite:
		blobs, err := dicomarchive.NewFSBlobStore(filepath.Join(b.Dir, "blobs"))
		if err != nil {
			return nil, err
		}
		ix, err := dicomarchive.OpenSQLiteIndex(ctx, filepath.Join(b.Dir, "index.db"))
		if err != nil {
			return nil, err
		}
		n.closers = append(n.closers, ix.Close)
		blobs.UseIn(c)
		ix.UseIn(c)
	case S3Postgres:
		if err := openS3Postgres(ctx, b, n); err != nil {
			n.Close()
			return nil, err
		}
	default:
		return nil, fmt.Errorf("scaleout: unknown backend kind %q", b.Kind)
	}
	if wrap != nil {
		wrap(c)
	}
	a, err := dicomarchive.New(ctx, c, opts)
	if err != nil {
		n.Close()
		return nil, err
	}
	n.Archive = a
	return n, nil
}
