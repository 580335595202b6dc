package redisstore

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// maxSpanValue caps what PutSpan stores and GetSpan returns: span contexts
// are short, and what Redis holds is untrusted.
const maxSpanValue = 256

// PutSpan keeps value (a send's span context) under requestID for ttl, so
// that the span of its callback, on any replica sharing this Redis, can
// link to the send's span. It makes *Store a crispwaotel.SpanStore. A
// value longer than 256 bytes is refused.
func (s *Store) PutSpan(ctx context.Context, requestID, value string, ttl time.Duration) error {
	if len(value) > maxSpanValue {
		return errors.New("redisstore: span value longer than 256 bytes")
	}
	return s.bounded(ctx, "keeping a span context", func(ctx context.Context) error {
		return s.rdb.Set(ctx, s.keys.span(requestID), value, ttl).Err()
	}, nil)
}

// GetSpan returns the value PutSpan kept under requestID, or "" when there
// is none (never kept, or expired).
func (s *Store) GetSpan(ctx context.Context, requestID string) (string, error) {
	var v string
	err := s.bounded(ctx, "reading a span context", func(ctx context.Context) (err error) {
		v, err = s.rdb.Get(ctx, s.keys.span(requestID)).Result()
		if errors.Is(err, redis.Nil) {
			v, err = "", nil
		}
		return err
	}, nil)
	switch {
	case err != nil:
		return "", err
	case len(v) > maxSpanValue:
		return "", errors.New("redisstore: span value longer than 256 bytes")
	}
	return v, nil
}

// span names the key of a request_id's span context, beside its claim and
// event keys (see keys in store.go: name it the same way).
func (k keys) span(id string) string { return k.prefix + ":" + k.website + ":span:" + id }

// SwapSpan keeps value under requestID for ttl like PutSpan, and returns
// the value it replaced ("" when none), in one round trip. With AddSpan it
// makes *Store a crispwaotel.SpanSwapper: a callback that beat its send's
// return is linked too.
func (s *Store) SwapSpan(ctx context.Context, requestID, value string, ttl time.Duration) (string, error) {
	return s.setSpan(ctx, requestID, value, redis.SetArgs{TTL: ttl, Get: true})
}

// AddSpan keeps value under requestID for ttl unless a value is kept there
// already, and returns that value ("" when value was kept), in one round
// trip (SET NX GET, Redis 7.0 or later).
func (s *Store) AddSpan(ctx context.Context, requestID, value string, ttl time.Duration) (string, error) {
	return s.setSpan(ctx, requestID, value, redis.SetArgs{Mode: "NX", TTL: ttl, Get: true})
}

func (s *Store) setSpan(ctx context.Context, requestID, value string, args redis.SetArgs) (string, error) {
	if len(value) > maxSpanValue {
		return "", errors.New("redisstore: span value longer than 256 bytes")
	}
	var old string
	err := s.bounded(ctx, "keeping a span context", func(ctx context.Context) (err error) {
		old, err = s.rdb.SetArgs(ctx, s.keys.span(requestID), value, args).Result()
		if errors.Is(err, redis.Nil) {
			old, err = "", nil
		}
		return err
	}, nil)
	switch {
	case err != nil:
		return "", err
	case len(old) > maxSpanValue:
		return "", nil // not a span context: replaced, or left alone
	}
	return old, nil
}
