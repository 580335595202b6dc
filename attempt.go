package crispwa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// This file is the send path on the wire. One call (a page of List, or one
// Send) is an exchange made of attempts; go-retryablehttp runs the loop, and
// everything it may do is decided here:
//
//  1. Each attempt goes through exchange.RoundTrip, which starts a fresh
//     wireAttempt (nothing carries over from the previous attempt) and hands
//     the request to the authentication transport and then to the user's (or
//     the default) transport with Request.GetBody cleared: no layer below
//     (net/http's HTTP/1 retry, HTTP/2's retry after RST_STREAM, REFUSED_STREAM
//     or GOAWAY, a redirect) can write the body a second time. An attempt
//     writes a send's body to the network at most once.
//  2. The attempt's outcome gets a verdict (wireAttempt.verdict): the server
//     answered; the request certainly was not processed (no connection was
//     ever obtained, or the server answered 420/429); or unknown.
//  3. retryRule (retry.go, the retry policy) decides from the verdict
//     whether the SDK makes another, counted, attempt, and backoff how long
//     it waits first. Sends: only when certainly not processed. Reads: on
//     any transient failure.
//  4. Redirects: a send never follows one (sendRedirect); a read follows
//     same-origin redirects only (readRedirect). An unfollowed 3xx is an
//     *APIError matching ErrRedirect.
//
// What the caller gets from the last attempt is decided in request.go
// (do): an ambiguous send failure wraps ErrSendOutcomeUnknown. This is the
// only file that uses go-retryablehttp: the request it retries is built in
// exchange.run, and its callbacks (CheckRetry, Backoff, ErrorHandler, and
// the HTTP client whose transport is the exchange) are set in newExchange.
// The Observer's attempt and retry hooks (observer.go) are called from here.

// callKind selects the retry rule and failure classification of a call.
type callKind int

const (
	kindRead callKind = iota // idempotent: retried on transient failures
	kindSend                 // not idempotent: retried only when certainly not processed
)

// verdict is what one attempt tells about the request.
type verdict int

const (
	// answered: the server answered with a status (other than 420/429);
	// the status and body say what it did.
	answered verdict = iota
	// notSent: the request certainly was not processed: no connection was
	// ever obtained for it, or the server refused it with 420/429.
	notSent
	// unknown: no answer, and the request may have reached the server
	// (connection reset after writing, timeout, HTTP/2 stream reset,
	// REFUSED_STREAM or GOAWAY after the body was written, a transport
	// that reports nothing about connections).
	unknown
)

// wireAttempt is what one attempt did on the wire, as reported by
// httptrace. A new one is made for every attempt.
type wireAttempt struct {
	number      int
	handedDown  bool        // the request was handed to the transports below
	gettingConn atomic.Bool // the transport started to get a connection
	gotConn     atomic.Bool // ... and got one: the request may have been written

	// With an Observer only: the attempt's context (AttemptStart's), when
	// it started, and the header fields RequestHeader asked to add.
	ctx    context.Context
	start  time.Time
	header http.Header
}

// verdict classifies the attempt's outcome. A transport error is "not sent"
// only with evidence: the request never left the SDK, or the transport
// reported getting a connection and never got one. A transport that reports
// nothing (a custom RoundTripper) leaves the outcome unknown.
func (a *wireAttempt) verdict(resp *http.Response, err error) verdict {
	switch {
	case err == nil && isRateLimit(resp.StatusCode):
		return notSent
	case err == nil:
		return answered
	case a == nil || !a.handedDown || (a.gettingConn.Load() && !a.gotConn.Load()):
		return notSent
	}
	return unknown
}

// exported names the verdict for the Observer.
func (v verdict) exported() AttemptVerdict {
	switch v {
	case answered:
		return VerdictAnswered
	case notSent:
		return VerdictNotSent
	}
	return VerdictUnknown
}

func (a *wireAttempt) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn: func(string) { a.gettingConn.Store(true) },
		GotConn: func(httptrace.GotConnInfo) { a.gotConn.Store(true) },
	}
}

