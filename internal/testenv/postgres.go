package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresEnv names the PostgreSQL server the tests use (.ci/run sets it):
// a URL whose user may create databases.
const PostgresEnv = "CRISPWA_POSTGRES_URL"

// PostgresDatabase creates an empty database of the test's own on the
// server named by CRISPWA_POSTGRES_URL and returns its URL; the database is
// dropped when the test ends. Without the variable it skips the test with
// "needs Postgres: …" (fails it in CI, see Missing).
func PostgresDatabase(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		Missing(t, "Postgres", "set "+PostgresEnv+"=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable (a user that may create databases)")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("Postgres at %s: %v", PostgresEnv, err)
	}
	defer admin.Close(context.Background())
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "crispwa_" + dbSafe(t.Name()) + "_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("dropping database %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("dropping database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// dbSafe turns a test name into lower-case letters, digits and underscores,
// short enough to leave room in PostgreSQL's 63-byte names.
func dbSafe(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return b.String()
}
