package crispwaotel_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/crispwaotel"
	"github.com/crispwa/crispwa/redisstore"
)

const token = "callback-token-1234"

// deliver posts body to h (with the token when withToken) and returns the
// status.
func deliver(h http.Handler, body string, withToken bool) int {
	target := "/crisp/callback"
	if withToken {
		target += "?token=" + token
	}
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

func callbackBody(id string) string {
	return `{"error":false,"reason":"sent","data":{"request_id":"` + id + `","crisp_fingerprint":1,"whatsapp_message_id":"wamid.1","session_id":"session_1"}}`
}

// Every result a Handler gives is one span and one count, with the failure
// class of a send that failed.
func TestCallbackResults(t *testing.T) {
	rec := newRecorder(t)
	fail := errors.New("database down")
	h := callback.NewHandler(func(_ context.Context, ev *crispwa.CallbackEvent) error {
		if ev.RequestID == "req-fails" {
			return fail
		}
		return nil
	}, callback.WithToken(token), crispwaotel.HandlerOption(rec.opts()...))

	failed := `{"error":true,"reason":"(#131026) Message undeliverable","data":{"request_id":"req-2"}}`
	assert.Equal(t, 200, deliver(h, callbackBody("req-1"), true))
	assert.Equal(t, 200, deliver(h, callbackBody("req-1"), true))
	assert.Equal(t, 200, deliver(h, failed, true))
	assert.Equal(t, 401, deliver(h, callbackBody("req-3"), false))
	assert.Equal(t, 400, deliver(h, `{"nothing":1}`, true))
	assert.Equal(t, 500, deliver(h, callbackBody("req-fails"), true))

	rm := rec.metrics(t)
	assert.EqualValues(t, 2, count(t, rm, "crispwa.callback.deliveries", "result", "handled"))
	assert.EqualValues(t, 1, count(t, rm, "crispwa.callback.deliveries", "result", "duplicate"))
	assert.EqualValues(t, 2, count(t, rm, "crispwa.callback.deliveries", "result", "refused"))
	assert.EqualValues(t, 1, count(t, rm, "crispwa.callback.deliveries", "result", "failed"))
	assert.EqualValues(t, 1, count(t, rm, "crispwa.callback.deliveries", "failure.class", "recipient"))

	spans := rec.ended("crispwa.callback")
	require.Len(t, spans, 6)
	var results []string
	for _, s := range spans {
		results = append(results, attr(s, "crispwa.callback.result"))
		assert.Equal(t, trace.SpanKindConsumer, s.SpanKind())
	}
	assert.Equal(t, []string{"handled", "duplicate", "handled", "refused", "refused", "failed"}, results)
	assert.Equal(t, "req-1", attr(spans[0], "crispwa.request_id"))
	assert.Equal(t, "recipient", attr(spans[2], "failure.class"))
	assert.Equal(t, "131026", attr(spans[2], "crispwa.failure.code"))
	assert.Equal(t, "401", attr(spans[3], "http.response.status_code"))
}

// The HandlerFunc runs under the callback's span, so that its own spans are
// children of it.
func TestHandlerFuncRunsUnderCallbackSpan(t *testing.T) {
	rec := newRecorder(t)
	var inner trace.SpanContext
	h := callback.NewHandler(func(ctx context.Context, _ *crispwa.CallbackEvent) error {
		inner = trace.SpanContextFromContext(ctx)
		return nil
	}, crispwaotel.HandlerOption(rec.opts()...))
	require.Equal(t, 200, deliver(h, callbackBody("req-1"), false))
	spans := rec.ended("crispwa.callback")
	require.Len(t, spans, 1)
	assert.Equal(t, spans[0].SpanContext().SpanID(), inner.SpanID())
}

// sendThenCallback sends on replica A (its own tracer, meter and client)
// and delivers the callback to replica B (its own), each with its own
// SpanStore value; it checks B's callback span links to A's send span.
func sendThenCallback(t *testing.T, storeA, storeB crispwaotel.SpanStore) (a, b *recorder) {
	t.Helper()
	a, b = newRecorder(t), newRecorder(t)
	srv, _, _ := api(t, func(_ int64, w http.ResponseWriter, _ *http.Request) { accept(w) })
	c := client(t, srv, crispwaotel.ClientOption(a.opts(crispwaotel.WithSpanStore(storeA))...))
	_, err := c.Templates.Send(context.Background(), sendReq())
	require.NoError(t, err)
	sends := a.ended("crispwa.send")
	require.Len(t, sends, 1)

	time.Sleep(5 * time.Millisecond) // a measurable delay
	h := callback.NewHandler(nil, crispwaotel.HandlerOption(b.opts(crispwaotel.WithSpanStore(storeB))...))
	require.Equal(t, 200, deliver(h, callbackBody(requestID), false))
	cbs := b.ended("crispwa.callback")
	require.Len(t, cbs, 1)
	links := cbs[0].Links()
	require.Len(t, links, 1, "the callback's span links to the send's")
	assert.Equal(t, sends[0].SpanContext().TraceID(), links[0].SpanContext.TraceID())
	assert.Equal(t, sends[0].SpanContext().SpanID(), links[0].SpanContext.SpanID())

	m, ok := find(b.metrics(t), "crispwa.callback.delay")
	require.True(t, ok, "the callback delay is measured")
	p := m.Data.(metricdata.Histogram[float64]).DataPoints
	require.Len(t, p, 1)
	assert.GreaterOrEqual(t, p[0].Sum, 0.005)
	assert.Less(t, p[0].Sum, 5.0)
	return a, b
}

// A callback on replica B is linked to the send span started on replica A,
// through Redis.
func TestCallbackLinkedAcrossReplicasThroughRedis(t *testing.T) {
	rdbA, rdbB := sharedRedis(t), sharedRedis(t) // two connections: two replicas
	prefix := "crispwa-test:otel:" + time.Now().Format("150405.000000000")
	storeA := redisstore.New(rdbA, redisstore.WithPrefix(prefix))
	storeB := redisstore.New(rdbB, redisstore.WithPrefix(prefix))
	t.Cleanup(func() { _ = storeA.Close(); _ = storeB.Close() })
	sendThenCallback(t, storeA, storeB)
}

// In one process, the memory SpanStore links them the same way.
func TestCallbackLinkedThroughMemory(t *testing.T) {
	s := crispwaotel.NewMemorySpanStore(0)
	sendThenCallback(t, s, s)
}

// Without a link in the store (an unknown request_id, or a value that is
// not a span context), the callback still has its span, unlinked.
func TestCallbackWithoutLink(t *testing.T) {
	rec := newRecorder(t)
	s := crispwaotel.NewMemorySpanStore(10)
	require.NoError(t, s.PutSpan(context.Background(), "req-garbage", "00-zz-yy-01 12", time.Minute))
	h := callback.NewHandler(nil, crispwaotel.HandlerOption(rec.opts(crispwaotel.WithSpanStore(s))...))
	require.Equal(t, 200, deliver(h, callbackBody("req-none"), false))
	require.Equal(t, 200, deliver(h, callbackBody("req-garbage"), false))
	for _, cb := range rec.ended("crispwa.callback") {
		assert.Empty(t, cb.Links())
	}
	_, ok := find(rec.metrics(t), "crispwa.callback.delay")
	assert.False(t, ok)
}

// failingStore fails every call.
type failingStore struct{}

func (failingStore) PutSpan(context.Context, string, string, time.Duration) error {
	return errors.New("store down")
}
func (failingStore) GetSpan(context.Context, string) (string, error) {
	return "", errors.New("store down")
}

// A failing SpanStore fails neither the send nor the callback.
func TestFailingSpanStoreFailsNothing(t *testing.T) {
	rec := newRecorder(t)
	srv, _, _ := api(t, func(_ int64, w http.ResponseWriter, _ *http.Request) { accept(w) })
	c := client(t, srv, crispwaotel.ClientOption(rec.opts(crispwaotel.WithSpanStore(failingStore{}))...))
	_, err := c.Templates.Send(context.Background(), sendReq())
	require.NoError(t, err)
	h := callback.NewHandler(nil, crispwaotel.HandlerOption(rec.opts(crispwaotel.WithSpanStore(failingStore{}))...))
	require.Equal(t, 200, deliver(h, callbackBody(requestID), false))
	send := rec.ended("crispwa.send")[0]
	require.Len(t, send.Events(), 1)
	assert.Equal(t, "crispwa.span_store.failed", send.Events()[0].Name)
}

// Campaign outcomes keep the count of unresolved unknown outcomes.
func TestBulkUnknown(t *testing.T) {
	rec := newRecorder(t)
	o := crispwaotel.NewObserver(rec.opts()...)
	ctx := context.Background()
	o.CampaignOutcome(ctx, crispwa.CampaignOutcome{Outcome: crispwa.OutcomeUnknown})
	o.CampaignOutcome(ctx, crispwa.CampaignOutcome{Outcome: crispwa.OutcomeUnknown})
	o.CampaignOutcome(ctx, crispwa.CampaignOutcome{Outcome: crispwa.OutcomeAccepted})
	o.CampaignOutcome(ctx, crispwa.CampaignOutcome{Outcome: crispwa.OutcomeAccepted, WasUnknown: true})
	rm := rec.metrics(t)
	assert.EqualValues(t, 1, count(t, rm, "crispwa.bulk.unknown", "", ""))
	assert.EqualValues(t, 2, count(t, rm, "crispwa.bulk.outcomes", "outcome", "accepted"))
}

// No metric attribute, on any point of any metric, holds a phone number, a
// request_id or the website ID, whatever happened: with the SDK's tracer,
// and with metrics only (a no-op tracer).
func TestMetricAttributesHoldNoIdentifiers(t *testing.T) {
	t.Run("traces and metrics", func(t *testing.T) { metricAttributesHoldNoIdentifiers(t, false) })
	t.Run("metrics only", func(t *testing.T) { metricAttributesHoldNoIdentifiers(t, true) })
}

func metricAttributesHoldNoIdentifiers(t *testing.T, metricsOnly bool) {
	rec := newRecorder(t)
	opts := rec.opts
	if metricsOnly {
		opts = func(more ...crispwaotel.Option) []crispwaotel.Option {
			return append([]crispwaotel.Option{crispwaotel.WithTracerProvider(tracenoop.NewTracerProvider()), crispwaotel.WithMeterProvider(rec.mp)}, more...)
		}
	}
	store := crispwaotel.NewMemorySpanStore(0)
	srv, _, _ := api(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
		switch n % 4 {
		case 0:
			accept(w)
		case 1:
			w.Header().Set("Retry-After", "0")
			envelope(w, http.StatusTooManyRequests, true, "rate_limited "+to+" "+website, nil)
		case 2:
			envelope(w, http.StatusBadRequest, true, "invalid number "+to+" for "+website, nil)
		case 3:
			dropAfterRead(w)
		}
	})
	c := client(t, srv, crispwaotel.ClientOption(opts(crispwaotel.WithSpanStore(store))...))
	for range 8 {
		_, _ = c.Templates.Send(context.Background(), sendReq())
		_, _ = c.Templates.List(context.Background(), nil)
	}
	accepted := false
	for i := 0; i < 8 && !accepted; i++ { // one accepted send for the callback to link to
		_, err := c.Templates.Send(context.Background(), sendReq())
		accepted = err == nil
	}
	require.True(t, accepted)
	h := callback.NewHandler(nil, callback.WithToken(token), crispwaotel.HandlerOption(opts(crispwaotel.WithSpanStore(store))...))
	deliver(h, callbackBody(requestID), true)
	deliver(h, callbackBody(requestID), true)
	deliver(h, `{"error":true,"reason":"(#131026) undeliverable to `+to+`","data":{"request_id":"`+requestID+`x"}}`, true)
	deliver(h, callbackBody(requestID), false)
	o := crispwaotel.NewObserver(opts()...)
	o.CampaignOutcome(context.Background(), crispwa.CampaignOutcome{Campaign: website, Outcome: crispwa.OutcomeUnknown})
	tr := callback.NewTracker(crispwaotel.TrackerOption(opts()...))
	require.NoError(t, tr.Handle(context.Background(), &crispwa.CallbackEvent{RequestID: requestID, WhatsAppMessageID: "wamid.1"}))
	_, err := tr.Wait(context.Background(), requestID)
	require.NoError(t, err)

	digits := regexp.MustCompile(`\d{6,}`)
	rm := rec.metrics(t)
	points := 0
	check := func(name string, set attribute.Set) {
		points++
		for _, kv := range set.ToSlice() {
			v := kv.Value.String()
			for _, bad := range []string{requestID, website, to, "5678", "3361234"} {
				assert.NotContains(t, v, bad, "%s: attribute %s", name, kv.Key)
			}
			assert.False(t, digits.MatchString(v), "%s: attribute %s=%q looks like a number", name, kv.Key, v)
		}
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					check(m.Name, p.Attributes)
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					check(m.Name, p.Attributes)
				}
			default:
				t.Errorf("%s: unexpected %T", m.Name, m.Data)
			}
		}
	}
	assert.Greater(t, points, 10, "points were checked")
	for _, name := range []string{"crispwa.client.sends", "crispwa.client.send.duration", "crispwa.client.retries",
		"crispwa.client.rate_limit.wait", "crispwa.callback.deliveries", "crispwa.callback.delay", "crispwa.bulk.unknown", "crispwa.callback.wait.duration"} {
		if _, ok := find(rm, name); !ok && (name != "crispwa.callback.delay" || !metricsOnly) {
			t.Errorf("%s not recorded", name) // the delay needs a traced send
		}
	}
	// Spans: the recipient only masked, never a credential or the callback
	// token, in anything a span carries (name, status, attributes, events,
	// links), although the server's refusals above quote the number.
	spans := rec.spans.Ended()
	require.Equal(t, metricsOnly, len(spans) == 0, "spans only when traced")
	for _, s := range spans {
		texts := []string{s.Name(), s.Status().Description}
		texts = append(texts, values(s.Attributes())...)
		for _, e := range s.Events() {
			texts = append(texts, e.Name)
			texts = append(texts, values(e.Attributes)...)
		}
		for _, l := range s.Links() {
			texts = append(texts, values(l.Attributes)...)
		}
		for _, v := range texts {
			for _, bad := range []string{to, "3361234", creds.Key, creds.Identifier, token} {
				assert.NotContains(t, v, bad, "span %s", s.Name())
			}
		}
	}
}

