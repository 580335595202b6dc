package bulk

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slotThenPauseStore grants a first slot a while ahead; the test pauses it
// (as another runner's 429 would) while the caller waits for that slot.
type slotThenPauseStore struct {
	mu          sync.Mutex
	reserves    int
	pausedUntil time.Time
}

func (s *slotThenPauseStore) Reserve(context.Context, string, time.Duration) (time.Duration, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reserves++
	if d := time.Until(s.pausedUntil); d > 0 {
		return d, false, nil
	}
	if s.reserves == 1 {
		// The slot is granted; at once another runner's 429 pauses every
		// runner, while this caller waits for its slot.
		s.pausedUntil = time.Now().Add(400 * time.Millisecond)
		return 100 * time.Millisecond, true, nil
	}
	return 0, true, nil
}
func (s *slotThenPauseStore) Pause(_ context.Context, _ string, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pausedUntil = time.Now().Add(d)
	return nil
}
func (s *slotThenPauseStore) PausedFor(context.Context, string) (time.Duration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(time.Until(s.pausedUntil), 0), nil
}

func TestThrottleHonoursAPauseThatBeganDuringTheSlotWait(t *testing.T) {
	store := &slotThenPauseStore{}
	th := newThrottle(10)
	th.store = store
	start := time.Now()
	require.NoError(t, th.wait(context.Background()))
	assert.GreaterOrEqual(t, time.Since(start), 400*time.Millisecond, "waited out the pause, not just the slot")
	assert.False(t, th.pausedUntilTime().IsZero(), "the pause is known to this runner (Progress.PausedUntil)")
}

func TestThrottleNoBurstAfterAPause(t *testing.T) {
	th := newThrottle(20) // one send every 50 ms
	th.hit(200 * time.Millisecond)
	var mu sync.Mutex
	var starts []time.Time
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, th.wait(context.Background()))
			mu.Lock()
			starts = append(starts, time.Now())
			mu.Unlock()
		}()
	}
	wg.Wait()
	require.Len(t, starts, 5)
	first, last := starts[0], starts[0]
	for _, s := range starts {
		first, last = minTime(first, s), maxTime(last, s)
	}
	// The limit was halved to 10/s by the 429: five sends take at least
	// four intervals of 100 ms (less GCRA-free slack), never one burst.
	assert.GreaterOrEqual(t, last.Sub(first), 300*time.Millisecond, "spread out after the pause")
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func TestThrottleCutBeforeAFullWindow(t *testing.T) {
	th := newThrottle(math.Inf(1))
	now := time.Now()
	th.mu.Lock()
	for i := range 10 { // 10 starts, 10 ms apart, the last 10 ms ago: 100/s
		th.starts[i] = now.Add(-time.Duration(10-i) * 10 * time.Millisecond)
	}
	th.nstarts = 10
	th.mu.Unlock()
	th.hit(time.Millisecond)
	limit, _ := th.state()
	assert.InDelta(t, 50, limit, 5, "half the rate of the 10 starts seen")
}

// countingFailStore fails every call and counts them.
type countingFailStore struct{ calls atomic.Int32 }

func (s *countingFailStore) Reserve(context.Context, string, time.Duration) (time.Duration, bool, error) {
	s.calls.Add(1)
	return 0, false, errors.New("down")
}
func (s *countingFailStore) Pause(context.Context, string, time.Duration) error {
	return errors.New("down")
}
func (s *countingFailStore) PausedFor(context.Context, string) (time.Duration, error) {
	return 0, errors.New("down")
}

func TestThrottleBacksOffWhileTheStoreFails(t *testing.T) {
	store := &countingFailStore{}
	th := newThrottle(10)
	th.store = store
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, th.wait(ctx), context.DeadlineExceeded)
	// 100, 200, 400 ms between calls: 4 calls in 700 ms, not thousands.
	assert.LessOrEqual(t, store.calls.Load(), int32(6))
	assert.GreaterOrEqual(t, store.calls.Load(), int32(2))
}
