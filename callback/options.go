package callback

import "log/slog"

// Option configures a Handler.
type Option func(*config)

type config struct {
	maxBody int64
	token   string
	dedup   int
	logger  *slog.Logger
}

const (
	// DefaultMaxBodyBytes caps a callback body unless WithMaxBodyBytes says
	// otherwise.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultDedup is how many handled request_ids a Handler remembers
	// unless WithDedup says otherwise.
	DefaultDedup = 10000
)

// WithMaxBodyBytes caps the callback body (default 1 MiB). Larger bodies are
// answered 413 without calling the HandlerFunc. n <= 0 keeps the default.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// WithToken requires every callback to carry the token, either as the query
// parameter ?token=<token> or as the HTTP Basic password (both can be put in
// the callback URL configured in Crisp). Requests without it are answered
// 401. The comparison takes constant time. An empty token disables the check.
func WithToken(token string) Option {
	return func(c *config) { c.token = token }
}

// WithDedup sets how many successfully handled request_ids the Handler
// remembers (default 10000), so that a redelivered callback is answered 200
// without calling the HandlerFunc again. The oldest are forgotten first.
// 0 turns deduplication off: every delivery reaches the HandlerFunc.
// Deduplication is per Handler and in memory only: it does not survive a
// restart nor span several processes.
func WithDedup(capacity int) Option {
	return func(c *config) { c.dedup = max(capacity, 0) }
}

// WithLogger logs rejected deliveries (wrong method, token, size, body) and
// HandlerFunc failures. Records carry the status, the request_id when known
// and the reason; never the body nor the token. Nil means silent (the default).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}
