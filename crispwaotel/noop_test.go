package crispwaotel_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/crispwaotel"
)

func noopOpts() []crispwaotel.Option {
	return []crispwaotel.Option{crispwaotel.WithTracerProvider(tracenoop.NewTracerProvider()),
		crispwaotel.WithMeterProvider(metricnoop.NewMeterProvider())}
}

// With no-op providers on both sides the observer has no hook at all, so
// that a Client, Handler or Tracker given it does what it does unobserved;
// propagation alone keeps its header hook.
func TestNoopProvidersSetNoHook(t *testing.T) {
	assert.Equal(t, crispwa.Observer{}, *crispwaotel.NewObserver(noopOpts()...))
	o := crispwaotel.NewObserver(append(noopOpts(), crispwaotel.WithPropagation(propagation.TraceContext{}))...)
	assert.NotNil(t, o.RequestHeader)
	o.RequestHeader = nil
	assert.Equal(t, crispwa.Observer{}, *o)

	rec := newRecorder(t)
	metricsOnly := crispwaotel.NewObserver(crispwaotel.WithTracerProvider(tracenoop.NewTracerProvider()), crispwaotel.WithMeterProvider(rec.mp))
	assert.Nil(t, metricsOnly.SendStart)
	assert.Nil(t, metricsOnly.AttemptStart)
	assert.Nil(t, metricsOnly.WaitStart)
	assert.Nil(t, metricsOnly.CallbackStart, "no span store: nothing to look up")
	assert.NotNil(t, metricsOnly.SendDone)
	assert.NotNil(t, metricsOnly.CallbackDone)
	tracesOnly := crispwaotel.NewObserver(crispwaotel.WithTracerProvider(rec.tp), crispwaotel.WithMeterProvider(metricnoop.NewMeterProvider()))
	assert.NotNil(t, tracesOnly.SendStart)
	assert.NotNil(t, tracesOnly.CallbackStart)
}

// A Send, and a callback delivery, with crispwaotel on no-op providers
// allocate no more than without an observer. The Send's answer comes from
// an in-process transport, so that nothing else allocates meanwhile.
func TestNoopProvidersAllocateNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts: not with -short")
	}
	newClient := func(opts ...crispwa.Option) *crispwa.Client {
		c, err := crispwa.NewClient(website, creds, append(opts, crispwa.WithBaseURL("http://127.0.0.1:1/wa/api/"),
			crispwa.WithHTTPClient(&http.Client{Transport: answerOK{}}))...)
		require.NoError(t, err)
		return c
	}
	none, noop := newClient(), newClient(crispwaotel.ClientOption(noopOpts()...))
	ctx, req := context.Background(), sendReq()
	send := func(c *crispwa.Client) func() {
		return func() {
			if _, err := c.Templates.Send(ctx, req); err != nil {
				t.Fatal(err)
			}
		}
	}
	base, observed := testing.AllocsPerRun(200, send(none)), testing.AllocsPerRun(200, send(noop))
	assert.InDelta(t, base, observed, allocSlack, "Send: allocations without an observer, and with no-op providers")

	bodies := make([]string, 4000)
	for i := range bodies {
		bodies[i] = callbackBody("req-" + strconv.Itoa(i))
	}
	n := 0
	deliverTo := func(h http.Handler) func() {
		r := httptest.NewRequest(http.MethodPost, "/callback?token="+token, nil)
		body := strings.NewReader("")
		return func() {
			body.Reset(bodies[n])
			n++
			r.Body = readCloser{body}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				t.Fatal(w.Code)
			}
		}
	}
	plain := deliverTo(callback.NewHandler(nil, callback.WithToken(token)))
	watched := deliverTo(callback.NewHandler(nil, callback.WithToken(token), crispwaotel.HandlerOption(noopOpts()...)))
	base, observed = testing.AllocsPerRun(200, plain), testing.AllocsPerRun(200, watched)
	assert.InDelta(t, base, observed, allocSlack, "delivery: allocations without an observer, and with no-op providers")
}

// answerOK is a transport that accepts every send, in process.
type answerOK struct{}

