package redisstore_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/redisstore"
)

// A HandlerFunc that runs longer than the claim TTL keeps its claim: a
// redelivery to another replica meanwhile waits and is answered as a
// duplicate, and the HandlerFunc runs once.
func TestClaimExtendedWhileHandlerRuns(t *testing.T) {
	rdb := sharedRedis(t)
	prefix := redisstore.WithPrefix(testPrefix(t))
	// A TTL and a call timeout with room for a loaded machine (CI, -race):
	// the heartbeat every TTL/3 must not be late by a whole TTL.
	const ttl = 600 * time.Millisecond
	var calls atomic.Int64
	started := make(chan struct{}, 1)
	fn := func(context.Context, *crispwa.CallbackEvent) error {
		calls.Add(1)
		started <- struct{}{}
		time.Sleep(5 * ttl)
		return nil
	}
	urls := replicas(t, 2, fn, func() *redisstore.Store {
		return newStore(t, rdb, prefix, redisstore.WithClaimTTL(ttl), redisstore.WithTimeout(time.Second))
	})
	first := make(chan int, 1)
	go func() { first <- deliver(t, urls[0], "slow-1") }()
	<-started
	time.Sleep(2 * ttl) // the claim's first TTL is over: only its extension holds it
	assert.Equal(t, http.StatusOK, deliver(t, urls[1], "slow-1"), "the redelivery waits for the first one, then is a duplicate")
	assert.Equal(t, http.StatusOK, <-first)
	assert.EqualValues(t, 1, calls.Load(), "the HandlerFunc ran once")
}

// The extension stops when the claim is released, and never extends a
// claim that another delivery took.
func TestClaimExtensionStops(t *testing.T) {
	rdb := sharedRedis(t)
	prefix := testPrefix(t)
	const ttl = 200 * time.Millisecond
	s := newStore(t, rdb, redisstore.WithPrefix(prefix), redisstore.WithClaimTTL(ttl))
	ctx := context.Background()
	token, res, err := s.Claim(ctx, "x")
	require.NoError(t, err)
	require.Equal(t, callback.ClaimAcquired, res)
	key := prefix + ":default:claim:x"
	time.Sleep(2 * ttl)
	assert.EqualValues(t, 1, rdb.Exists(ctx, key).Val(), "extended while held")
	require.NoError(t, s.Release(ctx, "x", token))
	// Another holder now: the first Store's extension must not touch it.
	require.NoError(t, rdb.Set(ctx, key, "someone-else", ttl).Err())
	time.Sleep(2 * ttl)
	assert.EqualValues(t, 0, rdb.Exists(ctx, key).Val(), "a released claim is not extended")
}

// WithTimeout bounds every call, with a plain go-redis client
// (ContextTimeoutEnabled off), with one that honours contexts, and with a
// client the Store calls through a goroutine, when Redis does not answer.
func TestTimeoutIsABound(t *testing.T) {
	for _, client := range []string{"ContextTimeoutEnabled=false", "ContextTimeoutEnabled=true", "opaque"} {
		t.Run(client, func(t *testing.T) {
			proxy := startSlowProxy(t, sharedRedis(t).Options().Addr)
			rdb := redis.NewClient(&redis.Options{Addr: proxy.addr(), MaxRetries: -1, ContextTimeoutEnabled: client == "ContextTimeoutEnabled=true"})
			t.Cleanup(func() { _ = rdb.Close() })
			const timeout = 300 * time.Millisecond
			s := newStore(t, opaqueIf(client == "opaque", rdb), redisstore.WithTimeout(timeout))
			ctx := context.Background()
			proxy.setDelay(1500 * time.Millisecond)
			for name, call := range map[string]func() error{
				"Claim":     func() error { _, _, err := s.Claim(ctx, "t"); return err },
				"Confirm":   func() error { return s.Confirm(ctx, "t", "x") },
				"Release":   func() error { return s.Release(ctx, "t", "x") },
				"Publish":   func() error { return s.Publish(ctx, &crispwa.CallbackEvent{RequestID: "t"}) },
				"Await":     func() error { _, err := s.Await(ctx, "t"); return err },
				"Reserve":   func() error { _, _, err := s.Reserve(ctx, "w", time.Millisecond); return err },
				"Pause":     func() error { return s.Pause(ctx, "w", time.Millisecond) },
				"PausedFor": func() error { _, err := s.PausedFor(ctx, "w"); return err },
			} {
				start := time.Now()
				err := call()
				took := time.Since(start)
				assert.ErrorIs(t, err, context.DeadlineExceeded, name)
				assert.Less(t, took, timeout+250*time.Millisecond, "%s took %s under a %s timeout", name, took, timeout)
			}
		})
	}
}

