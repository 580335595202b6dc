package crispwa

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// retryClient returns a retryablehttp client with our policy and backoff,
// no logger (its default one writes to stderr), and an error handler that
// hands back the last response so that callers get an *APIError rather than
// a generic "giving up after N attempts".
func (c *Client) retryClient(policy retryablehttp.CheckRetry) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:   c.http,
		Logger:       nil,
		RetryWaitMin: c.waitMin,
		RetryWaitMax: c.waitMax,
		RetryMax:     c.retryMax,
		CheckRetry:   policy,
		Backoff:      backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
}

// readPolicy decides retries for idempotent requests (GET): connection
// errors (except the permanent ones: bad certificate, bad scheme, too many
// redirects), 408, 420, 429 and 5xx except 501. A Retry-After longer than the
// maximum wait stops the retries at once.
func (c *Client) readPolicy(ctx context.Context, resp *http.Response, err error) (bool, error) {
	observeRateLimit(ctx, resp)
	if ctx.Err() != nil {
		return false, nil
	}
	if err != nil {
		// retryablehttp's classification of transport errors is the one we
		// want for reads; it never retries certificate or redirect errors.
		retry, _ := retryablehttp.DefaultRetryPolicy(ctx, nil, err)
		return retry, nil
	}
	s := resp.StatusCode
	switch {
	case s == http.StatusRequestTimeout:
		return true, nil
	case isRateLimit(s) || s == http.StatusServiceUnavailable:
		return c.retryAfterFits(resp), nil
	case s >= 500 && s != http.StatusNotImplemented:
		return true, nil
	}
	return false, nil
}

// sendPolicy decides retries for template sends, which are not idempotent:
// only when the request certainly did not reach Crisp. That is a rate-limit
// answer (420/429, within the maximum wait) or a transport failure before any
// connection was obtained (refused, unresolvable, unreachable). Everything
// else is final; the caller classifies ambiguous outcomes.
func (c *Client) sendPolicy(ctx context.Context, resp *http.Response, err error) (bool, error) {
	observeRateLimit(ctx, resp)
	st := attemptFrom(ctx)
	if resp != nil && isRateLimit(resp.StatusCode) {
		st.markRejected()
	}
	if ctx.Err() != nil {
		return false, nil
	}
	if err != nil {
		return st.certainlyNotSent() && !permanentTransportError(err), nil
	}
	if isRateLimit(resp.StatusCode) {
		return c.retryAfterFits(resp), nil
	}
	return false, nil
}

// retryAfterFits reports whether the server's Retry-After, if any, is within
// the maximum wait.
func (c *Client) retryAfterFits(resp *http.Response) bool {
	d, ok := retryAfter(resp)
	return !ok || d <= c.waitMax
}

// backoff honours Retry-After on 420/429/503 (the policy already refused
// waits beyond max) and otherwise waits min*2^attempt, capped at max, with
// jitter: a uniformly random duration in [d/2, d].
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (isRateLimit(resp.StatusCode) || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := retryAfter(resp); ok {
			return min(d, maxWait)
		}
	}
	d := maxWait
	if attempt < 32 {
		if m := minWait << attempt; m > 0 && m < maxWait {
			d = m
		}
	}
	if d < minWait {
		d = minWait
	}
	if half := d / 2; half > 0 {
		d = half + rand.N(half+1)
	}
	return max(d, minWait)
}

// retryAfter parses a Retry-After header given in seconds or as an HTTP date.
func retryAfter(resp *http.Response) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// permanentTransportError reports transport failures that retrying cannot
// fix: certificate problems.
func permanentTransportError(err error) bool {
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalidCert      x509.CertificateInvalidError
		verify           *tls.CertificateVerificationError
	)
	return errors.As(err, &unknownAuthority) || errors.As(err, &hostname) ||
		errors.As(err, &invalidCert) || errors.As(err, &verify)
}

// attempt tracks, for one logical call, what the current HTTP attempt did on
// the wire, as observed through httptrace. A send counts as "certainly not
// sent" only when the transport reported that it was getting a connection
// and never got one, or when the server answered 420/429. A transport that
// reports nothing (a custom RoundTripper) leaves the outcome ambiguous.
type attempt struct {
	mu       sync.Mutex
	number   int  // 1-based number of the current attempt
	getConn  bool // the transport started acquiring a connection
	gotConn  bool // ... and got one: the request may have been written
	rejected bool // the server answered with a rate limit: not accepted
	followed bool // a redirect was followed: an earlier hop reached a server
}

type attemptKey struct{}

// withAttempt returns a context that carries a fresh attempt tracker and the
// httptrace hooks that feed it.
func withAttempt(ctx context.Context) (context.Context, *attempt) {
	st := &attempt{}
	ctx = context.WithValue(ctx, attemptKey{}, st)
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GetConn: func(string) { st.set(func() { st.getConn = true }) },
		GotConn: func(httptrace.GotConnInfo) { st.set(func() { st.gotConn = true }) },
	})
	return ctx, st
}

// withAttemptCounter returns a context that carries an attempt tracker
// without trace hooks: enough to number attempts in logs.
func withAttemptCounter(ctx context.Context) (context.Context, *attempt) {
	st := &attempt{}
	return context.WithValue(ctx, attemptKey{}, st), st
}

func attemptFrom(ctx context.Context) *attempt {
	st, _ := ctx.Value(attemptKey{}).(*attempt)
	return st // may be nil: every method accepts a nil receiver
}

func (a *attempt) set(f func()) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	f()
}

// begin starts a new attempt and returns its number.
func (a *attempt) begin() int {
	if a == nil {
		return 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.number++
	a.getConn, a.gotConn, a.rejected, a.followed = false, false, false, false
	return a.number
}

func (a *attempt) markRejected() { a.set(func() { a.rejected = true }) }

func (a *attempt) markRedirect() { a.set(func() { a.followed = true }) }

// certainlyNotSent reports whether the current attempt cannot have reached
// the server.
func (a *attempt) certainlyNotSent() bool {
	if a == nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rejected || (a.getConn && !a.gotConn && !a.followed)
}

func (a *attempt) count() int {
	if a == nil {
		return 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.number
}
