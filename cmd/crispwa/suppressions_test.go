package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSuppressionsCommand(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "suppressed.txt")
	r := runWith(t, nil, "suppressions", "add", "--suppressions", list, "--reason", "asked by phone", "+33 6 00 00 00 01", "06 00 00 00 02", "--region", "FR")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "+33600000001: added\n+33600000002: added\n", r.stdout, "flags after the numbers too")

	imp := filepath.Join(dir, "optouts.csv")
	require.NoError(t, os.WriteFile(imp, []byte("phone,name\n+33600000003,Chloé\nnot a number,x\n# a comment\n\n+33600000001,again\n"), 0o600))
	r = runWith(t, nil, "suppressions", "import", "--suppressions", list, imp)
	assert.Equal(t, 1, r.code, "a bad line is reported")
	assert.Equal(t, "2 number(s) added, 1 line(s) skipped\n", r.stdout)
	assert.Contains(t, r.stderr, "optouts.csv:3: number \"not a number\"")

	r = runWith(t, nil, "suppressions", "list", "--suppressions", list, "--output", "json")
	require.Equal(t, 0, r.code, r.stderr)
	var items []struct{ Number, Reason string }
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &items), r.stdout)
	var numbers []string
	for _, it := range items {
		numbers = append(numbers, it.Number)
	}
	assert.Equal(t, []string{"+33600000001", "+33600000002", "+33600000003"}, numbers)

	r = runWith(t, nil, "suppressions", "remove", "--suppressions", list, "+33600000002")
	require.Equal(t, 0, r.code, r.stderr)
	r = runWith(t, nil, "suppressions", "list", "--suppressions", list)
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stdout, "+33600000002")
	assert.Equal(t, 2, strings.Count(r.stdout, "\n"))

	// The campaign skips them.
	srv, env := fakeEnv(t)
	r = runWith(t, env, campaignFiles(t, "order_update", orderCSV, "--suppressions", list, "--dry-run")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `(?m)^\s+2\s+on the suppression list \(skipped\)$`, r.stdout)
	assert.Zero(t, srv.SendCount())

	for _, args := range [][]string{{"suppressions"}, {"suppressions", "lst"}, {"suppressions", "add", "+33600000001"}, {"suppressions", "add", "--suppressions", list}} {
		r = runWith(t, nil, args...)
		assert.Equal(t, 2, r.code, args)
	}
	r = runWith(t, nil, "suppressions", "lst")
	assert.Contains(t, r.stderr, "did you mean list?")
}
