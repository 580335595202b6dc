package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
)

// campaignFiles writes csv to a temp dir and returns bulk's args for it.
func campaignFiles(t *testing.T, template, csv string, extra ...string) []string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "rows.csv")
	require.NoError(t, os.WriteFile(path, []byte(csv), 0o600))
	return append([]string{"bulk", "--csv", path, "--template", template, "--language", "en_US",
		"--from", "+33100000000", "--journal", filepath.Join(dir, "journal.jsonl"), "--rate", "0"}, extra...)
}

const orderCSV = `to,1,2,button:0
+33600000001,Alice,#1001,1001
+33600000002,Bob,#1002,1002
+33600000003,Chloé,#1003,1003
+33600000004,Dan,#1004,1004
`

func TestBulkSendsAndResumes(t *testing.T) {
	srv, env := fakeEnv(t)
	args := campaignFiles(t, "order_update", orderCSV)

	r := runWith(t, env, args...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `(?m)^\s+4\s+accepted now$`, r.stdout)
	assert.Contains(t, r.stderr, "bulk: 4/4 done (100%): 4 accepted, 0 rejected, 0 unknown; ", "plain progress lines off a terminal")
	require.Equal(t, 4, srv.SendCount())
	got := srv.Sends()
	byTo := map[string]string{}
	for _, s := range got {
		byTo[s.To] = s.Template.Components[0].Parameters[0].Text
	}
	assert.Equal(t, "Chloé", byTo["+33600000003"])
	assert.Equal(t, "url", got[0].Template.Components[1].SubType)

	r = runWith(t, env, args...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `(?m)^\s+4\s+already accepted in an earlier run \(skipped\)$`, r.stdout)
	assert.Equal(t, 4, srv.SendCount(), "a re-run sends nobody twice")
}

func TestBulkNamedTemplate(t *testing.T) {
	srv, env := fakeEnv(t)
	csv := "place,to,name,date\n12 High Street,+33600000001,Alice,May 4\n"
	r := runWith(t, env, campaignFiles(t, "appointment_reminder", csv)...)
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, 1, srv.SendCount())
	ps := srv.Sends()[0].Template.Components[0].Parameters
	require.Len(t, ps, 3)
	assert.Equal(t, []string{"name", "date", "place"}, []string{ps[0].ParameterName, ps[1].ParameterName, ps[2].ParameterName})
	assert.Equal(t, "12 High Street", ps[2].Text)
}

func TestBulkDryRunReportsEveryBadRow(t *testing.T) {
	srv, env := fakeEnv(t)
	csv := `to,1,2,button:0
+33600000001,Alice,#1001,1001
12,Bob,#1002,1002
+33600000003,,#1003,1003
+33600000001,Alice again,#1001,1001
+33600000005,Eve,#1005
+33600000006,Fay,#1006,1006
`
	args := campaignFiles(t, "order_update", csv, "--dry-run")
	r := runWith(t, env, args...)
	assert.Equal(t, 1, r.code)
	assert.True(t, strings.HasPrefix(r.stdout, "dry run: 6 row(s) in "+args[2]+"; nothing sent, journal not changed\n"+
		"  2  to send\n  0  already accepted in an earlier run (skipped)\n"+
		"  0  outcome unknown in an earlier run (skipped; --retry-unknown sends them)\n  4  invalid (not sent)\n"+
		"2 message(s) would be sent with template \"order_update\" (en_US) from +33100000000\n"), r.stdout)
	assert.NoFileExists(t, args[len(args)-4], "a dry run creates no journal")
	for _, want := range []string{"rows.csv:3: ", "rows.csv:4: ", "rows.csv:5: recipient +33600000001 is also on line 2", "rows.csv:6: 3 fields, the header has 4"} {
		assert.Contains(t, r.stderr, want)
	}
	assert.Zero(t, srv.SendCount(), "a dry run sends nothing")

	good := "to,1,2,button:0\n+33600000001,Alice,#1001,1001\n"
	r = runWith(t, env, campaignFiles(t, "order_update", good, "--dry-run")...)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Zero(t, srv.SendCount())
}

func TestBulkSendsTheValidRowsAndFailsOnTheOthers(t *testing.T) {
	srv, env := fakeEnv(t)
	csv := "to,1,2,button:0\n+33600000001,Alice,#1001,1001\n12,Bob,#1002,1002\n"
	r := runWith(t, env, campaignFiles(t, "order_update", csv)...)
	assert.Equal(t, 1, r.code, "not every row was accepted")
	assert.Contains(t, r.stderr, "rows.csv:3: ")
	assert.Regexp(t, `(?m)^\s+1\s+invalid rows \(not sent\)$`, r.stdout)
	assert.Equal(t, 1, srv.SendCount())
}

