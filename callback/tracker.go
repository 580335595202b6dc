package callback

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/crispwa/crispwa"
)

// Tracker correlates sends with their callbacks: give its Handle method to
// NewHandler, and call Wait with the request_id that Templates.Send
// returned. A callback may arrive before Wait is called (it can even beat
// Send's return), so delivered events are kept for a while: until they are
// older than the TTL (default DefaultTrackerTTL) or pushed out by newer ones
// beyond the capacity (default DefaultTrackerCapacity distinct
// request_ids), whichever comes first.
//
// By default a Tracker keeps everything in memory and starts no goroutine;
// with WithTrackerStore, events go through a Store shared by several
// replicas, so that Wait on one replica sees a callback another received.
// A Tracker is safe for concurrent use.
type Tracker struct {
	events eventStore
	mem    *memEvents        // the default store; nil with WithTrackerStore
	obs    *crispwa.Observer // nil: nothing reported (observer.go)

	mu      sync.Mutex
	watched []*Handler // Watch
}

// Defaults of a Tracker.
const (
	// DefaultTrackerTTL is how long a delivered event is kept for a Wait.
	DefaultTrackerTTL = 10 * time.Minute
	// DefaultTrackerCapacity is how many delivered events are kept at most.
	DefaultTrackerCapacity = 10000
)

// TrackerOption configures a Tracker; pass options to NewTracker. A nil
// TrackerOption is ignored; an invalid value makes NewTracker panic with a
// message naming the option.
type TrackerOption interface {
	applyTracker(*trackerConfig) error
}

type trackerOption func(*trackerConfig) error

func (o trackerOption) applyTracker(c *trackerConfig) error { return o(c) }

type trackerConfig struct {
	ttl      time.Duration
	capacity int
	now      func() time.Time
	store    Store
	observer *crispwa.Observer
}

// WithTrackerTTL sets how long a delivered event is kept in memory for a
// later Wait (default DefaultTrackerTTL). NewTracker panics if d <= 0.
func WithTrackerTTL(d time.Duration) TrackerOption {
	return trackerOption(func(c *trackerConfig) error {
		if d <= 0 {
			return fmt.Errorf("callback: WithTrackerTTL(%s): need a positive duration", d)
		}
		c.ttl = d
		return nil
	})
}

// WithTrackerCapacity sets how many delivered events, with distinct
// request_ids, are kept in memory at most (default DefaultTrackerCapacity);
// the oldest are dropped first. NewTracker panics if n < 1.
func WithTrackerCapacity(n int) TrackerOption {
	return trackerOption(func(c *trackerConfig) error {
		if n < 1 {
			return fmt.Errorf("callback: WithTrackerCapacity(%d): need at least 1", n)
		}
		c.capacity = n
		return nil
	})
}

// WithTrackerClock makes the Tracker read the time from now (default
// time.Now) to expire events: for tests, and for programs with their own
// clock. NewTracker panics if now is nil.
func WithTrackerClock(now func() time.Time) TrackerOption {
	return trackerOption(func(c *trackerConfig) error {
		if now == nil {
			return errors.New("callback: WithTrackerClock(nil)")
		}
		c.now = now
		return nil
	})
}

// WithTrackerStore makes the Tracker keep its events in s rather than in
// memory, so that an event handled on any replica wakes a Wait on any other
// (package redisstore). The store's own TTL and limits then apply instead of
// WithTrackerTTL and WithTrackerCapacity. Handle returns s's error (the
// Handler then answers 500 and Crisp can deliver again), and so does Wait.
// NewTracker panics if s is nil.
func WithTrackerStore(s Store) TrackerOption {
	return trackerOption(func(c *trackerConfig) error {
		if s == nil {
			return errors.New("callback: WithTrackerStore(nil)")
		}
		c.store = s
		return nil
	})
}

// NewTracker returns an empty Tracker. It panics, naming the option, when an
// option is given an invalid value.
func NewTracker(opts ...TrackerOption) *Tracker {
	cfg := trackerConfig{ttl: DefaultTrackerTTL, capacity: DefaultTrackerCapacity, now: time.Now}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.applyTracker(&cfg); err != nil {
			panic(err.Error())
		}
	}
	if cfg.store != nil {
		return &Tracker{events: cfg.store, obs: trackerObserver(cfg.observer)}
	}
	mem := newMemEvents(cfg.capacity, cfg.ttl, cfg.now)
	return &Tracker{events: mem, mem: mem, obs: trackerObserver(cfg.observer)}
}

