package bulk

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateStore holds the send pace shared by the Runners of several processes
// sending for the same website (WithRateStore; package redisstore
// implements it on Redis), so that together they keep to one rate and all
// pause when any of them is rate limited. Without it, a Runner keeps this
// state in memory for its own workers.
//
// Every method must be safe for concurrent use and honour ctx. On an error,
// the Runner waits and asks again: it never sends without a slot.
type RateStore interface {
	// Reserve asks for the next send slot of websiteID, one per interval
	// across all callers (interval 0: no rate limit, pauses only). When
	// reserved, the caller may send after wait (0: now). When not reserved,
	// every runner of websiteID is paused for wait more, and the caller asks
	// again after it.
	Reserve(ctx context.Context, websiteID string, interval time.Duration) (wait time.Duration, reserved bool, err error)
	// Pause stops the sends of every runner of websiteID for d, unless a
	// longer pause is already set.
	Pause(ctx context.Context, websiteID string, d time.Duration) error
	// PausedFor returns how much longer the runners of websiteID are paused
	// (0 when they are not).
	PausedFor(ctx context.Context, websiteID string) (time.Duration, error)
}

// Stopper is implemented by a RateStore that can also stop every runner
// sharing it (the Runner's own store in memory, and redisstore's Store):
// when a Runner sees an account-class failure (ActionStop), it calls Stop,
// and every Runner of that website running at that moment, in any process,
// stops with a *StoppedError carrying the reason. A Runner started later is
// not stopped by an earlier Stop: Stops counts the stops, and a Runner
// compares the count with the one it saw when it began. A RateStore
// without Stop still stops its own Runner; the others stop on their own
// failures.
type Stopper interface {
	// Stop stops the runners of websiteID running now, with a reason shown
	// to each ("account (#131031): Business Account locked").
	Stop(ctx context.Context, websiteID, reason string) error
	// Stops returns how many times Stop was called for websiteID (0 when
	// never, or when the store forgot) and the reason of the last one.
	Stops(ctx context.Context, websiteID string) (count int64, reason string, err error)
}

// memRateStore is the RateStore of a Runner on its own: a token bucket of
// burst 1 (golang.org/x/time/rate) and a pause deadline, per website. It
// never fails.
type memRateStore struct {
	mu       sync.Mutex
	limiters map[string]*rate.Limiter // website -> its bucket
	paused   map[string]time.Time     // website -> end of its pause
	stops    map[string]int64         // website -> how many Stop calls
	reasons  map[string]string        // website -> the last Stop's reason
}

func newMemRateStore() *memRateStore {
	return &memRateStore{limiters: map[string]*rate.Limiter{}, paused: map[string]time.Time{},
		stops: map[string]int64{}, reasons: map[string]string{}}
}

func (m *memRateStore) Reserve(_ context.Context, website string, interval time.Duration) (time.Duration, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if until := m.paused[website]; until.After(now) {
		return until.Sub(now), false, nil
	}
	if interval <= 0 {
		return 0, true, nil
	}
	lim := m.limiters[website]
	if lim == nil {
		lim = rate.NewLimiter(rate.Every(interval), 1)
		m.limiters[website] = lim
	} else if l := rate.Every(interval); lim.Limit() != l {
		lim.SetLimitAt(now, l)
	}
	return lim.ReserveN(now, 1).DelayFrom(now), true, nil
}
func (m *memRateStore) Pause(_ context.Context, website string, d time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if until := time.Now().Add(d); until.After(m.paused[website]) {
		m.paused[website] = until
	}
	return nil
}

func (m *memRateStore) PausedFor(_ context.Context, website string) (time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return max(time.Until(m.paused[website]), 0), nil
}

func (m *memRateStore) Stop(_ context.Context, website, reason string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stops[website]++
	m.reasons[website] = reason
	return nil
}

func (m *memRateStore) Stops(_ context.Context, website string) (int64, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stops[website], m.reasons[website], nil
}
