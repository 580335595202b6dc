package crispwa

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// This file is the retry policy: whether an attempt is tried again
// (retryRule, from the attempt's verdict: see attempt.go) and how long the
// SDK waits before it does (backoff).

// retryRule is the whole retry rule: whether an attempt of a call of kind
// k that ended with verdict v (and resp or err) is tried again. waitMax
// bounds the Retry-After the SDK accepts to wait. Sends are tried again only
// when they certainly were not processed; reads on any transient failure.
func retryRule(k callKind, v verdict, resp *http.Response, err error, waitMax time.Duration) bool {
	if err != nil {
		if permanentTransportError(err) {
			return false
		}
		return k == kindRead || v == notSent
	}
	s := resp.StatusCode
	switch {
	case isRateLimit(s):
		return retryAfterFits(resp, waitMax)
	case k == kindSend:
		return false
	case s == http.StatusServiceUnavailable:
		return retryAfterFits(resp, waitMax)
	case s == http.StatusRequestTimeout:
		return true
	}
	return s >= 500 && s != http.StatusNotImplemented
}

// retryReason names why retryRule retries an attempt (for the Observer).
func retryReason(v verdict, resp *http.Response) RetryReason {
	switch {
	case resp != nil && isRateLimit(resp.StatusCode):
		return RetryRateLimited
	case resp != nil:
		return RetryServerError
	case v == notSent:
		return RetryNoConnection
	}
	return RetryTransport
}

// permanentTransportError reports transport failures that retrying cannot
// fix: certificate problems (whether net/http wrapped them in a
// tls.CertificateVerificationError or a custom transport returned x509's
// errors bare, as values or pointers) and a refused redirect.
func permanentTransportError(err error) bool {
	var (
		unknownAuthority  x509.UnknownAuthorityError
		unknownAuthorityP *x509.UnknownAuthorityError
		hostname          x509.HostnameError
		hostnameP         *x509.HostnameError
		invalidCert       x509.CertificateInvalidError
		invalidCertP      *x509.CertificateInvalidError
		verify            *tls.CertificateVerificationError
		redirect          *redirectError
	)
	return errors.As(err, &unknownAuthority) || errors.As(err, &unknownAuthorityP) ||
		errors.As(err, &hostname) || errors.As(err, &hostnameP) ||
		errors.As(err, &invalidCert) || errors.As(err, &invalidCertP) ||
		errors.As(err, &verify) || errors.As(err, &redirect)
}

// retryAfterFits reports whether the server's Retry-After, if any, is within
// the maximum wait.
func retryAfterFits(resp *http.Response, waitMax time.Duration) bool {
	d, ok := retryAfter(resp)
	return !ok || d <= waitMax
}

// backoff honours Retry-After on 420/429/503 (the retry rule already refused
// waits beyond max) and otherwise waits min*2^attempt, capped at max, with
// jitter: a uniformly random duration in [d/2, d].
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (isRateLimit(resp.StatusCode) || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := retryAfter(resp); ok {
			return min(d, maxWait)
		}
	}
	d := maxWait
	if n := uint(attempt); minWait <= maxWait>>n { // min*2^attempt fits under max
		d = minWait << n
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
