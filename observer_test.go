package crispwa

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eventLog is an Observer that writes down every event, in order.
type eventLog struct {
	mu     sync.Mutex
	events []string
}

type ctxMark struct{}

func (l *eventLog) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, fmt.Sprintf(format, args...))
}

func (l *eventLog) observer() *Observer {
	return &Observer{
		SendStart: func(ctx context.Context, s SendInfo) context.Context {
			l.add("send start %s %s %s", s.Template, s.Language, s.To)
			return context.WithValue(ctx, ctxMark{}, "send")
		},
		SendDone: func(ctx context.Context, s SendDone) {
			l.add("send done %s %s under %v", s.Outcome, s.RequestID, ctx.Value(ctxMark{}))
		},
		AttemptStart: func(ctx context.Context, a Attempt) context.Context {
			l.add("attempt %d %s %s %s:%d send=%v under %v", a.Number, a.Method, a.URLTemplate, a.ServerAddress, a.ServerPort, a.Send, ctx.Value(ctxMark{}))
			return context.WithValue(ctx, ctxMark{}, fmt.Sprintf("attempt %d", a.Number))
		},
		RequestHeader: func(_ context.Context, h http.Header) {
			h.Set("Traceparent", "00-test")
			h.Set("Authorization", "Bearer stolen")
			h.Set("User-Agent", "other")
		},
		AttemptDone: func(ctx context.Context, a AttemptDone) {
			l.add("attempt %d done %d %s err=%v under %v", a.Number, a.StatusCode, a.Verdict, a.Err != nil, ctx.Value(ctxMark{}))
		},
		Retry: func(ctx context.Context, r Retry) {
			l.add("retry after %d: %s wait %s under %v", r.Attempt, r.Reason, r.Wait, ctx.Value(ctxMark{}))
		},
	}
}

func TestObserverSeesSendsAttemptsAndRetries(t *testing.T) {
	var log eventLog
	var headers []http.Header
	var mu sync.Mutex
	calls := 0
	c, _, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		headers = append(headers, r.Header.Clone())
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Retry-After", "0")
			writeEnvelope(w, http.StatusTooManyRequests, true, "rate_limited", nil)
			return
		}
		okSend(w, r)
	}, WithObserver(log.observer()))
	res, err := c.Templates.Send(context.Background(), validSend())
	require.NoError(t, err)
	assert.Equal(t, "req-1", res.RequestID)
	tmpl := "/wa/api/website/{website_id}/template/send"
	want := []string{
		"send start order_update en_US +336****5678",
		"attempt 1 POST " + tmpl + " 127.0.0.1:" + c.base.Port() + " send=true under send",
		"attempt 1 done 429 not_sent err=false under attempt 1",
		"retry after 1: rate_limited wait 0s under send",
		"attempt 2 POST " + tmpl + " 127.0.0.1:" + c.base.Port() + " send=true under send",
		"attempt 2 done 200 answered err=false under attempt 2",
		"send done accepted req-1 under send",
	}
	assert.Equal(t, want, log.events)
	for _, h := range headers {
		assert.Equal(t, "00-test", h.Get("Traceparent"), "RequestHeader's fields are added")
		assert.True(t, strings.HasPrefix(h.Get("Authorization"), "Basic "), "but never replace the SDK's")
		assert.True(t, strings.HasPrefix(h.Get("User-Agent"), "crispwa/"))
	}
}

func TestObserverUnknownAttempt(t *testing.T) {
	var log eventLog
	c, _, _ := newTestClient(t, dropAfterRead, WithObserver(log.observer()))
	_, err := c.Templates.Send(context.Background(), validSend())
	require.ErrorIs(t, err, ErrSendOutcomeUnknown)
	require.Len(t, log.events, 4)
	assert.Contains(t, log.events[2], "attempt 1 done 0 unknown err=true")
	assert.Equal(t, "send done unknown  under send", log.events[3])
}

// The reads' retries name their reason; a read is not a send.
func TestObserverReadRetryReasons(t *testing.T) {
	var log eventLog
	calls := 0
	c, _, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			writeEnvelope(w, http.StatusBadGateway, true, "bad", nil)
			return
		}
		okList(w, r)
	}, WithObserver(log.observer()))
	_, err := c.Templates.List(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, log.events, 5)
	assert.Contains(t, log.events[0], "send=false")
	assert.Contains(t, log.events[2], "retry after 1: server_error")
}

