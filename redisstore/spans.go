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
	ctx, cancel := s.op(ctx)
	defer cancel()
	if err := s.rdb.Set(ctx, s.keys.span(requestID), value, ttl).Err(); err != nil {
		return wrap("keeping a span context", err)
	}
	return nil
}

// GetSpan returns the value PutSpan kept under requestID, or "" when there
// is none (never kept, or expired).
func (s *Store) GetSpan(ctx context.Context, requestID string) (string, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	v, err := s.rdb.Get(ctx, s.keys.span(requestID)).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return "", nil
	case err != nil:
		return "", wrap("reading a span context", err)
	case len(v) > maxSpanValue:
		return "", errors.New("redisstore: span value longer than 256 bytes")
	}
	return v, nil
}

// span names the key of a request_id's span context, beside its claim and
// event keys (see keys in store.go: name it the same way).
func (k keys) span(id string) string { return k.prefix + ":" + k.website + ":span:" + id }