// A claim whose SET reaches Redis after its caller gave up does not block
// the request_id: released at once when its answer comes, and lapsing
// within the claim TTL when the answer never comes (the connection closed
// first). A redelivery meanwhile waits and runs the HandlerFunc; none gets
// 503 beyond the first.
func TestOrphanedClaimDoesNotBlock(t *testing.T) {
	for _, tc := range []struct {
		name        string
		readTimeout time.Duration // the client's: shorter than the delay, the answer is never read
		within      time.Duration // after the first delivery, the request_id is handled within
		opaque      bool          // called through a goroutine, which reads a late answer
	}{
		{"answer read late: released", 5 * time.Second, 2 * time.Second, true},
		{"answer never read: lapses", 500 * time.Millisecond, 3500 * time.Millisecond, false},
		{"plain client: the call is cut at the timeout, the claim lapses", 5 * time.Second, 3500 * time.Millisecond, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shared := sharedRedis(t)
			proxy := startSlowProxy(t, shared.Options().Addr)
			slow := redis.NewClient(&redis.Options{Addr: proxy.addr(), MaxRetries: -1, ReadTimeout: tc.readTimeout})
			t.Cleanup(func() { _ = slow.Close() })
			prefix := redisstore.WithPrefix(testPrefix(t))
			const claimTTL, delay = time.Second, 1500 * time.Millisecond
			var calls atomic.Int64
			fn := func(context.Context, *crispwa.CallbackEvent) error { calls.Add(1); return nil }
			a := httptest.NewServer(callback.NewHandler(fn, callback.WithStore(newStore(t, opaqueIf(tc.opaque, slow), prefix,
				redisstore.WithTimeout(200*time.Millisecond), redisstore.WithClaimTTL(claimTTL)))))
			t.Cleanup(a.Close)
			b := httptest.NewServer(callback.NewHandler(fn, callback.WithStore(newStore(t, shared, prefix,
				redisstore.WithClaimTTL(claimTTL)))))
			t.Cleanup(b.Close)
			require.NoError(t, slow.Ping(context.Background()).Err())

			proxy.setDelay(delay)
			start := time.Now()
			assert.Equal(t, http.StatusServiceUnavailable, deliver(t, a.URL, "orphan-1"), "Redis did not answer in time")
			time.Sleep(delay - 400*time.Millisecond)
			proxy.setDelay(0) // Redis is fast again (the SET is on its way)
			time.Sleep(600 * time.Millisecond)
			assert.Equal(t, http.StatusOK, deliver(t, b.URL, "orphan-1"))
			blocked := time.Since(start)
			t.Logf("request_id handled %s after the first delivery (Redis delayed %s, claim TTL %s)", blocked, delay, claimTTL)
			assert.EqualValues(t, 1, calls.Load())
			assert.Less(t, blocked, tc.within)
		})
	}
}

