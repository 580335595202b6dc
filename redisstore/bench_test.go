package redisstore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
)

// BenchmarkHandlerHTTP measures callback deliveries over loopback HTTP, each
// with a new request_id, with the in-memory deduplication and with Redis
// (claim + confirm), alone and with a Tracker publishing every event:
//
//	CRISPWA_REDIS_ADDR=127.0.0.1:6379 go test -run '^$' -bench HandlerHTTP -benchtime 5000x -count 5 ./redisstore
func BenchmarkHandlerHTTP(b *testing.B) {
	rdb := sharedRedis(b)
	fn := func(context.Context, *crispwa.CallbackEvent) error { return nil }
	for _, tc := range []struct {
		name string
		h    func() http.Handler
	}{
		{"memory", func() http.Handler { return callback.NewHandler(fn) }},
		{"redis", func() http.Handler { return callback.NewHandler(fn, callback.WithStore(newStore(b, rdb))) }},
		{"redis+tracker", func() http.Handler {
			s := newStore(b, rdb)
			return callback.NewHandler(callback.NewTracker(callback.WithTrackerStore(s)).Handle, callback.WithStore(s))
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			srv := httptest.NewServer(tc.h())
			defer srv.Close()
			client := srv.Client()
			client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64 // no connection churn
			var n atomic.Int64
			b.SetParallelism(4) // deliveries in flight at once, per GOMAXPROCS
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := "bench-" + strconv.FormatInt(n.Add(1), 10)
					resp, err := client.Post(srv.URL, "application/json", strings.NewReader(body(id)))
					if err != nil {
						b.Error(err)
						return
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// countHook counts the round trips a client makes: one per command, one per
// pipeline.
type countHook struct{ n atomic.Int64 }

func (h *countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h *countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

func TestRoundTripsPerDelivery(t *testing.T) {
	shared := sharedRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: shared.Options().Addr})
	defer rdb.Close()
	hook := &countHook{}
	rdb.AddHook(hook)
	store := newStore(t, rdb)
	tracker := callback.NewTracker(callback.WithTrackerStore(store))
	for _, tc := range []struct {
		name string
		h    http.Handler
		want int64
	}{
		{"dedup: claim (SET NX PX GET) + confirm (SET PX)", callback.NewHandler(nil, callback.WithStore(store)), 2},
		{"dedup + Tracker: and publish (SET PX + PUBLISH, one pipeline)", callback.NewHandler(tracker.Handle, callback.WithStore(store)), 3},
		{"duplicate: claim only", callback.NewHandler(nil, callback.WithStore(store)), 1},
	} {
		srv := httptest.NewServer(tc.h)
		id := "rt-" + strconv.Itoa(len(tc.name))
		if tc.want == 1 {
			id = "rt-dup"
			require.Equal(t, http.StatusOK, deliver(t, srv.URL, id))
		}
		before := hook.n.Load()
		require.Equal(t, http.StatusOK, deliver(t, srv.URL, id))
		got := hook.n.Load() - before
		t.Logf("%s: %d round trips", tc.name, got)
		assert.Equal(t, tc.want, got, tc.name)
		srv.Close()
	}
}
