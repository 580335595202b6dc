package redisstore

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// reserveScript is GCRA on Redis's clock (so that the replicas' clocks do
// not matter), with a tolerance of half an interval: a runner that takes its
// slot a little late (a busy CPU, a slow round trip) does not lose it, and
// two sends are still at least half an interval apart, so over any window
// the runners send at most one more than the rate allows. KEYS[1] holds
// the start of the next free slot in microseconds, KEYS[2] exists while the
// runners are paused. ARGV[1] is the interval in microseconds (0: pauses
// only), ARGV[2] how long the slot key outlives its slot, in milliseconds.
// It returns {wait in microseconds, 1 if reserved}.
var reserveScript = redis.NewScript(`
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then
	return {paused * 1000, 0}
end
local interval = tonumber(ARGV[1])
if interval == 0 then
	return {0, 1}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now - interval / 2 then
	slot = now - interval / 2
end
local nextSlot = slot + interval
redis.call('SET', KEYS[1], string.format('%d', nextSlot), 'PX', math.ceil((nextSlot - now) / 1000) + tonumber(ARGV[2]))
if slot < now then
	return {0, 1}
end
return {slot - now, 1}`)

// Reserve implements bulk.RateStore: it takes the next send slot of
// websiteID, shared by every Runner on this Redis, in one round trip.
func (s *Store) Reserve(ctx context.Context, websiteID string, interval time.Duration) (time.Duration, bool, error) {
	var res []int64
	err := s.bounded(ctx, "reserve", func(ctx context.Context) error {
		var err error
		res, err = reserveScript.Run(ctx, s.rdb, []string{s.keys.slot(websiteID), s.keys.pause(websiteID)},
			interval.Microseconds(), defaultRateSlack.Milliseconds()).Int64Slice()
		return err
	}, nil)
	if err != nil {
		return 0, false, err
	}
	return time.Duration(res[0]) * time.Microsecond, res[1] == 1, nil
}

// pauseScript sets the pause key for ARGV[1] milliseconds unless it already
// has longer to live.
var pauseScript = redis.NewScript(`
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
	redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 0`)

// Pause implements bulk.RateStore: it pauses every Runner of websiteID for
// d.
func (s *Store) Pause(ctx context.Context, websiteID string, d time.Duration) error {
	return s.bounded(ctx, "pause", func(ctx context.Context) error {
		return pauseScript.Run(ctx, s.rdb, []string{s.keys.pause(websiteID)}, max(d.Milliseconds(), 1)).Err()
	}, nil)
}

// PausedFor implements bulk.RateStore: it returns what remains of the
// pause of websiteID (0 when there is none).
//
// The remaining pause is its key's TTL.
func (s *Store) PausedFor(ctx context.Context, websiteID string) (time.Duration, error) {
	var d time.Duration
	err := s.bounded(ctx, "paused", func(ctx context.Context) error {
		var err error
		d, err = s.rdb.PTTL(ctx, s.keys.pause(websiteID)).Result()
		return err
	}, nil)
	if err != nil {
		return 0, err
	}
	return max(d, 0), nil // -2: no pause; -1 cannot happen (always set with PX)
}
