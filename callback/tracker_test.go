package callback

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
)

func event(id string) *crispwa.CallbackEvent {
	return &crispwa.CallbackEvent{RequestID: id, WhatsAppMessageID: "wamid." + id}
}

// fakeClock is a manually advanced clock for expiry tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestTrackerDeliveredBeforeWait(t *testing.T) {
	tr := NewTracker()
	require.NoError(t, tr.Handle(context.Background(), event("a")))
	ev, err := tr.Wait(context.Background(), "a")
	require.NoError(t, err)
	assert.Equal(t, "a", ev.RequestID)
}

func TestTrackerSeveralWaitersAfter(t *testing.T) {
	tr := NewTracker()
	const n = 8
	var wg sync.WaitGroup
	got := make(chan *crispwa.CallbackEvent, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev, err := tr.Wait(context.Background(), "a")
			assert.NoError(t, err)
			got <- ev
		}()
	}
	require.Eventually(t, func() bool {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		w := tr.waiting["a"]
		return w != nil && w.waiters == n
	}, 2*time.Second, time.Millisecond)
	require.NoError(t, tr.Handle(context.Background(), event("a")))
	wg.Wait()
	close(got)
	for ev := range got {
		assert.Equal(t, "wamid.a", ev.WhatsAppMessageID)
	}
	_, waiting := tr.Len()
	assert.Zero(t, waiting)
}

func TestTrackerWaitTimeoutLeavesNothing(t *testing.T) {
	tr := NewTracker()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	ev, err := tr.Wait(ctx, "never")
	assert.Nil(t, ev)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	_, err = tr.Wait(ctx2, "never")
	assert.ErrorIs(t, err, context.Canceled)
	delivered, waiting := tr.Len()
	assert.Zero(t, delivered)
	assert.Zero(t, waiting, "a cancelled Wait leaves nothing behind")
}

func TestTrackerOneWaiterCancelledOtherServed(t *testing.T) {
	tr := NewTracker()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := tr.Wait(ctx, "a"); errc <- err }()
	evc := make(chan *crispwa.CallbackEvent, 1)
	go func() { ev, _ := tr.Wait(context.Background(), "a"); evc <- ev }()
	require.Eventually(t, func() bool {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		return tr.waiting["a"] != nil && tr.waiting["a"].waiters == 2
	}, 2*time.Second, time.Millisecond)
	cancel()
	assert.ErrorIs(t, <-errc, context.Canceled)
	require.NoError(t, tr.Handle(context.Background(), event("a")))
	assert.Equal(t, "a", (<-evc).RequestID)
}

func TestTrackerExpiry(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	tr := NewTracker(WithTTL(time.Minute), WithCapacity(3))
	tr.now = clock.Now
	ctx := context.Background()
	for _, id := range []string{"a", "b"} {
		require.NoError(t, tr.Handle(ctx, event(id)))
	}
	clock.Add(30 * time.Second)
	require.NoError(t, tr.Handle(ctx, event("c")))
	clock.Add(31 * time.Second) // a and b are now older than the TTL
	delivered, _ := tr.Len()
	assert.Equal(t, 1, delivered)

	for _, id := range []string{"d", "e", "f", "g"} {
		require.NoError(t, tr.Handle(ctx, event(id)))
	}
	delivered, _ = tr.Len()
	assert.Equal(t, 3, delivered, "capacity bounds memory")
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	_, err := tr.Wait(short, "c")
	assert.ErrorIs(t, err, context.DeadlineExceeded, "c was pushed out by newer events")
	ev, err := tr.Wait(ctx, "g")
	require.NoError(t, err)
	assert.Equal(t, "g", ev.RequestID)

	for range 100 { // replacing one id many times keeps the queue bounded
		require.NoError(t, tr.Handle(ctx, event("g")))
	}
	tr.mu.Lock()
	assert.LessOrEqual(t, len(tr.order), 2*3+1)
	tr.mu.Unlock()
}

func TestTrackerWithHandlerEndToEnd(t *testing.T) {
	tr := NewTracker()
	h := NewHandler(tr.Handle)
	done := make(chan *crispwa.CallbackEvent)
	go func() { ev, _ := tr.Wait(context.Background(), "req-1"); done <- ev }()
	assert.Equal(t, 200, post(h, "/", okBody).Code)
	select {
	case ev := <-done:
		assert.True(t, ev.Succeeded())
	case <-time.After(2 * time.Second):
		t.Fatal("Wait not woken")
	}
}
