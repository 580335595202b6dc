package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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

func body(id string) string {
	return `{"error":false,"reason":"dispatched","data":{"request_id":"` + id + `","crisp_fingerprint":42,"whatsapp_message_id":"wamid.` + id + `","session_id":"session_1"}}`
}

// deliver POSTs the callback of id to url and returns the status.
func deliver(t testing.TB, url, id string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body(id)))
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// replicas starts n Handlers calling fn, each on its own server, sharing
// stores made by mk.
func replicas(t *testing.T, n int, fn callback.HandlerFunc, mk func() *redisstore.Store) []string {
	urls := make([]string, n)
	for i := range urls {
		srv := httptest.NewServer(callback.NewHandler(fn, callback.WithStore(mk())))
		t.Cleanup(srv.Close)
		urls[i] = srv.URL
	}
	return urls
}

func TestDedupAcrossReplicas(t *testing.T) {
	addr := sharedRedis(t).Options().Addr
	prefix := redisstore.WithPrefix(testPrefix(t))
	var mu sync.Mutex
	calls := map[string]int{}
	urls := replicas(t, 3, func(_ context.Context, ev *crispwa.CallbackEvent) error {
		mu.Lock()
		defer mu.Unlock()
		calls[ev.RequestID]++
		return nil
	}, func() *redisstore.Store { // each replica has its own client, as in production
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		t.Cleanup(func() { _ = rdb.Close() })
		return newStore(t, rdb, prefix)
	})

	const ids, dups = 3, 100
	var wg sync.WaitGroup
	start := make(chan struct{})
	var unavailable atomic.Int64
	for i := range ids * dups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			// As Crisp does: a 503 (the store overloaded on a busy test
			// machine) is delivered again.
			for range 10 {
				code := deliver(t, urls[i%3], fmt.Sprintf("req-%d", i%ids))
				if code != http.StatusServiceUnavailable {
					assert.Equal(t, http.StatusOK, code)
					return
				}
				unavailable.Add(1)
			}
			t.Error("still 503 after 10 deliveries")
		}()
	}
	close(start)
	wg.Wait()
	t.Logf("%d deliveries of %d ids over 3 replicas; %d answered 503 and delivered again", ids*dups, ids, unavailable.Load())
	for i := range ids {
		assert.Equal(t, 1, calls[fmt.Sprintf("req-%d", i)], "fn runs exactly once per request_id across the replicas")
	}
}

func TestFailedFnRunsAgainOnAnotherReplica(t *testing.T) {
	rdb := sharedRedis(t)
	prefix := redisstore.WithPrefix(testPrefix(t))
	var calls atomic.Int64
	urls := replicas(t, 2, func(context.Context, *crispwa.CallbackEvent) error {
		if calls.Add(1) == 1 {
			return errors.New("database down")
		}
		return nil
	}, func() *redisstore.Store { return newStore(t, rdb, prefix) })
	assert.Equal(t, http.StatusInternalServerError, deliver(t, urls[0], "r"))
	assert.Equal(t, http.StatusOK, deliver(t, urls[1], "r"), "the redelivery on the other replica runs fn")
	assert.Equal(t, http.StatusOK, deliver(t, urls[0], "r"))
	assert.EqualValues(t, 2, calls.Load())
}

func TestTrackerWaitSeesOtherReplicas(t *testing.T) {
	rdb := sharedRedis(t)
	prefix := redisstore.WithPrefix(testPrefix(t))
	trackers := make([]*callback.Tracker, 3)
	urls := make([]string, 3)
	for i := range trackers {
		store := newStore(t, rdb, prefix)
		trackers[i] = callback.NewTracker(callback.WithTrackerStore(store))
		srv := httptest.NewServer(callback.NewHandler(trackers[i].Handle, callback.WithStore(store)))
		t.Cleanup(srv.Close)
		urls[i] = srv.URL
	}
	a := trackers[0]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Delivered to B and C before Wait on A starts.
	require.Equal(t, http.StatusOK, deliver(t, urls[1], "before-b"))
	require.Equal(t, http.StatusOK, deliver(t, urls[2], "before-c"))
	for _, id := range []string{"before-b", "before-c"} {
		ev, err := a.Wait(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, "wamid."+id, ev.WhatsAppMessageID)
	}

	// Delivered to B and C while Wait on A is pending: the Waits start,
	// then the callbacks arrive (in either order relative to the
	// subscription; no window is lost).
	got := make(chan *crispwa.CallbackEvent, 2)
	for _, id := range []string{"after-b", "after-c"} {
		go func() {
			ev, err := a.Wait(ctx, id)
			assert.NoError(t, err)
			got <- ev
		}()
	}
	require.Equal(t, http.StatusOK, deliver(t, urls[1], "after-b"))
	require.Equal(t, http.StatusOK, deliver(t, urls[2], "after-c"))
	seen := map[string]bool{}
	for range 2 {
		select {
		case ev := <-got:
			seen[ev.RequestID] = true
		case <-ctx.Done():
			t.Fatal("Wait on A not woken by a callback delivered to another replica")
		}
	}
	assert.Equal(t, map[string]bool{"after-b": true, "after-c": true}, seen)
}

