package crispwa

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// statusThenOK answers status for the first `failures` requests, then okFn.
func statusThenOK(failures int64, status int, header http.Header, okFn http.HandlerFunc) http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= failures {
			for k, v := range header {
				w.Header()[k] = v
			}
			writeEnvelope(w, status, true, "failure_"+strconv.Itoa(status), nil)
			return
		}
		okFn(w, r)
	}
}

func okList(w http.ResponseWriter, _ *http.Request) {
	writeEnvelope(w, 200, false, "listed", map[string]any{"templates": []any{}})
}

func TestReadRetryPolicy(t *testing.T) {
	tests := []struct {
		status    int
		retried   bool
		sentinel  error
		retryHdr  string
		wantAfter time.Duration
	}{
		{http.StatusRequestTimeout, true, nil, "", 0},
		{420, true, ErrRateLimited, "", 0},
		{http.StatusTooManyRequests, true, ErrRateLimited, "0", 0},
		{http.StatusInternalServerError, true, ErrServer, "", 0},
		{http.StatusBadGateway, true, ErrServer, "", 0},
		{http.StatusServiceUnavailable, true, ErrServer, "", 0},
		{http.StatusNotImplemented, false, ErrServer, "", 0},
		{http.StatusBadRequest, false, ErrInvalidRequest, "", 0},
		{http.StatusUnauthorized, false, ErrUnauthorized, "", 0},
		{http.StatusForbidden, false, ErrUnauthorized, "", 0},
		{http.StatusNotFound, false, ErrNotFound, "", 0},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			h := http.Header{}
			if tt.retryHdr != "" {
				h.Set("Retry-After", tt.retryHdr)
			}
			// Always failing: the call gives up with the last answer.
			c, _, n := newTestClient(t, statusThenOK(1000, tt.status, h, okList), WithMaxRetries(2))
			_, err := c.Templates.List(context.Background(), nil)
			require.Error(t, err)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr, "give-up returns the last response's *APIError")
			assert.Equal(t, tt.status, apiErr.StatusCode)
			assert.Equal(t, "failure_"+strconv.Itoa(tt.status), apiErr.Reason)
			assert.Equal(t, http.MethodGet, apiErr.Method)
			if tt.sentinel != nil {
				assert.ErrorIs(t, err, tt.sentinel)
			}
			assert.NotContains(t, err.Error(), "giving up")
			want := int64(1)
			if tt.retried {
				want = 3
			}
			assert.Equal(t, want, n.Load(), "attempts")

			// Failing once: a retried status then succeeds.
			if tt.retried {
				c, _, n := newTestClient(t, statusThenOK(1, tt.status, h, okList))
				_, err := c.Templates.List(context.Background(), nil)
				require.NoError(t, err)
				assert.EqualValues(t, 2, n.Load())
			}
		})
	}
}

func TestMaxRetriesZeroMeansOneAttempt(t *testing.T) {
	c, _, n := newTestClient(t, statusThenOK(1000, 503, nil, okList), WithMaxRetries(0))
	_, err := c.Templates.List(context.Background(), nil)
	assert.ErrorIs(t, err, ErrServer)
	assert.EqualValues(t, 1, n.Load())
}

func TestRetryAfterHonouredWithinMax(t *testing.T) {
	h := http.Header{"Retry-After": {"1"}}
	c, _, n := newTestClient(t, statusThenOK(1, 429, h, okSend), WithRetryWait(time.Millisecond, 2*time.Second))
	start := time.Now()
	_, err := c.Templates.Send(context.Background(), validSend())
	require.NoError(t, err)
	assert.EqualValues(t, 2, n.Load())
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "waited for Retry-After")
}

