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
		tr.mem.mu.Lock()
		defer tr.mem.mu.Unlock()
		w := tr.mem.waiting["a"]
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
		tr.mem.mu.Lock()
		defer tr.mem.mu.Unlock()
		return tr.mem.waiting["a"] != nil && tr.mem.waiting["a"].waiters == 2
	}, 2*time.Second, time.Millisecond)
	cancel()
	assert.ErrorIs(t, <-errc, context.Canceled)
	require.NoError(t, tr.Handle(context.Background(), event("a")))
	assert.Equal(t, "a", (<-evc).RequestID)
}

func TestTrackerExpiry(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	tr := NewTracker(WithTrackerTTL(time.Minute), WithTrackerCapacity(3), WithTrackerClock(clock.Now))
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

	for range 100 { // replacing one id many times keeps one entry
		require.NoError(t, tr.Handle(ctx, event("g")))
	}
	delivered, _ = tr.Len()
	assert.Equal(t, 3, delivered)
}

// Capacity counts distinct request_ids: redeliveries of B neither evict A
// nor leave stale entries that would.
func TestTrackerCapacityCountsDistinctIDs(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	tr := NewTracker(WithTrackerCapacity(10), WithTrackerTTL(time.Minute), WithTrackerClock(clock.Now))
	ctx := context.Background()
	require.NoError(t, tr.Handle(ctx, event("A")))
	for range 25 {
		clock.Add(time.Second)
		require.NoError(t, tr.Handle(ctx, event("B")))
	}
	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	ev, err := tr.Wait(short, "A")
	require.NoError(t, err, "A was evicted by redeliveries of B")
	assert.Equal(t, "A", ev.RequestID)
	delivered, _ := tr.Len()
	assert.Equal(t, 2, delivered)
}

// A replaced event lives from its replacement: the first delivery's expiry
// does not delete it.
func TestTrackerReplacedEventKeepsItsOwnExpiry(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	tr := NewTracker(WithTrackerTTL(time.Minute), WithTrackerClock(clock.Now))
	ctx := context.Background()
	require.NoError(t, tr.Handle(ctx, event("a")))
	clock.Add(50 * time.Second)
	second := event("a")
	second.Reason = "second"
	require.NoError(t, tr.Handle(ctx, second))
	clock.Add(20 * time.Second) // the first delivery is now past the TTL, the second is not
	delivered, _ := tr.Len()
	assert.Equal(t, 1, delivered)
	ev, err := tr.Wait(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, "second", ev.Reason)
}

func TestTrackerOptionsPanicNamingTheOption(t *testing.T) {
	for name, opt := range map[string]TrackerOption{
		"WithTrackerTTL":      WithTrackerTTL(0),
		"WithTrackerCapacity": WithTrackerCapacity(-1),
		"WithTrackerClock":    WithTrackerClock(nil),
		"WithTrackerStore":    WithTrackerStore(nil),
	} {
		assert.Contains(t, panicMessage(t, func() { NewTracker(opt) }), name)
	}
	assert.NotPanics(t, func() { NewTracker(nil, WithTrackerCapacity(1)) }, "nil options are ignored")
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

// A Tracker with an Observer reports each Wait: its start, under which
// context the wait runs, and how it ended.
func TestTrackerObserverSeesEachWait(t *testing.T) {
	type mark struct{}
	var (
		mu   sync.Mutex
		got  []string
		seen []any
	)
	o := &crispwa.Observer{
		WaitStart: func(ctx context.Context, id string) context.Context {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, "start "+id)
			return context.WithValue(ctx, mark{}, id)
		},
		WaitDone: func(ctx context.Context, w crispwa.WaitDone) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, "done "+w.RequestID+" "+string(w.Result))
			seen = append(seen, ctx.Value(mark{}))
			assert.Positive(t, w.Duration)
			assert.Equal(t, w.Event == nil, w.Err != nil)
		},
	}
	tr := NewTracker(WithTrackerObserver(o))
	ctx := context.Background()
	require.NoError(t, tr.Handle(ctx, event("ok")))
	require.NoError(t, tr.Handle(ctx, &crispwa.CallbackEvent{RequestID: "ko", Error: true, Reason: "(#131026) undeliverable"}))
	_, err := tr.Wait(ctx, "ok")
	require.NoError(t, err)
	_, err = tr.Wait(ctx, "ko")
	require.NoError(t, err)
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	_, err = tr.Wait(short, "never")
	var timeout *WaitTimeoutError
	require.ErrorAs(t, err, &timeout)

	failing := NewTracker(WithTrackerStore(&failingStore{}), WithTrackerObserver(o))
	_, err = failing.Wait(ctx, "broken")
	require.Error(t, err)

	assert.Equal(t, []string{
		"start ok", "done ok delivered", "start ko", "done ko failed",
		"start never", "done never timeout", "start broken", "done broken error",
	}, got)
	assert.Equal(t, []any{"ok", "ko", "never", "broken"}, seen, "WaitDone runs under WaitStart's context")
}
