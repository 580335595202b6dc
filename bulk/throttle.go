package bulk

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"time"
)

// Pauses after a rate-limit answer without Retry-After: doubling from
// basePause up to maxPause while the answers keep coming.
const (
	basePause = 500 * time.Millisecond
	maxPause  = 30 * time.Second
	// minRate is the floor of the rate after cuts, in sends per second.
	minRate = 0.5
	// recovery is the factor by which each accepted send raises a cut rate.
	recovery = 1.05
	// window is how many recent send starts the observed rate is measured on.
	window = 32
	// storeTimeout bounds one call to the RateStore; storeRetryMax the wait
	// between calls while it fails.
	storeTimeout  = 2 * time.Second
	storeRetryMax = 2 * time.Second
)

// throttle is the pace shared by all workers: slots from a RateStore (in
// memory, or shared by several processes), plus a pause that every worker
// waits out when any of them is told to slow down. On a rate-limit answer it
// pauses everyone (for Retry-After, or a growing backoff) and halves this
// throttle's rate; each accepted send raises it back by 5% up to the
// configured rate.
type throttle struct {
	store      RateStore
	website    string
	configured float64 // sends per second; +Inf for no limit
	logger     *slog.Logger

	mu          sync.Mutex
	limit       float64   // current rate, <= configured
	pausedUntil time.Time // the latest pause this throttle set or saw
	cutUntil    time.Time // one cut per pause, however many workers are told
	strikes     int       // rate-limit answers since the last accepted send
	peak        float64   // observed rate at the first cut, when unlimited
	starts      [window]time.Time
	nstarts     int
	hits        int
}

// newThrottle returns a throttle of its own, in memory.
func newThrottle(perSecond float64) *throttle {
	return &throttle{store: newMemRateStore(), configured: perSecond, limit: perSecond}
}

// newThrottle returns the throttle of one Run: shared through the
// WithRateStore store, if any, under the client's website ID.
func (r *Runner) newThrottle() *throttle {
	t := newThrottle(r.cfg.rate)
	if r.cfg.rateStore != nil {
		t.store, t.website = r.cfg.rateStore, r.client.WebsiteID()
	}
	t.logger = r.cfg.logger
	return t
}

// wait returns when the caller may start a send, or with ctx's error.
func (t *throttle) wait(ctx context.Context) error {
	failures := 0
	for {
		t.mu.Lock()
		paused := time.Until(t.pausedUntil)
		interval := time.Duration(0)
		if !math.IsInf(t.limit, 1) {
			interval = time.Duration(float64(time.Second) / t.limit)
		}
		t.mu.Unlock()
		if paused > 0 {
			if err := sleep(ctx, paused); err != nil {
				return err
			}
			continue
		}
		wait, reserved, err := t.reserve(ctx, interval)
		if err == nil && reserved && wait > 0 {
			if err := sleep(ctx, wait); err != nil {
				return err
			}
			// A pause may have begun while we waited for the slot.
			if wait, err = t.pausedFor(ctx); err == nil && wait > 0 {
				reserved = false
			}
		}
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil: // the store fails: wait rather than send unpaced
			failures++
			t.log(ctx, "rate store failed: waiting before the next send", err)
			if err := sleep(ctx, min(50*time.Millisecond<<min(failures, 6), storeRetryMax)); err != nil {
				return err
			}
			continue
		case !reserved:
			t.sawPause(wait) // another runner's pause: Progress.PausedUntil says it
			if err := sleep(ctx, wait); err != nil {
				return err
			}
			continue
		}
		t.mu.Lock()
		t.starts[t.nstarts%window] = time.Now()
		t.nstarts++
		t.mu.Unlock()
		return nil
	}
}

func (t *throttle) reserve(ctx context.Context, interval time.Duration) (time.Duration, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	return t.store.Reserve(ctx, t.website, interval)
}

func (t *throttle) pausedFor(ctx context.Context) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	return t.store.PausedFor(ctx, t.website)
}

// sleep waits d, or returns ctx's error when it ends first.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// hit reports a rate-limit answer, with the server's Retry-After (0 if none).
// The pause reaches every runner sharing the store; the rate cut is this
// throttle's.
func (t *throttle) hit(retryAfter time.Duration) {
	pause := t.hitLocal(retryAfter)
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if err := t.store.Pause(ctx, t.website, pause); err != nil {
		// This throttle still pauses; the other runners learn of the rate
		// limit from their own answers.
		t.log(ctx, "rate store failed: pause not shared", err)
	}
}

func (t *throttle) hitLocal(retryAfter time.Duration) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	t.hits++
	pause := retryAfter
	if pause <= 0 {
		pause = min(basePause<<min(t.strikes, 6), maxPause)
	}
	t.strikes++
	if until := now.Add(pause); until.After(t.pausedUntil) {
		t.pausedUntil = until
	}
	if now.Before(t.cutUntil) {
		return pause
	}
	t.cutUntil = t.pausedUntil
	cur := t.limit
	obs := t.observedLocked(now)
	switch {
	case obs == 0 && math.IsInf(t.limit, 1):
		return pause // no rate to halve yet: the pause alone slows down
	case math.IsInf(t.limit, 1):
		t.peak = max(t.peak, obs)
		cur = obs
	case obs > 0:
		cur = min(cur, obs)
	}
	t.limit = max(cur/2, minRate)
	return pause
}

// success reports an accepted send: the rate climbs back.
func (t *throttle) success() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.strikes = 0
	if t.limit >= t.configured {
		return
	}
	next := t.limit * recovery
	switch {
	case math.IsInf(t.configured, 1) && next >= 2*t.peak:
		next = math.Inf(1)
	case next > t.configured:
		next = t.configured
	}
	t.limit = next
}

// observedLocked is the start rate over the last window sends, in sends per
// second (0 when too few). t.mu must be held.
func (t *throttle) observedLocked(now time.Time) float64 {
	n := min(t.nstarts, window)
	if n < 2 {
		return 0
	}
	oldest := t.starts[(t.nstarts-n)%window]
	span := now.Sub(oldest).Seconds()
	if span <= 0 {
		return 0
	}
	return float64(n) / span
}

// state returns the current limit (+Inf when none) and the rate-limit
// answers seen so far.
func (t *throttle) state() (limit float64, hits int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.limit, t.hits
}

func (t *throttle) log(ctx context.Context, msg string, err error) {
	if t.logger != nil {
		t.logger.LogAttrs(ctx, slog.LevelWarn, "crispwa/bulk: "+msg, slog.String("error", err.Error()))
	}
}

// pausedUntilTime returns the end of the latest pause this throttle set or
// saw (zero when none).
func (t *throttle) pausedUntilTime() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pausedUntil
}

// sawPause records a pause of d from now learnt from the store.
func (t *throttle) sawPause(d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if until := time.Now().Add(d); until.After(t.pausedUntil) {
		t.pausedUntil = until
	}
}
