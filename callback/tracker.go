package callback

import (
	"context"
	"sync"
	"time"

	"github.com/crispwa/crispwa"
)

// Tracker correlates sends with their callbacks: give its Handle method to
// NewHandler, and call Wait with the request_id that Templates.Send
// returned. A callback may arrive before Wait is called (it can even beat
// Send's return), so delivered events are kept for a while: until they are
// older than the TTL (default 10 minutes) or pushed out by newer ones beyond
// the capacity (default 10000), whichever comes first, expired lazily on
// each call. A Tracker starts no goroutine. It is safe for concurrent use
// and keeps everything in memory only.
type Tracker struct {
	ttl      time.Duration
	capacity int
	now      func() time.Time

	mu        sync.Mutex
	delivered map[string]delivery
	order     []queued              // delivery order, oldest first, for expiry
	waiting   map[string]*waitEntry // request_id -> pending Wait calls
}

type delivery struct {
	ev *crispwa.CallbackEvent
	at time.Time
}

type queued struct {
	id string
	at time.Time
}

type waitEntry struct {
	done    chan struct{} // closed when ev is set
	ev      *crispwa.CallbackEvent
	waiters int
}

// TrackerOption configures a Tracker.
type TrackerOption func(*Tracker)

// WithTTL sets how long a delivered event is kept for a later Wait (default
// 10 minutes). d <= 0 keeps the default.
func WithTTL(d time.Duration) TrackerOption {
	return func(t *Tracker) {
		if d > 0 {
			t.ttl = d
		}
	}
}

// WithCapacity sets how many delivered events are kept at most (default
// 10000); the oldest are dropped first. n <= 0 keeps the default.
func WithCapacity(n int) TrackerOption {
	return func(t *Tracker) {
		if n > 0 {
			t.capacity = n
		}
	}
}

// NewTracker returns an empty Tracker.
func NewTracker(opts ...TrackerOption) *Tracker {
	t := &Tracker{
		ttl:       10 * time.Minute,
		capacity:  10000,
		now:       time.Now,
		delivered: map[string]delivery{},
		waiting:   map[string]*waitEntry{},
	}
	for _, o := range opts {
		if o != nil {
			o(t)
		}
	}
	return t
}

// Handle records ev and wakes every Wait for its request_id. It is a
// HandlerFunc and never fails. A later event for the same request_id
// replaces the earlier one.
func (t *Tracker) Handle(_ context.Context, ev *crispwa.CallbackEvent) error {
	if ev == nil || ev.RequestID == "" {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.delivered[ev.RequestID] = delivery{ev: ev, at: now}
	t.order = append(t.order, queued{id: ev.RequestID, at: now})
	t.expireLocked(now)
	if w, ok := t.waiting[ev.RequestID]; ok {
		w.ev = ev
		close(w.done)
		delete(t.waiting, ev.RequestID)
	}
	return nil
}

// Wait returns the callback event for requestID, waiting for it if it has
// not been delivered yet. It returns the context's error when ctx ends
// first; a Wait that gives up leaves nothing behind. Several Wait calls for
// the same request_id all get the event.
func (t *Tracker) Wait(ctx context.Context, requestID string) (*crispwa.CallbackEvent, error) {
	t.mu.Lock()
	t.expireLocked(t.now())
	if d, ok := t.delivered[requestID]; ok {
		t.mu.Unlock()
		return d.ev, nil
	}
	w, ok := t.waiting[requestID]
	if !ok {
		w = &waitEntry{done: make(chan struct{})}
		t.waiting[requestID] = w
	}
	w.waiters++
	t.mu.Unlock()

	select {
	case <-w.done:
		return w.ev, nil
	case <-ctx.Done():
		t.mu.Lock()
		defer t.mu.Unlock()
		select {
		case <-w.done: // delivered at the same time: prefer the event
			return w.ev, nil
		default:
		}
		w.waiters--
		if w.waiters == 0 {
			delete(t.waiting, requestID)
		}
		return nil, ctx.Err()
	}
}

// Len returns how many delivered events the Tracker holds and how many
// request_ids have a pending Wait.
func (t *Tracker) Len() (delivered, waiting int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.expireLocked(t.now())
	return len(t.delivered), len(t.waiting)
}

// expireLocked drops delivered events older than the TTL or beyond the
// capacity, oldest first. t.order may hold stale entries for replaced
// events; they are skipped.
func (t *Tracker) expireLocked(now time.Time) {
	drop := 0
	for _, q := range t.order {
		live := len(t.order) - drop
		if now.Sub(q.at) < t.ttl && len(t.delivered) <= t.capacity && live <= 2*t.capacity {
			break
		}
		if d, ok := t.delivered[q.id]; ok && d.at.Equal(q.at) {
			delete(t.delivered, q.id)
		}
		drop++
	}
	// Reslicing is amortised O(1): append copies only the live part when it
	// next grows the array.
	t.order = t.order[drop:]
}
