package crispwaotel_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/crispwaotel"
	"github.com/crispwa/crispwa/internal/testenv"
)

const (
	website   = "8c842203-7ed8-4e29-a608-7cf78a7d2fcc"
	to        = "+33612345678"
	requestID = "5c0f9e2e-8d0a-4cf4-9a55-1b2c3d4e5f60"
	sendPath  = "/wa/api/website/" + website + "/template/send"
)

var creds = crispwa.Credentials{Identifier: "ident-1234", Key: "s3cr3t-key-never-print"}

// recorder is an in-memory trace and metric pipeline.
type recorder struct {
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
}

func newRecorder(t *testing.T) *recorder {
	t.Helper()
	r := &recorder{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	r.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.spans))
	r.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))
	t.Cleanup(func() {
		_ = r.tp.Shutdown(context.Background())
		_ = r.mp.Shutdown(context.Background())
	})
	return r
}

func (r *recorder) opts(more ...crispwaotel.Option) []crispwaotel.Option {
	return append([]crispwaotel.Option{crispwaotel.WithTracerProvider(r.tp), crispwaotel.WithMeterProvider(r.mp)}, more...)
}

// ended returns the ended spans named name.
func (r *recorder) ended(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range r.spans.Ended() {
		if name == "" || s.Name() == name || strings.HasPrefix(s.Name(), name+" ") {
			out = append(out, s)
		}
	}
	return out
}

// metrics collects every metric recorded so far.
func (r *recorder) metrics(t *testing.T) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, r.reader.Collect(context.Background(), &rm))
	return rm
}

// find returns the metric named name.
func find(rm metricdata.ResourceMetrics, name string) (metricdata.Metrics, bool) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

// count is the value of the counter name for the point whose attribute key
// is value (summed over the points that match).
func count(t *testing.T, rm metricdata.ResourceMetrics, name, key, value string) int64 {
	t.Helper()
	m, ok := find(rm, name)
	if !ok {
		return 0
	}
	var n int64
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			if v, ok := p.Attributes.Value(attrKey(key)); key == "" || ok && v.String() == value {
				n += p.Value
			}
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			if v, ok := p.Attributes.Value(attrKey(key)); key == "" || ok && v.String() == value {
				n += int64(p.Count)
			}
		}
	default:
		t.Fatalf("%s: unexpected data %T", name, m.Data)
	}
	return n
}

// attr returns the value of a span's attribute key, "" when absent.
func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.String()
		}
	}
	return ""
}

// api is a fake Crisp send endpoint whose answer to each request is chosen
// by answer (called with the request's number, from 1).
func api(t *testing.T, answer func(n int64, w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int64, *atomic.Value) {
	t.Helper()
	var n atomic.Int64
	var lastHeader atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lastHeader.Store(r.Header.Clone())
		_, _ = io.Copy(io.Discard, r.Body)
		answer(n.Add(1), w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n, &lastHeader
}

func envelope(w http.ResponseWriter, status int, isErr bool, reason string, data any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": isErr, "reason": reason, "data": data})
}

func accept(w http.ResponseWriter) {
	envelope(w, http.StatusOK, false, "dispatched", map[string]string{"request_id": requestID})
}

func dropAfterRead(w http.ResponseWriter) {
	if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
		_ = conn.Close()
	}
}

func client(t *testing.T, srv *httptest.Server, opts ...crispwa.Option) *crispwa.Client {
	t.Helper()
	c, err := crispwa.NewClient(website, creds, append([]crispwa.Option{
		crispwa.WithBaseURL(srv.URL + "/wa/api/"), crispwa.WithRetryWait(time.Millisecond, 5*time.Millisecond)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func sendReq() *crispwa.SendTemplateRequest {
	return &crispwa.SendTemplateRequest{
		From: "+33100000000", To: to,
		Template: crispwa.MessageTemplate{Name: "order_update", Language: "en_US", Components: []crispwa.Component{
			{Type: "BODY", Parameters: []crispwa.Parameter{{Type: "text", Text: "John"}}},
		}},
	}
}

// sharedRedis returns a client of the Redis named by CRISPWA_REDIS_ADDR, or
// skips the test (fails it in CI) when there is none.
func sharedRedis(t *testing.T) *redis.Client {
	t.Helper()
	addr := os.Getenv("CRISPWA_REDIS_ADDR")
	if addr == "" {
		testenv.Missing(t, "Redis", "install redis-server and set CRISPWA_REDIS_ADDR=127.0.0.1:6379")
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	require.NoError(t, rdb.Ping(ctx).Err(), "Redis at CRISPWA_REDIS_ADDR=%s", addr)
	return rdb
}

func attrKey(k string) attribute.Key { return attribute.Key(k) }