// exchange is one call: the RoundTripper its attempts go through and the
// CheckRetry that judges them. It lives for one call, and is used by one
// goroutine at a time (retryablehttp runs attempts one after the other).
type exchange struct {
	c       *Client
	kind    callKind
	next    http.RoundTripper // the authentication transport
	logger  *slog.Logger      // nil: silent
	waitMax time.Duration
	last    *wireAttempt // the current (latest) attempt; nil before the first
	// judged is the verdict on the latest attempt: notSent before the
	// first, unknown while one runs, then what checkRetry found.
	judged verdict
	// urlPath is the request's URL path (for errors), set by run.
	urlPath string

	// With an Observer only: the call's context, what each attempt is
	// described with, and why the latest attempt is retried.
	obs    *Observer
	ctx    context.Context
	about  Attempt
	reason RetryReason

	hc http.Client          // the user's client with x as transport
	rc retryablehttp.Client // the retry loop, over hc
}

// run makes the call: method on url with body (JSON, or none when nil),
// through the retry loop. A response is returned open.
func (x *exchange) run(ctx context.Context, method, url, path string, body []byte) (*http.Response, error) {
	req, err := retryablehttp.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, fmt.Errorf("crispwa: building request: %w", err)
	}
	x.urlPath = req.URL.Path
	c := x.c
	req.Header.Set("Authorization", c.auth.header()) // checked again per hop by authTransport
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if x.obs != nil {
		x.ctx = ctx
		x.about = Attempt{Send: x.kind == kindSend, Method: method, URLTemplate: c.urlTemplate(path),
			ServerAddress: c.base.Hostname(), ServerPort: port(c.base.Scheme, c.base.Port())}
	}
	return x.rc.Do(req)
}

// port is the URL's port as a number, or the scheme's default.
func port(scheme, p string) int {
	if n, err := strconv.Atoi(p); err == nil {
		return n
	}
	if scheme == "http" {
		return 80
	}
	return 443
}

// RoundTrip runs one attempt, or one redirect hop of the current attempt (a
// read's; sends never follow redirects).
func (x *exchange) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Response == nil {
		n := 1
		if x.last != nil {
			n = x.last.number + 1
		}
		x.last = &wireAttempt{number: n}
		x.judged = unknown
	}
	a := x.last
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		return nil, err // cancelled before anything left
	}
	a.handedDown = true
	if x.obs != nil {
		if req.Response == nil {
			x.startAttempt(ctx, a)
		}
		if a.ctx != nil {
			ctx = a.ctx
		}
	}
	if x.kind == kindSend {
		ctx = httptrace.WithClientTrace(ctx, a.trace())
	}
	r := req.WithContext(ctx) // a copy: a RoundTripper must not modify req
	r.GetBody = nil           // nothing below may write the body again
	if len(a.header) > 0 {
		r.Header = addHeader(req.Header.Clone(), a.header)
	}
	if x.logger == nil || !x.logger.Enabled(ctx, slog.LevelDebug) {
		return x.next.RoundTrip(r)
	}
	start := time.Now()
	resp, err := x.next.RoundTrip(r)
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("attempt", a.number),
		slog.Duration("duration", time.Since(start)),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	} else {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	x.logger.LogAttrs(ctx, slog.LevelDebug, "crispwa: http attempt", attrs...)
	return resp, err
}

// startAttempt tells the Observer that attempt a starts.
func (x *exchange) startAttempt(ctx context.Context, a *wireAttempt) {
	about := x.about
	about.Number = a.number
	a.ctx, a.start = ctx, time.Now()
	if x.obs.AttemptStart != nil {
		if c := x.obs.AttemptStart(ctx, about); c != nil {
			a.ctx = c
		}
	}
	if x.obs.RequestHeader != nil {
		h := http.Header{}
		x.obs.RequestHeader(a.ctx, h)
		a.header = h
	}
}

// sdkHeaders are the header fields an Observer's RequestHeader cannot set.
var sdkHeaders = map[string]bool{"Authorization": true, "Accept": true, "Content-Type": true,
	"Content-Length": true, "Host": true, "User-Agent": true, "Proxy-Authorization": true, "Cookie": true}

// addHeader adds the fields of extra to h, except the SDK's own.
func addHeader(h, extra http.Header) http.Header {
	for k, v := range extra {
		if k = http.CanonicalHeaderKey(k); !sdkHeaders[k] {
			h[k] = v
		}
	}
	return h
}