func TestRetryAfterLongerThanMaxStopsAtOnce(t *testing.T) {
	for _, hdr := range []string{"120", time.Now().Add(2 * time.Minute).UTC().Format(http.TimeFormat)} {
		t.Run(hdr, func(t *testing.T) {
			h := http.Header{"Retry-After": {hdr}}
			for _, send := range []bool{false, true} {
				c, _, n := newTestClient(t, statusThenOK(1000, 429, h, okSend), WithRetryWait(time.Millisecond, time.Second))
				// Waiting out the 120 s would end with this context first.
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				var err error
				if send {
					_, err = c.Templates.Send(ctx, validSend())
				} else {
					_, err = c.Templates.List(ctx, nil)
				}
				assert.NotErrorIs(t, err, context.DeadlineExceeded, "did not wait for the Retry-After")
				assert.ErrorIs(t, err, ErrRateLimited)
				assert.NotErrorIs(t, err, ErrSendOutcomeUnknown, "a 429 is a definite refusal")
				var apiErr *APIError
				require.ErrorAs(t, err, &apiErr)
				assert.InDelta(t, 120, apiErr.RetryAfter.Seconds(), 2)
				assert.EqualValues(t, 1, n.Load())
			}
		})
	}
}

func TestCancelEndsRetryWaitAtOnce(t *testing.T) {
	h := http.Header{"Retry-After": {"20"}}
	c, _, n := newTestClient(t, statusThenOK(1000, 429, h, okSend), WithRetryWait(time.Millisecond, time.Minute))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Templates.Send(ctx, validSend())
	// A guard against a hang, not a speed test: without the cancel the
	// wait would last the 20 s of the Retry-After.
	assert.Less(t, time.Since(start), 10*time.Second, "did not wait out the Retry-After")
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, ErrSendOutcomeUnknown, "the only attempt was answered 429: certainly not sent")
	assert.Equal(t, 1, strings.Count(err.Error(), context.Canceled.Error()), err.Error())
	assert.EqualValues(t, 1, n.Load())
}

func TestSendNeverRetriedWhenAmbiguous(t *testing.T) {
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		ctxLimit time.Duration
		also     error
	}{
		{"500", func(w http.ResponseWriter, _ *http.Request) { writeEnvelope(w, 500, true, "internal", nil) }, 0, ErrServer},
		{"502 html from a proxy", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			_, _ = w.Write([]byte("<html><body>Bad Gateway</body></html>"))
		}, 0, ErrServer},
		{"503", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }, 0, ErrServer},
		{"408", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(408) }, 0, nil},
		{"connection dropped after request", dropAfterRead, 0, nil},
		{"timeout while server is slow", func(w http.ResponseWriter, r *http.Request) {
			// Read the body, so that the server notices the client hanging
			// up and ends the handler at once.
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
		}, 50 * time.Millisecond, context.DeadlineExceeded},
		{"2xx without request_id", func(w http.ResponseWriter, _ *http.Request) { writeEnvelope(w, 200, false, "", map[string]any{}) }, 0, nil},
		{"2xx with null data", func(w http.ResponseWriter, _ *http.Request) { writeEnvelope(w, 200, false, "", nil) }, 0, nil},
		{"2xx not json", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("OK")) }, 0, nil},
		{"2xx truncated body", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "100")
			_, _ = w.Write([]byte(`{"error":false,"data":{"request_id":"x`))
		}, 0, nil},
		{"2xx huge body", func(w http.ResponseWriter, _ *http.Request) {
			chunk := make([]byte, 64<<10)
			for i := 0; i < (maxResponseBytes/len(chunk))+2; i++ {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, n := newTestClient(t, tt.handler, WithMaxRetries(3))
			ctx := context.Background()
			if tt.ctxLimit > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctxLimit)
				defer cancel()
			}
			res, err := c.Templates.Send(ctx, validSend())
			require.Error(t, err)
			assert.Nil(t, res)
			assert.ErrorIs(t, err, ErrSendOutcomeUnknown)
			if tt.also != nil {
				assert.ErrorIs(t, err, tt.also)
			}
			assert.EqualValues(t, 1, n.Load(), "one HTTP request, never two")
		})
	}
}

