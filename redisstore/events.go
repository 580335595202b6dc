package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crispwa/crispwa"
)

// eventWire is an event as stored and published.
type eventWire struct {
	RequestID         string `json:"request_id"`
	Error             bool   `json:"error,omitempty"`
	Reason            string `json:"reason,omitempty"`
	CrispFingerprint  int64  `json:"crisp_fingerprint,omitempty"`
	WhatsAppMessageID string `json:"whatsapp_message_id,omitempty"`
	SessionID         string `json:"session_id,omitempty"`
	Raw               []byte `json:"raw,omitempty"`
}

func encodeEvent(ev *crispwa.CallbackEvent) ([]byte, error) {
	return json.Marshal(eventWire{RequestID: ev.RequestID, Error: ev.Error, Reason: ev.Reason, CrispFingerprint: ev.CrispFingerprint,
		WhatsAppMessageID: ev.WhatsAppMessageID, SessionID: ev.SessionID, Raw: ev.Raw})
}

func decodeEvent(b []byte) (*crispwa.CallbackEvent, error) {
	var w eventWire
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	return &crispwa.CallbackEvent{RequestID: w.RequestID, Error: w.Error, Reason: w.Reason, CrispFingerprint: w.CrispFingerprint,
		WhatsAppMessageID: w.WhatsAppMessageID, SessionID: w.SessionID, Raw: w.Raw}, nil
}

// Publish implements callback.Store: it keeps ev for the event TTL and wakes
// the Awaits for it on every replica, in one round trip.
//
// A MULTI/EXEC pipeline: SET then PUBLISH on the Store's channel.
func (s *Store) Publish(ctx context.Context, ev *crispwa.CallbackEvent) error {
	b, err := encodeEvent(ev)
	if err != nil {
		return wrap("publish", err)
	}
	return s.bounded(ctx, "publish", func(ctx context.Context) error {
		_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, s.keys.event(ev.RequestID), b, s.cfg.eventTTL)
			p.Publish(ctx, s.keys.events(), b)
			return nil
		})
		return err
	}, nil)
}

// recheck is how often a pending Await reads the stored event again, in
// case a published message was lost (a subscription that broke and came
// back is noticed at once; a silent one only by this).
const recheck = 5 * time.Second

// Await implements callback.Store: it returns the event for requestID,
// whether it was published before or during the call, and otherwise
// waits for it until ctx ends.
//
// It registers the Await, reads the stored event, and if there is none yet
// makes sure the Store's subscription is confirmed and only then reads the
// stored event again: an event stored before the read is found by it, one
// stored after is published to a subscription that is already listening.
// No window is lost.
func (s *Store) Await(ctx context.Context, requestID string) (*crispwa.CallbackEvent, error) {
	ch := make(chan *crispwa.CallbackEvent, 1)
	s.addWaiter(requestID, ch)
	defer s.removeWaiter(requestID, ch)
	s.startListener()
	// Already delivered: no need to wait for the subscription.
	if ev, err := s.lookup(ctx, requestID); err != nil || ev != nil {
		return ev, err
	}
	for {
		changed, err := s.awaitLive(ctx)
		if err != nil {
			return nil, err
		}
		ev, err := s.lookup(ctx, requestID)
		if err != nil || ev != nil {
			return ev, err
		}
		t := time.NewTimer(recheck)
		select {
		case ev := <-ch:
			t.Stop()
			return ev, nil
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-changed: // the subscription broke or came back: read again
		case <-t.C:
		}
		t.Stop()
	}
}

// lookup reads the stored event; nil when there is none.
func (s *Store) lookup(ctx context.Context, id string) (*crispwa.CallbackEvent, error) {
	var b []byte
	err := s.bounded(ctx, "wait", func(ctx context.Context) error {
		var err error
		b, err = s.rdb.Get(ctx, s.keys.event(id)).Bytes()
		if errors.Is(err, redis.Nil) {
			return nil
		}
		return err
	}, nil)
	switch {
	case err != nil:
		return nil, err
	case b == nil:
		return nil, nil
	}
	ev, err := decodeEvent(b)
	if err != nil {
		return nil, wrap("wait", fmt.Errorf("stored event: %w", err))
	}
	return ev, nil
}

// awaitLive returns once the subscription is confirmed, with the channel
// that is closed when that changes; an error when it is not confirmed
// within the Store's timeout, or ctx's when ctx ends first.
func (s *Store) awaitLive(ctx context.Context) (<-chan struct{}, error) {
	timeout := time.NewTimer(s.cfg.timeout)
	defer timeout.Stop()
	for {
		s.mu.Lock()
		live, changed := s.live, s.changed
		s.mu.Unlock()
		if live {
			return changed, nil
		}
		select {
		case <-changed:
		case <-s.ctx.Done():
			return nil, errors.New("redisstore: wait: store closed")
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timeout.C:
			return nil, fmt.Errorf("redisstore: wait: no subscription to Redis within %s", s.cfg.timeout)
		}
	}
}

func (s *Store) addWaiter(id string, ch chan *crispwa.CallbackEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := s.waiters[id]
	if set == nil {
		set = map[chan *crispwa.CallbackEvent]struct{}{}
		s.waiters[id] = set
	}
	set[ch] = struct{}{}
}

func (s *Store) removeWaiter(id string, ch chan *crispwa.CallbackEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.waiters[id], ch)
	if len(s.waiters[id]) == 0 {
		delete(s.waiters, id)
	}
}

// setLive records the subscription's state and wakes the pending Awaits.
func (s *Store) setLive(live bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live = live
	close(s.changed)
	s.changed = make(chan struct{})
}

// startListener starts the goroutine holding the Store's subscription, if
// it is not running.
func (s *Store) startListener() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener != nil || s.ctx.Err() != nil {
		return
	}
	s.listener = make(chan struct{})
	go s.listen(s.listener)
}

// listen holds one subscription to the Store's channel for every Await and
// hands each published event to the Awaits of its request_id. go-redis
// reconnects and resubscribes after an error; the confirmation of the new
// subscription wakes the Awaits, which read the stored event again.
func (s *Store) listen(done chan struct{}) {
	defer close(done)
	ps := s.sub.Subscribe(s.ctx, s.keys.events())
	go func() { <-s.ctx.Done(); _ = ps.Close() }()
	failures := 0
	for {
		msg, err := ps.Receive(s.ctx)
		if s.ctx.Err() != nil {
			s.setLive(false)
			return
		}
		if err != nil {
			s.setLive(false)
			failures++
			t := time.NewTimer(min(10*time.Millisecond<<min(failures, 6), 500*time.Millisecond))
			select {
			case <-s.ctx.Done():
			case <-t.C:
			}
			t.Stop()
			continue
		}
		failures = 0
		switch m := msg.(type) {
		case *redis.Subscription:
			s.setLive(m.Kind == "subscribe")
		case *redis.Message:
			ev, err := decodeEvent([]byte(m.Payload))
			if err != nil {
				continue // not ours: the channel is namespaced, but Redis is shared
			}
			s.mu.Lock()
			for ch := range s.waiters[ev.RequestID] {
				select {
				case ch <- ev:
				default: // already has it
				}
			}
			s.mu.Unlock()
		}
	}
}
