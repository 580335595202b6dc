package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/internal/testenv"
)

// storeArgs writes csv to a temp dir and returns bulk --store's args for it.
func storeArgs(t *testing.T, url, campaign, template, csv string, extra ...string) []string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rows.csv")
	require.NoError(t, os.WriteFile(path, []byte(csv), 0o600))
	return append([]string{"bulk", "--store", url, "--campaign", campaign, "--csv", path, "--template", template,
		"--language", "en_US", "--from", "+33100000000", "--rate", "0"}, extra...)
}

func TestBulkStoreSendsOnceAndReports(t *testing.T) {
	url := testenv.PostgresDatabase(t)
	srv, env := fakeEnv(t)
	csv := orderCSV + "0033600000001,Alice again,#1001,1001\n" // the first recipient, spelt another way
	args := storeArgs(t, url, "spring", "order_update", csv)

	r := runWith(t, env, args...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "campaign spring: 4 recipient(s) enqueued, 1 already in it, 0 invalid")
	assert.Regexp(t, `(?m)^\s+4\s+accepted$`, r.stdout)
	require.Equal(t, 4, srv.SendCount())

	r = runWith(t, env, args...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "0 recipient(s) enqueued, 5 already in it")
	assert.Equal(t, 4, srv.SendCount(), "a re-run sends nobody twice")

	r = runWith(t, env, "bulk", "status", "--store", url, "--campaign", "spring", "--output", "json")
	require.Equal(t, 0, r.code, r.stderr)
	var st struct {
		Total     int            `json:"total"`
		Remaining int            `json:"remaining"`
		ByStatus  map[string]int `json:"by_status"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &st), r.stdout)
	assert.Equal(t, 4, st.Total)
	assert.Equal(t, 0, st.Remaining)
	assert.Equal(t, 4, st.ByStatus["accepted"])

	r = runWith(t, env, "bulk", "resolve", "--store", url, "--campaign", "spring", "--key", "order_update/en_US/+33600000001", "--sent")
	assert.Equal(t, exitFailure, r.code, "not unknown: nothing to settle")
	assert.Contains(t, r.stderr, "no unknown outcome with that key")

	r = runWith(t, env, "bulk", "status", "--store", url, "--campaign", "nope")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, `no campaign "nope"`)
}

func TestBulkStoreEnqueueOnlyThenWorker(t *testing.T) {
	url := testenv.PostgresDatabase(t)
	srv, env := fakeEnv(t)
	r := runWith(t, env, storeArgs(t, url, "c", "order_update", orderCSV+"+33600000005,Eve\n", "--enqueue-only")...)
	require.Equal(t, exitFailure, r.code, "one invalid row")
	assert.Contains(t, r.stderr, "rows.csv:6: 2 fields, the header has 4 (not sent)")
	assert.Contains(t, r.stderr, "4 recipient(s) enqueued")
	assert.Zero(t, srv.SendCount(), "--enqueue-only sends nothing")
}

func TestBulkStoreUsage(t *testing.T) {
	_, env := fakeEnv(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bulk", "--store", "postgres://x/y"}, "--campaign, --csv, --template, --language, --from required"},
		{[]string{"bulk", "--store", "postgres://x/y", "--campaign", "c", "--csv", "f", "--template", "t", "--language", "l", "--from", "+33100000000", "--quiet-hours", "8-9"}, "--quiet-hours"},
		{[]string{"bulk", "--store", "postgres://x/y", "--campaign", "c", "--csv", "f", "--template", "t", "--language", "l", "--from", "+33100000000", "--rescue-after", "1s"}, "--rescue-after must be at least 20s"},
		{[]string{"bulk", "status", "--store", "postgres://x/y"}, "--store and --campaign are required"},
		{[]string{"bulk", "resolve", "--store", "postgres://x/y", "--campaign", "c", "--sent"}, "give --key (one or more) or --all-unknown"},
		{[]string{"worker"}, "--store is required"},
		{[]string{"worker", "--store", "postgres://x/y", "--listen", ":0"}, "--listen needs --token"},
	} {
		r := runWith(t, env, tc.args...)
		assert.Equal(t, exitUsage, r.code, "%v: %s", tc.args, r.stderr)
		assert.Contains(t, r.stderr, tc.want, tc.args)
	}
	r := runWith(t, env, "worker", "--store", "mysql://x")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "--store must be a postgres:// URL")
}

func TestParseQuietHours(t *testing.T) {
	q, err := parseQuietHours("21:00-08:30")
	require.NoError(t, err)
	assert.Equal(t, "21h0m0s-8h30m0s", q.Start.String()+"-"+q.End.String())
	for _, bad := range []string{"21:00", "25:00-08:00", "08:00-08:00", "x-y"} {
		_, err := parseQuietHours(bad)
		assert.Error(t, err, bad)
	}
}

// --suppressions with --store: the file's numbers (in any spelling) are
// never sent to, and a recipient WhatsApp refuses for good is added to the
// file, so that the next campaign skips it too.
func TestBulkStoreSuppressions(t *testing.T) {
	url := testenv.PostgresDatabase(t)
	const optedOut, listed = "+33600000002", "+33600000003"
	env, posts, sends := refusingFront(t, func(to string) string {
		if to == optedOut {
			return "(#131050) User has stopped marketing messages"
		}
		return ""
	})
	list := filepath.Join(t.TempDir(), "suppressed.txt")
	require.NoError(t, os.WriteFile(list, []byte("0033 6 00 00 00 03 # asked by phone\n"), 0o600))

	r := runWith(t, env, storeArgs(t, url, "c1", "order_update", rows(4), "--suppressions", list)...)
	assert.Equal(t, exitFailure, r.code, "one refused: %s", r.stderr)
	assert.Contains(t, r.stderr, "suppression list "+list+": 1 number(s), 1 new to the database's list")
	assert.EqualValues(t, 3, posts.Load(), "the listed number is never sent to")
	assert.Equal(t, 2, sends())
	assert.Regexp(t, `(?m)^\s+1\s+suppressed$`, r.stdout)
	assert.Regexp(t, `(?m)^\s+1\s+rejected$`, r.stdout)
	assert.Contains(t, r.stdout, "Recipients WhatsApp says cannot or will not receive it (added to "+list+"):\n  "+optedOut+"\n")
	assert.NotContains(t, r.stdout, "  "+listed+"\n", "already in the file: not added again")
	data, err := os.ReadFile(list)
	require.NoError(t, err)
	assert.Contains(t, string(data), optedOut)

	// The next campaign skips both.
	r = runWith(t, env, storeArgs(t, url, "c2", "order_update", rows(4), "--suppressions", list)...)
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Regexp(t, `(?m)^\s+2\s+suppressed$`, r.stdout)
	assert.EqualValues(t, 5, posts.Load(), "two more sends, none to the suppressed numbers")
	assert.NotContains(t, r.stdout, "added to")
}
