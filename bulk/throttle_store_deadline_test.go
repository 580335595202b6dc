package bulk

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deadlineStore answers after latency (honouring ctx, as the RateStore
// contract asks) and records how long each call had left before its
// deadline when it began.
type deadlineStore struct {
	latency time.Duration
	pauseOn int // the Reserve call (1-based) that reserves a slot ahead, so that PausedFor is asked

	mu    sync.Mutex
	n     int
	left  map[string][]time.Duration
	calls map[string]int
}

func (s *deadlineStore) call(ctx context.Context, method string) error {
	s.mu.Lock()
	if s.left == nil {
		s.left, s.calls = map[string][]time.Duration{}, map[string]int{}
	}
	if d, ok := ctx.Deadline(); ok {
		s.left[method] = append(s.left[method], time.Until(d))
	} else {
		s.left[method] = append(s.left[method], -1)
	}
	s.calls[method]++
	s.mu.Unlock()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(s.latency):
		return nil
	}
}

func (s *deadlineStore) Reserve(ctx context.Context, _ string, _ time.Duration) (time.Duration, bool, error) {
	if err := s.call(ctx, "Reserve"); err != nil {
		return 0, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if s.n == s.pauseOn {
		return 10 * time.Millisecond, true, nil // a slot a little ahead: PausedFor is asked after it
	}
	return 0, true, nil
}

func (s *deadlineStore) Pause(ctx context.Context, _ string, _ time.Duration) error {
	return s.call(ctx, "Pause")
}

func (s *deadlineStore) PausedFor(ctx context.Context, _ string) (time.Duration, error) {
	return 0, s.call(ctx, "PausedFor")
}

// Every call to the RateStore is bounded by storeTimeout (2 s) of its own,
// not by nothing and not by less: a store that takes 50 ms, as a shared
// store across a network may, is used, and every one of its three calls
// starts with about 2 s before its deadline.
func TestThrottleBoundsEachStoreCall(t *testing.T) {
	store := &deadlineStore{latency: 50 * time.Millisecond, pauseOn: 1}
	th := newThrottle(1000)
	th.store = store

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	require.NoError(t, th.wait(ctx)) // Reserve (slot ahead), then PausedFor
	require.NoError(t, th.wait(ctx)) // Reserve
	th.hit(time.Millisecond)         // Pause
	assert.Less(t, time.Since(start), 5*time.Second, "a slow store is waited for, not retried until it answers at once")

	store.mu.Lock()
	defer store.mu.Unlock()
	assert.Equal(t, map[string]int{"Reserve": 2, "PausedFor": 1, "Pause": 1}, store.calls, "each call answered the first time")
	for method, lefts := range store.left {
		for _, left := range lefts {
			assert.Greater(t, left, storeTimeout-time.Second, "%s: the call's own deadline", method)
			assert.LessOrEqual(t, left, storeTimeout, "%s: no longer than storeTimeout", method)
		}
	}
}