func TestSendOutcomeOf(t *testing.T) {
	tests := []struct {
		err  error
		want SendOutcome
	}{
		{nil, OutcomeAccepted},
		{outcomeUnknown(errors.New("reset")), OutcomeUnknown},
		{outcomeUnknown(&APIError{StatusCode: 502}), OutcomeUnknown},
		{&APIError{StatusCode: 400, Reason: "invalid_data"}, OutcomeRejected},
		{fmt.Errorf("wrapped: %w", &APIError{StatusCode: 401}), OutcomeRejected},
		{&APIError{StatusCode: 307}, OutcomeRejected},
		{&APIError{StatusCode: 429}, OutcomeNotSent},
		{&APIError{StatusCode: 420}, OutcomeNotSent},
		{invalid("to", "bad"), OutcomeNotSent},
		{context.Canceled, OutcomeNotSent},
		{errors.New("connection refused"), OutcomeNotSent},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, SendOutcomeOf(tt.err), "%v", tt.err)
	}
}

// An Observer with no hooks set, or a nil one, changes nothing.
func TestEmptyObserver(t *testing.T) {
	for _, o := range []*Observer{nil, {}} {
		c, _, _ := newTestClient(t, okSend, WithObserver(o))
		res, err := c.Templates.Send(context.Background(), validSend())
		require.NoError(t, err)
		assert.Equal(t, "req-1", res.RequestID)
	}
}

// SendChecked and SendCheckedWith are one send each for the Observer: a
// send refused by the check, with no POST, ends not_sent.
func TestObserverSendCheckedRefused(t *testing.T) {
	bad := ckReplace(ckOrderMessage(), 1, Body(Text("John"))) // {{2}} missing
	s := newSCServer(t, scTemplates()...)
	log := &eventLog{}
	c := s.client(t, WithObserver(log.observer()))
	_, err := c.Templates.SendChecked(context.Background(), scRequest(bad))
	require.ErrorIs(t, err, ErrInvalidRequest)
	_, err = c.Templates.SendCheckedWith(context.Background(), ckOrderTemplate(), scRequest(bad))
	require.ErrorIs(t, err, ErrInvalidRequest)
	assert.Zero(t, s.sends.Load())
	var done []string
	for _, e := range log.events {
		if strings.HasPrefix(e, "send ") {
			done = append(done, e)
		}
	}
	assert.Equal(t, []string{
		"send start order_update en +336****5678", "send done not_sent  under send",
		"send start order_update en +336****5678", "send done not_sent  under send",
	}, done)
}

// A Send whose Observer has no send, attempt or retry hook allocates no
// more than one with no Observer; a successful send's outcome is classified
// without allocating. The answer comes from an in-process transport, so
// that nothing else allocates meanwhile.
func TestObserverWithoutClientHooksCostsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts: not with -short")
	}
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = SendOutcomeOf(nil) }))
	ctx, req := context.Background(), validSend()
	newClient := func(opts ...Option) *Client {
		c, err := NewClient(testWebsite, testCreds, append(opts, WithBaseURL("http://127.0.0.1:1/wa/api/"),
			WithHTTPClient(&http.Client{Transport: answerOK{}}))...)
		require.NoError(t, err)
		return c
	}
	send := func(c *Client) func() {
		return func() {
			if _, err := c.Templates.Send(ctx, req); err != nil {
				t.Fatal(err)
			}
		}
	}
	plain, other := newClient(), newClient(WithObserver(&Observer{CampaignOutcome: func(context.Context, CampaignOutcome) {}}))
	base, observed := testing.AllocsPerRun(100, send(plain)), testing.AllocsPerRun(100, send(other))
	assert.InDelta(t, base, observed, allocSlack, "allocations with an Observer of no client hook, and without one")
}

// answerOK is a transport that accepts every send, in process.
type answerOK struct{}

func (answerOK) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Request: r,
		Body: io.NopCloser(strings.NewReader(`{"error":false,"reason":"dispatched","data":{"request_id":"req-1"}}`))}, nil
}

// An Observer with a Retry hook alone hears of every retry, with the wait.
func TestObserverRetryHookAlone(t *testing.T) {
	var retries []Retry
	calls := 0
	c, _, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls < 3 {
			w.Header().Set("Retry-After", "0")
			writeEnvelope(w, http.StatusTooManyRequests, true, "rate_limited", nil)
			return
		}
		okSend(w, r)
	}, WithObserver(&Observer{Retry: func(_ context.Context, r Retry) { retries = append(retries, r) }}))
	_, err := c.Templates.Send(context.Background(), validSend())
	require.NoError(t, err)
	assert.Equal(t, []Retry{{Attempt: 1, Reason: RetryRateLimited}, {Attempt: 2, Reason: RetryRateLimited}}, retries)
}
