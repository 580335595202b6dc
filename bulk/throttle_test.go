package bulk

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestThrottlePausesEveryWaiter(t *testing.T) {
	th := newThrottle(math.Inf(1))
	th.hit(150 * time.Millisecond)
	start := time.Now()
	done := make(chan time.Duration, 3)
	for range 3 {
		go func() {
			_ = th.wait(context.Background())
			done <- time.Since(start)
		}()
	}
	for range 3 {
		assert.GreaterOrEqual(t, <-done, 140*time.Millisecond, "every worker waits out the Retry-After")
	}

	limit, _ := th.state()
	assert.True(t, math.IsInf(limit, 1), "no observed rate to halve: the pause alone")

	th.hit(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, th.wait(ctx), context.DeadlineExceeded, "a pause ends with the context")
}

func TestThrottleCutsOncePerPauseAndRecovers(t *testing.T) {
	th := newThrottle(100)
	for range 5 { // five workers told at once
		th.hit(time.Millisecond)
	}
	limit, hits := th.state()
	assert.Equal(t, 50.0, limit, "one cut for one storm")
	assert.Equal(t, 5, hits)

	time.Sleep(2 * time.Millisecond)
	th.hit(time.Millisecond)
	limit, _ = th.state()
	assert.Equal(t, 25.0, limit, "a new pause cuts again")

	th.success()
	limit, _ = th.state()
	assert.InDelta(t, 25*recovery, limit, 1e-9)
	for range 100 {
		th.success()
	}
	limit, _ = th.state()
	assert.Equal(t, 100.0, limit, "back to the configured rate, not beyond")
}

func TestThrottleBackoffWithoutRetryAfter(t *testing.T) {
	th := newThrottle(10)
	var pauses []time.Duration
	for range 8 {
		before := time.Now()
		th.hit(0)
		th.mu.Lock()
		pauses = append(pauses, th.pausedUntil.Sub(before))
		th.mu.Unlock()
	}
	assert.InDelta(t, basePause, pauses[0], float64(10*time.Millisecond))
	assert.InDelta(t, 2*basePause, pauses[1], float64(10*time.Millisecond))
	assert.InDelta(t, maxPause, pauses[7], float64(10*time.Millisecond), "capped")
	th.success()
	assert.Zero(t, th.strikes, "an accepted send resets the backoff")
}

func TestThrottleUnlimitedCutsFromTheObservedRate(t *testing.T) {
	th := newThrottle(math.Inf(1))
	now := time.Now()
	th.mu.Lock()
	for i := range window { // 32 starts over the last 320ms: 100/s
		th.starts[i] = now.Add(-time.Duration(window-i) * 10 * time.Millisecond)
	}
	th.nstarts = window
	th.mu.Unlock()
	th.hit(time.Millisecond)
	limit, _ := th.state()
	require.False(t, math.IsInf(limit, 1))
	assert.InDelta(t, 50, limit, 5, "half the observed rate")
	for range 200 {
		th.success()
	}
	limit, _ = th.state()
	assert.True(t, math.IsInf(limit, 1), "unlimited again once well past the old peak")
}

// flakyRateStore fails its first calls, then grants slots.
type flakyRateStore struct {
	mu       sync.Mutex
	failures int // calls left to fail
	reserved int
	paused   time.Duration
}

func (f *flakyRateStore) fail() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failures > 0 {
		f.failures--
		return errors.New("store down")
	}
	return nil
}

func (f *flakyRateStore) Reserve(context.Context, string, time.Duration) (time.Duration, bool, error) {
	if err := f.fail(); err != nil {
		return 0, false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reserved++
	return 0, true, nil
}

func (f *flakyRateStore) Pause(_ context.Context, _ string, d time.Duration) error {
	if err := f.fail(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paused = d
	return nil
}

func (f *flakyRateStore) PausedFor(context.Context, string) (time.Duration, error) {
	return 0, f.fail()
}

func TestThrottleWaitsWhileTheRateStoreFails(t *testing.T) {
	store := &flakyRateStore{failures: 3}
	th := newThrottle(10)
	th.store = store
	require.NoError(t, th.wait(context.Background()), "recovers once the store answers")
	assert.Equal(t, 1, store.reserved, "one slot, granted after the failures: none taken unpaced")
	assert.Zero(t, store.failures)

	store.failures = 1 << 30 // down for good
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, th.wait(ctx), context.DeadlineExceeded, "never lets a send go without a slot")

	store.failures = 0
	th.hit(2 * time.Second)
	assert.Equal(t, 2*time.Second, store.paused, "a 429 is shared through the store")
}
