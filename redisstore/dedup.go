package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"

	"github.com/redis/go-redis/v9"

	"github.com/crispwa/crispwa/callback"
)

// handled is the value of a claim key once its request_id was handled.
const handled = "handled"

// Claim implements callback.Store: it takes the claim on requestID for the
// claim TTL, or reports who holds it, in one round trip.
//
// SET NX PX with GET: the key gets a fresh token unless it exists.
func (s *Store) Claim(ctx context.Context, requestID string) (string, callback.ClaimResult, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	token := hex.EncodeToString(b[:])
	old, err := s.rdb.SetArgs(ctx, s.keys.claim(requestID), token, redis.SetArgs{Mode: "NX", TTL: s.cfg.claimTTL, Get: true}).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return token, callback.ClaimAcquired, nil
	case err != nil:
		return "", 0, wrap("claim", err)
	case old == handled:
		return "", callback.ClaimHandled, nil
	default:
		return "", callback.ClaimBusy, nil
	}
}

// Confirm implements callback.Store: it marks requestID handled for the
// dedup TTL, whoever holds the claim now (one that lapsed may have passed to
// another delivery): the HandlerFunc did run successfully.
func (s *Store) Confirm(ctx context.Context, requestID, _ string) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	if err := s.rdb.Set(ctx, s.keys.claim(requestID), handled, s.cfg.dedupTTL).Err(); err != nil {
		return wrap("confirm", err)
	}
	return nil
}

// releaseScript deletes the claim only if the token still holds it.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0`)

// Release implements callback.Store: it drops the claim on requestID if
// token still holds it, so that a redelivery runs the HandlerFunc again.
//
// A Lua script compares and deletes in one step.
func (s *Store) Release(ctx context.Context, requestID, token string) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	if err := releaseScript.Run(ctx, s.rdb, []string{s.keys.claim(requestID)}, token).Err(); err != nil {
		return wrap("release", err)
	}
	return nil
}
