package crispwa

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Sentinel errors. Every error the SDK returns can be tested against them with
// errors.Is; they are never returned bare, always wrapped in a more precise
// error (an *APIError, a *ValidationError, or a wrapping message).
var (
	// ErrInvalidRequest reports a request refused before any network call
	// (client-side validation) or answered with HTTP 400 (or Crisp's
	// "invalid_data" reason).
	ErrInvalidRequest = errors.New("crispwa: invalid request")
	// ErrUnauthorized reports HTTP 401 or 403: the identifier/key pair is
	// wrong, revoked, or not allowed on this website.
	ErrUnauthorized = errors.New("crispwa: unauthorized")
	// ErrNotFound reports HTTP 404, or a Templates.Get that matched nothing.
	ErrNotFound = errors.New("crispwa: not found")
	// ErrRateLimited reports HTTP 429 or 420 once the retries (if any) ran out,
	// or when the server asked to wait longer than the configured maximum.
	// The *APIError's RetryAfter says how long the server asked to wait.
	ErrRateLimited = errors.New("crispwa: rate limited")
	// ErrRedirect reports an HTTP 3xx answer the SDK did not follow: a send
	// never follows a redirect, and a read follows only a redirect to the
	// API's own origin (same scheme, host and port). It is a definite
	// answer, not ErrSendOutcomeUnknown: the server that answered redirected
	// the request instead of processing it, and the SDK sent it nowhere else.
	// The *APIError's StatusCode is the 3xx status.
	ErrRedirect = errors.New("crispwa: redirect not followed")
	// ErrServer reports an HTTP 5xx answer.
	ErrServer = errors.New("crispwa: server error")
	// ErrSendOutcomeUnknown reports a template send that failed in a way that
	// leaves unknown whether Crisp accepted it (a 5xx, a timeout, a connection
	// dropped after the request was written, an unreadable 2xx answer). The
	// SDK never retries such a send by itself: sending again may deliver the
	// message twice. Reconcile first (for example through the callback).
	ErrSendOutcomeUnknown = errors.New("crispwa: send outcome unknown")
)

// APIError is an answer from the API that was not a success: a non-2xx status,
// or a 2xx whose Crisp envelope says "error": true. It never carries
// credentials, and it never carries the response body beyond the envelope's
// reason.
type APIError struct {
	StatusCode int           // the HTTP status
	Reason     string        // the envelope's reason (e.g. "invalid_data"), when there is one
	Method     string        // the request's method
	Path       string        // the request's URL path, without query or credentials
	RetryAfter time.Duration // the server's Retry-After, when it gave one
}

// Error describes the failure in one line.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "crispwa: %s %s: HTTP %d", e.Method, e.Path, e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" && e.StatusCode != 420 {
		b.WriteString(" " + t)
	}
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	} else if isRedirect(e.StatusCode) {
		b.WriteString(": redirect not followed")
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Is maps the status (and, for a 2xx carrying "error": true, the reason) to
// the sentinel errors: 400 to ErrInvalidRequest, 401/403 to ErrUnauthorized,
// 404 to ErrNotFound, 429/420 to ErrRateLimited, 3xx to ErrRedirect, 5xx to
// ErrServer.
func (e *APIError) Is(target error) bool {
	s := e.StatusCode
	switch target {
	case ErrInvalidRequest:
		return s == http.StatusBadRequest || (isSuccess(s) && e.Reason == "invalid_data")
	case ErrUnauthorized:
		return s == http.StatusUnauthorized || s == http.StatusForbidden
	case ErrNotFound:
		return s == http.StatusNotFound || (isSuccess(s) && e.Reason == "not_found")
	case ErrRateLimited:
		return isRateLimit(s)
	case ErrRedirect:
		return isRedirect(s)
	case ErrServer:
		return s >= 500 && s <= 599
	}
	return false
}

// ValidationError reports a request refused before any network call: Field
// names the offending field (e.g. "to_number", or a component by what it is
// and then its JSON path, "body.parameters[1].text", "button[0].sub_type";
// Validate and Check use the same names), Reason says why.
// errors.Is(err, ErrInvalidRequest) is true for every ValidationError.
type ValidationError struct {
	Field  string
	Reason string
}

// Error describes the problem in one line.
func (e *ValidationError) Error() string {
	if e.Field == "" {
		return "crispwa: invalid request: " + e.Reason
	}
	return "crispwa: invalid request: " + e.Field + ": " + e.Reason
}

// Is reports whether target is ErrInvalidRequest.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidRequest }

// outcomeUnknownError wraps the cause of an ambiguous send failure together
// with ErrSendOutcomeUnknown, so that errors.Is works for both and errors.As
// still finds an *APIError cause.
type outcomeUnknownError struct{ cause error }

func (e *outcomeUnknownError) Error() string {
	return "crispwa: send outcome unknown (Crisp may have accepted it; do not resend blindly): " + e.cause.Error()
}

func (e *outcomeUnknownError) Unwrap() []error { return []error{ErrSendOutcomeUnknown, e.cause} }

func outcomeUnknown(cause error) error { return &outcomeUnknownError{cause: cause} }

func isSuccess(status int) bool   { return status >= 200 && status <= 299 }
func isRedirect(status int) bool  { return status >= 300 && status <= 399 }
func isRateLimit(status int) bool { return status == http.StatusTooManyRequests || status == 420 }

func invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