// Prefixes and website IDs that contain the separator do not share keys.
func TestNamespacesDoNotCollide(t *testing.T) {
	rdb := sharedRedis(t)
	p := testPrefix(t)
	a := newStore(t, rdb, redisstore.WithPrefix(p+":crispwa"), redisstore.WithWebsiteID("w"))
	b := newStore(t, rdb, redisstore.WithPrefix(p), redisstore.WithWebsiteID("crispwa:w"))
	c := newStore(t, rdb, redisstore.WithPrefix(p+`\`), redisstore.WithWebsiteID(`:crispwa:w`))
	ctx := context.Background()
	token, res, err := a.Claim(ctx, "id")
	require.NoError(t, err)
	require.Equal(t, callback.ClaimAcquired, res)
	require.NoError(t, a.Confirm(ctx, "id", token))
	for name, s := range map[string]*redisstore.Store{"b": b, "c": c} {
		_, res, err = s.Claim(ctx, "id")
		require.NoError(t, err)
		assert.Equal(t, callback.ClaimAcquired, res, "%s's request_id is not a's", name)
	}
	require.NoError(t, a.Pause(ctx, "site", time.Minute))
	d, err := newStore(t, rdb, redisstore.WithPrefix(p+":crispwa")).PausedFor(ctx, "site")
	require.NoError(t, err)
	assert.Positive(t, d, "same prefix and website: the same pause")
	for _, s := range []*redisstore.Store{b, c} {
		d, err := s.PausedFor(ctx, `crispwa:site`)
		require.NoError(t, err)
		assert.Zero(t, d)
	}
}

// The default claim TTL is a lapse of seconds, not forever.
func TestDefaultClaimTTL(t *testing.T) {
	rdb := sharedRedis(t)
	prefix := testPrefix(t)
	s := newStore(t, rdb, redisstore.WithPrefix(prefix))
	ctx := context.Background()
	_, res, err := s.Claim(ctx, "ttl")
	require.NoError(t, err)
	require.Equal(t, callback.ClaimAcquired, res)
	ttl := rdb.PTTL(ctx, prefix+":default:claim:ttl").Val()
	assert.Greater(t, ttl, redisstore.DefaultClaimTTL-time.Second)
	assert.LessOrEqual(t, ttl, redisstore.DefaultClaimTTL)
	assert.LessOrEqual(t, redisstore.DefaultClaimTTL, 30*time.Second, "an orphaned claim lapses within seconds")
}

// A Wait is woken by the published event at once, not by the periodic
// recheck of the stored event.
func TestWaitWokenAtOnce(t *testing.T) {
	rdb := sharedRedis(t)
	prefix := redisstore.WithPrefix(testPrefix(t))
	waiter := callback.NewTracker(callback.WithTrackerStore(newStore(t, rdb, prefix)))
	sender := newStore(t, rdb, prefix)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 3 {
		id := "wake-" + string(rune('a'+i))
		got := make(chan time.Time, 1)
		go func() {
			_, err := waiter.Wait(ctx, id)
			assert.NoError(t, err)
			got <- time.Now()
		}()
		time.Sleep(300 * time.Millisecond) // the Wait is subscribed and waiting
		sent := time.Now()
		require.NoError(t, sender.Publish(ctx, &crispwa.CallbackEvent{RequestID: id}))
		assert.Less(t, (<-got).Sub(sent), time.Second, "woken by the message")
	}
}

// Many Waits share one subscription.
func TestOneSubscriptionForAllWaits(t *testing.T) {
	rdb := sharedRedis(t)
	prefix := testPrefix(t)
	s := newStore(t, rdb, redisstore.WithPrefix(prefix))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	for i := range 20 {
		go func() {
			_, _ = s.Await(ctx, "sub-"+string(rune('a'+i)))
			done <- struct{}{}
		}()
	}
	channel := prefix + ":default:events"
	require.Eventually(t, func() bool { return rdb.PubSubNumSub(ctx, channel).Val()[channel] > 0 }, 5*time.Second, 10*time.Millisecond)
	time.Sleep(200 * time.Millisecond)
	assert.EqualValues(t, 1, rdb.PubSubNumSub(ctx, channel).Val()[channel])
	cancel()
	for range 20 {
		<-done
	}
}

// While Redis is unreachable, the subscription is retried with a growing
// pause, not in a busy loop.
func TestSubscriptionRetriesWithBackoff(t *testing.T) {
	var dials atomic.Int64
	rdb := redis.NewClient(&redis.Options{
		Addr: "127.0.0.1:1", PoolSize: 1 << 20, MaxRetries: -1,
		Dialer: func(context.Context, string, string) (net.Conn, error) {
			dials.Add(1)
			return nil, errors.New("unreachable")
		},
	})
	t.Cleanup(func() { _ = rdb.Close() })
	s := newStore(t, rdb, redisstore.WithTimeout(100*time.Millisecond))
	_, err := s.Await(context.Background(), "never") // fails at once; the subscription it started keeps trying
	require.Error(t, err)
	dials.Store(0)
	time.Sleep(1500 * time.Millisecond)
	n := dials.Load()
	t.Logf("%d dials in 1.5s", n)
	assert.Positive(t, n)
	assert.Less(t, n, int64(60), "the subscription backs off")
}

// A Confirm that fails (Redis down for a moment) is tried again in the
// background, so the request_id ends up recorded as handled.
func TestFailedConfirmIsRetried(t *testing.T) {
	proc := startRedisProcess(t)
	rdb := redis.NewClient(&redis.Options{Addr: proc.addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	prefix := testPrefix(t)
	s := newStore(t, rdb, redisstore.WithPrefix(prefix), redisstore.WithClaimTTL(600*time.Millisecond),
		redisstore.WithTimeout(200*time.Millisecond))
	ctx := context.Background()
	token, res, err := s.Claim(ctx, "c")
	require.NoError(t, err)
	require.Equal(t, callback.ClaimAcquired, res)
	proc.stop()
	require.Error(t, s.Confirm(ctx, "c", token))
	proc.start()
	check := redis.NewClient(&redis.Options{Addr: proc.addr()})
	t.Cleanup(func() { _ = check.Close() })
	assert.Eventually(t, func() bool { return check.Get(ctx, prefix+":default:claim:c").Val() == "handled" },
		5*time.Second, 20*time.Millisecond, "the confirm was tried again")
}
