package bulk

import (
	"context"
	"math"
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
