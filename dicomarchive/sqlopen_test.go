package dicomarchive_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/radkit/radkit/dicomarchive"
)

// Several processes (here: several independent connections pools) opening
// the same fresh archive at once must all succeed: the first creates the
// schema, the others wait for it (bench/archive-scale saw SQLITE_BUSY
// from 4 of 120 simultaneous opens before the retry).
func TestSQLiteConcurrentOpen(t *testing.T) {
	ctx := context.Background()
	for round := 0; round < 10; round++ {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("index-%d.db", round))
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ix, err := dicomarchive.OpenSQLiteIndex(ctx, path)
				if err != nil {
					errs <- err
					return
				}
				_, err = ix.QueryStudies(ctx, &dicomarchive.Query{})
				ix.Close()
				if err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("round %d: %v", round, err)
		}
	}
}
