package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crispwa/crispwa/callback"
)

// handled is the value of a claim key once its request_id was handled.
const handled = "handled"

// Claim implements callback.Store: it takes the claim on requestID for the
// claim TTL, or reports who holds it, in one round trip. While the claim is
// held, the Store extends it every third of the claim TTL (see
// WithClaimTTL), until Confirm or Release.
//
// SET NX PX with GET: the key gets a fresh token unless it exists. When the
// answer comes after the caller gave up (Redis paused, a slow link), a
// claim acquired that late is released at once, so that no redelivery waits
// for a claim that nobody holds.
func (s *Store) Claim(ctx context.Context, requestID string) (string, callback.ClaimResult, error) {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	token := hex.EncodeToString(b[:])
	key := s.keys.claim(requestID)
	var old string
	var setErr error
	err := s.bounded(ctx, "claim", func(ctx context.Context) error {
		old, setErr = s.rdb.SetArgs(ctx, key, token, redis.SetArgs{Mode: "NX", TTL: s.cfg.claimTTL, Get: true}).Result()
		if errors.Is(setErr, redis.Nil) {
			return nil
		}
		return setErr
	}, func() {
		if errors.Is(setErr, redis.Nil) { // acquired after all, by nobody waiting
			_ = s.Release(s.ctx, requestID, token)
		}
	})
	switch {
	case err != nil:
		return "", 0, err
	case errors.Is(setErr, redis.Nil):
		s.startBeat(requestID, token)
		return token, callback.ClaimAcquired, nil
	case old == handled:
		return "", callback.ClaimHandled, nil
	default:
		return "", callback.ClaimBusy, nil
	}
}

// Confirm implements callback.Store: it marks requestID handled for the
// dedup TTL, whoever holds the claim now (one that lapsed may have passed to
// another delivery): the HandlerFunc did run successfully. When that fails
// (Redis slow or down), Confirm returns the error and the Store goes on
// trying in the background, once per beat period, up to maxConfirmTries
// times, and keeps the claim meanwhile: a concurrent redelivery waits
// rather than run the HandlerFunc again.
func (s *Store) Confirm(ctx context.Context, requestID, token string) error {
	err := s.confirm(ctx, requestID)
	if err == nil {
		s.stopBeat(token)
		return nil
	}
	s.beatMu.Lock()
	if b, ok := s.beats[token]; ok {
		b.confirm = true
	}
	s.beatMu.Unlock()
	return err
}

func (s *Store) confirm(ctx context.Context, requestID string) error {
	return s.bounded(ctx, "confirm", func(ctx context.Context) error {
		return s.rdb.Set(ctx, s.keys.claim(requestID), handled, s.cfg.dedupTTL).Err()
	}, nil)
}

// maxConfirmTries is how many times a Confirm that failed is tried again in
// the background.
const maxConfirmTries = 20

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
	s.stopBeat(token)
	return s.bounded(ctx, "release", func(ctx context.Context) error {
		return releaseScript.Run(ctx, s.rdb, []string{s.keys.claim(requestID)}, token).Err()
	}, nil)
}

// extendScript gives the claim a new TTL (ARGV[2] milliseconds) only if the
// token (ARGV[1]) still holds it; it returns 1 when it did.
var extendScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`)

// beatPeriod is how often a held claim is extended: three times per claim
// TTL, so that two extensions in a row can fail (Redis slow for a while)
// before the claim lapses under a HandlerFunc still running.
func (s *Store) beatPeriod() time.Duration { return max(s.cfg.claimTTL/3, time.Millisecond) }

// startBeat starts extending the claim of token on requestID until
// stopBeat(token), or until the claim turns out to be no longer ours.
func (s *Store) startBeat(requestID, token string) {
	s.beatMu.Lock()
	defer s.beatMu.Unlock()
	if s.ctx.Err() != nil {
		return
	}
	s.beats[token] = &beat{timer: time.AfterFunc(s.beatPeriod(), func() { s.beat(requestID, token) })}
}

// beat is a claim held: the next extension, or the next try of a Confirm
// that failed.
type beat struct {
	timer   *time.Timer
	confirm bool // Confirm failed: try it again rather than extend
	tries   int
}

// beat extends the claim once, or tries its Confirm again, and schedules
// the next time.
func (s *Store) beat(requestID, token string) {
	s.beatMu.Lock()
	b, held := s.beats[token]
	confirm := held && b.confirm
	s.beatMu.Unlock()
	if !held {
		return
	}
	if confirm {
		err := s.confirm(s.ctx, requestID)
		s.beatMu.Lock()
		defer s.beatMu.Unlock()
		if _, held := s.beats[token]; !held {
			return
		}
		if b.tries++; err == nil || b.tries >= maxConfirmTries {
			delete(s.beats, token)
			return
		}
		b.timer.Reset(s.beatPeriod())
		return
	}
	var extended int64
	err := s.bounded(s.ctx, "extend claim", func(ctx context.Context) error {
		var err error
		extended, err = extendScript.Run(ctx, s.rdb, []string{s.keys.claim(requestID)}, token, s.cfg.claimTTL.Milliseconds()).Int64()
		return err
	}, nil)
	s.beatMu.Lock()
	defer s.beatMu.Unlock()
	switch _, held := s.beats[token]; {
	case !held: // confirmed or released meanwhile
	case b.confirm: // Confirm failed meanwhile: try it at the next beat
		b.timer.Reset(s.beatPeriod())
	case err == nil && extended == 0: // lapsed and taken, or confirmed: not ours to extend
		delete(s.beats, token)
	default: // extended, or Redis failed this time: try again
		b.timer.Reset(s.beatPeriod())
	}
}

// stopBeat stops extending the claim of token.
func (s *Store) stopBeat(token string) {
	s.beatMu.Lock()
	defer s.beatMu.Unlock()
	if b, ok := s.beats[token]; ok {
		b.timer.Stop()
		delete(s.beats, token)
	}
}
