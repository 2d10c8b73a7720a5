package storetest

import (
	"testing"

	"github.com/radkit/radkit/screening"
)

// TestMemStore runs the suite on the in-memory store.
func TestMemStore(t *testing.T) {
	Run(t, func(*testing.T) screening.Store { return &screening.MemStore{} })
}
