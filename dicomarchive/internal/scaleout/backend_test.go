package scaleout

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/internal/testutil"
)

// forEachBackend runs fn on a fresh shared archive of every kind: a
// directory with SQLite, and an S3 bucket with a PostgreSQL database (the
// servers scripts/test.sh starts; the subtest skips without them, or
// fails under RADKIT_INTEGRATION=require).
func forEachBackend(t *testing.T, fn func(t *testing.T, b Backend)) {
	t.Run(FSSQLite, func(t *testing.T) {
		fn(t, Backend{Kind: FSSQLite, Dir: t.TempDir()})
	})
	t.Run(S3Postgres, func(t *testing.T) {
		s3 := testutil.S3(t)
		dsn := testutil.Postgres(t)
		fn(t, Backend{Kind: S3Postgres, S3Endpoint: s3.Endpoint, S3AccessKey: s3.AccessKey, S3SecretKey: s3.SecretKey, S3Bucket: s3.Bucket, Postgres: dsn})
	})
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(dicomarchive.WithPrincipal(context.Background(), "test"), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// openNode opens the test's own view of the archive (a third process's,
// in effect: it shares nothing with the children but the backend).
func openNode(t *testing.T, b Backend) *Node {
	t.Helper()
	n, err := Open(testCtx(t), b, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// digests maps the SOP Instance UID of each object to its SHA-256.
func digests(t *testing.T, objs [][]byte) map[string]dicomarchive.Digest {
	t.Helper()
	out := map[string]dicomarchive.Digest{}
	for _, b := range objs {
		f, err := parseHeader(b)
		if err != nil {
			t.Fatal(err)
		}
		out[f.sop] = sha256.Sum256(b)
	}
	return out
}

// blobSet lists the blob store.
func blobSet(t *testing.T, n *Node) map[dicomarchive.Digest]int {
	t.Helper()
	if n.Composer.Lister == nil {
		t.Fatal("blob store cannot list")
	}
	out := map[dicomarchive.Digest]int{}
	err := n.Composer.Lister.Walk(testCtx(t), func(b dicomarchive.BlobInfo) error {
		out[b.Digest]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