func TestSendDefiniteRefusalsAreNotUnknown(t *testing.T) {
	tests := []struct {
		status   int
		reason   string
		sentinel error
	}{
		{400, "invalid_data", ErrInvalidRequest},
		{401, "unauthorized", ErrUnauthorized},
		{403, "not_allowed", ErrUnauthorized},
		{404, "not_found", ErrNotFound},
		{200, "invalid_data", ErrInvalidRequest}, // 2xx with "error": true
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status)+" "+tt.reason, func(t *testing.T) {
			c, _, n := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
				writeEnvelope(w, tt.status, true, tt.reason, nil)
			})
			_, err := c.Templates.Send(context.Background(), validSend())
			assert.ErrorIs(t, err, tt.sentinel)
			assert.NotErrorIs(t, err, ErrSendOutcomeUnknown)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tt.reason, apiErr.Reason)
			assert.Equal(t, http.MethodPost, apiErr.Method)
			assert.Equal(t, "/wa/api/website/"+testWebsite+"/template/send", apiErr.Path)
			assert.EqualValues(t, 1, n.Load())
		})
	}
}

func TestSendRetriedOnRateLimit(t *testing.T) {
	for _, status := range []int{420, 429} {
		c, _, n := newTestClient(t, statusThenOK(2, status, nil, okSend))
		res, err := c.Templates.Send(context.Background(), validSend())
		require.NoError(t, err)
		assert.Equal(t, "req-1", res.RequestID)
		assert.EqualValues(t, 3, n.Load())

		c, _, n = newTestClient(t, statusThenOK(1000, status, nil, okSend), WithMaxRetries(2))
		_, err = c.Templates.Send(context.Background(), validSend())
		assert.ErrorIs(t, err, ErrRateLimited)
		assert.NotErrorIs(t, err, ErrSendOutcomeUnknown)
		assert.EqualValues(t, 3, n.Load())
	}
}

// refusedAddr returns a loopback address where nothing listens.
func refusedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestSendRetriedWhenConnectionRefused(t *testing.T) {
	tr, dials := dialCountingTransport(t)
	c, err := NewClient(testWebsite, testCreds, WithBaseURL("http://"+refusedAddr(t)+"/api/"),
		WithHTTPClient(&http.Client{Transport: tr}), WithMaxRetries(2), fastRetries())
	require.NoError(t, err)
	_, err = c.Templates.Send(context.Background(), validSend())
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrSendOutcomeUnknown, "a refused connection certainly did not send")
	var opErr *net.OpError
	assert.ErrorAs(t, err, &opErr)
	assert.EqualValues(t, 3, dials.Load(), "refused connections are retried")
}

// errTransport fails every request without telling httptrace anything, like
// a custom RoundTripper would.
type errTransport struct{ n atomic.Int64 }

func (t *errTransport) RoundTrip(*http.Request) (*http.Response, error) {
	t.n.Add(1)
	return nil, errors.New("custom transport failed")
}

func TestSendWithOpaqueTransportFailureIsUnknown(t *testing.T) {
	tr := &errTransport{}
	c, err := NewClient(testWebsite, testCreds, WithBaseURL("http://127.0.0.1:1/"),
		WithHTTPClient(&http.Client{Transport: tr}), fastRetries())
	require.NoError(t, err)
	_, err = c.Templates.Send(context.Background(), validSend())
	assert.ErrorIs(t, err, ErrSendOutcomeUnknown, "without evidence the request was not sent, assume it may have been")
	assert.EqualValues(t, 1, tr.n.Load())
}

func TestReadRetriedOnDroppedConnection(t *testing.T) {
	var n atomic.Int64
	c, _, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			_ = conn.Close()
			return
		}
		okList(w, r)
	})
	_, err := c.Templates.List(context.Background(), nil)
	require.NoError(t, err)
	assert.EqualValues(t, 2, n.Load())
}

func TestGiveUpKeepsConnectionPool(t *testing.T) {
	var conns atomic.Int64
	var fail atomic.Bool
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			w.WriteHeader(503)
			return
		}
		okList(w, r)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := NewClient(testWebsite, testCreds, WithBaseURL(srv.URL), fastRetries(), WithMaxRetries(1))
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	ctx := context.Background()
	_, err = c.Templates.List(ctx, nil)
	require.NoError(t, err)
	fail.Store(true)
	_, err = c.Templates.List(ctx, nil)
	require.ErrorIs(t, err, ErrServer)
	fail.Store(false)
	_, err = c.Templates.List(ctx, nil)
	require.NoError(t, err)
	assert.EqualValues(t, 1, conns.Load(), "a give-up must not close the shared idle connections")
}

