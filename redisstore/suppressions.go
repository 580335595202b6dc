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
	return &Suppressions{s: s, key: s.keys.prefix + ":{" + escapeKeyPart(websiteID) + "}:suppressions"}
}

// Contains implements bulk.Suppressions.
func (l *Suppressions) Contains(ctx context.Context, number string) (bool, error) {
	var ok bool
	err := l.s.bounded(ctx, "suppressions contains", func(ctx context.Context) (err error) {
		ok, err = l.s.rdb.HExists(ctx, l.key, number).Result()
		return err
	}, nil)
	return ok, err
}

// Add implements bulk.Suppressions; a number already there keeps its first
// reason.
func (l *Suppressions) Add(ctx context.Context, number, reason string) error {
	if len(reason) > maxSuppressionReason {
		reason = strings.ToValidUTF8(reason[:maxSuppressionReason], "")
	}
	v := strconv.FormatInt(time.Now().UnixMilli(), 10) + " " + reason
	return l.s.bounded(ctx, "suppressions add", func(ctx context.Context) error {
		return l.s.rdb.HSetNX(ctx, l.key, number, v).Err()
	}, nil)
}

// Remove implements bulk.Suppressions.
func (l *Suppressions) Remove(ctx context.Context, number string) error {
	return l.s.bounded(ctx, "suppressions remove", func(ctx context.Context) error {
		return l.s.rdb.HDel(ctx, l.key, number).Err()
	}, nil)
}

// List implements bulk.Suppressions: it reads the list in pages (HSCAN),
// each page one round trip bounded by the Store's timeout.
func (l *Suppressions) List(ctx context.Context) ([]bulk.Suppression, error) {
	var out []bulk.Suppression
	var cursor uint64
	for {
		var kv []string
		var next uint64
		err := l.s.bounded(ctx, "suppressions list", func(ctx context.Context) (err error) {
			kv, next, err = l.s.rdb.HScan(ctx, l.key, cursor, "", 1000).Result()
			return err
		}, nil)
		if err != nil {
			return nil, err
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

func (s *Store) stopKey(websiteID string) string {
	return s.keys.prefix + ":{" + escapeKeyPart(websiteID) + "}:stops"
}

// Stop implements bulk.Stopper: every bulk Runner of websiteID running now
// on this Redis stops, with reason.
func (s *Store) Stop(ctx context.Context, websiteID, reason string) error {
	return s.bounded(ctx, "stop", func(ctx context.Context) error {
		return stopScript.Run(ctx, s.rdb, []string{s.stopKey(websiteID)}, reason, stopTTL.Milliseconds()).Err()
	}, nil)
}

// Stops implements bulk.Stopper.
func (s *Store) Stops(ctx context.Context, websiteID string) (int64, string, error) {
	var v []any
	err := s.bounded(ctx, "stops", func(ctx context.Context) (err error) {
		v, err = s.rdb.HMGet(ctx, s.stopKey(websiteID), "count", "reason").Result()
		return err
	}, nil)
	if err != nil {
		return 0, "", err
	}
	var n int64
	if c, ok := v[0].(string); ok {
		n, _ = strconv.ParseInt(c, 10, 64)
	}
	reason, _ := v[1].(string)
	return n, reason, nil
}
