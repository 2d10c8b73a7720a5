//go:build unix

package anonymize

import (
	"os"
	"syscall"
)

// syncDir makes the files written by a batch durable at once: one sync(2)
// (which also covers the directory entries) rather than one fsync per
// file, which on a 600-file study costs more than the de-identification
// itself. Outputs are complete, renamed files before that; the sync only
// guards against a power loss.
func syncDir(dir string, _ []string) error {
	syscall.Sync()
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
