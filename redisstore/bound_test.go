package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/redisstore"
)

// opaqueClient is a client the Store cannot see through (not a
// *redis.Client): it calls it through a goroutine.
type opaqueClient struct{ redis.UniversalClient }

// opaqueIf hides rdb's type when opaque is set.
func opaqueIf(opaque bool, rdb redis.UniversalClient) redis.UniversalClient {
	if opaque {
		return opaqueClient{rdb}
	}
	return rdb
}

// A plain *redis.Client (ContextTimeoutEnabled off) is called directly,
// through a clone that stops each call at the Store's timeout: the call
// cut short gives its connection back at once, where a call through a
// goroutine goes on, holding it, until the client's own ReadTimeout. The client given
// to New is left as it was.
func TestPlainClientCallsAreCutAtTheTimeout(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opaque    bool
		connsHeld int // connections still in use just after the call returned
	}{
		{"plain *redis.Client: called directly", false, 0},
		{"opaque client: called through a goroutine", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proxy := startSlowProxy(t, sharedRedis(t).Options().Addr)
			rdb := redis.NewClient(&redis.Options{Addr: proxy.addr(), MaxRetries: -1, ReadTimeout: 5 * time.Second})
			t.Cleanup(func() { _ = rdb.Close() })
			require.NoError(t, rdb.Ping(context.Background()).Err())
			const timeout = 200 * time.Millisecond
			s := newStore(t, opaqueIf(tc.opaque, rdb), redisstore.WithTimeout(timeout))
			assert.False(t, rdb.Options().ContextTimeoutEnabled, "the caller's client is unchanged")

			proxy.setDelay(time.Second)
			start := time.Now()
			_, _, err := s.Claim(context.Background(), "cut")
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Less(t, time.Since(start), timeout+250*time.Millisecond)
			stats := rdb.PoolStats()
			assert.EqualValues(t, tc.connsHeld, stats.TotalConns-stats.IdleConns, "connections in use after the call")
		})
	}
}
