package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/internal/testenv"
)

// runningFake is "crispwa fake" running in the background.
type runningFake struct {
	env    map[string]string // the printed CRISP_* variables
	page   string            // the inbox page's URL
	stderr *testenv.Buffer
	cancel context.CancelFunc
	done   chan int
}

// startFake runs "crispwa fake --addr 127.0.0.1:0 args..." until the test
// ends, and returns once it printed its variables.
func startFake(t *testing.T, args ...string) *runningFake {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f := &runningFake{env: map[string]string{}, stderr: &testenv.Buffer{}, cancel: cancel, done: make(chan int, 1)}
	var stdout testenv.Buffer
	go func() {
		f.done <- run(ctx, append([]string{"fake", "--addr", "127.0.0.1:0"}, args...), &stdout, f.stderr, func(string) string { return "" })
	}()
	t.Cleanup(func() { f.stop(t) })
	require.Eventually(t, func() bool { return strings.Contains(f.stderr.String(), "inbox page:") }, 10*time.Second, 5*time.Millisecond,
		"stderr: %s", f.stderr.String())
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	require.Len(t, lines, 4, "the four CRISP_* lines")
	for _, l := range lines {
		k, v, ok := strings.Cut(strings.TrimPrefix(l, "export "), "=")
		require.True(t, ok, l)
		f.env[k] = v
	}
	_, after, _ := strings.Cut(f.stderr.String(), "inbox page: ")
	f.page, _, _ = strings.Cut(after, " ")
	return f
}

// stop interrupts the command, as Ctrl-C does, and returns its exit code.
func (f *runningFake) stop(t *testing.T) int {
	t.Helper()
	f.cancel()
	select {
	case code := <-f.done:
		f.done <- code // stop may be called again
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("crispwa fake did not stop")
		return -1
	}
}

func TestFakeServesTheAPIAndThePage(t *testing.T) {
	tracker := callback.NewTracker()
	receiver := httptest.NewServer(callback.NewHandler(tracker.Handle, callback.WithToken("tok")))
	defer receiver.Close()
	f := startFake(t, "--manual", "--callback-url", receiver.URL+"/cb?token=tok")
	for _, k := range []string{crispwa.EnvWebsiteID, crispwa.EnvIdentifier, crispwa.EnvKey, crispwa.EnvBaseURL} {
		assert.NotEmpty(t, f.env[k], k)
	}
	assert.True(t, strings.HasPrefix(f.env[crispwa.EnvBaseURL], strings.TrimSuffix(f.page, "/")), "the API and the page on one address")

	r := runWith(t, f.env, "send", "--to", "+33612345678", "--from", "+33100000000",
		"--template", "order_update", "--language", "en_US", "--param", "Alice", "--param", "#1042", "--button", "0=1042")
	require.Equal(t, exitOK, r.code, "stderr: %s", r.stderr)
	id := strings.TrimSpace(strings.TrimPrefix(r.stdout, "request_id:"))
	require.NotEmpty(t, id, r.stdout)

	resp, err := http.Get(f.page)
	require.NoError(t, err)
	page, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.NoError(t, err)
	assert.Contains(t, string(page), id)
	assert.Contains(t, string(page), "Hi Alice, your order #1042 has shipped.")

	form := url.Values{"action": {"fail"}, "id": {id}, "code": {"131026"}}
	req, err := http.NewRequest(http.MethodPost, f.page+"action", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Crispwa-Inbox", "1")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ev, err := tracker.Wait(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "(#131026) Message undeliverable", ev.Reason)

	assert.Equal(t, exitOK, f.stop(t), "Ctrl-C stops it cleanly")
	assert.Contains(t, f.stderr.String(), "stopping")
}

// --max-messages keeps the newest N sends and counts the dropped ones; the
// JSON API answers on the page's address.
func TestFakeMaxMessages(t *testing.T) {
	f := startFake(t, "--max-messages", "2")
	var ids []string
	for _, name := range []string{"Ann", "Ben", "Cat"} {
		r := runWith(t, f.env, "send", "--to", "+33612345678", "--from", "+33100000000",
			"--template", "order_update", "--language", "en_US", "--param", name, "--param", "#1", "--button", "0=1")
		require.Equal(t, exitOK, r.code, "stderr: %s", r.stderr)
		ids = append(ids, strings.TrimSpace(strings.TrimPrefix(r.stdout, "request_id:")))
	}
	resp, err := http.Get(f.page + "api/v1/messages")
	require.NoError(t, err)
	defer resp.Body.Close()
	var page struct {
		Total, Kept, Dropped int
		Messages             []struct {
			RequestID string `json:"request_id"`
		}
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
	assert.Equal(t, 2, page.Total)
	assert.Equal(t, 1, page.Dropped, "the oldest is dropped and counted")
	require.Len(t, page.Messages, 2)
	assert.Equal(t, ids[2], page.Messages[0].RequestID, "newest first")
	assert.Equal(t, ids[1], page.Messages[1].RequestID)
}

func TestFakeTemplatesFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "templates.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"error":false,"reason":"resolved","data":{"templates":[
		{"name":"welcome","language":"fr","status":"APPROVED","category":"MARKETING","components":[{"type":"BODY","text":"Bienvenue {{1}} !"}]}]}}`), 0o600))
	f := startFake(t, "--templates", file)
	r := runWith(t, f.env, "templates")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "welcome")
	assert.NotContains(t, r.stdout, "order_update", "instead of the samples")
}

func TestFakeUsage(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"not loopback", []string{"--addr", "0.0.0.0:8025"}, exitUsage, "must be a loopback address"},
		{"no port", []string{"--addr", "127.0.0.1"}, exitUsage, "--addr"},
		{"callback URL not http", []string{"--callback-url", "ftp://example.com/cb"}, exitUsage, "--callback-url"},
		{"unexpected argument", []string{"now"}, exitUsage, "unexpected argument"},
		{"templates file missing", []string{"--templates", filepath.Join(dir, "nope.json")}, exitFailure, "nope.json"},
		{"templates file empty", []string{"--templates", write("empty.json", "[]")}, exitFailure, "no template"},
		{"templates file not JSON", []string{"--templates", write("bad.json", "name,language")}, exitFailure, "not templates as the API lists them"},
		{"template without a name", []string{"--templates", write("noname.json", `[{"language":"en"}]`)}, exitFailure, "no name"},
		{"max-messages zero", []string{"--max-messages", "0"}, exitUsage, "--max-messages must be at least 1"},
		{"address in use", []string{"--addr", busy.Addr().String()}, exitFailure, "address already in use"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runWith(t, nil, append([]string{"fake"}, tt.args...)...)
			assert.Equal(t, tt.wantCode, r.code)
			assert.Contains(t, r.stderr, tt.wantStderr)
			assert.Empty(t, r.stdout, "no variables printed")
		})
	}
	t.Run("help", func(t *testing.T) {
		r := runWith(t, nil, "fake", "--help")
		assert.Equal(t, exitOK, r.code)
		assert.Contains(t, r.stdout, "Usage: crispwa fake [--addr ADDR] [--callback-url URL] [--templates FILE] [--manual] [--max-messages N]")
	})
}
