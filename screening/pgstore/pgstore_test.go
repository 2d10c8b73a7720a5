package pgstore

import (
	"context"
	"errors"
	"testing"

	"github.com/radkit/radkit/internal/testutil"
	"github.com/radkit/radkit/screening"
	"github.com/radkit/radkit/screening/storetest"
)

func open(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) screening.Store { return open(t, testutil.Postgres(t)) })
}

// TestMigrations: the schema version is recorded, opening again is a
// no-op, a newer schema is refused.
func TestMigrations(t *testing.T) {
	ctx := context.Background()
	dsn := testutil.Postgres(t)
	s := open(t, dsn)
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(migrations) {
		t.Fatalf("schema version %d, %v", v, err)
	}
	s2 := open(t, dsn)
	if v, _ := s2.SchemaVersion(ctx); v != len(migrations) {
		t.Fatalf("after reopening: version %d", v)
	}
	c, err := s2.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Exec(ctx, "INSERT INTO screening_schema (version) VALUES ($1)", len(migrations)+1)
	s2.release(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, dsn, Options{}); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("newer schema: %v", err)
	}
}
