package callback

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/crispwa/crispwa"
)

// memDedup is the in-memory deduplication of a Handler: one map from
// request_id to its state, claimed (a delivery is handling it: as many as
// deliveries being handled at once) or handled, and a ring of the handled
// request_ids in the order they were handled, which forgets the oldest
// beyond the capacity. A claim in memory needs no expiry: it ends with the
// process. No allocation per delivery beyond the map's own growth.
type memDedup struct {
	mu       sync.Mutex
	state    map[string]bool // request_id -> handled (false: claimed)
	ring     []string        // handled request_ids, grown up to capacity; then next is the oldest
	next     int
	capacity int
}

// memToken is the token of every in-memory claim: a claim in memory cannot
// lapse, so it cannot pass to another delivery while its holder runs.
const memToken = "memory"

func newMemDedup(capacity int) *memDedup { // capacity >= 1 here
	return &memDedup{state: map[string]bool{}, capacity: capacity}
}

func (m *memDedup) Claim(_ context.Context, id string) (string, ClaimResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	handled, known := m.state[id]
	switch {
	case handled:
		return "", ClaimHandled, nil
	case known:
		return "", ClaimBusy, nil
	}
	m.state[id] = false
	return memToken, ClaimAcquired, nil
}

func (m *memDedup) Confirm(_ context.Context, id, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if handled, known := m.state[id]; !known || handled || token != memToken {
		return nil
	}
	m.state[id] = true
	if len(m.ring) < m.capacity {
		m.ring = append(m.ring, id)
		return nil
	}
	delete(m.state, m.ring[m.next]) // forget the oldest
	m.ring[m.next] = id
	m.next = (m.next + 1) % m.capacity
	return nil
}

func (m *memDedup) Release(_ context.Context, id, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if handled, known := m.state[id]; known && !handled && token == memToken {
		delete(m.state, id)
	}
	return nil
}

// memEvents is the in-memory event store of a Tracker: delivered events in
// an LRU of fixed capacity counted in distinct request_ids (a redelivery
// replaces its entry and refreshes it), each valid for the TTL, checked
// lazily; and the pending Waits.
//
// It is not golang-lru's expirable.LRU: that one starts a cleanup goroutine
// per cache that is never stopped, and reads time.Now, where a Tracker
// starts no goroutine and takes its clock from WithTrackerClock.
type memEvents struct {
	ttl time.Duration
	now func() time.Time

	mu        sync.Mutex
	delivered *simplelru.LRU[string, delivery]
	waiting   map[string]*waitEntry // request_id -> pending Wait calls
}

type delivery struct {
	ev *crispwa.CallbackEvent
	at time.Time
}

type waitEntry struct {
	done    chan struct{} // closed when ev is set
	ev      *crispwa.CallbackEvent
	waiters int
}

func newMemEvents(capacity int, ttl time.Duration, now func() time.Time) *memEvents {
	delivered, _ := simplelru.NewLRU[string, delivery](capacity, nil) // capacity >= 1 here
	return &memEvents{ttl: ttl, now: now, delivered: delivered, waiting: map[string]*waitEntry{}}
}

func (m *memEvents) Publish(_ context.Context, ev *crispwa.CallbackEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.delivered.Add(ev.RequestID, delivery{ev: ev, at: m.now()})
	if w, ok := m.waiting[ev.RequestID]; ok {
		w.ev = ev
		close(w.done)
		delete(m.waiting, ev.RequestID)
	}
	return nil
}

func (m *memEvents) Await(ctx context.Context, id string) (*crispwa.CallbackEvent, error) {
	m.mu.Lock()
	if d, ok := m.delivered.Peek(id); ok { // Peek: the order stays the delivery order
		if m.now().Sub(d.at) < m.ttl {
			m.mu.Unlock()
			return d.ev, nil
		}
		m.delivered.Remove(id)
	}
	w, ok := m.waiting[id]
	if !ok {
		w = &waitEntry{done: make(chan struct{})}
		m.waiting[id] = w
	}
	w.waiters++
	m.mu.Unlock()

	select {
	case <-w.done:
		return w.ev, nil
	case <-ctx.Done():
		m.mu.Lock()
		defer m.mu.Unlock()
		select {
		case <-w.done: // delivered at the same time: prefer the event
			return w.ev, nil
		default:
		}
		w.waiters--
		if w.waiters == 0 {
			delete(m.waiting, id)
		}
		return nil, ctx.Err()
	}
}

// len drops the expired events and counts what is left, and the
// request_ids with a pending Wait.
func (m *memEvents) len() (delivered, waiting int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	for _, id := range m.delivered.Keys() { // oldest first
		d, _ := m.delivered.Peek(id)
		if now.Sub(d.at) < m.ttl {
			break
		}
		m.delivered.Remove(id)
	}
	return m.delivered.Len(), len(m.waiting)
}