// Many Waits racing many deliveries: each Wait gets its event whether the
// delivery lands before, during or after its subscription.
func TestTrackerNoLostWakeup(t *testing.T) {
	rdb := sharedRedis(t)
	prefix := redisstore.WithPrefix(testPrefix(t))
	waiter := callback.NewTracker(callback.WithTrackerStore(newStore(t, rdb, prefix)))
	sender := callback.NewTracker(callback.WithTrackerStore(newStore(t, rdb, prefix)))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range 200 {
		id := fmt.Sprintf("race-%d", i)
		wg.Add(2)
		go func() { defer wg.Done(); _, err := waiter.Wait(ctx, id); assert.NoError(t, err, id) }()
		go func() {
			defer wg.Done()
			assert.NoError(t, sender.Handle(ctx, &crispwa.CallbackEvent{RequestID: id}))
		}()
	}
	wg.Wait()
}

func TestRedisDownAnswers503ThenRecovers(t *testing.T) {
	proc := startRedisProcess(t)
	rdb := redis.NewClient(&redis.Options{Addr: proc.addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	store := newStore(t, rdb, redisstore.WithTimeout(500*time.Millisecond))
	var calls atomic.Int64
	tracker := callback.NewTracker(callback.WithTrackerStore(store))
	srv := httptest.NewServer(callback.NewHandler(func(ctx context.Context, ev *crispwa.CallbackEvent) error {
		calls.Add(1)
		return tracker.Handle(ctx, ev)
	}, callback.WithStore(store)))
	defer srv.Close()

	require.Equal(t, http.StatusOK, deliver(t, srv.URL, "up-1"))
	require.EqualValues(t, 1, calls.Load())
	ctx := context.Background()
	_, err := tracker.Wait(ctx, "up-1")
	require.NoError(t, err)

	proc.stop()
	for _, id := range []string{"down-1", "down-2", "up-1"} {
		assert.Equal(t, http.StatusServiceUnavailable, deliver(t, srv.URL, id), id)
	}
	assert.EqualValues(t, 1, calls.Load(), "fn never runs while Redis is down")
	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err = tracker.Wait(waitCtx, "down-1")
	require.Error(t, err, "Wait fails rather than hang")
	assert.NotErrorIs(t, err, context.DeadlineExceeded, "it fails on the store's timeout, not the caller's")

	proc.start()
	require.Eventually(t, func() bool { return deliver(t, srv.URL, "down-1") == http.StatusOK }, 10*time.Second, 50*time.Millisecond)
	assert.Equal(t, http.StatusOK, deliver(t, srv.URL, "down-2"))
	assert.Equal(t, http.StatusOK, deliver(t, srv.URL, "down-2"))
	assert.EqualValues(t, 3, calls.Load(), "after recovery each new id runs fn once")
	ev, err := tracker.Wait(waitCtx, "down-2")
	require.NoError(t, err, "Wait works again")
	assert.Equal(t, "down-2", ev.RequestID)
}

func TestKeysHaveTTLs(t *testing.T) {
	rdb := sharedRedis(t)
	prefix := testPrefix(t)
	store := newStore(t, rdb, redisstore.WithPrefix(prefix), redisstore.WithWebsiteID("site-1"))
	ctx := context.Background()
	token, res, err := store.Claim(ctx, "a")
	require.NoError(t, err)
	require.Equal(t, callback.ClaimAcquired, res)
	_, res, err = store.Claim(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, callback.ClaimBusy, res)
	require.NoError(t, store.Confirm(ctx, "a", token))
	_, res, err = store.Claim(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, callback.ClaimHandled, res)
	token, _, err = store.Claim(ctx, "b")
	require.NoError(t, err)
	require.NoError(t, store.Release(ctx, "b", "not-the-token"))
	_, res, _ = store.Claim(ctx, "b")
	assert.Equal(t, callback.ClaimBusy, res, "a release with another token leaves the claim")
	require.NoError(t, store.Release(ctx, "b", token))
	require.NoError(t, store.Publish(ctx, &crispwa.CallbackEvent{RequestID: "a"}))
	_, _, err = store.Reserve(ctx, "site-1", 10*time.Millisecond)
	require.NoError(t, err)
	require.NoError(t, store.Pause(ctx, "site-1", time.Minute))

	keys, err := rdb.Keys(ctx, prefix+":*").Result()
	require.NoError(t, err)
	assert.Len(t, keys, 4, "claim a, event a, rate slot, pause: %v", keys)
	for _, k := range keys {
		assert.True(t, strings.HasPrefix(k, prefix+":site-1:") || strings.HasPrefix(k, prefix+":{site-1}:rate:"), k)
		ttl, err := rdb.PTTL(ctx, k).Result()
		require.NoError(t, err)
		assert.Greater(t, ttl, time.Duration(0), "%s has a TTL", k)
	}
}

func TestOptionsPanicNamingTheOption(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	for name, opt := range map[string]redisstore.Option{
		"WithPrefix":    redisstore.WithPrefix(""),
		"WithWebsiteID": redisstore.WithWebsiteID(""),
		"WithClaimTTL":  redisstore.WithClaimTTL(0),
		"WithDedupTTL":  redisstore.WithDedupTTL(-time.Second),
		"WithEventTTL":  redisstore.WithEventTTL(0),
		"WithTimeout":   redisstore.WithTimeout(0),
	} {
		assert.Contains(t, panicText(func() { redisstore.New(rdb, opt) }), name)
	}
	assert.NotPanics(t, func() { redisstore.New(rdb, nil).Close() }, "nil options are ignored")
}

// panicText returns what f panics with ("" when it does not).
func panicText(f func()) (msg string) {
	defer func() {
		if v := recover(); v != nil {
			msg = fmt.Sprint(v)
		}
	}()
	f()
	return ""
}
