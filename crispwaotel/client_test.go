package crispwaotel_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/crispwaotel"
)

// Each kind of send gives one send span with its outcome, attempt spans
// (children of it) with the HTTP client attributes, and the counters.
func TestSendSpansAndMetrics(t *testing.T) {
	tests := []struct {
		name     string
		answer   func(n int64, w http.ResponseWriter, r *http.Request)
		outcome  string
		wantErr  error
		attempts []string // each attempt's http.response.status_code ("" none)
		errType  string   // the send span's error.type
		retries  int64    // crispwa.client.retries{reason=rate_limited}
	}{
		{"accepted", func(_ int64, w http.ResponseWriter, _ *http.Request) { accept(w) },
			"accepted", nil, []string{"200"}, "", 0},
		{"refused", func(_ int64, w http.ResponseWriter, _ *http.Request) {
			envelope(w, http.StatusBadRequest, true, "invalid_data", nil)
		}, "rejected", crispwa.ErrInvalidRequest, []string{"400"}, "400", 0},
		{"unknown: connection dropped after the request was written", func(_ int64, w http.ResponseWriter, _ *http.Request) {
			dropAfterRead(w)
		}, "unknown", crispwa.ErrSendOutcomeUnknown, []string{""}, "outcome_unknown", 0},
		{"rate-limited then accepted", func(n int64, w http.ResponseWriter, _ *http.Request) {
			if n == 1 {
				w.Header().Set("Retry-After", "0")
				envelope(w, http.StatusTooManyRequests, true, "rate_limited", nil)
				return
			}
			accept(w)
		}, "accepted", nil, []string{"429", "200"}, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t)
			srv, _, _ := api(t, tt.answer)
			c := client(t, srv, crispwaotel.ClientOption(rec.opts()...))
			res, err := c.Templates.Send(context.Background(), sendReq())
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
				assert.Equal(t, requestID, res.RequestID)
			}

			sends := rec.ended("crispwa.send")
			require.Len(t, sends, 1)
			send := sends[0]
			assert.Equal(t, tt.outcome, attr(send, "crispwa.send.outcome"))
			assert.Equal(t, "order_update", attr(send, "crispwa.template.name"))
			assert.Equal(t, "en_US", attr(send, "crispwa.template.language"))
			assert.Equal(t, "+336****5678", attr(send, "crispwa.recipient"))
			assert.Equal(t, tt.errType, attr(send, "error.type"))
			if tt.wantErr == nil {
				assert.Equal(t, requestID, attr(send, "crispwa.request_id"))
				assert.Equal(t, codes.Unset, send.Status().Code)
			} else {
				assert.Empty(t, attr(send, "crispwa.request_id"))
				assert.Equal(t, codes.Error, send.Status().Code)
			}

			attempts := rec.ended("POST")
			require.Len(t, attempts, len(tt.attempts))
			for i, a := range attempts {
				assert.Equal(t, trace.SpanKindClient, a.SpanKind())
				assert.Equal(t, send.SpanContext().SpanID(), a.Parent().SpanID(), "an attempt is a child of its send")
				assert.Equal(t, "POST", attr(a, "http.request.method"))
				assert.Equal(t, "127.0.0.1", attr(a, "server.address"))
				assert.NotEmpty(t, attr(a, "server.port"))
				assert.Equal(t, "/wa/api/website/{website_id}/template/send", attr(a, "url.template"))
				assert.Equal(t, "POST /wa/api/website/{website_id}/template/send", a.Name())
				assert.Equal(t, tt.attempts[i], attr(a, "http.response.status_code"))
				switch tt.attempts[i] {
				case "200":
					assert.Empty(t, attr(a, "error.type"))
					assert.Equal(t, "answered", attr(a, "crispwa.attempt.verdict"))
				case "":
					assert.NotEmpty(t, attr(a, "error.type"))
					assert.Equal(t, "unknown", attr(a, "crispwa.attempt.verdict"))
				default:
					assert.Equal(t, tt.attempts[i], attr(a, "error.type"))
				}
				if i > 0 {
					assert.Equal(t, "1", attr(a, "http.request.resend_count"))
				}
			}

			rm := rec.metrics(t)
			assert.EqualValues(t, 1, count(t, rm, "crispwa.client.sends", "", ""))
			assert.EqualValues(t, 1, count(t, rm, "crispwa.client.sends", "outcome", tt.outcome))
			assert.EqualValues(t, 1, count(t, rm, "crispwa.client.send.duration", "outcome", tt.outcome))
			assert.EqualValues(t, tt.retries, count(t, rm, "crispwa.client.retries", "reason", "rate_limited"))
			assert.EqualValues(t, tt.retries, count(t, rm, "crispwa.client.rate_limit.wait", "", ""))
			assert.EqualValues(t, len(tt.attempts), count(t, rm, "http.client.request.duration", "", ""))
		})
	}
}

// A send refused before any request (validation) is not_sent, with no
// attempt span.
func TestSendInvalidIsNotSent(t *testing.T) {
	rec := newRecorder(t)
	srv, n, _ := api(t, func(_ int64, w http.ResponseWriter, _ *http.Request) { accept(w) })
	c := client(t, srv, crispwaotel.ClientOption(rec.opts()...))
	req := sendReq()
	req.To = "not a number"
	_, err := c.Templates.Send(context.Background(), req)
	require.ErrorIs(t, err, crispwa.ErrInvalidRequest)
	assert.Zero(t, n.Load())
	sends := rec.ended("crispwa.send")
	require.Len(t, sends, 1)
	assert.Equal(t, "not_sent", attr(sends[0], "crispwa.send.outcome"))
	assert.Equal(t, "invalid_request", attr(sends[0], "error.type"))
	assert.Empty(t, rec.ended("POST"))
	assert.EqualValues(t, 1, count(t, rec.metrics(t), "crispwa.client.sends", "outcome", "not_sent"))
}

