package crispwa

import (
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Option configures a Client; pass options to NewClient (or to
// crispwatest.Server.Client). Options are applied in order; a nil Option is
// ignored, and NewClient reports the first invalid value as an error
// wrapping ErrInvalidRequest, naming the option.
type Option interface {
	apply(*settings) error
}

// optionFunc turns a function into an Option.
type optionFunc func(*settings) error

func (f optionFunc) apply(s *settings) error { return f(s) }

// settings is what the options build; NewClient turns it into a Client.
type settings struct {
	baseURL      string
	httpClient   *http.Client
	maxRetries   int
	retryWaitMin time.Duration
	retryWaitMax time.Duration
	logger       *slog.Logger
	userAgent    string
	templateTTL  time.Duration // SendChecked's template cache; 0 = off
	observer     *Observer     // nil: nothing reported
}

const (
	defaultMaxRetries   = 3
	defaultRetryWaitMin = 500 * time.Millisecond
	defaultRetryWaitMax = 30 * time.Second
)

func defaultSettings() settings {
	return settings{
		baseURL:      DefaultBaseURL,
		maxRetries:   defaultMaxRetries,
		retryWaitMin: defaultRetryWaitMin,
		retryWaitMax: defaultRetryWaitMax,
		templateTTL:  DefaultTemplateCacheTTL,
	}
}

// WithBaseURL sets the API's base URL (default DefaultBaseURL), with or
// without a trailing slash. It must be https, except for a loopback host
// (localhost, 127.0.0.0/8, ::1), where plain http is allowed for tests. It
// must not carry user information, a query or a fragment.
func WithBaseURL(u string) Option {
	return optionFunc(func(s *settings) error {
		s.baseURL = u
		return nil
	})
}

// WithHTTPClient sets the base HTTP client. The SDK keeps the client's
// timeout, cookie jar and transport (HTTP/2 included), and adds
// authentication and retries around it; it does not modify c itself. Its
// CheckRedirect applies only to a read's redirect to the API's own origin:
// a send never follows a redirect, and no call follows one to another
// origin. Whatever the transport, the SDK clears Request.GetBody so that it
// cannot re-send a request body by itself. A nil client is an error.
func WithHTTPClient(c *http.Client) Option {
	return optionFunc(func(s *settings) error {
		if c == nil {
			return invalid("WithHTTPClient", "nil *http.Client")
		}
		s.httpClient = c
		return nil
	})
}

// WithMaxRetries sets how many times a retryable failure is retried (default
// 3). 0 disables retries: every call makes at most one attempt. Template sends
// are only ever retried when they certainly did not reach Crisp, whatever n is.
func WithMaxRetries(n int) Option {
	return optionFunc(func(s *settings) error {
		if n < 0 {
			return invalid("WithMaxRetries", "negative retry count %d", n)
		}
		s.maxRetries = n
		return nil
	})
}

// WithRetryWait sets the bounds of the wait between retries (default 500ms
// and 30s). Waits grow exponentially with jitter between min and max. A
// server's Retry-After is honoured up to max; when it asks for longer, the
// call fails at once with ErrRateLimited and the asked duration in
// APIError.RetryAfter.
func WithRetryWait(minWait, maxWait time.Duration) Option {
	return optionFunc(func(s *settings) error {
		if minWait < 0 || maxWait < minWait {
			return invalid("WithRetryWait", "need 0 <= min <= max, got min %s, max %s", minWait, maxWait)
		}
		s.retryWaitMin, s.retryWaitMax = minWait, maxWait
		return nil
	})
}

// WithLogger sets a logger for one debug record per HTTP attempt (method,
// path, status, attempt, duration) and per accepted send (request_id, masked
// recipient). Records never carry bodies or credentials. Nil, or no
// WithLogger at all, means silent.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(s *settings) error {
		s.logger = l
		return nil
	})
}

// WithUserAgent appends s to the SDK's own User-Agent, "crispwa/<version>".
// It must be printable ASCII without line breaks.
func WithUserAgent(ua string) Option {
	return optionFunc(func(s *settings) error {
		for _, r := range ua {
			if r < 0x20 || r > 0x7e {
				return invalid("WithUserAgent", "must be printable ASCII")
			}
		}
		s.userAgent = strings.TrimSpace(ua)
		return nil
	})
}

// WithTemplateCache sets how long Templates.SendChecked keeps a fetched
// template before fetching it again (default DefaultTemplateCacheTTL, 5
// minutes), so that a campaign does not list the templates once per message.
// 0 turns the cache off: every SendChecked fetches its template. The cache
// lives in the Client, is safe for concurrent use, and never outlives the
// TTL: a template paused meanwhile is seen at the next fetch. A negative ttl
// is an error. It does not affect List, All, Get or Send.
func WithTemplateCache(ttl time.Duration) Option {
	return optionFunc(func(s *settings) error {
		if ttl < 0 {
			return invalid("WithTemplateCache", "negative TTL %s", ttl)
		}
		s.templateTTL = ttl
		return nil
	})
}

// applyOptions runs opts over the defaults and returns the first error.
func applyOptions(opts []Option) (settings, error) {
	s := defaultSettings()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.apply(&s); err != nil {
			return s, err
		}
	}
	return s, nil
}