// endAttempt tells the Observer that the latest attempt ended.
func (x *exchange) endAttempt(resp *http.Response, err error) {
	a := x.last
	if a == nil || a.ctx == nil || x.obs.AttemptDone == nil {
		return
	}
	d := AttemptDone{Attempt: x.about, Err: err, Verdict: x.judged.exported(), Duration: time.Since(a.start)}
	d.Number = a.number
	if resp != nil {
		d.StatusCode = resp.StatusCode
	}
	x.obs.AttemptDone(a.ctx, d)
}

// checkRetry is the exchange's retryablehttp.CheckRetry: it reports
// rate-limit answers to the context's observer, stops on cancellation, and
// otherwise applies retryRule to the attempt that just ended.
func (x *exchange) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	observeRateLimit(ctx, resp)
	x.judged = x.last.verdict(resp, err)
	if x.obs != nil {
		x.endAttempt(resp, err)
	}
	if ctx.Err() != nil {
		return false, nil
	}
	retry := retryRule(x.kind, x.judged, resp, err, x.waitMax)
	if retry && x.obs != nil {
		x.reason = retryReason(x.judged, resp)
		if x.obs.Retry != nil {
			// Set at the first retry, not per call: the method value
			// allocates, and most calls are never retried.
			x.rc.Backoff = x.backoff
		}
	}
	return retry, nil
}

// backoff is the exchange's retryablehttp.Backoff when the Observer wants
// to hear of retries: the policy's wait, reported.
func (x *exchange) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	d := backoff(minWait, maxWait, attempt, resp)
	x.obs.Retry(x.ctx, Retry{Attempt: x.attempts(), Reason: x.reason, Wait: d})
	return d
}

// attempts returns how many attempts the exchange started.
func (x *exchange) attempts() int {
	if x.last == nil {
		return 0
	}
	return x.last.number
}

// newExchange prepares one call of kind k: the HTTP client its attempts go
// through (the user's settings, our transport chain and redirect rule) and
// the retry loop around it.
func (c *Client) newExchange(k callKind) *exchange {
	x := &exchange{c: c, kind: k, next: c.auth, logger: c.logger, waitMax: c.waitMax, judged: notSent, obs: c.attemptObserver()}
	x.hc = c.httpBase // a copy: Timeout and Jar are the user's
	x.hc.Transport = x
	x.hc.CheckRedirect = sendRedirect
	if k == kindRead {
		x.hc.CheckRedirect = c.readRedirect
	}
	x.rc = retryablehttp.Client{
		HTTPClient:   &x.hc,
		RetryWaitMin: c.waitMin,
		RetryWaitMax: c.waitMax,
		RetryMax:     c.retryMax,
		CheckRetry:   x.checkRetry,
		Backoff:      backoff,
		// Hand back the last answer, so that callers get an *APIError
		// rather than "giving up after N attempts".
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	return x
}

// maxRedirects bounds the same-origin redirects one read attempt follows
// (net/http's default), unless the user's client has its own policy.
const maxRedirects = 10

// redirectError is a redirect refused by the read redirect policy (too many,
// or refused by the user's CheckRedirect). It is not retried.
type redirectError struct{ err error }

func (e *redirectError) Error() string { return "crispwa: redirect refused: " + e.err.Error() }
func (e *redirectError) Unwrap() error { return e.err }

// sendRedirect is the redirect policy of sends: never follow. The 3xx answer
// is handed back and becomes an *APIError matching ErrRedirect.
func sendRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// readRedirectPolicy returns the redirect policy of reads: a redirect to
// another origin (another scheme, host or port, so also https to http) is
// not followed and its 3xx answer is handed back (an *APIError matching
// ErrRedirect); a same-origin one is followed under the user's policy, or at
// most maxRedirects times.
func readRedirectPolicy(auth *authTransport, user func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if !auth.sameOrigin(req.URL) {
			return http.ErrUseLastResponse
		}
		var err error
		switch {
		case user != nil:
			err = user(req, via)
		case len(via) >= maxRedirects:
			err = errors.New("stopped after 10 redirects")
		}
		if err == nil || err == http.ErrUseLastResponse { //nolint:errorlint // net/http compares it so
			return err
		}
		return &redirectError{err: err}
	}
}
