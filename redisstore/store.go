// Package redisstore shares the state of several replicas of a service
// through Redis (github.com/redis/go-redis/v9): callback deduplication and
// Tracker events (callback.WithStore, callback.WithTrackerStore) and the
// send rate of bulk Runners (bulk.WithRateStore).
//
// Every key it writes is namespaced by a prefix and a website ID and has a
// TTL, so its memory is bounded by the traffic over those TTLs. Every call
// to Redis has a timeout (WithTimeout); when Redis is down or slow, the
// callback Handler answers 503 without running its HandlerFunc, Tracker.Wait
// returns an error, and a bulk Runner waits rather than send unpaced; all
// recover by themselves when Redis is back.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/callback"
)

// Store is a callback.Store and a bulk.RateStore on Redis. Create it with
// New; it is safe for concurrent use. Close it to stop the subscription
// that Tracker.Wait uses.
type Store struct {
	rdb  redis.UniversalClient
	cfg  config
	keys keys

	ctx    context.Context // ends on Close
	cancel context.CancelFunc

	mu       sync.Mutex
	waiters  map[string]map[chan *crispwa.CallbackEvent]struct{} // request_id -> pending Awaits
	live     bool                                                // the subscription is confirmed
	changed  chan struct{}                                       // closed and replaced when live changes
	listener chan struct{}                                       // closed when the listener ends; nil before it starts
}

var (
	_ callback.Store = (*Store)(nil)
	_ bulk.RateStore = (*Store)(nil)
)

// Defaults of a Store.
const (
	// DefaultPrefix starts every key and channel name.
	DefaultPrefix = "crispwa"
	// DefaultClaimTTL is how long a delivery may hold a request_id's claim.
	DefaultClaimTTL = 5 * time.Minute
	// DefaultDedupTTL is how long a handled request_id is remembered.
	DefaultDedupTTL = 24 * time.Hour
	// DefaultEventTTL is how long a delivered event is kept for a Wait.
	DefaultEventTTL = 10 * time.Minute
	// DefaultTimeout bounds each call to Redis.
	DefaultTimeout = 2 * time.Second
)

// defaultRateSlack is how long a rate key outlives its last slot.
const defaultRateSlack = time.Minute

// Option configures a Store; pass options to New. A nil Option is ignored;
// an invalid value makes New panic with a message naming the option.
type Option interface {
	apply(*config) error
}

type option func(*config) error

func (o option) apply(c *config) error { return o(c) }

type config struct {
	prefix    string
	websiteID string
	claimTTL  time.Duration
	dedupTTL  time.Duration
	eventTTL  time.Duration
	timeout   time.Duration
}

// WithPrefix sets the prefix of every key and channel (default
// DefaultPrefix), to share one Redis between applications. New panics if
// it is empty.
func WithPrefix(p string) Option {
	return option(func(c *config) error {
		if p == "" {
			return errors.New("redisstore: WithPrefix(\"\")")
		}
		c.prefix = p
		return nil
	})
}

// WithWebsiteID namespaces the callback keys (claims, events) by the Crisp
// website whose callbacks this Store handles (default "default"). The rate
// keys are namespaced by the website ID the bulk Runner gives. New panics
// if id is empty.
func WithWebsiteID(id string) Option {
	return option(func(c *config) error {
		if id == "" {
			return errors.New("redisstore: WithWebsiteID(\"\")")
		}
		c.websiteID = id
		return nil
	})
}

// WithClaimTTL sets how long a delivery may hold the claim on a request_id
// while its HandlerFunc runs (default DefaultClaimTTL): a replica that dies
// meanwhile leaves a claim that lapses after it, and a redelivery then runs
// the HandlerFunc. Make it longer than your HandlerFunc can take. New
// panics if d < 1ms.
func WithClaimTTL(d time.Duration) Option {
	return ttlOption("WithClaimTTL", d, func(c *config) *time.Duration { return &c.claimTTL })
}

// WithDedupTTL sets how long a handled request_id is remembered (default
// DefaultDedupTTL). New panics if d < 1ms.
func WithDedupTTL(d time.Duration) Option {
	return ttlOption("WithDedupTTL", d, func(c *config) *time.Duration { return &c.dedupTTL })
}

// WithEventTTL sets how long a delivered event is kept for a Tracker.Wait
// (default DefaultEventTTL). New panics if d < 1ms.
func WithEventTTL(d time.Duration) Option {
	return ttlOption("WithEventTTL", d, func(c *config) *time.Duration { return &c.eventTTL })
}

// WithTimeout bounds each call to Redis (default DefaultTimeout). New
// panics if d < 1ms.
func WithTimeout(d time.Duration) Option {
	return ttlOption("WithTimeout", d, func(c *config) *time.Duration { return &c.timeout })
}

func ttlOption(name string, d time.Duration, field func(*config) *time.Duration) Option {
	return option(func(c *config) error {
		if d < time.Millisecond {
			return fmt.Errorf("redisstore: %s(%s): need at least 1ms", name, d)
		}
		*field(c) = d
		return nil
	})
}

// New returns a Store on rdb. It does not contact Redis: a Redis that is
// down shows up as errors from the Store's methods. New panics, naming the
// option, when an option is given an invalid value, or if rdb is nil.
func New(rdb redis.UniversalClient, opts ...Option) *Store {
	if rdb == nil {
		panic("redisstore: New(nil)")
	}
	cfg := config{prefix: DefaultPrefix, websiteID: "default", claimTTL: DefaultClaimTTL, dedupTTL: DefaultDedupTTL,
		eventTTL: DefaultEventTTL, timeout: DefaultTimeout}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.apply(&cfg); err != nil {
			panic(err.Error())
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Store{
		rdb: rdb, cfg: cfg, keys: keys{prefix: cfg.prefix, website: cfg.websiteID},
		ctx: ctx, cancel: cancel,
		waiters: map[string]map[chan *crispwa.CallbackEvent]struct{}{}, changed: make(chan struct{}),
	}
}

// Close stops the Store's subscription; pending Awaits end with an error.
// It does not close rdb.
func (s *Store) Close() error {
	s.cancel()
	s.mu.Lock()
	done := s.listener
	s.mu.Unlock()
	if done != nil {
		<-done
	}
	return nil
}

// op returns ctx bounded by the Store's timeout.
func (s *Store) op(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.cfg.timeout)
}

// keys names the Store's keys. A request_id is at most
// callback.MaxRequestIDBytes long (the Handler refuses longer ones). The
// two rate keys of a website, used by one script, share a hash tag so that
// they live on one Redis Cluster slot.
type keys struct{ prefix, website string }

func (k keys) claim(id string) string      { return k.prefix + ":" + k.website + ":claim:" + id }
func (k keys) event(id string) string      { return k.prefix + ":" + k.website + ":event:" + id }
func (k keys) events() string              { return k.prefix + ":" + k.website + ":events" }
func (k keys) slot(website string) string  { return k.prefix + ":{" + website + "}:rate:next" }
func (k keys) pause(website string) string { return k.prefix + ":{" + website + "}:rate:paused" }

// wrap makes a Redis error the Store's.
func wrap(what string, err error) error {
	return fmt.Errorf("redisstore: %s: %w", what, err)
}
