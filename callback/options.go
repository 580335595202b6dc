package callback

import (
	"fmt"
	"log/slog"

	"github.com/crispwa/crispwa"
)

// Option configures a Handler; pass options to NewHandler. A nil Option is
// ignored. An option given a value that can only be a programming mistake
// (a negative capacity, a nil store) makes NewHandler panic with a message
// naming the option, the way http.ServeMux panics on a bad pattern.
type Option interface {
	applyHandler(*handlerConfig) error
}

type handlerOption func(*handlerConfig) error

func (o handlerOption) applyHandler(c *handlerConfig) error { return o(c) }

type handlerConfig struct {
	maxBody  int64
	token    string
	tokenSet bool // WithToken was given, even with an empty token
	dedup    int
	store    Store
	logger   *slog.Logger
	observer *crispwa.Observer // WithObserver (observer.go)
}

const (
	// DefaultMaxBodyBytes caps a callback body unless WithMaxBodyBytes says
	// otherwise.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultDedup is how many handled request_ids a Handler remembers
	// unless WithDedup says otherwise.
	DefaultDedup = 10000
	// MaxRequestIDBytes is the longest request_id a Handler accepts; a
	// longer one is answered 400. Crisp's request_ids are 36-byte UUIDs.
	// With it, the in-memory deduplication holds at most about
	// WithDedup × (MaxRequestIDBytes + 100) bytes.
	MaxRequestIDBytes = 256
)

// WithMaxBodyBytes caps the callback body (default 1 MiB): a body of n bytes
// is read, a larger one is answered 413 without calling the HandlerFunc.
// NewHandler panics if n < 1.
func WithMaxBodyBytes(n int64) Option {
	return handlerOption(func(c *handlerConfig) error {
		if n < 1 {
			return fmt.Errorf("callback: WithMaxBodyBytes(%d): need at least 1", n)
		}
		c.maxBody = n
		return nil
	})
}

// WithToken requires every callback to carry the token, either as the query
// parameter ?token=<token> or as the HTTP Basic password (both can be put in
// the callback URL configured in Crisp). Requests without it are answered
// 401. The comparison takes constant time.
//
// An empty token fails closed: every delivery is answered 401 and the
// reason is logged (see WithLogger). That is what WithToken(os.Getenv(...))
// gives when the variable is unset; to accept callbacks without a token,
// leave WithToken out.
func WithToken(token string) Option {
	return handlerOption(func(c *handlerConfig) error {
		c.token, c.tokenSet = token, true
		return nil
	})
}

// WithDedup sets how many successfully handled request_ids the Handler
// remembers in memory (default DefaultDedup), so that a redelivered
// callback is answered 200 without calling the HandlerFunc again. The
// oldest are forgotten first. 0 turns deduplication off: every delivery
// reaches the HandlerFunc (WithStore is then unused). NewHandler panics if
// capacity < 0. With WithStore, the store's own limits apply instead of
// capacity.
func WithDedup(capacity int) Option {
	return handlerOption(func(c *handlerConfig) error {
		if capacity < 0 {
			return fmt.Errorf("callback: WithDedup(%d): negative capacity", capacity)
		}
		c.dedup = capacity
		return nil
	})
}

// WithStore makes the Handler deduplicate through s instead of in memory,
// so that several replicas behind a load balancer (package redisstore)
// run the HandlerFunc once per request_id between them. When s fails
// (unreachable, too slow), the delivery is answered 503 without calling
// the HandlerFunc, so that Crisp delivers it again later. NewHandler panics
// if s is nil.
func WithStore(s Store) Option {
	return handlerOption(func(c *handlerConfig) error {
		if s == nil {
			return fmt.Errorf("callback: WithStore(nil)")
		}
		c.store = s
		return nil
	})
}

// WithLogger logs rejected deliveries (wrong method, token, size, body),
// HandlerFunc failures and panics, and store failures. Records carry the
// status, the request_id when known and the reason; never the body nor the
// token. Nil means silent (the default).
func WithLogger(l *slog.Logger) Option {
	return handlerOption(func(c *handlerConfig) error {
		c.logger = l
		return nil
	})
}
