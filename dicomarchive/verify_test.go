package dicomarchive_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/synth"
)

func blobPath(t *testing.T, root string, a *dicomarchive.Archive, sop string) string {
	t.Helper()
	in, err := a.Instance(ctx(), sop)
	if err != nil {
		t.Fatal(err)
	}
	s, err := dicomarchive.NewFSBlobStore(root)
	if err != nil {
		t.Fatal(err)
	}
	return s.Path(in.Digest)
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x01
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyTamperAndRepair(t *testing.T) {
	dir := t.TempDir()
	replica := filepath.Join(t.TempDir(), "replica")
	a := openArchive(t, dir, &dicomarchive.Options{ReplicaDir: replica})
	objs := study(t, synth.CT, 30, 4, nil)
	storeAll(t, a, objs)
	if n := len(files(t, filepath.Join(replica, "sha256"))); n != 4 {
		t.Fatalf("replica holds %d blobs, want 4", n)
	}
	rep, err := a.Verify(ctx(), &dicomarchive.VerifyOptions{Replica: true})
	if err != nil || !rep.OK() || rep.Blobs != 4 || rep.Instances != 4 {
		t.Fatalf("clean verify: %v %v", rep, err)
	}

	// One byte changed in a primary blob, one primary blob deleted, one
	// byte changed in a replica blob.
	corrupt := blobPath(t, filepath.Join(dir, "blobs"), a, objs[1].sop)
	flipByte(t, corrupt, 1000)
	if err := os.Remove(blobPath(t, filepath.Join(dir, "blobs"), a, objs[2].sop)); err != nil {
		t.Fatal(err)
	}
	flipByte(t, blobPath(t, replica, a, objs[3].sop), 500)

	rep, err = a.Verify(ctx(), &dicomarchive.VerifyOptions{Replica: true})
	if err != nil {
		t.Fatal(err)
	}
	// The blob deleted from the primary still has its replica copy.
	if len(rep.Corrupt) != 1 || len(rep.Missing) != 1 || len(rep.ReplicaCorrupt) != 1 || len(rep.ReplicaMissing) != 0 ||
		rep.Corrupt[0].SOPInstanceUID != objs[1].sop || rep.Missing[0].SOPInstanceUID != objs[2].sop || rep.ReplicaCorrupt[0].SOPInstanceUID != objs[3].sop {
		t.Fatalf("verify report: %v", rep)
	}
	var ce *dicomarchive.CorruptBlobError
	if !errors.As(rep.Corrupt[0].Err, &ce) {
		t.Fatalf("corrupt error %v", rep.Corrupt[0].Err)
	}

	// Reading the corrupt object fails at the end instead of returning
	// silently wrong bytes.
	obj, err := a.Open(ctx(), objs[1].sop, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(obj)
	obj.Close()
	if !errors.Is(err, dicomarchive.ErrCorrupt) {
		t.Fatalf("reading a corrupt blob: %v", err)
	}

	fixed, err := a.Repair(ctx(), rep)
	if err != nil || len(fixed.Repaired) != 2 || len(fixed.ReplicaRepaired) != 1 || len(fixed.Failed) != 0 {
		t.Fatalf("repair: %+v %v", fixed, err)
	}
	rep, err = a.Verify(ctx(), &dicomarchive.VerifyOptions{Replica: true})
	if err != nil || !rep.OK() {
		t.Fatalf("verify after repair: %v %v", rep, err)
	}
	for _, o := range objs {
		got, _ := readAll(t, a, o.sop, nil)
		if !bytes.Equal(got, o.data) {
			t.Fatalf("%s differs after repair", o.sop)
		}
	}
}

func TestRepairRefusesCorruptSource(t *testing.T) {
	dir := t.TempDir()
	replica := filepath.Join(t.TempDir(), "replica")
	a := openArchive(t, dir, &dicomarchive.Options{ReplicaDir: replica})
	objs := study(t, synth.CT, 31, 1, nil)
	storeAll(t, a, objs)
	flipByte(t, blobPath(t, filepath.Join(dir, "blobs"), a, objs[0].sop), 700)
	flipByte(t, blobPath(t, replica, a, objs[0].sop), 900)
	rep, err := a.Verify(ctx(), &dicomarchive.VerifyOptions{Replica: true})
	if err != nil {
		t.Fatal(err)
	}
	fixed, err := a.Repair(ctx(), rep)
	if err != nil || len(fixed.Failed) != 2 || len(fixed.Repaired) != 0 {
		t.Fatalf("repair from corrupt copies: %+v %v", fixed, err)
	}
	if !errors.Is(fixed.Failed[0].Err, dicomarchive.ErrCorrupt) {
		t.Fatalf("failure: %v", fixed.Failed[0].Err)
	}
}

func TestVerifyOrphans(t *testing.T) {
	dir := t.TempDir()
	a := openArchive(t, dir, nil)
	storeAll(t, a, study(t, synth.CT, 32, 2, nil))
	bs, err := dicomarchive.NewFSBlobStore(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	w, _ := bs.Create(context.Background())
	w.Write([]byte("an orphan: a blob whose index row was never written"))
	orphan, err := w.Commit(context.Background(), dicomarchive.Digest{})
	if err != nil {
		t.Fatal(err)
	}
	w, _ = bs.Create(context.Background()) // an abandoned temporary file
	w.Write([]byte("partial"))

	rep, err := a.Verify(ctx(), nil)
	if err != nil || len(rep.Orphans) != 0 {
		t.Fatalf("young orphan reported despite the grace: %v %v", rep, err)
	}
	rep, err = a.Verify(ctx(), &dicomarchive.VerifyOptions{OrphanGrace: -1})
	if err != nil || len(rep.Orphans) != 1 || rep.Orphans[0] != orphan.Digest || rep.OrphansRemoved != 0 {
		t.Fatalf("orphans: %v %v", rep, err)
	}
	rep, err = a.Verify(ctx(), &dicomarchive.VerifyOptions{OrphanGrace: -1, CleanOrphans: true})
	if err != nil || rep.OrphansRemoved != 1 || rep.TempRemoved != 1 || !rep.OK() {
		t.Fatalf("clean: %v %v", rep, err)
	}
	if _, err := bs.Stat(context.Background(), orphan.Digest); !errors.Is(err, dicomarchive.ErrNotFound) {
		t.Fatalf("orphan still there: %v", err)
	}
	if n := len(files(t, filepath.Join(dir, "blobs", "tmp"))); n != 0 {
		t.Fatalf("%d temporary files left", n)
	}
}

// fullStore is a blob store whose disk fills up after limit bytes.
type fullStore struct {
	*dicomarchive.FSBlobStore
	limit int
}

type fullWriter struct {
	dicomarchive.BlobWriter
	left int
}

func (s *fullStore) Create(ctx context.Context) (dicomarchive.BlobWriter, error) {
	w, err := s.FSBlobStore.Create(ctx)
	return &fullWriter{w, s.limit}, err
}

func (w *fullWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		n, _ := w.BlobWriter.Write(p[:w.left])
		w.left = 0
		return n, &os.PathError{Op: "write", Path: "blob", Err: syscall.ENOSPC}
	}
	w.left -= len(p)
	return w.BlobWriter.Write(p)
}

func TestStoreDiskFull(t *testing.T) {
	dir := t.TempDir()
	fs, err := dicomarchive.NewFSBlobStore(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := dicomarchive.OpenSQLiteIndex(context.Background(), filepath.Join(dir, "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	c := dicomarchive.NewComposer()
	c.UseBlobs(&fullStore{fs, 5000})
	ix.UseIn(c)
	a, err := dicomarchive.New(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	objs := study(t, synth.CT, 33, 1, nil)
	_, err = a.Store(ctx(), bytes.NewReader(objs[0].data), nil)
	if !errors.Is(err, syscall.ENOSPC) || errors.Is(err, dicomarchive.ErrInvalidObject) {
		t.Fatalf("disk full reported as %v", err)
	}
	if f := files(t, filepath.Join(dir, "blobs")); len(f) != 0 {
		t.Fatalf("files left: %v", f)
	}
	if _, err := ix.Instance(context.Background(), objs[0].sop); !errors.Is(err, dicomarchive.ErrNotFound) {
		t.Fatalf("index row after a failed store: %v", err)
	}
}