// values are the attributes' values as text.
func values(kvs []attribute.KeyValue) []string {
	var out []string
	for _, kv := range kvs {
		out = append(out, kv.Value.String())
	}
	return out
}

// callbackBeforeSend has the API deliver the callback to replica B's
// handler before it answers replica A's send (as the fake can): B's
// callback span cannot find the send's span context yet, so it leaves its
// own, and A's send span links to it when the send returns. A later
// redelivery finds the send's and links to it.
func callbackBeforeSend(t *testing.T, storeA, storeB crispwaotel.SpanStore) {
	t.Helper()
	a, b := newRecorder(t), newRecorder(t)
	h := callback.NewHandler(nil, crispwaotel.HandlerOption(b.opts(crispwaotel.WithSpanStore(storeB))...))
	srv, _, _ := api(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		if code := deliver(h, callbackBody(requestID), false); code != 200 {
			t.Errorf("early callback answered %d", code)
		}
		accept(w)
	})
	c := client(t, srv, crispwaotel.ClientOption(a.opts(crispwaotel.WithSpanStore(storeA))...))
	_, err := c.Templates.Send(context.Background(), sendReq())
	require.NoError(t, err)

	cbs := b.ended("crispwa.callback")
	require.Len(t, cbs, 1)
	assert.Empty(t, cbs[0].Links(), "the send's span context was not there yet")
	sends := a.ended("crispwa.send")
	require.Len(t, sends, 1)
	links := sends[0].Links()
	require.Len(t, links, 1, "the send's span links to the callback that came first")
	assert.Equal(t, cbs[0].SpanContext().SpanID(), links[0].SpanContext.SpanID())
	assert.Equal(t, cbs[0].SpanContext().TraceID(), links[0].SpanContext.TraceID())
	assert.Contains(t, links[0].Attributes, attribute.String("crispwa.link", "callback"))

	require.Equal(t, 200, deliver(h, callbackBody(requestID), false)) // a redelivery (a duplicate)
	cbs = b.ended("crispwa.callback")
	require.Len(t, cbs, 2)
	require.Len(t, cbs[1].Links(), 1)
	assert.Equal(t, sends[0].SpanContext().SpanID(), cbs[1].Links()[0].SpanContext.SpanID())
}

