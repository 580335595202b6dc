package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/crispwatest"
	"github.com/crispwa/crispwa/internal/testenv"
)

// result is one in-process run of the command.
type result struct {
	code           int
	stdout, stderr string
}

// runWith runs the command with env as its whole environment.
func runWith(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr testenv.Buffer
	code := run(context.Background(), args, &stdout, &stderr, func(k string) string { return env[k] })
	return result{code, stdout.String(), stderr.String()}
}

// fakeEnv starts a fake API with the sample templates and returns it with
// the environment that points the command at it.
func fakeEnv(t *testing.T) (*crispwatest.Server, map[string]string) {
	t.Helper()
	srv := crispwatest.NewServer()
	t.Cleanup(srv.Close)
	for _, tm := range crispwatest.SampleTemplates() {
		srv.AddTemplate(tm)
	}
	return srv, map[string]string{
		crispwa.EnvWebsiteID:  srv.WebsiteID,
		crispwa.EnvIdentifier: srv.Credentials.Identifier,
		crispwa.EnvKey:        srv.Credentials.Key,
		crispwa.EnvBaseURL:    srv.URL,
	}
}

func TestRootUsage(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"no command", nil, 2, "", "Usage: crispwa <command>"},
		{"--help", []string{"--help"}, 0, "Commands:", ""},
		{"-h", []string{"-h"}, 0, "Commands:", ""},
		{"help", []string{"help"}, 0, "Commands:", ""},
		{"help on a command", []string{"help", "send"}, 0, "Usage: crispwa send", ""},
		{"help on an unknown command", []string{"help", "nope"}, 2, "", `unknown command "nope"`},
		{"unknown command", []string{"nope"}, 2, "", `unknown command "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runWith(t, nil, tt.args...)
			assert.Equal(t, tt.wantCode, r.code)
			if tt.wantStdout != "" {
				assert.Contains(t, r.stdout, tt.wantStdout)
			} else {
				assert.Empty(t, r.stdout)
			}
			if tt.wantStderr != "" {
				assert.Contains(t, r.stderr, tt.wantStderr)
			} else {
				assert.Empty(t, r.stderr)
			}
		})
	}
	r := runWith(t, nil, "help")
	for _, c := range commands() {
		assert.Contains(t, r.stdout, "  "+c.name+" ", "root help lists %s", c.name)
	}
}

func TestSubcommandHelpAndBadFlags(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			for _, h := range []string{"--help", "-h", "-help"} {
				r := runWith(t, nil, c.name, h)
				assert.Equal(t, 0, r.code, h)
				assert.Contains(t, r.stdout, "Usage: crispwa "+c.name, h)
				assert.Empty(t, r.stderr, h)
			}
			r := runWith(t, nil, c.name, "--no-such-flag")
			assert.Equal(t, 2, r.code)
			assert.Contains(t, r.stderr, "flag provided but not defined: -no-such-flag")
			assert.Contains(t, r.stderr, "crispwa "+c.name+" --help")
			assert.Empty(t, r.stdout)
		})
	}
}

func TestMissingEnvironment(t *testing.T) {
	_, full := fakeEnv(t)
	cmds := [][]string{
		{"templates"},
		{"send", "--to", "+33612345678", "--from", "+33100000000", "--template", "order_update", "--language", "en_US"},
	}
	for _, args := range cmds {
		for _, missing := range []string{crispwa.EnvWebsiteID, crispwa.EnvIdentifier, crispwa.EnvKey} {
			t.Run(args[0]+" without "+missing, func(t *testing.T) {
				env := maps.Clone(full)
				delete(env, missing)
				r := runWith(t, env, args...)
				assert.Equal(t, 2, r.code, "configuration")
				assert.Equal(t, "crispwa "+args[0]+": environment variable(s) not set: "+missing+" (see 'crispwa help')\n", r.stderr)
				assert.NotContains(t, r.stderr, full[crispwa.EnvKey])
				assert.NotContains(t, r.stderr, "goroutine", "no stack trace")
			})
		}
	}
	t.Run("bad base URL", func(t *testing.T) {
		env := maps.Clone(full)
		env[crispwa.EnvBaseURL] = "http://example.com/"
		r := runWith(t, env, "templates")
		assert.Equal(t, 2, r.code)
		assert.Contains(t, r.stderr, "plain http is only allowed to a loopback host")
	})
	t.Run("all missing at once", func(t *testing.T) {
		r := runWith(t, map[string]string{crispwa.EnvWebsiteID: "w"}, "templates")
		assert.Equal(t, 2, r.code)
		assert.Equal(t, "crispwa templates: environment variable(s) not set: CRISP_WHATSAPP_IDENTIFIER, CRISP_WHATSAPP_KEY (see 'crispwa help')\n", r.stderr)
	})
}

func TestExitCodes(t *testing.T) {
	assert.Equal(t, []int{0, 1, 2, 3, 4, 130}, []int{exitOK, exitFailure, exitUsage, exitUnknown, exitStopped, exitInterrupted}, "the documented contract")
	for _, c := range []string{"send", "bulk"} {
		r := runWith(t, nil, c, "--help")
		assert.Contains(t, r.stdout, exitCodesHelp, c)
	}
	r := runWith(t, nil, "help")
	assert.Contains(t, r.stdout, exitCodesHelp)
	doc, err := os.ReadFile("../../docs/command.md")
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(doc), exitCodesHelp), "docs/command.md documents the exit statuses")
}

func TestNoRepeatedPrefixes(t *testing.T) {
	var b testenv.Buffer
	code := failure(&cmdEnv{stderr: &b}, "x", fmt.Errorf("fetching: %w", fmt.Errorf("bulk: journal: %w", crispwa.ErrNotFound)))
	assert.Equal(t, 1, code)
	assert.Equal(t, "crispwa x: fetching: journal: not found\n", b.String())
}

func TestHelpHelp(t *testing.T) {
	r := runWith(t, nil, "help", "help")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "Usage: crispwa help [command]")
	r = runWith(t, nil, "help")
	assert.Contains(t, r.stdout, "listen", "listen is documented as needing no API variable")
	assert.Contains(t, r.stdout, "demo, fake,\nlisten, bulk status, bulk resolve, suppressions, version and completion\nneed none of them")
	r = runWith(t, nil, "listen", "--help")
	assert.Contains(t, r.stdout, "it needs none of the CRISP_* variables")
}