// Handle records ev and wakes every Wait for its request_id. It is a
// HandlerFunc; in memory it never fails. A later event for the same
// request_id replaces the earlier one.
func (t *Tracker) Handle(ctx context.Context, ev *crispwa.CallbackEvent) error {
	if ev == nil || ev.RequestID == "" {
		return nil
	}
	return t.events.Publish(ctx, ev)
}

// Wait returns the callback event for requestID, waiting for it if it has
// not been delivered yet. When ctx ends first it returns a
// *WaitTimeoutError, which wraps ctx's error (errors.Is(err,
// context.DeadlineExceeded) holds) and says whether the Handlers given to
// Watch received deliveries and refused them; it returns the store's error
// when a Store fails. A Wait that gives up leaves nothing behind. Several
// Wait calls for the same request_id all get the event.
func (t *Tracker) Wait(ctx context.Context, requestID string) (*crispwa.CallbackEvent, error) {
	if t.obs != nil {
		return t.observeWait(ctx, requestID)
	}
	return t.wait(ctx, requestID)
}

// wait is Wait without the Observer.
func (t *Tracker) wait(ctx context.Context, requestID string) (*crispwa.CallbackEvent, error) {
	start := time.Now()
	ev, err := t.events.Await(ctx, requestID)
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return nil, t.timeoutError(requestID, time.Since(start), ctx.Err())
	}
	return ev, err
}

// Watch makes Wait's timeout error report what h received: give it the
// Handler that calls this Tracker's Handle, so that a callback that never
// comes (a wrong token, a forgotten callback URL) says why. Several Handlers
// can be watched; their counts are summed.
func (t *Tracker) Watch(h *Handler) {
	if h == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.watched = append(t.watched, h)
}

func (t *Tracker) timeoutError(requestID string, waited time.Duration, err error) *WaitTimeoutError {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := &WaitTimeoutError{RequestID: requestID, Waited: waited, Err: err, Watched: len(t.watched)}
	for _, h := range t.watched {
		e.Stats = e.Stats.add(h.Stats())
	}
	return e
}

// WaitTimeoutError is Tracker.Wait's error when its context ends before the
// callback arrives. Stats sums, over the Handlers given to Tracker.Watch,
// what they answered since they were created; with WithTrackerStore, only
// this replica's Handlers are counted.
type WaitTimeoutError struct {
	RequestID string
	Waited    time.Duration
	Err       error // the context's error
	Watched   int   // how many Handlers Stats sums; 0: Watch was not called
	Stats     Stats
}

// Error says how long Wait waited and, when the Tracker watches Handlers,
// whether deliveries came and why they were refused: a forgotten callback
// URL ("no delivery at all") reads differently from a wrong token.
func (e *WaitTimeoutError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "callback: no callback for request_id %q after %s (%v)", e.RequestID, e.Waited.Round(time.Millisecond), e.Err)
	s, r := e.Stats, e.Stats.Refused
	switch {
	case e.Watched == 0:
		b.WriteString("; call Tracker.Watch(handler) to learn whether deliveries came and were refused")
	case s.Received() == 0:
		b.WriteString("; the handler has received no delivery at all: is the callback URL set in the Crisp plugin settings, and does it reach this server?")
	case r.Total() > 0:
		fmt.Fprintf(&b, "; the handler refused %d of the %d deliveries it received (", r.Total(), s.Received())
		sep := ""
		for _, c := range []struct {
			n    int64
			what string
		}{
			{r.NoToken, "empty token configured"}, {r.BadToken, "wrong or missing token"},
			{r.Unavailable, "store unavailable"}, {r.Malformed, "not a callback"},
			{r.TooLarge, "too large"}, {r.NotPost, "not a POST"},
		} {
			if c.n > 0 {
				fmt.Fprintf(&b, "%s%s: %d", sep, c.what, c.n)
				sep = ", "
			}
		}
		b.WriteString(")")
		if r.NoToken+r.BadToken > 0 {
			b.WriteString(": check that the token in the callback URL matches WithToken")
		}
	default:
		fmt.Fprintf(&b, "; the handler received %d deliveries, none refused", s.Received())
	}
	return b.String()
}

// Unwrap returns the context's error.
func (e *WaitTimeoutError) Unwrap() error { return e.Err }

// Len returns how many delivered events the Tracker holds in memory and how
// many request_ids have a pending Wait, for metrics. With WithTrackerStore
// it returns 0, 0: the events are in the store.
func (t *Tracker) Len() (delivered, waiting int) {
	if t.mem == nil {
		return 0, 0
	}
	return t.mem.len()
}
