package crispwa

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	testWebsite = "8c842203-7ed8-4e29-a608-7cf78a7d2fcc"
	testIdent   = "ident-1234"
	testKey     = "s3cr3t-key-never-print"
	// apiPrefix is the path every request of a setup client must start with.
	apiPrefix = "/wa/api/website/" + testWebsite + "/"
)

var testCreds = Credentials{Identifier: testIdent, Key: testKey}

// fastRetries keeps retry waits short enough for tests.
func fastRetries() Option { return WithRetryWait(time.Millisecond, 5*time.Millisecond) }

// setup is the root package's test harness (after go-github's): a mux to
// register handlers on (full paths: apiPrefix+"template/send"), behind a guard that fails the test on any request
// outside the API prefix, and a client wired to it (fast retries first, so
// opts can override them).
func setup(t *testing.T, opts ...Option) (*Client, *http.ServeMux, *httptest.Server) {
	t.Helper()
	mux, srv := newTestServer(t)
	return newTestServerClient(t, srv, opts...), mux, srv
}

// newTestServer is setup's server alone: a mux behind the API-prefix guard.
func newTestServer(t testing.TB) (*http.ServeMux, *httptest.Server) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, apiPrefix) {
			t.Errorf("request outside the API prefix: %s %s", r.Method, r.URL.Path)
			http.Error(w, "outside the API prefix", http.StatusNotFound)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return mux, srv
}

// newTestServerClient is setup's client alone: a client of srv with the
// test credentials and fast retries (opts can override them).
func newTestServerClient(t testing.TB, srv *httptest.Server, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(testWebsite, testCreds, append([]Option{WithBaseURL(srv.URL + "/wa/api/"), fastRetries()}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// newTestClient is setup with one handler for every path, and a counter of
// the requests it got.
func newTestClient(t *testing.T, h http.HandlerFunc, opts ...Option) (*Client, *httptest.Server, *atomic.Int64) {
	t.Helper()
	c, mux, srv := setup(t, opts...)
	n := new(atomic.Int64)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	})
	return c, srv, n
}

// writeEnvelope answers with the Crisp envelope.
func writeEnvelope(w http.ResponseWriter, status int, isErr bool, reason string, data any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": isErr, "reason": reason, "data": data})
}

// okSend answers a send with a request_id.
func okSend(w http.ResponseWriter, _ *http.Request) {
	writeEnvelope(w, http.StatusOK, false, "dispatched", map[string]string{"request_id": "req-1"})
}

// dropAfterRead reads the whole request, then drops the connection without
// an answer: the request certainly arrived, the client cannot know.
func dropAfterRead(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
		_ = conn.Close()
	}
}

// dialCountingTransport is an http.Transport that counts the connections it
// dials, closed at the end of the test.
func dialCountingTransport(t *testing.T) (*http.Transport, *atomic.Int64) {
	dials := new(atomic.Int64)
	dialer := &net.Dialer{Timeout: time.Second}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return dialer.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return tr, dials
}

// parseGoldenCallback reads testdata/callbacks/file and parses it.
func parseGoldenCallback(t *testing.T, file string) ([]byte, *CallbackEvent) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", "callbacks", file))
	require.NoError(t, err)
	ev, err := ParseCallback(body)
	require.NoError(t, err)
	return body, ev
}

// validSend is a valid send of the "order_update" template.
func validSend() *SendTemplateRequest {
	return &SendTemplateRequest{
		From: "+33100000000",
		To:   "+33612345678",
		Template: MessageTemplate{
			Name:     "order_update",
			Language: "en_US",
			Components: []Component{{Type: "BODY", Text: "Hi John, your order A-1029 has shipped.", Parameters: []Parameter{
				{Type: "text", Text: "John"}, {Type: "text", Text: "A-1029"},
			}}},
		},
		Options: &CrispOptions{Type: "text", NewSession: true},
	}
}
