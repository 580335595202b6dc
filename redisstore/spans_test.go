package redisstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis/go-redis/v9"

	"github.com/crispwa/crispwa/redisstore"
)

// A span context kept by one replica is read by another, until its TTL;
// an unknown request_id reads as "", and an oversized value is refused.
func TestSpanContextsShared(t *testing.T) {
	rdb := sharedRedis(t)
	prefix := testPrefix(t)
	a, b := newStoreWithPrefix(t, rdb, prefix), newStoreWithPrefix(t, sharedRedis(t), prefix)
	ctx := context.Background()
	const v = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01 1700000000000000000"
	require.NoError(t, a.PutSpan(ctx, "req-1", v, 200*time.Millisecond))
	got, err := b.GetSpan(ctx, "req-1")
	require.NoError(t, err)
	assert.Equal(t, v, got)

	got, err = b.GetSpan(ctx, "req-unknown")
	require.NoError(t, err)
	assert.Empty(t, got)

	require.Eventually(t, func() bool {
		got, err := b.GetSpan(ctx, "req-1")
		return err == nil && got == ""
	}, 3*time.Second, 20*time.Millisecond, "the value expires with its TTL")

	assert.Error(t, a.PutSpan(ctx, "req-2", strings.Repeat("x", 257), time.Minute))
	require.NoError(t, rdb.Set(ctx, prefix+":default:span:req-3", strings.Repeat("x", 300), time.Minute).Err())
	_, err = b.GetSpan(ctx, "req-3")
	assert.Error(t, err, "an oversized value read back is refused")
}

// newStoreWithPrefix is a Store on rdb with the given key prefix, closed at
// the end of the test (two of them share keys: two replicas).
func newStoreWithPrefix(t *testing.T, rdb *redis.Client, prefix string) *redisstore.Store {
	t.Helper()
	s := redisstore.New(rdb, redisstore.WithPrefix(prefix))
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// AddSpan keeps a value only where there is none, SwapSpan always; both
// return what was there, so that a callback that beat its send and the
// send find each other.
func TestSpanSwapAndAdd(t *testing.T) {
	rdb := sharedRedis(t)
	prefix := testPrefix(t)
	a, b := newStoreWithPrefix(t, rdb, prefix), newStoreWithPrefix(t, sharedRedis(t), prefix)
	ctx := context.Background()

	got, err := b.AddSpan(ctx, "req-1", "callback", time.Minute)
	require.NoError(t, err)
	assert.Empty(t, got, "kept: there was nothing")
	got, err = b.AddSpan(ctx, "req-1", "callback again", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, "callback", got, "not kept: the first stays")

	got, err = a.SwapSpan(ctx, "req-1", "send", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, "callback", got)
	got, err = b.GetSpan(ctx, "req-1")
	require.NoError(t, err)
	assert.Equal(t, "send", got)

	got, err = a.SwapSpan(ctx, "req-2", "send", time.Minute)
	require.NoError(t, err)
	assert.Empty(t, got)
	_, err = a.SwapSpan(ctx, "req-3", strings.Repeat("x", 257), time.Minute)
	assert.Error(t, err)
}
