package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/crispwatest"
	"github.com/crispwa/crispwa/internal/testenv"
)

// envInt reads a test size from the environment.
func envInt(t *testing.T, name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, name)
		return n
	}
	return def
}

// syncBuffer is a bytes.Buffer a process and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Three 'crispwa worker' processes and one 'crispwa bulk --store' share a
// campaign in one Postgres against one fake; workers are SIGKILLed at
// random moments and restarted. Every recipient is reached at most once,
// every one is reached or left unknown, and unknown outcomes are only the
// sends in flight at a kill (at most the killed worker's concurrency each).
// CRISPWA_KILL_RECIPIENTS and CRISPWA_KILL_COUNT set the size (default
// 10,000 and 20; -short: 1,000 and 5).
func TestWorkersKilledAtRandomNeverSendTwice(t *testing.T) {
	url := testenv.PostgresDatabase(t)
	n, kills := envInt(t, "CRISPWA_KILL_RECIPIENTS", 10000), envInt(t, "CRISPWA_KILL_COUNT", 20)
	if testing.Short() {
		n, kills = 1000, 5
	}
	const concurrency = 8
	dir := t.TempDir()
	bin := filepath.Join(dir, "crispwa")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	srv := crispwatest.NewServer(crispwatest.WithTemplates(crispwa.Template{
		Name: "hello", Language: "en_US", Status: crispwa.StatusApproved, Category: "MARKETING",
		Components: []crispwa.TemplateComponent{{Type: "BODY", Text: "Hello!"}},
	}))
	t.Cleanup(srv.Close)
	srv.SetLatency(2 * time.Millisecond) // sends are in flight when the kills land
	env := append(os.Environ(),
		crispwa.EnvWebsiteID+"="+srv.WebsiteID, crispwa.EnvIdentifier+"="+srv.Credentials.Identifier,
		crispwa.EnvKey+"="+srv.Credentials.Key, crispwa.EnvBaseURL+"="+srv.URL)
	var csv strings.Builder
	csv.WriteString("to\n")
	for i := range n {
		fmt.Fprintf(&csv, "+336%08d\n", i)
	}
	csvPath := filepath.Join(dir, "rows.csv")
	require.NoError(t, os.WriteFile(csvPath, []byte(csv.String()), 0o600))

	start := func(args ...string) (*exec.Cmd, *syncBuffer) {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var buf syncBuffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill() }) // a failed test leaves no process behind (an error once it exited)
		return cmd, &buf
	}
	workerArgs := []string{"worker", "--store", url, "--rate", "0", "--concurrency", strconv.Itoa(concurrency), "--rescue-after", "20s"}
	begin := time.Now()
	bulkCmd, bulkOut := start("bulk", "--store", url, "--campaign", "kill", "--csv", csvPath, "--template", "hello",
		"--language", "en_US", "--from", "+33100000000", "--rate", "0", "--concurrency", strconv.Itoa(concurrency), "--rescue-after", "20s")
	bulkDone := make(chan error, 1)
	go func() { bulkDone <- bulkCmd.Wait() }()
	workers := make([]*exec.Cmd, 3)
	for i := range workers {
		workers[i], _ = start(workerArgs...)
	}
	for srv.SendCount() < n/20 { // the kills land while the campaign sends
		select {
		case err := <-bulkDone:
			t.Fatalf("the campaign ended early (%v)\n%s", err, bulkOut)
		case <-time.After(10 * time.Millisecond):
		}
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 19))
	killed := 0
	for killed < kills {
		time.Sleep(time.Duration(50+rng.IntN(350)) * time.Millisecond)
		select {
		case err := <-bulkDone:
			t.Fatalf("the campaign ended after %d kills only (%v): make it bigger\n%s", killed, err, bulkOut)
		default:
		}
		i := rng.IntN(len(workers))
		require.NoError(t, workers[i].Process.Signal(syscall.SIGKILL))
		_ = workers[i].Wait()
		killed++
		workers[i], _ = start(workerArgs...)
	}
	killedAt := time.Since(begin)
	// The campaign must finish, and keep moving meanwhile (sends, or rows
	// settled: the rows of a killed worker wait for River's rescuer, up to
	// a minute): on a loaded machine it may take minutes, but two without
	// any move is a hang.
	watch, err := pgx.Connect(context.Background(), url)
	require.NoError(t, err)
	defer watch.Close(context.Background())
	progress := func() int {
		var settled int
		_ = watch.QueryRow(context.Background(), "SELECT count(*) FROM crispwa_recipients WHERE status NOT IN ('pending', 'sending')").Scan(&settled)
		return srv.SendCount() + settled
	}
	var bulkErr error
	last, lastMove := progress(), time.Now()
wait:
	for {
		select {
		case bulkErr = <-bulkDone:
			break wait
		case <-time.After(2 * time.Second):
		}
		if p := progress(); p != last {
			last, lastMove = p, time.Now()
		}
		if time.Since(lastMove) > 2*time.Minute || time.Since(begin) > 15*time.Minute {
			t.Fatalf("the campaign did not finish (%d sends, nothing moved for %s)\n%s", srv.SendCount(), time.Since(lastMove).Round(time.Second), bulkOut)
		}
	}
	code := 0
	if ee, ok := bulkErr.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, bulkErr)
	}
	elapsed := time.Since(begin)
	for i, w := range workers { // SIGTERM: a clean stop, exit 0
		require.NoError(t, w.Process.Signal(syscall.SIGTERM))
		require.NoError(t, w.Wait(), "worker %d", i)
	}

	sends := map[string]int{}
	for _, s := range srv.Sends() {
		sends[s.To]++
	}
	for to, k := range sends {
		require.Equal(t, 1, k, "%s reached %d times", to, k)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT to_number, status FROM crispwa_recipients WHERE campaign = 'kill'")
	require.NoError(t, err)
	status := map[string]string{}
	for rows.Next() {
		var to, st string
		require.NoError(t, rows.Scan(&to, &st))
		status[to] = st
	}
	require.NoError(t, rows.Err())
	require.Len(t, status, n)
	var accepted, unknown, unknownSent int
	for to, st := range status {
		switch st {
		case "accepted":
			accepted++
			require.Equal(t, 1, sends[to], "%s accepted: reached once", to)
		case "unknown":
			unknown++
			unknownSent += sends[to]
		default:
			t.Fatalf("%s is %s: every recipient is reached or unknown", to, st)
		}
	}
	assert.Equal(t, accepted+unknownSent, len(sends), "every send belongs to a row")
	assert.LessOrEqual(t, unknown, killed*concurrency, "unknown only for the sends in flight at a kill")
	if unknown > 0 {
		assert.Equal(t, exitUnknown, code, "%s", bulkOut)
	} else {
		assert.Equal(t, exitOK, code, "%s", bulkOut)
	}
	t.Logf("%d recipients, %d SIGKILLs (the last at %s), done in %s: %d accepted, %d unknown (%d of them reached Crisp), %d sends, none twice",
		n, killed, killedAt.Round(time.Millisecond), elapsed.Round(time.Millisecond), accepted, unknown, unknownSent, len(sends))
}
