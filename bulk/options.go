package bulk

import (
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/crispwa/crispwa"
)

// Defaults of a Runner.
const (
	// DefaultConcurrency is how many sends are in flight at most.
	DefaultConcurrency = 4
	// DefaultRate is the rate limit, in sends per second, shared by all
	// workers. Crisp does not publish its limits; this one stays well clear
	// of them, and a 429 slows the campaign down further anyway.
	DefaultRate = 10
	// DefaultDrainTimeout is how long the sends in flight when Run's context
	// ends may still take to get their answer.
	DefaultDrainTimeout = 30 * time.Second
	// DefaultProgressInterval is how often the progress function is called.
	DefaultProgressInterval = time.Second
)

// config is what the options set.
type config struct {
	concurrency      int
	rate             float64 // sends per second; +Inf for no limit
	retryUnknown     bool
	checkTemplates   bool
	drainTimeout     time.Duration
	progress         func(Progress)
	progressInterval time.Duration
	callbackWait     time.Duration
	logger           *slog.Logger
	abort            <-chan struct{} // closed: cut the sends in flight short
	rateStore        RateStore
	suppressions     Suppressions
	observer         *crispwa.Observer // WithObserver (observer.go)
}

func defaultConfig() config {
	return config{
		concurrency:      DefaultConcurrency,
		rate:             DefaultRate,
		checkTemplates:   true,
		drainTimeout:     DefaultDrainTimeout,
		progressInterval: DefaultProgressInterval,
	}
}

// Option configures a Runner; pass options to NewRunner. A nil Option is
// ignored; an invalid value makes NewRunner return an error naming the
// option.
type Option interface {
	apply(*config) error
}

// optionFunc turns a function into an Option.
type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// WithConcurrency sets how many sends may be in flight at once (default
// DefaultConcurrency). n must be at least 1.
func WithConcurrency(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 {
			return fmt.Errorf("bulk: WithConcurrency(%d): need at least 1", n)
		}
		c.concurrency = n
		return nil
	})
}

// WithRate sets the rate limit in sends per second, shared by all workers
// (default DefaultRate). 0 means no limit other than the concurrency. A
// rate-limit answer from Crisp lowers the rate for the rest of the run, then
// lets it climb back.
func WithRate(perSecond float64) Option {
	return optionFunc(func(c *config) error {
		if perSecond < 0 || math.IsNaN(perSecond) {
			return fmt.Errorf("bulk: WithRate(%v): need a rate >= 0", perSecond)
		}
		if perSecond == 0 {
			perSecond = math.Inf(1)
		}
		c.rate = perSecond
		return nil
	})
}

// WithRetryUnknown makes Run send again the keys whose outcome the journal
// records as unknown. Off by default, because such a send may have reached
// Crisp: only turn it on once you know those messages were not sent.
func WithRetryUnknown(retry bool) Option {
	return optionFunc(func(c *config) error {
		c.retryUnknown = retry
		return nil
	})
}

// WithTemplateCheck turns off (or on) checking every job against its
// template before the first send (default on). The check fetches each
// distinct template once (Templates.Get) and runs Template.Check on every
// job; turning it off leaves only SendTemplateRequest.Validate.
func WithTemplateCheck(check bool) Option {
	return optionFunc(func(c *config) error {
		c.checkTemplates = check
		return nil
	})
}

// WithDrainTimeout sets how long the sends in flight when Run's context
// ends may still take (default DefaultDrainTimeout). Letting them finish
// records their real outcome; a send cut short is recorded as unknown.
func WithDrainTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d < 0 {
			return fmt.Errorf("bulk: WithDrainTimeout(%s): negative", d)
		}
		c.drainTimeout = d
		return nil
	})
}

// WithProgress calls f every interval (DefaultProgressInterval when interval
// is 0) while Run sends, and once at the end. f runs on its own goroutine,
// one call at a time; a slow f delays the next call, never the sends.
func WithProgress(f func(Progress), interval time.Duration) Option {
	return optionFunc(func(c *config) error {
		if interval < 0 {
			return fmt.Errorf("bulk: WithProgress: negative interval %s", interval)
		}
		if interval == 0 {
			interval = DefaultProgressInterval
		}
		c.progress, c.progressInterval = f, interval
		return nil
	})
}

// WithCallbackWait makes Run, once every job is sent, wait up to d for the
// callbacks of the sends it made, as recorded by the journal's
// RecordCallback (which must be wired to a callback handler), so that the
// summary counts them and Run acts on their failures (see ActionFor): a
// retry-later failure whose wait ends within d is sent again in the run.
// Run returns early when all have come and no retry is due within d; d = 0,
// the default, does not wait.
func WithCallbackWait(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d < 0 {
			return fmt.Errorf("bulk: WithCallbackWait(%s): negative", d)
		}
		c.callbackWait = d
		return nil
	})
}

// WithLogger makes Run log one record per job outcome (the job's index,
// its masked recipient, request_id or error; not its key, which often holds
// the phone number) and per rate-limit pause, at debug level
// for accepted sends and warn level otherwise. Silent by default.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) error {
		c.logger = l
		return nil
	})
}

// WithAbort makes Run stop at once when abort is closed: no new send
// starts, and the sends in flight are cut short without waiting for the
// drain timeout (their outcome is recorded as unknown, since they may have
// reached Crisp). Run then returns ErrAborted. It is the second Ctrl-C of a
// command: the first cancels Run's context and lets the sends in flight
// finish.
func WithAbort(abort <-chan struct{}) Option {
	return optionFunc(func(c *config) error {
		c.abort = abort
		return nil
	})
}

// WithRateStore makes the Runner share its rate and its rate-limit pauses
// through s with every Runner, in any process, that sends for the same
// website with the same store (package redisstore): together they keep to
// one WithRate, and a rate limit seen by one pauses all. While s fails, the
// Runner waits rather than send unpaced. A nil s is an error.
func WithRateStore(s RateStore) Option {
	return optionFunc(func(c *config) error {
		if s == nil {
			return fmt.Errorf("bulk: WithRateStore(nil)")
		}
		c.rateStore = s
		return nil
	})
}

// WithSuppressions makes the Runner consult s before every send (a job
// whose recipient is on it is not sent, counted in Summary.Suppressed) and
// add to s every recipient whose send fails with a recipient-class failure
// (crispwa.FailureRecipient: undeliverable, stopped marketing messages),
// whether Crisp refused the send or its callback said so during the run.
// While s fails, the Runner does not send (a suppressed person could be
// messaged): Run stops with the error. A nil s is an error.
func WithSuppressions(s Suppressions) Option {
	return optionFunc(func(c *config) error {
		if s == nil {
			return fmt.Errorf("bulk: WithSuppressions(nil)")
		}
		c.suppressions = s
		return nil
	})
}
