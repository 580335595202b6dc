package crispwatest

import (
	"fmt"
	"net"
	"time"

	"github.com/crispwa/crispwa"
)

// Option configures a Server at NewServer. Nil options are ignored. An
// option given an invalid value panics in NewServer, naming the option: it
// is a mistake in the test, not a runtime condition.
type Option interface {
	apply(*config)
}

// optionFunc turns a function into an Option.
type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is what the options set.
type config struct {
	templates       []crispwa.Template
	manual          bool
	early           bool
	attempts        int
	backoff         time.Duration
	callbackTimeout time.Duration
	listener        net.Listener
	maxMessages     int
}

func defaultConfig() config {
	return config{attempts: 1, callbackTimeout: defaultCallbackTimeout}
}

// WithTemplates starts the server with these templates, as if each were
// given to AddTemplate in order:
//
//	srv := crispwatest.NewServer(crispwatest.WithTemplates(crispwatest.SampleTemplates()...))
func WithTemplates(ts ...crispwa.Template) Option {
	ts = append([]crispwa.Template(nil), ts...) // AddTemplate deep-copies each later
	return optionFunc(func(c *config) { c.templates = append(c.templates, ts...) })
}

// WithManualOutcomes makes every accepted send wait for a decision: the
// send is answered with its request_id as usual, but its callback is posted
// only when the test (or the inbox page) calls Deliver or Fail for that
// request_id. Without it, the outcome is decided at once by the fake's
// rules (see the package documentation).
func WithManualOutcomes() Option {
	return optionFunc(func(c *config) { c.manual = true })
}

// WithRedelivery makes the fake post a callback again when the receiver
// answered a 5xx or a 429, did not answer within the callback timeout, or
// the connection failed: up to attempts posts in all (the first included),
// waiting backoff before the second, twice that before the third, and so
// on. A 2xx ends the deliveries; any other status (a 4xx: the receiver
// refused the callback) ends them too, as a failure.
//
// This is the fake's model, not Crisp's documented behaviour: Crisp does not
// publish its redelivery policy. The default is a single attempt, without
// redelivery. It panics if attempts < 1 or backoff < 0. Close cuts the
// backoff waits short: no redelivery starts after Close.
func WithRedelivery(attempts int, backoff time.Duration) Option {
	if attempts < 1 {
		panic(fmt.Sprintf("crispwatest: WithRedelivery: attempts must be at least 1, got %d", attempts))
	}
	if backoff < 0 {
		panic(fmt.Sprintf("crispwatest: WithRedelivery: backoff must not be negative, got %v", backoff))
	}
	return optionFunc(func(c *config) { c.attempts, c.backoff = attempts, backoff })
}

// WithCallbackTimeout bounds each callback POST (default 10 seconds): a
// receiver that has not answered by then counts as a timeout, redelivered
// under WithRedelivery. It panics if d <= 0.
func WithCallbackTimeout(d time.Duration) Option {
	if d <= 0 {
		panic(fmt.Sprintf("crispwatest: WithCallbackTimeout: the timeout must be positive, got %v", d))
	}
	return optionFunc(func(c *config) { c.callbackTimeout = d })
}

// WithEarlyCallbacks makes the fake post each callback, and wait for the
// receiver's answer (redeliveries included), before it answers the send:
// the callback then always reaches the receiver before Send returns. It is
// the order seen most of the time against the fake, and one a real Crisp
// can produce too; code that stores the request_id after Send returns and
// expects the callback to find it there fails under this option. It has no
// effect with WithManualOutcomes.
func WithEarlyCallbacks() Option {
	return optionFunc(func(c *config) { c.early = true })
}

// WithMaxMessages bounds the memory of a long-running fake: it keeps the
// newest n accepted sends and forgets the oldest beyond that, counting them
// (MessagePage.Dropped). Sends, RequestIDs, SendCount, Messages, Deliver and
// Fail then see only the kept ones; WaitCallbacks still counts every
// callback. The default, for tests, keeps every send; "crispwa fake" keeps
// 10,000 (--max-messages). It panics if n < 1.
func WithMaxMessages(n int) Option {
	if n < 1 {
		panic(fmt.Sprintf("crispwatest: WithMaxMessages: n must be at least 1, got %d", n))
	}
	return optionFunc(func(c *config) { c.maxMessages = n })
}

// WithListener serves the fake on ln instead of a new listener on a random
// loopback port; Close closes ln. Server.URL is built from ln's address.
// It is how "crispwa fake" serves on a fixed address. It panics if ln is
// nil.
func WithListener(ln net.Listener) Option {
	if ln == nil {
		panic("crispwatest: WithListener: the listener is nil")
	}
	return optionFunc(func(c *config) { c.listener = ln })
}
