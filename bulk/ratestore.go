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

// memRateStore is the RateStore of a Runner on its own: a token bucket of
// burst 1 (golang.org/x/time/rate) and a pause deadline, per website. It
// never fails.
type memRateStore struct {
	mu       sync.Mutex
	limiters map[string]*rate.Limiter // website -> its bucket
	paused   map[string]time.Time     // website -> end of its pause
}

func newMemRateStore() *memRateStore {
	return &memRateStore{limiters: map[string]*rate.Limiter{}, paused: map[string]time.Time{}}
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