func TestBackoff(t *testing.T) {
	minW, maxW := 100*time.Millisecond, 2*time.Second
	for attempt := range 10 {
		ceil := min(minW<<attempt, maxW)
		seen := map[time.Duration]bool{}
		for range 100 {
			d := backoff(minW, maxW, attempt, nil)
			assert.GreaterOrEqual(t, d, minW)
			assert.LessOrEqual(t, d, ceil, "attempt %d", attempt)
			assert.GreaterOrEqual(t, d, ceil/2, "attempt %d", attempt)
			seen[d] = true
		}
		if attempt > 0 {
			assert.Greater(t, len(seen), 10, "jittered: attempt %d", attempt)
		}
	}
	resp := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"1"}}}
	assert.Equal(t, time.Second, backoff(minW, maxW, 0, resp))
	resp.Header.Set("Retry-After", "3600")
	assert.Equal(t, maxW, backoff(minW, maxW, 0, resp))
	resp = &http.Response{StatusCode: 503, Header: http.Header{"Retry-After": {"1"}}}
	assert.Equal(t, time.Second, backoff(minW, maxW, 0, resp))
	resp = &http.Response{StatusCode: 500, Header: http.Header{"Retry-After": {"1"}}}
	assert.LessOrEqual(t, backoff(minW, maxW, 0, resp), minW, "Retry-After only counts on 420/429/503")
	for _, attempt := range []int{62, 63, 64, 200, -1} {
		d := backoff(minW, maxW, attempt, nil)
		assert.True(t, d >= maxW/2 && d <= maxW, "no overflow on large attempts: %d: %s", attempt, d)
	}
	assert.Zero(t, backoff(0, time.Minute, 5, nil), "min 0 means no wait, not max")
	assert.Zero(t, backoff(0, 0, 0, nil))
	for attempt := range 3 {
		d := backoff(2, 3, attempt, nil) // nanoseconds: the smallest jitter range
		assert.True(t, d >= 2 && d <= 3, "%s", d)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	future := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	tests := []struct {
		in   string
		ok   bool
		want time.Duration
	}{
		{"", false, 0}, {"0", true, 0}, {"5", true, 5 * time.Second}, {"-1", false, 0}, {"soon", false, 0},
		{"99999999999", true, 24 * time.Hour}, {past, true, 0}, {future, true, 30 * time.Second},
	}
	for _, tt := range tests {
		d, ok := retryAfter(&http.Response{Header: http.Header{"Retry-After": {tt.in}}})
		assert.Equal(t, tt.ok, ok, tt.in)
		assert.InDelta(t, tt.want.Seconds(), d.Seconds(), 2, tt.in)
	}
}

