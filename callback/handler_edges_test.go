package callback

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
)

// A request whose Content-Length is 0 or unknown (-1), as a middleware that
// rewrote the body may leave it, is still read, through the cap.
func TestHandlerReadsBodyOfUnstatedLength(t *testing.T) {
	for _, length := range []int64{0, -1} {
		var got atomic.Value
		h := NewHandler(func(_ context.Context, ev *crispwa.CallbackEvent) error { got.Store(ev.RequestID); return nil })
		w := post(h, "/", okBody, func(r *http.Request) { r.ContentLength = length })
		assert.Equal(t, http.StatusOK, w.Code, "Content-Length %d", length)
		assert.Equal(t, "req-1", got.Load(), "Content-Length %d", length)
	}
}

// errReader fails after its prefix, as a connection dropped mid-body.
type errReader struct {
	prefix io.Reader
	err    error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.prefix.Read(p)
	if err == io.EOF {
		return n, e.err
	}
	return n, err
}

// A body that ends early or fails while being read is a 400 naming the
// read error, and never reaches the HandlerFunc.
func TestHandlerBodyReadFailureIs400(t *testing.T) {
	errDropped := errors.New("connection dropped")
	tests := []struct {
		name   string
		length int64
		body   io.Reader
		want   string
	}{
		{"shorter than its Content-Length", int64(len(okBody)), strings.NewReader(okBody[:10]), "unexpected EOF"},
		{"read error, length known", int64(len(okBody)), &errReader{strings.NewReader(okBody[:10]), errDropped}, "connection dropped"},
		{"read error, length unknown", -1, &errReader{strings.NewReader(okBody[:10]), errDropped}, "connection dropped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			logs := newLogSignal()
			h := NewHandler(func(context.Context, *crispwa.CallbackEvent) error { calls.Add(1); return nil }, WithLogger(logs.logger()))
			w := post(h, "/", "", func(r *http.Request) { r.Body = io.NopCloser(tt.body); r.ContentLength = tt.length })
			assert.Equal(t, http.StatusBadRequest, w.Code)
			assert.Zero(t, calls.Load())
			assert.Contains(t, logs.wait(t, "reading body"), tt.want)
		})
	}
}

// busyStore reports the claim busy (held by a concurrent delivery) for its
// first busy calls, then grants it.
type busyStore struct {
	*memDedup
	failingStore
	busy  int64
	calls atomic.Int64
}

func (b *busyStore) Claim(ctx context.Context, id string) (string, ClaimResult, error) {
	if b.calls.Add(1) <= b.busy {
		return "", ClaimBusy, nil
	}
	return b.memDedup.Claim(ctx, id)
}
func (b *busyStore) Confirm(ctx context.Context, id, token string) error {
	return b.memDedup.Confirm(ctx, id, token)
}
func (b *busyStore) Release(ctx context.Context, id, token string) error {
	return b.memDedup.Release(ctx, id, token)
}

// A delivery waiting for a concurrent one polls with a doubling interval
// (1, 2, 4 ... ms), not in a busy loop: 7 busy answers take at least
// 1+2+4+8+16+32+64 ms. Timers never fire early, so the bound is exact.
func TestHandlerClaimPollingBacksOff(t *testing.T) {
	store := &busyStore{memDedup: newMemDedup(10), busy: 7}
	var calls atomic.Int64
	h := NewHandler(func(context.Context, *crispwa.CallbackEvent) error { calls.Add(1); return nil }, WithStore(store))
	start := time.Now()
	w := post(h, "/", okBody)
	elapsed := time.Since(start)
	assert.Equal(t, http.StatusOK, w.Code)
	assert.EqualValues(t, 1, calls.Load())
	assert.EqualValues(t, 8, store.calls.Load(), "one Claim per poll")
	assert.GreaterOrEqual(t, elapsed, 127*time.Millisecond, "the polling interval doubles from 1 ms")
}

// A delivered event is kept for strictly less than the TTL: at exactly the
// TTL, Wait no longer returns it and Len no longer counts it.
func TestTrackerEventExpiresAtExactlyTheTTL(t *testing.T) {
	newAged := func(age time.Duration) *Tracker {
		clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
		tr := NewTracker(WithTrackerTTL(time.Minute), WithTrackerClock(clock.Now))
		require.NoError(t, tr.Handle(context.Background(), event("a")))
		clock.Add(age)
		return tr
	}
	done, cancel := context.WithCancel(context.Background())
	cancel() // Wait returns at once: the event if it is kept, else ctx's error

	ev, err := newAged(time.Minute-time.Nanosecond).Wait(done, "a")
	require.NoError(t, err, "one nanosecond before the TTL")
	assert.Equal(t, "a", ev.RequestID)
	_, err = newAged(time.Minute).Wait(done, "a")
	assert.ErrorIs(t, err, context.Canceled, "at the TTL")

	delivered, _ := newAged(time.Minute - time.Nanosecond).Len()
	assert.Equal(t, 1, delivered, "one nanosecond before the TTL")
	delivered, _ = newAged(time.Minute).Len()
	assert.Equal(t, 0, delivered, "at the TTL")
}

// A delivery whose sender has already gone away when it claims the
// request_id never leaves the claim held: the next delivery of the same
// request_id is handled at once, not made to wait MaxClaimWait for a claim
// nobody will release.
func TestHandlerCancelledDeliveryLeavesNoClaim(t *testing.T) {
	var calls atomic.Int64
	h := NewHandler(func(context.Context, *crispwa.CallbackEvent) error { calls.Add(1); return nil })
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	post(h, "/", okBody, func(r *http.Request) { *r = *r.WithContext(gone) })

	live, cancelLive := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelLive()
	w := post(h, "/", okBody, func(r *http.Request) { *r = *r.WithContext(live) })
	assert.Equal(t, http.StatusOK, w.Code, "the next delivery did not find the claim held")
	assert.EqualValues(t, 1, calls.Load(), "the HandlerFunc ran once in all")
}
