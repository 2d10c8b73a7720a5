// Package atomicfile writes files so that readers see either the old
// content or the complete new content, never a partial file, even if the
// writer or the machine fails midway.
//
// The content goes to a temporary file in the destination's directory,
// which is flushed, synced, closed and renamed over the destination; the
// directory is then synced so that the rename itself is durable. On any
// error the temporary file is removed and the destination is untouched.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
)

// ErrClosed is returned by [File] methods called after Commit or Abort.
var ErrClosed = errors.New("atomicfile: file already committed or aborted")

// WriteFile writes path atomically: write receives a buffered writer onto
// a temporary file in the same directory, which replaces path only if
// write and every step of the commit succeed. perm is used (less the
// umask) when the file is created; an existing path gets the permissions
// of the new file.
func WriteFile(path string, perm os.FileMode, write func(w io.Writer) error) error {
	f, err := New(path, perm)
	if err != nil {
		return err
	}
	defer f.Abort() // after Commit, does nothing; also covers a panic in write
	if err := write(f); err != nil {
		return err
	}
	return f.Commit()
}

// File is a pending atomic write of one path. Write to it, then call
// Commit to put it in place or Abort to discard it; deferring Abort right
// after New is safe, since Abort after Commit does nothing.
//
// A File is not safe for concurrent use.
type File struct {
	path string
	f    *os.File
	w    *bufio.Writer
	done bool
}

var _ io.Writer = (*File)(nil)

// New starts an atomic write of path: it creates a temporary file, with
// permissions perm less the umask, in path's directory.
func New(path string, perm os.FileMode) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	for range 100 {
		name := filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("atomicfile: %w", err)
		}
		return &File{path: path, f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
	}
	return nil, fmt.Errorf("atomicfile: could not create a temporary file for %s", path)
}

// Name returns the destination path.
func (f *File) Name() string { return f.path }

// TempName returns the path of the temporary file being written.
func (f *File) TempName() string { return f.f.Name() }

// Write writes p to the temporary file, through a buffer.
func (f *File) Write(p []byte) (int, error) {
	if f.done {
		return 0, ErrClosed
	}
	return f.w.Write(p)
}

// ReadFrom copies r to the temporary file, through the buffer.
func (f *File) ReadFrom(r io.Reader) (int64, error) {
	if f.done {
		return 0, ErrClosed
	}
	return f.w.ReadFrom(r)
}

// Commit flushes and syncs the temporary file, renames it over the
// destination and syncs the directory. If any step before the rename
// fails, the temporary file is removed and the destination is untouched;
// if the final directory sync fails, the new content is in place but its
// durability is not assured, and the error says so.
func (f *File) Commit() error {
	if f.done {
		return ErrClosed
	}
	f.done = true
	tmp := f.f.Name()
	fail := func(err error) error {
		f.f.Close()
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: writing %s: %w", f.path, err)
	}
	if err := f.w.Flush(); err != nil {
		return fail(err)
	}
	if err := f.f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: writing %s: %w", f.path, err)
	}
	if err := os.Rename(tmp, f.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err := SyncDir(filepath.Dir(f.path)); err != nil {
		return fmt.Errorf("atomicfile: %s written but its directory could not be synced: %w", f.path, err)
	}
	return nil
}

// Abort discards the temporary file. It does nothing after Commit or a
// previous Abort.
func (f *File) Abort() error {
	if f.done {
		return nil
	}
	f.done = true
	f.f.Close()
	if err := os.Remove(f.f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("atomicfile: %w", err)
	}
	return nil
}

// SyncDir makes the entries of dir (a rename, a new file) durable.
// Windows cannot sync a directory (and its renames are durable once
// MoveFileEx returns).
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
