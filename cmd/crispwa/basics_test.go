package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
)

func TestDidYouMean(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"command", []string{"sned"}, `unknown command "sned" (did you mean send?)`},
		{"help on a command", []string{"help", "templtes"}, `unknown command "templtes" (did you mean templates?)`},
		{"nothing close", []string{"zzzzzzzzzz"}, `unknown command "zzzzzzzzzz"` + "\n"},
		{"flag", []string{"bulk", "--jounral", "x"}, "flag provided but not defined: -jounral (did you mean --journal?)"},
		{"flag of a subcommand", []string{"bulk", "status", "--jurnal", "x"}, "(did you mean --journal?)"},
		{"completion shell", []string{"completion", "bsh"}, `no completion for "bsh": give bash, zsh or fish (did you mean bash or zsh?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runWith(t, nil, tt.args...)
			assert.Equal(t, 2, r.code)
			assert.Contains(t, r.stderr, tt.want)
		})
	}
}

func TestRequiredFlagsAllAtOnce(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"send"}, "crispwa send: --to, --from, --template and --language are required\n"},
		{[]string{"bulk"}, "crispwa bulk: --csv, --template, --language, --from and --journal are required\n"},
		{[]string{"bulk", "--csv", "x", "--from", "+33100000000"}, "crispwa bulk: --template, --language and --journal are required\n"},
	}
	for _, tt := range tests {
		r := runWith(t, nil, tt.args...)
		assert.Equal(t, 2, r.code)
		assert.True(t, strings.HasPrefix(r.stderr, tt.want), r.stderr)
	}
}

func TestVersion(t *testing.T) {
	r := runWith(t, nil, "version")
	assert.Equal(t, 0, r.code)
	assert.Regexp(t, `^crispwa \S+`, r.stdout)
	r = runWith(t, nil, "version", "--output", "json")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, `"module":"github.com/crispwa/crispwa"`)

	info := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/crispwa/crispwa", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abc"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	assert.Equal(t, "crispwa v1.4.0, revision 0123abc (2026-12-01T10:00:00Z), with local changes, go1.26.0", readVersion(info, true).String())
	assert.Equal(t, "crispwa unknown", readVersion(nil, false).String())
}

func TestCompletion(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		r := runWith(t, nil, "completion", sh)
		require.Equal(t, 0, r.code, r.stderr)
		for _, c := range commands() {
			assert.Contains(t, r.stdout, c.name, "%s lists %s", sh, c.name)
		}
		for _, f := range []string{"csv", "journal", "dry-run", "older-than", "all-unknown"} {
			assert.Contains(t, r.stdout, f, "%s completes bulk's --%s", sh, f)
		}
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to run the bash completion in")
	}
	script := filepath.Join(t.TempDir(), "crispwa.bash")
	require.NoError(t, os.WriteFile(script, []byte(runWith(t, nil, "completion", "bash").stdout), 0o600))
	complete := func(words ...string) string {
		t.Helper()
		line := fmt.Sprintf("source %s; COMP_WORDS=(crispwa %s ''); COMP_CWORD=%d; _crispwa; echo ${COMPREPLY[@]}",
			script, strings.Join(words, " "), len(words))
		out, err := exec.Command(bash, "--norc", "-c", line).CombinedOutput()
		require.NoError(t, err, string(out))
		return strings.TrimSpace(string(out))
	}
	assert.Equal(t, "send", filterWords(complete("s"), "send", "status"), "root completes commands only")
	assert.Equal(t, "--csv", complete("bulk", "--cs"))
	assert.Equal(t, "status", complete("bulk", "sta"))
	assert.Equal(t, "--older-than", complete("bulk", "status", "--old"))
	assert.Equal(t, "", complete("bulk", "--csv", ""), "a flag's value: the shell's file completion")
}

// filterWords keeps the words of s that are in want, in want's order.
func filterWords(s string, want ...string) string {
	var out []string
	for _, w := range want {
		for _, g := range strings.Fields(s) {
			if g == w {
				out = append(out, w)
			}
		}
	}
	return strings.Join(out, " ")
}

func TestBulkLockedJournalIsConfiguration(t *testing.T) {
	srv, env := fakeEnv(t)
	args := campaignFiles(t, "order_update", orderCSV)
	j, err := bulk.OpenJournal(args[10]) // the --journal file, held as a running campaign does
	require.NoError(t, err)
	defer j.Close()
	r := runWith(t, env, args...)
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "is in use by another crispwa")
	assert.Zero(t, srv.SendCount())
}

func TestBulkResolveManyKeys(t *testing.T) {
	const unknowns = `{"time":"2026-01-01T10:00:00Z","event":"sending","key":"a"}
{"time":"2026-01-01T10:00:01Z","event":"unknown","key":"a","reason":"EOF"}
{"time":"2026-01-01T10:00:02Z","event":"sending","key":"b c"}
{"time":"2026-01-01T10:00:03Z","event":"unknown","key":"b c","reason":"EOF"}
{"time":"2026-01-01T10:00:04Z","event":"sending","key":"it's"}
{"time":"2026-01-01T10:00:05Z","event":"unknown","key":"it's","reason":"EOF"}
{"time":"2026-01-01T10:00:06Z","event":"sending","key":"ok"}
{"time":"2026-01-01T10:00:07Z","event":"accepted","key":"ok","request_id":"r"}
`
	write := func(t *testing.T) string {
		path := filepath.Join(t.TempDir(), "my campaign.jsonl")
		require.NoError(t, os.WriteFile(path, []byte(unknowns), 0o600))
		return path
	}
	t.Run("status prints commands ready to paste", func(t *testing.T) {
		path := write(t)
		r := runWith(t, nil, "bulk", "status", "--journal", path)
		require.Equal(t, 0, r.code, r.stderr)
		q := "'" + path + "'"
		assert.Contains(t, r.stdout, "  crispwa bulk resolve --journal "+q+" --key 'b c' --sent   # EOF\n")
		assert.Contains(t, r.stdout, `  crispwa bulk resolve --journal `+q+` --key 'it'\''s' --sent   # EOF`+"\n")
		assert.Contains(t, r.stdout, "crispwa bulk resolve --journal "+q+" --all-unknown --sent (or --not-sent)")
		// The pasted line works.
		line := regexpLine(t, r.stdout, `crispwa bulk resolve .* --key 'it'\\''s' --sent`)
		out, err := exec.Command("bash", "-c", `crispwa() { printf '%s\n' "$@"; }; `+line).Output()
		require.NoError(t, err)
		assert.Equal(t, "bulk\nresolve\n--journal\n"+path+"\n--key\nit's\n--sent\n", string(out))
	})
	t.Run("several keys", func(t *testing.T) {
		path := write(t)
		r := runWith(t, nil, "bulk", "resolve", "--journal", path, "--key", "a", "--key", "b c", "--not-sent")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, "a: marked not sent; the next run sends it\nb c: marked not sent; the next run sends it\n", r.stdout)
		entries, err := bulk.ReadJournal(path)
		require.NoError(t, err)
		got := map[string]bulk.Status{}
		for _, e := range entries {
			got[e.Key] = e.Status
		}
		assert.Equal(t, map[string]bulk.Status{"a": bulk.StatusRejected, "b c": bulk.StatusRejected, "it's": bulk.StatusUnknown, "ok": bulk.StatusAccepted}, got)
	})
	t.Run("a wrong key changes nothing", func(t *testing.T) {
		path := write(t)
		r := runWith(t, nil, "bulk", "resolve", "--journal", path, "--key", "a", "--key", "nope", "--sent")
		assert.Equal(t, 2, r.code)
		assert.Contains(t, r.stderr, `no row with key "nope"`)
		assert.Contains(t, r.stderr, "nothing changed")
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, unknowns, string(data))
	})
	t.Run("all unknown", func(t *testing.T) {
		path := write(t)
		r := runWith(t, nil, "bulk", "resolve", "--journal", path, "--all-unknown", "--sent")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, 3, strings.Count(r.stdout, "marked sent"))
		r = runWith(t, nil, "bulk", "resolve", "--journal", path, "--all-unknown", "--sent")
		assert.Equal(t, 0, r.code)
		assert.Contains(t, r.stdout, "nothing to resolve")
	})
	t.Run("usage", func(t *testing.T) {
		path := write(t)
		for _, args := range [][]string{{"--journal", path, "--sent"}, {"--journal", path, "--key", "a", "--all-unknown", "--sent"}} {
			r := runWith(t, nil, append([]string{"bulk", "resolve"}, args...)...)
			assert.Equal(t, 2, r.code, args)
		}
	})
}

