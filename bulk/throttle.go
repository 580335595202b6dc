package bulk

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
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
)

// throttle is the pace shared by all workers: a token-bucket limiter, plus a
// pause that every worker waits out when any of them is told to slow down.
// On a rate-limit answer it pauses everyone (for Retry-After, or a growing
// backoff) and halves the rate; each accepted send raises it back by 5% up
// to the configured rate.
type throttle struct {
	limiter    *rate.Limiter
	configured rate.Limit

	mu          sync.Mutex
	pausedUntil time.Time
	cutUntil    time.Time // one cut per pause, however many workers are told
	strikes     int       // rate-limit answers since the last accepted send
	peak        float64   // observed rate at the first cut, when unlimited
	starts      [window]time.Time
	nstarts     int
	hits        int
}

func newThrottle(perSecond float64) *throttle {
	lim := rate.Limit(perSecond)
	if math.IsInf(perSecond, 1) {
		lim = rate.Inf
	}
	return &throttle{limiter: rate.NewLimiter(lim, 1), configured: lim}
}

// wait returns when the caller may start a send, or with ctx's error.
func (t *throttle) wait(ctx context.Context) error {
	for {
		t.mu.Lock()
		d := time.Until(t.pausedUntil)
		t.mu.Unlock()
		if d > 0 {
			timer := time.NewTimer(d)
			select {
			case <-ctx.Done():
				timer.Stop()
				return ctx.Err()
			case <-timer.C:
			}
			continue
		}
		if err := t.limiter.Wait(ctx); err != nil {
			return err
		}
		t.mu.Lock()
		if time.Now().Before(t.pausedUntil) { // a pause began while we waited
			t.mu.Unlock()
			continue
		}
		t.starts[t.nstarts%window] = time.Now()
		t.nstarts++
		t.mu.Unlock()
		return nil
	}
}

// hit reports a rate-limit answer, with the server's Retry-After (0 if none).
func (t *throttle) hit(retryAfter time.Duration) {
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
		return
	}
	t.cutUntil = t.pausedUntil
	cur := float64(t.limiter.Limit())
	obs := t.observedLocked(now)
	switch {
	case obs == 0 && t.limiter.Limit() == rate.Inf:
		return // no rate to halve yet: the pause alone slows down
	case t.limiter.Limit() == rate.Inf:
		t.peak = max(t.peak, obs)
		cur = obs
	case obs > 0:
		cur = min(cur, obs)
	}
	t.limiter.SetLimitAt(now, rate.Limit(max(cur/2, minRate)))
}

// success reports an accepted send: the rate climbs back.
func (t *throttle) success() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.strikes = 0
	lim := t.limiter.Limit()
	if lim >= t.configured {
		return
	}
	next := lim * recovery
	switch {
	case t.configured == rate.Inf && float64(next) >= 2*t.peak:
		next = rate.Inf
	case next > t.configured:
		next = t.configured
	}
	t.limiter.SetLimit(next)
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
	l := t.limiter.Limit()
	if l == rate.Inf {
		return math.Inf(1), t.hits
	}
	return float64(l), t.hits
}