// The trace context reaches Crisp only with WithPropagation.
func TestTraceContextSentOnlyWhenAsked(t *testing.T) {
	for _, propagate := range []bool{false, true} {
		rec := newRecorder(t)
		srv, _, header := api(t, func(_ int64, w http.ResponseWriter, _ *http.Request) { accept(w) })
		opts := rec.opts()
		if propagate {
			opts = append(opts, crispwaotel.WithPropagation(propagation.TraceContext{}))
		}
		c := client(t, srv, crispwaotel.ClientOption(opts...))
		_, err := c.Templates.Send(context.Background(), sendReq())
		require.NoError(t, err)
		h := header.Load().(http.Header)
		if !propagate {
			assert.Empty(t, h.Get("Traceparent"), "no trace context unless asked")
			continue
		}
		attempt := rec.ended("POST")[0]
		assert.Equal(t, attempt.SpanContext().TraceID().String(), strings.Split(h.Get("Traceparent"), "-")[1])
		assert.True(t, strings.HasPrefix(h.Get("Authorization"), "Basic "), "the SDK's own headers are kept")
	}
}

// Reads (List) make attempt spans, with GET and the templates URL.
func TestReadAttemptSpans(t *testing.T) {
	rec := newRecorder(t)
	srv, _, _ := api(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			envelope(w, http.StatusBadGateway, true, "bad_gateway", nil)
			return
		}
		envelope(w, http.StatusOK, false, "listed", map[string]any{"templates": []any{}})
	})
	c := client(t, srv, crispwaotel.ClientOption(rec.opts()...))
	_, err := c.Templates.List(context.Background(), nil)
	require.NoError(t, err)
	gets := rec.ended("GET")
	require.Len(t, gets, 2)
	assert.Equal(t, "/wa/api/website/{website_id}/templates", attr(gets[0], "url.template"))
	assert.Equal(t, "502", attr(gets[0], "error.type"))
	assert.EqualValues(t, 1, count(t, rec.metrics(t), "crispwa.client.retries", "reason", "server_error"))
}

// SendChecked refused by the check makes no POST, and is still one send:
// a span with the outcome not_sent, counted in crispwa.client.sends. The
// fetch of the template is an attempt inside it.
func TestSendCheckedRefusedIsNotSent(t *testing.T) {
	rec := newRecorder(t)
	var posts atomic.Int64
	srv, _, _ := api(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
			accept(w)
			return
		}
		// The template has no {{1}}: the request's one parameter mismatches.
		envelope(w, http.StatusOK, false, "listed", map[string]any{"templates": []map[string]any{{
			"name": "order_update", "language": "en_US", "status": "APPROVED",
			"components": []map[string]any{{"type": "BODY", "text": "Your order shipped."}}}}})
	})
	c := client(t, srv, crispwaotel.ClientOption(rec.opts()...))
	_, err := c.Templates.SendChecked(context.Background(), sendReq())
	require.ErrorIs(t, err, crispwa.ErrInvalidRequest)
	tpl, err := c.Templates.Get(context.Background(), "order_update", "en_US")
	require.NoError(t, err)
	_, err = c.Templates.SendCheckedWith(context.Background(), tpl, sendReq())
	require.ErrorIs(t, err, crispwa.ErrInvalidRequest)
	assert.Zero(t, posts.Load(), "no send request")

	sends := rec.ended("crispwa.send")
	require.Len(t, sends, 2)
	for _, s := range sends {
		assert.Equal(t, "not_sent", attr(s, "crispwa.send.outcome"))
		assert.Equal(t, "invalid_request", attr(s, "error.type"))
		assert.Equal(t, codes.Error, s.Status().Code)
	}
	fetch := rec.ended("GET")
	require.NotEmpty(t, fetch)
	assert.Equal(t, sends[0].SpanContext().SpanID(), fetch[0].Parent().SpanID(), "the template fetch is inside the send")
	rm := rec.metrics(t)
	assert.EqualValues(t, 2, count(t, rm, "crispwa.client.sends", "outcome", "not_sent"))
	assert.EqualValues(t, 0, count(t, rm, "crispwa.client.sends", "outcome", "accepted"))
}

// recordOnly samples nothing but records every span: its spans are
// recording and not sampled.
type recordOnly struct{}

func (recordOnly) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	return sdktrace.SamplingResult{Decision: sdktrace.RecordOnly, Tracestate: trace.SpanContextFromContext(p.ParentContext).TraceState()}
}
func (recordOnly) Description() string { return "RecordOnly" }

// A span that records without being sampled (a RecordOnly sampler) gets
// its attributes all the same: a sampled span is known to record without
// asking, an unsampled one is asked.
func TestRecordingUnsampledSpansGetAttributes(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(recordOnly{}), sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	srv, _, _ := api(t, func(_ int64, w http.ResponseWriter, _ *http.Request) { accept(w) })
	c := client(t, srv, crispwaotel.ClientOption(crispwaotel.WithTracerProvider(tp), crispwaotel.WithMeterProvider(metricnoop.NewMeterProvider())))
	_, err := c.Templates.Send(context.Background(), sendReq())
	require.NoError(t, err)
	ended := spans.Ended()
	require.Len(t, ended, 2)
	for _, s := range ended {
		assert.False(t, s.SpanContext().IsSampled())
	}
	send, attempt := ended[1], ended[0]
	assert.Equal(t, "crispwa.send", send.Name())
	assert.Equal(t, "accepted", attr(send, "crispwa.send.outcome"))
	assert.Equal(t, requestID, attr(send, "crispwa.request_id"))
	assert.Equal(t, "200", attr(attempt, "http.response.status_code"))
}
