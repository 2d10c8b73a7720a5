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
