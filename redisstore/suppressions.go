package redisstore

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crispwa/crispwa/bulk"
)

// Suppressions is the suppression list of one website on Redis (a
// bulk.Suppressions): the numbers no campaign of that website sends to,
// shared by every process using the same Redis and prefix. Get it with
// (*Store).Suppressions. Unlike the Store's other keys, the list has no
// TTL: an opt-out is kept until Remove.
type Suppressions struct {
	s   *Store
	key string
}

var (
	_ bulk.Suppressions = (*Suppressions)(nil)
	_ bulk.Stopper      = (*Store)(nil)
)

// maxSuppressionReason caps the reason stored beside a number.
const maxSuppressionReason = 256

// Suppressions returns the suppression list of websiteID, one Redis hash
// (number -> time and reason). Each call is one round trip, bounded by the
// Store's timeout.
func (s *Store) Suppressions(websiteID string) *Suppressions {
	return &Suppressions{s: s, key: s.cfg.prefix + ":{" + websiteID + "}:suppressions"}
}

// Contains implements bulk.Suppressions.
func (l *Suppressions) Contains(ctx context.Context, number string) (bool, error) {
	ctx, cancel := l.s.op(ctx)
	defer cancel()
	ok, err := l.s.rdb.HExists(ctx, l.key, number).Result()
	if err != nil {
		return false, wrap("suppressions contains", err)
	}
	return ok, nil
}

// Add implements bulk.Suppressions; a number already there keeps its first
// reason.
func (l *Suppressions) Add(ctx context.Context, number, reason string) error {
	ctx, cancel := l.s.op(ctx)
	defer cancel()
	if len(reason) > maxSuppressionReason {
		reason = strings.ToValidUTF8(reason[:maxSuppressionReason], "")
	}
	v := strconv.FormatInt(time.Now().UnixMilli(), 10) + " " + reason
	if err := l.s.rdb.HSetNX(ctx, l.key, number, v).Err(); err != nil {
		return wrap("suppressions add", err)
	}
	return nil
}

// Remove implements bulk.Suppressions.
func (l *Suppressions) Remove(ctx context.Context, number string) error {
	ctx, cancel := l.s.op(ctx)
	defer cancel()
	if err := l.s.rdb.HDel(ctx, l.key, number).Err(); err != nil {
		return wrap("suppressions remove", err)
	}
	return nil
}

// List implements bulk.Suppressions: it reads the list in pages (HSCAN),
// each page one round trip bounded by the Store's timeout.
func (l *Suppressions) List(ctx context.Context) ([]bulk.Suppression, error) {
	var out []bulk.Suppression
	var cursor uint64
	for {
		opCtx, cancel := l.s.op(ctx)
		kv, next, err := l.s.rdb.HScan(opCtx, l.key, cursor, "", 1000).Result()
		cancel()
		if err != nil {
			return nil, wrap("suppressions list", err)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, parseSuppression(kv[i], kv[i+1]))
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	slices.SortFunc(out, func(a, b bulk.Suppression) int { return strings.Compare(a.Number, b.Number) })
	out = slices.CompactFunc(out, func(a, b bulk.Suppression) bool { return a.Number == b.Number }) // HSCAN may repeat
	return out, nil
}

func parseSuppression(number, v string) bulk.Suppression {
	s := bulk.Suppression{Number: number}
	ms, reason, _ := strings.Cut(v, " ")
	if n, err := strconv.ParseInt(ms, 10, 64); err == nil {
		s.Time = time.UnixMilli(n).UTC()
	}
	s.Reason = reason
	return s
}

// stopTTL is how long a website's stop count is kept after the last stop:
// longer than any campaign runs.
const stopTTL = 7 * 24 * time.Hour

// stopScript counts a stop of KEYS[1]'s website and keeps its reason.
var stopScript = redis.NewScript(`
redis.call('HINCRBY', KEYS[1], 'count', 1)
redis.call('HSET', KEYS[1], 'reason', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 0`)

func (s *Store) stopKey(websiteID string) string { return s.cfg.prefix + ":{" + websiteID + "}:stops" }

// Stop implements bulk.Stopper: every bulk Runner of websiteID running now
// on this Redis stops, with reason.
func (s *Store) Stop(ctx context.Context, websiteID, reason string) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	if err := stopScript.Run(ctx, s.rdb, []string{s.stopKey(websiteID)}, reason, stopTTL.Milliseconds()).Err(); err != nil {
		return wrap("stop", err)
	}
	return nil
}

// Stops implements bulk.Stopper.
func (s *Store) Stops(ctx context.Context, websiteID string) (int64, string, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	v, err := s.rdb.HMGet(ctx, s.stopKey(websiteID), "count", "reason").Result()
	if err != nil {
		return 0, "", wrap("stops", err)
	}
	var n int64
	if c, ok := v[0].(string); ok {
		n, _ = strconv.ParseInt(c, 10, 64)
	}
	reason, _ := v[1].(string)
	return n, reason, nil
}
