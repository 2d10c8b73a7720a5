//go:build !unix

package anonymize

import "os"

// syncDir makes the files written by a batch durable: one fsync per file
// where sync(2) does not exist.
func syncDir(_ string, files []string) error {
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// syncEntries would make the renames durable; directories cannot be
// synced here, the renames are as durable as the system makes them.
func syncEntries(string) error { return nil }
