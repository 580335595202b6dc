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
	"net"
	"strings"
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
	rdb         redis.UniversalClient // for commands (see callsOn)
	sub         redis.UniversalClient // for the subscription: the client given to New
	ctxDeadline bool                  // rdb honours a context's deadline (ContextTimeoutEnabled)
	cfg         config
	keys        keys

	ctx    context.Context // ends on Close
	cancel context.CancelFunc

	mu       sync.Mutex
	waiters  map[string]map[chan *crispwa.CallbackEvent]struct{} // request_id -> pending Awaits
	live     bool                                                // the subscription is confirmed
	changed  chan struct{}                                       // closed and replaced when live changes
	listener chan struct{}                                       // closed when the listener ends; nil before it starts

	beatMu sync.Mutex
	beats  map[string]*beat // token -> a claim held
}

var (
	_ callback.Store = (*Store)(nil)
	_ bulk.RateStore = (*Store)(nil)
)

// Defaults of a Store.
const (
	// DefaultPrefix starts every key and channel name.
	DefaultPrefix = "crispwa"
	// DefaultClaimTTL is how long a request_id's claim outlives its holder
	// (a replica that died, a claim whose caller gave up): while the holder
	// runs its HandlerFunc, the claim is extended.
	DefaultClaimTTL = 10 * time.Second
	// DefaultDedupTTL is how long a handled request_id is remembered.
	DefaultDedupTTL = 24 * time.Hour
	// DefaultEventTTL is how long a delivered event is kept for a Wait.
	DefaultEventTTL = 10 * time.Minute
	// DefaultTimeout bounds each call to Redis (WithTimeout).
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

// WithClaimTTL sets how long the claim on a request_id outlives the
// delivery holding it (default DefaultClaimTTL). While the HandlerFunc
// runs, the Store extends the claim every third of d (compare and extend:
// only a claim still its own), so a HandlerFunc may take longer than d; a
// replica that dies meanwhile, or a claim that reached Redis after its
// caller had given up, leaves a claim that lapses within d, and a
// redelivery then runs the HandlerFunc. Keep d several times the Redis
// timeout (WithTimeout), so that a slow Redis does not let a claim lapse
// under a running HandlerFunc. New panics if d < 1ms.
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

// WithTimeout bounds each call to Redis (default DefaultTimeout): a call
// that has no answer by then returns an error, whatever the client's
// settings. go-redis honours contexts only with ContextTimeoutEnabled (off
// by default). A *redis.Client without it is called through a clone that
// has it (the same connection pool, and the hooks added to the client
// before New), so the client itself stops the call; a ClusterClient or Ring without it is called in a goroutine
// that the Store stops waiting for, the call going on until the client's
// own ReadTimeout, holding a connection (set ContextTimeoutEnabled on
// those). New panics if d < 1ms.
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
	calls, ctxDeadline := callsOn(rdb, cfg.timeout)
	return &Store{
		rdb: calls, sub: rdb, ctxDeadline: ctxDeadline, cfg: cfg, keys: newKeys(cfg.prefix, cfg.websiteID),
		ctx: ctx, cancel: cancel,
		waiters: map[string]map[chan *crispwa.CallbackEvent]struct{}{}, changed: make(chan struct{}),
		beats: map[string]*beat{},
	}
}

// Close stops the Store's subscription and the extension of the claims it
// holds; pending Awaits end with an error. It does not close rdb.
func (s *Store) Close() error {
	s.cancel()
	s.beatMu.Lock()
	for token, b := range s.beats {
		b.timer.Stop()
		delete(s.beats, token)
	}
	s.beatMu.Unlock()
	s.mu.Lock()
	done := s.listener
	s.mu.Unlock()
	if done != nil {
		<-done
	}
	return nil
}