func TestCallbackBeforeSendLinkedThroughMemory(t *testing.T) {
	s := crispwaotel.NewMemorySpanStore(0)
	callbackBeforeSend(t, s, s)
}

func TestCallbackBeforeSendLinkedAcrossReplicasThroughRedis(t *testing.T) {
	rdbA, rdbB := sharedRedis(t), sharedRedis(t)
	prefix := "crispwa-test:otel-early:" + time.Now().Format("150405.000000000")
	storeA := redisstore.New(rdbA, redisstore.WithPrefix(prefix))
	storeB := redisstore.New(rdbB, redisstore.WithPrefix(prefix))
	t.Cleanup(func() { _ = storeA.Close(); _ = storeB.Close() })
	callbackBeforeSend(t, storeA, storeB)
}

// putGetOnly hides a store's SpanSwapper methods.
type putGetOnly struct{ crispwaotel.SpanStore }

// A store that is not a SpanSwapper still links a callback that comes
// after its send; one that came first stays unlinked, and leaves nothing.
func TestCallbackBeforeSendWithoutSwapper(t *testing.T) {
	rec := newRecorder(t)
	s := putGetOnly{crispwaotel.NewMemorySpanStore(0)}
	h := callback.NewHandler(nil, crispwaotel.HandlerOption(rec.opts(crispwaotel.WithSpanStore(s))...))
	srv, _, _ := api(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		deliver(h, callbackBody(requestID), false)
		accept(w)
	})
	c := client(t, srv, crispwaotel.ClientOption(rec.opts(crispwaotel.WithSpanStore(s))...))
	_, err := c.Templates.Send(context.Background(), sendReq())
	require.NoError(t, err)
	assert.Empty(t, rec.ended("crispwa.send")[0].Links())
	deliver(h, callbackBody(requestID), false)
	cbs := rec.ended("crispwa.callback")
	require.Len(t, cbs, 2)
	assert.Empty(t, cbs[0].Links())
	assert.Len(t, cbs[1].Links(), 1)
}

