package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/crispwa/crispwa/crispwaotel"
	"github.com/crispwa/crispwa/internal/testenv"
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

// unknownGauge runs args with a crispwaotel observer on a manual metric
// reader, as --otel would, and returns the command's result with the value
// crispwa.bulk.unknown reached in that process.
func unknownGauge(t *testing.T, env map[string]string, args ...string) (result, int64) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	var stdout, stderr testenv.Buffer
	e := &cmdEnv{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return env[k] },
		observer: crispwaotel.NewObserver(crispwaotel.WithMeterProvider(mp), crispwaotel.WithTracerProvider(tracenoop.NewTracerProvider()))}
	code := dispatch(context.Background(), e, args)
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	var n int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == "crispwa.bulk.unknown" {
				for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
					n += p.Value
				}
			}
		}
	}
	return result{code, stdout.String(), stderr.String()}, n
}

// bulk resolve on a journal takes each unknown outcome it settles off
// crispwa.bulk.unknown (the campaign's run counted it up), and only those.
func TestBulkResolveLowersUnknownGauge(t *testing.T) {
	const journal = `{"time":"2026-01-01T10:00:00Z","event":"sending","key":"a"}
{"time":"2026-01-01T10:00:01Z","event":"unknown","key":"a","reason":"EOF"}
{"time":"2026-01-01T10:00:02Z","event":"sending","key":"b"}
{"time":"2026-01-01T10:00:03Z","event":"unknown","key":"b","reason":"EOF"}
{"time":"2026-01-01T10:00:04Z","event":"sending","key":"crashed"}
{"time":"2026-01-01T10:00:06Z","event":"sending","key":"ok"}
{"time":"2026-01-01T10:00:07Z","event":"accepted","key":"ok","request_id":"r"}
`
	path := filepath.Join(t.TempDir(), "c.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(journal), 0o600))
	r, n := unknownGauge(t, nil, "bulk", "resolve", "--journal", path, "--key", "a", "--key", "ok", "--sent")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.EqualValues(t, -1, n, "a was unknown, ok was not")
	r, n = unknownGauge(t, nil, "bulk", "resolve", "--journal", path, "--all-unknown", "--not-sent")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.EqualValues(t, -2, n, "b, and crashed (left sending)")
}

// bulk resolve --store does the same on the campaigns' Postgres database.
func TestBulkResolveStoreLowersUnknownGauge(t *testing.T) {
	url := testenv.PostgresDatabase(t)
	_, env := fakeEnv(t)
	r := runWith(t, env, storeArgs(t, url, "spring", "order_update", orderCSV)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `UPDATE crispwa_recipients SET status = 'unknown' WHERE campaign = 'spring' AND key LIKE '%+3360000000_' AND key NOT LIKE '%4'`)
	require.NoError(t, err)

	r, n := unknownGauge(t, env, "bulk", "resolve", "--store", url, "--campaign", "spring", "--key", "order_update/en_US/+33600000001", "--sent")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.EqualValues(t, -1, n)
	r, n = unknownGauge(t, env, "bulk", "resolve", "--store", url, "--campaign", "spring", "--key", "order_update/en_US/+33600000004", "--sent")
	assert.Equal(t, exitFailure, r.code, "not unknown")
	assert.Zero(t, n)
	r, n = unknownGauge(t, env, "bulk", "resolve", "--store", url, "--campaign", "spring", "--all-unknown", "--sent")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.EqualValues(t, -2, n)
}

// tracedRun runs args with a crispwaotel observer on an in-memory span
// recorder, as --otel would, and returns the command's result and the
// ended spans.
func tracedRun(t *testing.T, env map[string]string, args ...string) (result, []sdktrace.ReadOnlySpan) {
	t.Helper()
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	var stdout, stderr testenv.Buffer
	e := &cmdEnv{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return env[k] },
		observer: crispwaotel.NewObserver(crispwaotel.WithTracerProvider(tp), crispwaotel.WithMeterProvider(metricnoop.NewMeterProvider()),
			crispwaotel.WithSpanStore(crispwaotel.NewMemorySpanStore(0)))}
	code := dispatch(context.Background(), e, args)
	return result{code, stdout.String(), stderr.String()}, spans.Ended()
}

// spanNamed returns the ended span named name; it fails the test unless
// there is exactly one.
func spanNamed(t *testing.T, spans []sdktrace.ReadOnlySpan, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	var found []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.Name() == name {
			found = append(found, s)
		}
	}
	require.Len(t, found, 1, "spans named %s", name)
	return found[0]
}

func spanAttr(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.String()
		}
	}
	return ""
}

// With --otel, send --wait and demo trace their wait for the callback (a
// crispwa.callback.wait span with its result), the send, and the callback,
// linked to the send.
func TestOtelTracesSendWaitAndDemo(t *testing.T) {
	t.Run("send --wait", func(t *testing.T) {
		srv, env := fakeEnv(t)
		addr := freeAddr(t)
		srv.SetCallbackURL("http://" + addr + "/cb?token=tok")
		r, spans := tracedRun(t, env, args("--wait", "--listen", addr, "--token", "tok", "--timeout", "5s")...)
		require.Equal(t, exitOK, r.code, r.stderr)
		wait := spanNamed(t, spans, "crispwa.callback.wait")
		assert.Equal(t, "delivered", spanAttr(wait, "crispwa.wait.result"))
		send := spanNamed(t, spans, "crispwa.send")
		assert.Equal(t, spanAttr(send, "crispwa.request_id"), spanAttr(wait, "crispwa.request_id"))
		cb := spanNamed(t, spans, "crispwa.callback")
		linked := len(cb.Links()) == 1 && cb.Links()[0].SpanContext.SpanID() == send.SpanContext().SpanID() ||
			len(send.Links()) == 1 && send.Links()[0].SpanContext.SpanID() == cb.SpanContext().SpanID()
		assert.True(t, linked, "the callback's span and the send's are linked")
	})
	t.Run("send --wait, no callback", func(t *testing.T) {
		_, env := fakeEnv(t)
		r, spans := tracedRun(t, env, args("--wait", "--listen", "127.0.0.1:0", "--timeout", "300ms")...)
		assert.Equal(t, exitUnknown, r.code, r.stderr)
		assert.Equal(t, "timeout", spanAttr(spanNamed(t, spans, "crispwa.callback.wait"), "crispwa.wait.result"))
	})
	t.Run("demo", func(t *testing.T) {
		r, spans := tracedRun(t, map[string]string{}, "demo")
		require.Equal(t, exitOK, r.code, r.stderr)
		var waits []string
		for _, s := range spans {
			if s.Name() == "crispwa.callback.wait" {
				waits = append(waits, spanAttr(s, "crispwa.wait.result"))
			}
		}
		assert.Contains(t, waits, "delivered")
		assert.Contains(t, waits, "failed", "the demo's send of a template not approved")
		var names []string
		for _, s := range spans {
			names = append(names, s.Name())
		}
		assert.Contains(t, names, "crispwa.send", "the demo's client is traced")
	})
}
