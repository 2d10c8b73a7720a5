//go:build unix

package anonymize

import (
	"os"

	"github.com/radkit/radkit/internal/atomicfile"
)

// syncDir makes the files written by a batch durable at once: one sync of
// the output's file system (syncfs(2) where there is one, sync(2)
// elsewhere) rather than one fsync per file, which on a 600-file study
// costs more than the de-identification itself, then an fsync of the
// folder for the entries of the temporary files. Outputs are complete
// files before that; the sync only guards against a power loss.
func syncDir(dir string, _ []string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := syncFS(d); err != nil {
		return err
	}
	return d.Sync()
}

// syncEntries makes the renames of a batch durable: their data is on disk
// already (syncDir), so an fsync of the folder suffices, without a second
// sync of the whole file system.
func syncEntries(dir string) error { return atomicfile.SyncDir(dir) }
