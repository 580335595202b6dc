package crispwa

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	testWebsite = "8c842203-7ed8-4e29-a608-7cf78a7d2fcc"
	testIdent   = "ident-1234"
	testKey     = "s3cr3t-key-never-print"
)

var testCreds = Credentials{Identifier: testIdent, Key: testKey}

// fastRetries keeps retry waits short enough for tests.
func fastRetries() Option { return WithRetryWait(time.Millisecond, 5*time.Millisecond) }

// newTestClient starts an httptest server with h and returns a client for it
// (fast retries first, so opts can override them) and a counter of requests.
func newTestClient(t *testing.T, h http.HandlerFunc, opts ...Option) (*Client, *httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(testWebsite, testCreds, append([]Option{WithBaseURL(srv.URL + "/wa/api/"), fastRetries()}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c, srv, &n
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