// regexpLine returns the first line of s matching re, trimmed.
func regexpLine(t *testing.T, s, re string) string {
	t.Helper()
	m := regexp.MustCompile(re + `.*`).FindString(s)
	require.NotEmpty(t, m, "no line matches %s in:\n%s", re, s)
	return strings.TrimSpace(m)
}

func TestOutputJSON(t *testing.T) {
	srv, env := fakeEnv(t)
	r := runWith(t, env, "send", "--to", "+33612345678", "--from", "+33100000000", "--template", "order_update", "--language", "en_US",
		"--param", "Alice", "--param", "#1", "--button", "0=1", "--output", "json")
	require.Equal(t, 0, r.code, r.stderr)
	var sent map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &sent), r.stdout)
	assert.NotEmpty(t, sent["request_id"])
	assert.Equal(t, 1, srv.SendCount())
	assert.Equal(t, "+33612345678", sent["to"])
	assert.Equal(t, "accepted", sent["outcome"])

	r = runWith(t, env, "send", "--to", "+33612345678", "--from", "+33100000000", "--template", "order_update", "--language", "en_US", "--output", "yaml")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `--output must be text or json, got "yaml"`)

	path := filepath.Join(t.TempDir(), "campaign.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(statusJournal), 0o600))
	r = runWith(t, nil, "bulk", "status", "--journal", path, "--output", "json")
	require.Equal(t, 0, r.code, r.stderr)
	var st statusReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &st), r.stdout)
	assert.Equal(t, 4, st.Rows)
	assert.Equal(t, 2, st.Accepted)
	assert.Equal(t, 1, st.Unknown)
	require.Len(t, st.UnknownRows, 1)
	assert.Equal(t, "crispwa bulk resolve --journal "+path+" --key lost --sent", st.UnknownRows[0].Resolve)
	assert.Nil(t, st.Total, "no campaign file: the total is not known")
}

func TestBulkStatusKnowsTheTotal(t *testing.T) {
	srv, env := fakeEnv(t)
	args := campaignFiles(t, "order_update", orderCSV+"+33600000009,Zed,#9\n", "--limit", "2")
	r := runWith(t, env, args...)
	require.Equal(t, 1, r.code, r.stderr) // the row without its button value is invalid
	assert.Equal(t, 2, srv.SendCount(), "--limit 2 sends two")
	journal := args[10]
	r = runWith(t, nil, "bulk", "status", "--journal", journal)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Campaign "+journal+": 5 row(s) in "+args[2]+`, template "order_update" (en_US)`)
	assert.Contains(t, r.stdout, "2 remaining to send (the next run sends them), 1 invalid\n")
	r = runWith(t, nil, "bulk", "status", "--journal", journal, "--output", "json")
	var st statusReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &st))
	require.NotNil(t, st.Remaining)
	assert.Equal(t, 2, *st.Remaining)
	assert.Equal(t, 5, *st.Total)
}
