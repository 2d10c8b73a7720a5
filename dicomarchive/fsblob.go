package dicomarchive

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/radkit/radkit/internal/atomicfile"
)

// FSBlobStore keeps blobs as files named by their SHA-256 under a root
// directory: root/sha256/ab/cd/abcd…, written to root/tmp first, synced,
// then renamed into place and the directory synced, so that a blob is
// either complete or absent whatever the moment of a crash. It implements
// [BlobStore], [BlobDeleter], [BlobLister] and [TempCleaner], and is safe
// for concurrent use by several goroutines and processes.
type FSBlobStore struct {
	root string
}

var (
	_ BlobStore   = (*FSBlobStore)(nil)
	_ BlobDeleter = (*FSBlobStore)(nil)
	_ BlobLister  = (*FSBlobStore)(nil)
	_ TempCleaner = (*FSBlobStore)(nil)
)

// NewFSBlobStore opens (creating if needed) a blob store rooted at dir.
func NewFSBlobStore(dir string) (*FSBlobStore, error) {
	for _, d := range []string{dir, filepath.Join(dir, "sha256"), filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("dicomarchive: blob store: %w", err)
		}
	}
	return &FSBlobStore{root: dir}, nil
}

// UseIn registers the store and its capabilities in c.
func (s *FSBlobStore) UseIn(c *Composer) { c.UseBlobs(s) }

// Path returns the file of digest d (which may not exist): for tools and
// tests, not for reading around the archive.
func (s *FSBlobStore) Path(d Digest) string {
	h := d.String()
	return filepath.Join(s.root, "sha256", h[:2], h[2:4], h)
}

// Create implements [BlobStore].
func (s *FSBlobStore) Create(ctx context.Context) (BlobWriter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tmpDir := filepath.Join(s.root, "tmp")
	for range 100 {
		name := filepath.Join(tmpDir, strconv.FormatUint(rand.Uint64(), 36)+".part")
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("dicomarchive: blob store: %w", err)
		}
		return &fsBlobWriter{s: s, f: f, h: sha256.New()}, nil
	}
	return nil, fmt.Errorf("dicomarchive: blob store: could not create a temporary file in %s", tmpDir)
}

type fsBlobWriter struct {
	s    *FSBlobStore
	f    *os.File
	h    hash.Hash
	n    int64
	done bool
}

func (w *fsBlobWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errors.New("dicomarchive: blob writer already committed or aborted")
	}
	n, err := w.f.Write(p)
	w.h.Write(p[:n])
	w.n += int64(n)
	if err != nil {
		return n, fmt.Errorf("dicomarchive: writing blob: %w", err)
	}
	return n, nil
}

func (w *fsBlobWriter) Commit(ctx context.Context, want Digest) (BlobInfo, error) {
	if w.done {
		return BlobInfo{}, errors.New("dicomarchive: blob writer already committed or aborted")
	}
	w.done = true
	tmp := w.f.Name()
	fail := func(err error) (BlobInfo, error) {
		w.f.Close()
		os.Remove(tmp)
		return BlobInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	var d Digest
	w.h.Sum(d[:0])
	if !want.IsZero() && want != d {
		return fail(&DigestMismatchError{Want: want, Got: d})
	}
	if err := w.f.Sync(); err != nil {
		return fail(fmt.Errorf("dicomarchive: syncing blob: %w", err))
	}
	if err := w.f.Close(); err != nil {
		os.Remove(tmp)
		return BlobInfo{}, fmt.Errorf("dicomarchive: closing blob: %w", err)
	}
	dst := w.s.Path(d)
	dir := filepath.Dir(dst)
	if err := mkdirSynced(dir); err != nil {
		os.Remove(tmp)
		return BlobInfo{}, err
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return BlobInfo{}, fmt.Errorf("dicomarchive: placing blob: %w", err)
	}
	if err := atomicfile.SyncDir(dir); err != nil {
		return BlobInfo{}, fmt.Errorf("dicomarchive: blob %s written but its directory could not be synced: %w", d.Short(), err)
	}
	return BlobInfo{Digest: d, Size: w.n, ModTime: time.Now()}, nil
}

func (w *fsBlobWriter) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.f.Close()
	if err := os.Remove(w.f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("dicomarchive: %w", err)
	}
	return nil
}

// mkdirSynced creates dir and its missing parents, syncing each parent so
// that the new directory entries survive a crash.
func mkdirSynced(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := mkdirSynced(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("dicomarchive: blob store: %w", err)
	}
	if err := atomicfile.SyncDir(parent); err != nil {
		return fmt.Errorf("dicomarchive: blob store: %w", err)
	}
	return nil
}

// Open implements [BlobStore].
func (s *FSBlobStore) Open(ctx context.Context, d Digest) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(s.Path(d))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: blob %s", ErrNotFound, d.Short())
	}
	if err != nil {
		return nil, fmt.Errorf("dicomarchive: opening blob: %w", err)
	}
	return f, nil
}

// OpenRange implements [BlobRanger].
func (s *FSBlobStore) OpenRange(ctx context.Context, d Digest, offset, length int64) (io.ReadCloser, error) {
	if offset < 0 {
		return nil, fmt.Errorf("dicomarchive: OpenRange: negative offset %d", offset)
	}
	rc, err := s.Open(ctx, d)
	if err != nil {
		return nil, err
	}
	if length < 0 {
		length = math.MaxInt64 - offset
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(rc.(*os.File), offset, length), rc}, nil
}

// Stat implements [BlobStore].
func (s *FSBlobStore) Stat(ctx context.Context, d Digest) (BlobInfo, error) {
	if err := ctx.Err(); err != nil {
		return BlobInfo{}, err
	}
	fi, err := os.Stat(s.Path(d))
	if errors.Is(err, fs.ErrNotExist) {
		return BlobInfo{}, fmt.Errorf("%w: blob %s", ErrNotFound, d.Short())
	}
	if err != nil {
		return BlobInfo{}, fmt.Errorf("dicomarchive: %w", err)
	}
	return BlobInfo{Digest: d, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Delete implements [BlobDeleter].
func (s *FSBlobStore) Delete(ctx context.Context, d Digest) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p := s.Path(d)
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("dicomarchive: deleting blob: %w", err)
	}
	return atomicfile.SyncDir(filepath.Dir(p))
}

// Walk implements [BlobLister]. Files whose names are not digests (left by
// hand) are skipped.
func (s *FSBlobStore) Walk(ctx context.Context, fn func(BlobInfo) error) error {
	base := filepath.Join(s.root, "sha256")
	return filepath.WalkDir(base, func(path string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if de.IsDir() {
			return nil
		}
		d, perr := ParseDigest(de.Name())
		if perr != nil || path != s.Path(d) {
			return nil
		}
		fi, err := de.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		return fn(BlobInfo{Digest: d, Size: fi.Size(), ModTime: fi.ModTime()})
	})
}

// CleanTemp implements [TempCleaner].
func (s *FSBlobStore) CleanTemp(ctx context.Context, olderThan time.Duration) (int, error) {
	dir := filepath.Join(s.root, "tmp")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("dicomarchive: %w", err)
	}
	n := 0
	cutoff := time.Now().Add(-olderThan)
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		fi, err := e.Info()
		if err != nil || fi.ModTime().After(cutoff) {
			continue
		}
		if os.Remove(filepath.Join(dir, e.Name())) == nil {
			n++
		}
	}
	return n, nil
}
