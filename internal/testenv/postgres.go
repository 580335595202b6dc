package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
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

// PostgresCluster is a throwaway PostgreSQL cluster of a test's own, which
// the test may stop and start again (a real server restart). Create it
// with StartPostgresCluster.
type PostgresCluster struct {
	// URL connects to its postgres database as the superuser postgres.
	URL string

	bin, data, log string
	opts           string              // the server's options (port, socket directory…)
	owner          *syscall.Credential // the postgres user's, when the test runs as root
}

// postgresBin finds the directory of PostgreSQL's server programs (initdb,
// pg_ctl): pg_config's bindir, else the newest /usr/lib/postgresql/*/bin
// (Debian's packages put them there, off the PATH).
func postgresBin() string {
	has := func(dir string) bool {
		_, err := os.Stat(filepath.Join(dir, "initdb"))
		_, err2 := os.Stat(filepath.Join(dir, "pg_ctl"))
		return err == nil && err2 == nil
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); has(dir) {
			return dir
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return postgresMajor(b) - postgresMajor(a) })
	for _, dir := range dirs {
		if has(dir) {
			return dir
		}
	}
	return ""
}

// postgresMajor reads 15 from /usr/lib/postgresql/15/bin.
func postgresMajor(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// StartPostgresCluster creates a cluster in a temporary directory (initdb;
// as the postgres user when the test runs as root, since initdb refuses
// root), starts it on a free loopback port with fsync off, and stops it
// and removes it when the test ends. Without PostgreSQL's server programs
// it skips the test with "needs Postgres: …" (fails it in CI, see
// Missing).
func StartPostgresCluster(t testing.TB) *PostgresCluster {
	t.Helper()
	bin := postgresBin()
	if bin == "" {
		Missing(t, "Postgres", "install PostgreSQL's server programs (initdb, pg_ctl: Debian's postgresql package)")
	}
	dir := t.TempDir()
	c := &PostgresCluster{bin: bin, data: filepath.Join(dir, "data"), log: filepath.Join(dir, "log")}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			Missing(t, "Postgres", "a postgres user to run initdb as (it refuses root): install Debian's postgresql package")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.owner = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		// The postgres user must reach the directory: the test's temporary
		// directories are root's, 0700.
		for d := dir; d != os.TempDir() && d != "/" && d != "."; d = filepath.Dir(d) {
			if err := os.Chmod(d, 0o711); err != nil {
				t.Fatalf("postgres cluster: %v", err)
			}
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatalf("postgres cluster: %v", err)
		}
	}
	if out, err := c.run("initdb", "-D", c.data, "-U", "postgres", "-A", "trust", "--no-sync"); err != nil {
		t.Fatalf("postgres cluster: initdb: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("postgres cluster: a free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	c.opts = fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100", port, dir)
	if err := c.Start(); err != nil {
		t.Fatalf("postgres cluster: %v", err)
	}
	t.Cleanup(func() {
		if out, err := c.run("pg_ctl", "-D", c.data, "-m", "immediate", "stop"); err != nil && c.running() {
			t.Logf("postgres cluster: pg_ctl stop: %v\n%s", err, out)
		}
	})
	c.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	return c
}

// Stop stops the server with pg_ctl's fast mode: the sessions are ended,
// their transactions rolled back, and nothing connects until Start.
func (c *PostgresCluster) Stop() error {
	if out, err := c.run("pg_ctl", "-D", c.data, "-m", "fast", "-w", "-t", "60", "stop"); err != nil {
		return fmt.Errorf("pg_ctl stop: %w\n%s", err, out)
	}
	return nil
}

// Start starts the server stopped by Stop again, on the same port.
func (c *PostgresCluster) Start() error {
	if out, err := c.run("pg_ctl", "-D", c.data, "-l", c.log, "-w", "-t", "60", "-o", c.opts, "start"); err != nil {
		return fmt.Errorf("pg_ctl start: %w\n%s\n%s", err, out, c.logTail())
	}
	return nil
}

// running reports whether the server is up (pg_ctl status).
func (c *PostgresCluster) running() bool {
	_, err := c.run("pg_ctl", "-D", c.data, "status")
	return err == nil
}

// run runs one of PostgreSQL's programs, as the cluster's owner.
func (c *PostgresCluster) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if c.owner != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.owner}
		cmd.Dir = "/"
	}
	return cmd.CombinedOutput()
}

// logTail is the end of the server's log, for a failure's message.
func (c *PostgresCluster) logTail() string {
	b, _ := os.ReadFile(c.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