func TestRetryRule(t *testing.T) {
	const waitMax = time.Second
	resp := func(status int, retryAfter string) *http.Response {
		r := &http.Response{StatusCode: status, Header: http.Header{}}
		if retryAfter != "" {
			r.Header.Set("Retry-After", retryAfter)
		}
		return r
	}
	certErr := &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
	redirErr := &url.Error{Op: "Get", URL: "x", Err: &redirectError{err: errors.New("no")}}
	netErr := errors.New("connection reset by peer")
	tests := []struct {
		name string
		kind callKind
		v    verdict
		resp *http.Response
		err  error
		want bool
	}{
		{"send 429", kindSend, notSent, resp(429, ""), nil, true},
		{"send 420 within max", kindSend, notSent, resp(420, "1"), nil, true},
		{"send 429 beyond max", kindSend, notSent, resp(429, "2"), nil, false},
		{"send 503", kindSend, answered, resp(503, ""), nil, false},
		{"send 500", kindSend, answered, resp(500, ""), nil, false},
		{"send 408", kindSend, answered, resp(408, ""), nil, false},
		{"send 307", kindSend, answered, resp(307, ""), nil, false},
		{"send no connection", kindSend, notSent, nil, netErr, true},
		{"send maybe written", kindSend, unknown, nil, netErr, false},
		{"send bad certificate", kindSend, notSent, nil, certErr, false},
		{"read 429", kindRead, notSent, resp(429, ""), nil, true},
		{"read 429 beyond max", kindRead, notSent, resp(429, "2"), nil, false},
		{"read 503", kindRead, answered, resp(503, ""), nil, true},
		{"read 503 beyond max", kindRead, answered, resp(503, "2"), nil, false},
		{"read 500", kindRead, answered, resp(500, ""), nil, true},
		{"read 501", kindRead, answered, resp(501, ""), nil, false},
		{"read 408", kindRead, answered, resp(408, ""), nil, true},
		{"read 404", kindRead, answered, resp(404, ""), nil, false},
		{"read 302 not followed", kindRead, answered, resp(302, ""), nil, false},
		{"read connection reset", kindRead, unknown, nil, netErr, true},
		{"read bad certificate", kindRead, notSent, nil, certErr, false},
		{"read refused redirect", kindRead, unknown, nil, redirErr, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, retryRule(tt.kind, tt.v, tt.resp, tt.err, waitMax))
		})
	}
}

func TestVerdict(t *testing.T) {
	got := func(getting, gotConn, handed bool) *wireAttempt {
		a := &wireAttempt{handedDown: handed}
		a.gettingConn.Store(getting)
		a.gotConn.Store(gotConn)
		return a
	}
	err := errors.New("boom")
	assert.Equal(t, notSent, got(true, true, true).verdict(&http.Response{StatusCode: 429}, nil))
	assert.Equal(t, notSent, got(true, true, true).verdict(&http.Response{StatusCode: 420}, nil))
	assert.Equal(t, answered, got(true, true, true).verdict(&http.Response{StatusCode: 500}, nil))
	assert.Equal(t, notSent, got(true, false, true).verdict(nil, err), "never got a connection")
	assert.Equal(t, unknown, got(true, true, true).verdict(nil, err), "got a connection")
	assert.Equal(t, unknown, got(false, false, true).verdict(nil, err), "a transport that reports nothing")
	assert.Equal(t, notSent, got(false, false, false).verdict(nil, err), "never handed down")
	assert.Equal(t, notSent, (*wireAttempt)(nil).verdict(nil, err), "no attempt at all")
}

// The 429's "not processed" must not carry over to the next attempt: when
// that one is dropped after the server read it, the send is unknown, and
// it is not sent a third time.
func TestSendRateLimitedThenDroppedIsUnknown(t *testing.T) {
	var n atomic.Int64
	c, _, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			writeEnvelope(w, 429, true, "rate_limited", nil)
			return
		}
		dropAfterRead(w, r)
	}, WithMaxRetries(5))
	_, err := c.Templates.Send(context.Background(), validSend())
	assert.ErrorIs(t, err, ErrSendOutcomeUnknown)
	assert.Contains(t, err.Error(), "after 2 attempt(s)")
	assert.EqualValues(t, 2, n.Load())
}

