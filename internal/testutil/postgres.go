package testutil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresURLEnv names the environment variable holding the DSN of a
// PostgreSQL server the tests may create databases on (a superuser's, on
// its "postgres" database); scripts/services.d/postgres.sh starts such a
// server and sets it.
const PostgresURLEnv = "RADKIT_POSTGRES_URL"

var nonIdent = regexp.MustCompile(`[^a-z0-9_]+`)

// Postgres creates a fresh, empty database for the test on the server of
// RADKIT_POSTGRES_URL and returns its DSN; the database is dropped when
// the test ends. Without a server the test skips, or fails under
// RADKIT_INTEGRATION=require.
func Postgres(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(PostgresURLEnv)
	if admin == "" {
		unavailable(t, "no PostgreSQL server: set %s or run ./scripts/test.sh, which starts one", PostgresURLEnv)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s: %v", PostgresURLEnv, err)
	}
	var rnd [4]byte
	rand.Read(rnd[:])
	name := nonIdent.ReplaceAllString(strings.ToLower(t.Name()), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	name = "radkit_" + name + "_" + hex.EncodeToString(rnd[:])

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		unavailable(t, "PostgreSQL at %s: %v", u.Host, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Logf("drop database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		// WITH (FORCE) ends sessions a test left open (a killed child
		// process's, say).
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
