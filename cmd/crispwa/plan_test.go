package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/internal/testenv"
)

// runInteractive runs the command as from a terminal, answering stdin.
func runInteractive(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr testenv.Buffer
	e := &cmdEnv{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return env[k] },
		stdin: strings.NewReader(stdin), interactive: true}
	code := dispatch(context.Background(), e, args)
	return result{code, stdout.String(), stderr.String()}
}

func TestBulkAsksBeforePaying(t *testing.T) {
	srv, env := fakeEnv(t)
	args := campaignFiles(t, "order_update", orderCSV)

	r := runInteractive(t, env, "n\n", args...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `4 message(s) to send with template "order_update" (en_US) from +33100000000`)
	assert.Contains(t, r.stderr, "  | Hi Alice, your order #1001 has shipped.\n", "a sample, rendered")
	assert.Contains(t, r.stderr, "4 message(s) to send, continue? [y/N] ")
	assert.Contains(t, r.stderr, "not confirmed: nothing sent")
	assert.Zero(t, srv.SendCount())

	r = runInteractive(t, env, "", args...) // Ctrl-D
	assert.Equal(t, 1, r.code)
	assert.Zero(t, srv.SendCount())

	r = runInteractive(t, env, "y\n", args...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 4, srv.SendCount())

	r = runInteractive(t, env, "", append(args, "--yes")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stderr, "continue?", "nothing to send: nothing asked")

	srv2, env2 := fakeEnv(t)
	r = runInteractive(t, env2, "", campaignFiles(t, "order_update", orderCSV, "--yes")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stderr, "continue?", "--yes: not asked")
	assert.Equal(t, 4, srv2.SendCount())

	srv3, env3 := fakeEnv(t)
	r = runWith(t, env3, campaignFiles(t, "order_update", orderCSV)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stderr, "continue?", "no terminal: not asked")
	assert.Equal(t, 4, srv3.SendCount())
}

func TestBulkDryRunShowsSampleAndDuration(t *testing.T) {
	_, env := fakeEnv(t)
	var csv strings.Builder
	csv.WriteString("to,1,2,button:0\n")
	for i := range 120 {
		fmt.Fprintf(&csv, "+336000%05d,Name %d,#%d,%d\n", i, i, i, i)
	}
	args := campaignFiles(t, "order_update", csv.String(), "--dry-run")
	args[len(args)-2] = "2" // --rate 2 (campaignFiles ends with "--rate", "0", then the extras)
	r := runWith(t, env, args...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, `120 message(s) would be sent with template "order_update" (en_US)`)
	assert.Contains(t, r.stdout, "at 2/s: about 1m0s (longer if Crisp rate-limits)\n")
	assert.Contains(t, r.stdout, "sample, to +33600000000:\n  | Order update\n")
	assert.Contains(t, r.stdout, "  | Hi Name 0, your order #0 has shipped.\n")
}

func TestBulkLimitIsACanary(t *testing.T) {
	srv, env := fakeEnv(t)
	args := campaignFiles(t, "order_update", orderCSV)
	r := runWith(t, env, append(args, "--limit", "1")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 1, srv.SendCount())
	assert.Contains(t, r.stderr, "(--limit 1)")
	assert.Contains(t, r.stderr, "bulk: 1/1 done (100%)", "the progress counts this run's sends")

	r = runWith(t, env, append(args, "--limit", "2")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 3, srv.SendCount(), "the next two")
	assert.Contains(t, r.stderr, "bulk: 2/2 done (100%)")

	r = runWith(t, env, args...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 4, srv.SendCount(), "the rest")
	assert.Contains(t, r.stderr, "bulk: 1/1 done (100%)", "a resumed run counts what it sends, not every row")
	assert.Regexp(t, `(?m)^\s+3\s+already accepted in an earlier run \(skipped\)$`, r.stdout)
}

func TestBulkCSVCaps(t *testing.T) {
	srv, env := fakeEnv(t)
	r := runWith(t, env, campaignFiles(t, "order_update", orderCSV, "--max-rows", "3")...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "the CSV is too big: more than 3 rows (--max-rows)")
	assert.Zero(t, srv.SendCount())

	long := "to,1,2,button:0\n+33600000001," + strings.Repeat("x", 70<<10) + ",#1,1\n"
	r = runWith(t, env, campaignFiles(t, "order_update", long)...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "the CSV is too big: a line longer than 64 KiB")
	assert.Zero(t, srv.SendCount())

	r = runWith(t, env, campaignFiles(t, "order_update", orderCSV, "--max-rows", "4")...)
	assert.Equal(t, 0, r.code, r.stderr)
}

func TestBulkSuppressionsAreNotSent(t *testing.T) {
	srv, env := fakeEnv(t)
	list := filepath.Join(t.TempDir(), "suppressed.txt")
	require.NoError(t, os.WriteFile(list, []byte("# opted out\n06 00 00 00 02 (asked by phone)\n"), 0o600))
	args := campaignFiles(t, "order_update", orderCSV, "--suppressions", list, "--region", "FR")
	r := runWith(t, env, append(args, "--dry-run")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `(?m)^\s+1\s+on the suppression list \(skipped\)$`, r.stdout)
	assert.Regexp(t, `(?m)^\s+3\s+to send$`, r.stdout)

	assert.Zero(t, srv.SendCount())
}

func TestProgressText(t *testing.T) {
	now := time.Date(2026, 12, 1, 23, 0, 0, 0, time.Local)
	p := bulk.Progress{ToSend: 10, Done: 4, Accepted: 4, Remaining: 6, Rate: 2, ETA: 3 * time.Second}
	assert.Equal(t, "bulk: 4/10 done (40%): 4 accepted, 0 rejected, 0 unknown; 2.0 sends/s, about 3s left", progressText(p, now))
	p.PausedUntil = now.Add(90 * time.Second)
	assert.Equal(t, "bulk: 4/10 done (40%): 4 accepted, 0 rejected, 0 unknown; paused: rate-limited until 23:01:30", progressText(p, now))
	p.PausedUntil = now.Add(-time.Second)
	assert.NotContains(t, progressText(p, now), "paused", "a pause that ended")

	var b strings.Builder
	s := &statusLine{w: &b, tty: true}
	s.show("bulk: 1/2")
	s.say("stopping: %d in flight", 1)
	s.show("bulk: 2/2")
	s.finish()
	assert.Equal(t, "\r\x1b[Kbulk: 1/2"+"\r\x1b[Kstopping: 1 in flight\nbulk: 1/2"+"\r\x1b[Kbulk: 2/2"+"\r\x1b[K", b.String(),
		"a message clears the bar's line, has its own, and the bar is drawn again below it")
}

func TestBulkInterruptAtThePrompt(t *testing.T) {
	srv, env := fakeEnv(t)
	stdin, w := io.Pipe() // nobody answers
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr testenv.Buffer
	done := make(chan int, 1)
	go func() {
		done <- dispatch(ctx, &cmdEnv{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return env[k] },
			stdin: stdin, interactive: true}, campaignFiles(t, "order_update", orderCSV))
	}()
	require.Eventually(t, func() bool { return strings.Contains(stderr.String(), "continue? [y/N]") }, 10*time.Second, 5*time.Millisecond)
	cancel() // Ctrl-C at the prompt
	select {
	case code := <-done:
		assert.Equal(t, 130, code)
	case <-time.After(10 * time.Second):
		t.Fatal("Ctrl-C at the prompt did not stop the command")
	}
	assert.Contains(t, stderr.String(), "interrupted: nothing sent")
	assert.Zero(t, srv.SendCount())
}