func TestSendSuccessWithUndecodableDataIsUnknown(t *testing.T) {
	for name, body := range map[string]string{
		"request_id a number": `{"error":false,"data":{"request_id":123}}`,
		"data a string":       `{"error":false,"data":"ok"}`,
		"data missing":        `{"error":false,"reason":"dispatched"}`,
	} {
		t.Run(name, func(t *testing.T) {
			c, _, n := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, body) }, WithMaxRetries(3))
			res, err := c.Templates.Send(context.Background(), validSend())
			assert.Nil(t, res)
			assert.ErrorIs(t, err, ErrSendOutcomeUnknown)
			assert.EqualValues(t, 1, n.Load())
		})
	}
	// An error envelope whose data has an unexpected shape is still the
	// refusal it says it is.
	c, _, _ := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"error":true,"reason":"invalid_data","data":"bad number"}`)
	})
	_, err := c.Templates.Send(context.Background(), validSend())
	assert.ErrorIs(t, err, ErrInvalidRequest)
	assert.NotErrorIs(t, err, ErrSendOutcomeUnknown)
}

// A certificate the client does not trust is not retried (retrying cannot
// fix it), for sends and reads; no request was written, so the send is not
// unknown.
func TestBadCertificateNotRetried(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(okSend))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	c, err := NewClient(testWebsite, testCreds, WithBaseURL(srv.URL), WithMaxRetries(3), fastRetries())
	require.NoError(t, err)
	_, err = c.Templates.Send(context.Background(), validSend())
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrSendOutcomeUnknown)
	var certErr *tls.CertificateVerificationError
	assert.ErrorAs(t, err, &certErr)
	_, err = c.Templates.List(context.Background(), nil)
	assert.ErrorAs(t, err, &certErr)
	assert.EqualValues(t, 2, conns.Load(), "one handshake per call")
}

func TestSendWithCancelledContextIsNotSent(t *testing.T) {
	c, _, n := newTestClient(t, okSend)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Templates.Send(ctx, validSend())
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, ErrSendOutcomeUnknown, "nothing left the SDK")
	assert.Zero(t, n.Load())
}

// Each attempt is judged on its own: after a 429 on a good connection, a
// second attempt whose connection is refused certainly did not send, even
// though the first attempt did get a connection.
func TestSendRateLimitedThenRefusedIsNotUnknown(t *testing.T) {
	c0, _, n := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
		writeEnvelope(w, 429, true, "rate_limited", nil)
	})
	var dials atomic.Int64
	dialer := &net.Dialer{Timeout: time.Second}
	tr := &http.Transport{DisableKeepAlives: true, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) > 1 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
		}
		return dialer.DialContext(ctx, network, addr)
	}}
	c, err := NewClient(testWebsite, testCreds, WithBaseURL(c0.BaseURL()), WithHTTPClient(&http.Client{Transport: tr}),
		WithMaxRetries(2), fastRetries())
	require.NoError(t, err)
	_, err = c.Templates.Send(context.Background(), validSend())
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrSendOutcomeUnknown, "no attempt can have been processed")
	assert.EqualValues(t, 1, n.Load())
	assert.EqualValues(t, 3, dials.Load(), "the refused attempts were retried")
}

// failTransport fails every request with err, counting them, and tells
// httptrace nothing (a user's own transport).
type failTransport struct {
	err error
	n   atomic.Int64
}

func (t *failTransport) RoundTrip(*http.Request) (*http.Response, error) {
	t.n.Add(1)
	return nil, t.err
}

// A certificate error that a user's own transport returns bare (not wrapped
// in tls.CertificateVerificationError), as a value or a pointer, is as
// permanent as net/http's: one attempt, for reads (retried on any other
// transport failure) and sends.
func TestBareCertificateErrorsNotRetried(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"unknown authority", x509.UnknownAuthorityError{}},
		{"unknown authority pointer", &x509.UnknownAuthorityError{}},
		{"hostname", x509.HostnameError{Certificate: &x509.Certificate{}, Host: "example.com"}},
		{"hostname pointer", &x509.HostnameError{Certificate: &x509.Certificate{}, Host: "example.com"}},
		{"invalid certificate", x509.CertificateInvalidError{Reason: x509.Expired}},
		{"invalid certificate pointer", &x509.CertificateInvalidError{Reason: x509.Expired}},
		{"wrapped", fmt.Errorf("dial: %w", x509.CertificateInvalidError{Reason: x509.NotAuthorizedToSign})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.False(t, retryRule(kindRead, unknown, nil, tt.err, time.Second), "read")
			assert.False(t, retryRule(kindSend, notSent, nil, tt.err, time.Second), "send")

			tr := &failTransport{err: tt.err}
			c, err := NewClient(testWebsite, testCreds, WithBaseURL("https://api.example.com/"),
				WithHTTPClient(&http.Client{Transport: tr}), WithMaxRetries(3), fastRetries())
			require.NoError(t, err)
			_, err = c.Templates.List(context.Background(), nil)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.err)
			assert.EqualValues(t, 1, tr.n.Load(), "a certificate error is not retried")
		})
	}
}