func (answerOK) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Request: r,
		Body: io.NopCloser(strings.NewReader(`{"error":false,"reason":"dispatched","data":{"request_id":"` + requestID + `"}}`))}, nil
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

// With a no-op tracer and a real meter, the metrics are recorded and the
// span of the caller's context (here a recording one) is left alone: no
// attribute, event or status of ours on it, and not ended.
func TestMetricsOnlyLeavesCallersSpan(t *testing.T) {
	rec, callers := newRecorder(t), newRecorder(t)
	opts := []crispwaotel.Option{crispwaotel.WithTracerProvider(tracenoop.NewTracerProvider()), crispwaotel.WithMeterProvider(rec.mp)}
	srv, _, _ := api(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "0")
			envelope(w, http.StatusTooManyRequests, true, "rate_limited", nil)
			return
		}
		accept(w)
	})
	c := client(t, srv, crispwaotel.ClientOption(opts...))
	ctx, caller := callers.tp.Tracer("test").Start(context.Background(), "caller")
	_, err := c.Templates.Send(ctx, sendReq())
	require.NoError(t, err)

	h := callback.NewHandler(nil, callback.WithToken(token), crispwaotel.HandlerOption(opts...))
	r := httptest.NewRequest(http.MethodPost, "/callback?token="+token, strings.NewReader(callbackBody(requestID))).WithContext(ctx)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.Code)
	r = httptest.NewRequest(http.MethodPost, "/callback", strings.NewReader(callbackBody(requestID))).WithContext(ctx)
	h.ServeHTTP(httptest.NewRecorder(), r) // refused: no token

	tr := callback.NewTracker(crispwaotel.TrackerOption(opts...))
	short, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	_, err = tr.Wait(short, "req-never")
	require.Error(t, err)

	assert.Empty(t, callers.spans.Ended(), "the caller's span was ended")
	started := callers.spans.Started()
	require.Len(t, started, 1)
	assert.Empty(t, started[0].Attributes())
	assert.Empty(t, started[0].Events())
	assert.Empty(t, started[0].Links())
	caller.End()
	assert.Empty(t, callers.ended("crispwa.send"))
	assert.Empty(t, rec.ended(""), "a no-op tracer records nothing")

	rm := rec.metrics(t)
	assert.EqualValues(t, 1, count(t, rm, "crispwa.client.sends", "outcome", "accepted"))
	assert.EqualValues(t, 1, count(t, rm, "crispwa.client.retries", "reason", "rate_limited"))
	assert.EqualValues(t, 2, count(t, rm, "http.client.request.duration", "", ""))
	assert.EqualValues(t, 1, count(t, rm, "crispwa.callback.deliveries", "result", "handled"))
	assert.EqualValues(t, 1, count(t, rm, "crispwa.callback.deliveries", "result", "refused"))
	assert.EqualValues(t, 1, count(t, rm, "crispwa.callback.wait.duration", "result", "timeout"))
}

// With a no-op tracer, a real meter and a span store, the callback delay
// is still measured when the send's replica traced it.
func TestMetricsOnlyHandlerMeasuresDelay(t *testing.T) {
	rec := newRecorder(t)
	store := crispwaotel.NewMemorySpanStore(16)
	srv, _, _ := api(t, func(_ int64, w http.ResponseWriter, _ *http.Request) { accept(w) })
	c := client(t, srv, crispwaotel.ClientOption(rec.opts(crispwaotel.WithSpanStore(store))...))
	_, err := c.Templates.Send(context.Background(), sendReq())
	require.NoError(t, err)

	metricsOnly := newRecorder(t)
	h := callback.NewHandler(nil, callback.WithToken(token), crispwaotel.HandlerOption(
		crispwaotel.WithTracerProvider(tracenoop.NewTracerProvider()), crispwaotel.WithMeterProvider(metricsOnly.mp), crispwaotel.WithSpanStore(store)))
	require.Equal(t, http.StatusOK, deliver(h, callbackBody(requestID), true))
	rm := metricsOnly.metrics(t)
	assert.EqualValues(t, 1, count(t, rm, "crispwa.callback.delay", "", ""))
	assert.EqualValues(t, 1, count(t, rm, "crispwa.callback.deliveries", "result", "handled"))
}
