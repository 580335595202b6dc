package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// collector is a fake OTLP/HTTP collector: it counts the requests per path
// and remembers their bodies.
type collector struct {
	mu     sync.Mutex
	bodies map[string][]string
}

func newCollector(t *testing.T) (*collector, string) {
	t.Helper()
	c := &collector{bodies: map[string][]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.bodies[r.URL.Path] = append(c.bodies[r.URL.Path], string(b))
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(srv.Close)
	return c, srv.URL
}

func (c *collector) got(path string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bodies[path]
}

// crispwa --otel templates exports the client's spans and metrics to the
// collector named by OTEL_EXPORTER_OTLP_ENDPOINT, and flushes them before
// it exits; the key never reaches the collector.
func TestOtelExportsTracesAndMetrics(t *testing.T) {
	col, endpoint := newCollector(t)
	_, env := fakeEnv(t)
	env["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint) // the exporters read the process environment
	t.Setenv("OTEL_SERVICE_NAME", "")
	r := runWith(t, env, "--otel", "templates")
	assert.Equal(t, exitOK, r.code, r.stderr)
	traces, metrics := col.got("/v1/traces"), col.got("/v1/metrics")
	if assert.NotEmpty(t, traces, "spans exported") {
		assert.Contains(t, strings.Join(traces, ""), "{website_id}/templates", "the attempt span's url.template")
		assert.Contains(t, strings.Join(traces, ""), "crispwa", "the service name")
	}
	if assert.NotEmpty(t, metrics, "metrics exported") {
		assert.Contains(t, strings.Join(metrics, ""), "http.client.request.duration")
	}
	for _, b := range append(traces, metrics...) {
		assert.NotContains(t, b, env["CRISP_WHATSAPP_KEY"])
		assert.NotContains(t, b, env["CRISP_WEBSITE_ID"], "the website ID stays out of url.template")
	}
}

func TestOtelNeedsAnEndpoint(t *testing.T) {
	_, env := fakeEnv(t)
	r := runWith(t, env, "--otel", "templates")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "OTEL_EXPORTER_OTLP_ENDPOINT")
	r = runWith(t, env, "--otel")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "crispwa --otel <command>")
}

// crispwa --otel fake is crispwa fake: no endpoint needed.
func TestOtelLeavesFakeAlone(t *testing.T) {
	r := runWith(t, map[string]string{}, "--otel", "fake", "--help")
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout+r.stderr, "fake")
}