// callsOn returns the client the Store makes its calls with, and whether
// that client stops a call when its context's deadline passes
// (ContextTimeoutEnabled), so that the Store can call it directly.
//
// A *redis.Client without ContextTimeoutEnabled (go-redis's default) gets
// a clone of its own for the Store's calls: (*redis.Client).WithTimeout
// shares the client's connection pool and hooks (those added before New),
// and the clone's options, its own copy, get ContextTimeoutEnabled. Every
// call is then bounded by go-redis itself, without a goroutine per call,
// and a call cut short gives its connection back at once. Any other client
// (a ClusterClient or Ring without ContextTimeoutEnabled, a wrapper) is
// called through a goroutine (see bounded).
func callsOn(rdb redis.UniversalClient, timeout time.Duration) (redis.UniversalClient, bool) {
	if honoursDeadlines(rdb) {
		return rdb, true
	}
	c, ok := rdb.(*redis.Client)
	if !ok {
		return rdb, false
	}
	clone := c.WithTimeout(timeout) // a copy of the options: the caller's client is unchanged
	opt := clone.Options()
	if opt == c.Options() {
		return rdb, false
	}
	opt.ContextTimeoutEnabled = true
	if !honoursDeadlines(clone) { // a go-redis that copies its options: keep the goroutine
		return rdb, false
	}
	return clone, true
}

// bounded runs f, a call to Redis, with ctx bounded by the Store's timeout,
// and returns its error wrapped as the Store's. A client that honours
// contexts (ContextTimeoutEnabled, as the Store's clone of a *redis.Client
// does: see callsOn) returns by itself when ctx ends. With any other
// client, bounded runs f in a goroutine and returns when ctx ends or the
// timeout passes even if f does not: f then goes on in the background, and
// abandoned, if not nil, is called once it returns.
func (s *Store) bounded(ctx context.Context, what string, f func(context.Context) error, abandoned func()) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.timeout)
	if s.ctxDeadline {
		defer cancel()
		err := f(ctx)
		var netErr net.Error
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return wrap(what, fmt.Errorf("no answer from Redis within %s: %w", s.cfg.timeout, errors.Join(ctx.Err(), err)))
		case errors.As(err, &netErr) && netErr.Timeout(): // the connection's deadline, set from ctx's, passed first
			return wrap(what, fmt.Errorf("no answer from Redis in time: %w", errors.Join(context.DeadlineExceeded, err)))
		}
		return wrap(what, err)
	}
	done := make(chan error, 1)
	go func() { done <- f(ctx) }()
	select {
	case err := <-done:
		cancel()
		if err != nil {
			return wrap(what, err)
		}
		return nil
	case <-ctx.Done():
		go func() {
			<-done
			cancel()
			if abandoned != nil {
				abandoned()
			}
		}()
		return wrap(what, fmt.Errorf("no answer from Redis within %s: %w", s.cfg.timeout, ctx.Err()))
	}
}

// honoursDeadlines reports whether rdb is a go-redis client that stops a
// call when its context's deadline passes (ContextTimeoutEnabled).
func honoursDeadlines(rdb redis.UniversalClient) bool {
	switch c := rdb.(type) {
	case *redis.Client:
		return c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		return c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		return c.Options().ContextTimeoutEnabled
	}
	return false
}

// keys names the Store's keys. Each part given by the user (the prefix, a
// website ID) is escaped, so that parts that contain the separator cannot
// make two namespaces share a key: prefix "app:crispwa" and prefix "app"
// with website "crispwa:w" name different keys. Parts without ':' or '\'
// are written as they are. A request_id, the last part, needs no escaping;
// it is at most callback.MaxRequestIDBytes long (the Handler refuses longer
// ones). The two rate keys of a website, used by one script, share a hash
// tag so that they live on one Redis Cluster slot.
type keys struct{ prefix, website string } // both escaped

func newKeys(prefix, website string) keys {
	return keys{prefix: escapeKeyPart(prefix), website: escapeKeyPart(website)}
}

func (k keys) claim(id string) string { return k.prefix + ":" + k.website + ":claim:" + id }
func (k keys) event(id string) string { return k.prefix + ":" + k.website + ":event:" + id }
func (k keys) events() string         { return k.prefix + ":" + k.website + ":events" }
func (k keys) slot(website string) string {
	return k.prefix + ":{" + escapeKeyPart(website) + "}:rate:next"
}
func (k keys) pause(website string) string {
	return k.prefix + ":{" + escapeKeyPart(website) + "}:rate:paused"
}

// escapeKeyPart writes a backslash as two and ':' as a backslash and ':',
// so that a part ends at the first unescaped ':' and two different parts never read the same.
func escapeKeyPart(p string) string {
	if !strings.ContainsAny(p, `:\`) {
		return p
	}
	var b strings.Builder
	b.Grow(len(p) + 4)
	for i := 0; i < len(p); i++ {
		if p[i] == ':' || p[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// wrap makes a Redis error the Store's.
func wrap(what string, err error) error {
	return fmt.Errorf("redisstore: %s: %w", what, err)
}