func TestBulkHeaderRow(t *testing.T) {
	tests := []struct{ name, template, header, want string }{
		{"no to column", "order_update", "phone,1,2,button:0", `column "phone" not used by template "order_update" (it takes the columns to, 1, 2, and "button:N" where a button takes a value): remove it, or add --ignore-extra-columns`},
		{"missing parameter", "order_update", "to,1,button:0", `no column "2": template "order_update" takes the columns to, 1, 2`},
		{"extra columns all named", "order_update", "to,Name,1,2,email,button:0", `columns "Name", "email" not used by template "order_update"`},
		{"duplicate", "order_update", "to,1,1,2", `column "1" appears twice`},
		{"duplicate in another case", "order_update", "to,TO,1,2", `column "TO" appears twice`},
		{"bad button", "order_update", "to,1,2,button:x", `want button:N`},
		{"named wants names", "appointment_reminder", "to,1,2,3", `columns "1", "2", "3" not used by template "appointment_reminder" (it takes the columns to, name, date, place`},
		{"media header wants its link", "new_arrivals", "to,1", `no column "header": template "new_arrivals" takes the columns to, header, 1`},
		{"empty", "order_update", "", "the CSV is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, env := fakeEnv(t)
			csv := tt.header
			if csv != "" {
				csv += "\n"
			}
			r := runWith(t, env, campaignFiles(t, tt.template, csv)...)
			assert.Equal(t, 2, r.code, "a CSV that does not fit the template is a configuration problem")
			assert.Contains(t, r.stderr, tt.want)
			assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "told once: %s", r.stderr)
			assert.Zero(t, srv.SendCount())
		})
	}
}

func TestBulkOutcomeUnknownIsNotResentUnlessAsked(t *testing.T) {
	srv, env := fakeEnv(t)
	args := campaignFiles(t, "order_update", orderCSV, "--concurrency", "1")
	srv.DropNextSends(1, true)

	r := runWith(t, env, args...)
	assert.Equal(t, 3, r.code, "some outcomes unknown")
	assert.Regexp(t, `(?m)^\s+1\s+outcome unknown \(not sent again: check in Crisp\)$`, r.stdout)
	assert.Regexp(t, `Outcome unknown: check each in Crisp, then paste its line.*\n  crispwa bulk resolve --journal \S+ --key order_update/en_US/\+33600000001 --sent   # line 2: send outcome unknown`, r.stdout)
	assert.Equal(t, 4, srv.SendCount(), "the dropped send was accepted by the fake")

	r = runWith(t, env, args...)
	assert.Equal(t, 3, r.code)
	assert.Regexp(t, `(?m)^\s+1\s+outcome unknown in an earlier run`, r.stdout)
	assert.Regexp(t, `--key order_update/en_US/\+33600000001 --sent   # line 2: outcome unknown in an earlier run\n`, r.stdout)
	assert.Equal(t, 4, srv.SendCount(), "not resent")

	r = runWith(t, env, append(args, "--retry-unknown")...)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 5, srv.SendCount(), "resent when asked")
}

func TestBulkUsage(t *testing.T) {
	_, env := fakeEnv(t)
	full := campaignFiles(t, "order_update", orderCSV)
	without := func(flag string) []string {
		var out []string
		for i := 0; i < len(full); i++ {
			if full[i] == flag {
				i++
				continue
			}
			out = append(out, full[i])
		}
		return out
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no journal", without("--journal"), "--journal is required"},
		{"no csv", without("--csv"), "--csv is required"},
		{"no from", without("--from"), "--from is required"},
		{"negative rate", append(full, "--rate", "-1"), "--rate must be a number >= 0"},
		{"no concurrency", append(full, "--concurrency", "0"), "--concurrency must be at least 1"},
		{"unknown flag", append(full, "--fast"), "flag provided but not defined: -fast"},
		{"argument", append(full, "extra"), `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runWith(t, env, tt.args...)
			assert.Equal(t, 2, r.code)
			assert.Contains(t, r.stderr, tt.want)
		})
	}
	r := runWith(t, env, "bulk", "--help")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "Usage: crispwa bulk --csv FILE")
	assert.Contains(t, r.stdout, "--retry-unknown")

	r = runWith(t, map[string]string{}, full...)
	assert.Equal(t, 2, r.code)
	assert.Equal(t, "crispwa bulk: environment variable(s) not set: CRISP_WEBSITE_ID, CRISP_WHATSAPP_IDENTIFIER, CRISP_WHATSAPP_KEY (see 'crispwa help')\n", r.stderr)
}

func TestBulkTemplateNotFound(t *testing.T) {
	_, env := fakeEnv(t)
	tests := []struct{ template, language, want string }{
		{"no_such_template", "en_US", `crispwa bulk: no template "no_such_template" (run 'crispwa templates' to list them)` + "\n"},
		{"ordr_update", "en_US", `crispwa bulk: no template "ordr_update": did you mean "order_update"? (run 'crispwa templates' to list them)` + "\n"},
		{"order_update", "fr", `crispwa bulk: template "order_update" has no language "fr": it exists in en_US (run 'crispwa templates' to list them)` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.template+"/"+tt.language, func(t *testing.T) {
			args := campaignFiles(t, tt.template, orderCSV)
			args[6] = tt.language
			r := runWith(t, env, args...)
			assert.Equal(t, 2, r.code)
			assert.Equal(t, tt.want, r.stderr)
		})
	}
}

func TestBulkRuntimeFailures(t *testing.T) {
	srv, env := fakeEnv(t)
	args := campaignFiles(t, "order_update", orderCSV)
	journal := args[len(args)-3]
	require.Equal(t, "journal.jsonl", filepath.Base(journal))

	j, err := bulk.OpenJournal(journal) // another run holds the journal
	require.NoError(t, err)
	r := runWith(t, env, args...)
	assert.Equal(t, 2, r.code, "a locked journal is a configuration problem")
	assert.Contains(t, r.stderr, "journal.jsonl is in use by another crispwa (a campaign running, or a resolve)")
	assert.Zero(t, srv.SendCount())
	require.NoError(t, j.Close())

	missing := append([]string(nil), args...)
	missing[2] = filepath.Join(t.TempDir(), "nope.csv")
	r = runWith(t, env, missing...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "no such file")
	assert.Zero(t, srv.SendCount())
}