// A Tracker's Wait is a span (a child of the caller's) and a point of
// crispwa.callback.wait.duration, by result.
func TestTrackerWaitSpansAndMetric(t *testing.T) {
	rec := newRecorder(t)
	tr := callback.NewTracker(crispwaotel.TrackerOption(rec.opts()...))
	ctx, parent := rec.tp.Tracer("test").Start(context.Background(), "caller")
	require.NoError(t, tr.Handle(ctx, &crispwa.CallbackEvent{RequestID: "req-1", WhatsAppMessageID: "wamid.1"}))
	_, err := tr.Wait(ctx, "req-1")
	require.NoError(t, err)
	short, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
	defer cancel()
	_, err = tr.Wait(short, "req-2")
	require.Error(t, err)
	parent.End()

	waits := rec.ended("crispwa.callback.wait")
	require.Len(t, waits, 2)
	assert.Equal(t, "delivered", attr(waits[0], "crispwa.wait.result"))
	assert.Equal(t, "req-1", attr(waits[0], "crispwa.request_id"))
	assert.Equal(t, parent.SpanContext().SpanID(), waits[0].Parent().SpanID())
	assert.Equal(t, "timeout", attr(waits[1], "crispwa.wait.result"))
	assert.Equal(t, codes.Error, waits[1].Status().Code)
	rm := rec.metrics(t)
	assert.EqualValues(t, 1, count(t, rm, "crispwa.callback.wait.duration", "result", "delivered"))
	assert.EqualValues(t, 1, count(t, rm, "crispwa.callback.wait.duration", "result", "timeout"))
}
