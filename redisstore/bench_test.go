package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
)

// BenchmarkHandlerHTTP measures callback deliveries over loopback HTTP, each
// with a new request_id, with the in-memory deduplication and with Redis
// (claim + confirm), alone and with a Tracker publishing every event, next
// to the floor of a Redis deduplication: a handler that decodes the body
// and makes one SET NX PX. Each answer is read to its end, so that the
// client reuses its connections:
//
//	CRISPWA_REDIS_ADDR=127.0.0.1:6379 go test -run '^$' -bench HandlerHTTP -benchtime 5000x -count 5 ./redisstore
func BenchmarkHandlerHTTP(b *testing.B) {
	rdb := sharedRedis(b)
	fn := func(context.Context, *crispwa.CallbackEvent) error { return nil }
	floorPrefix := testPrefix(b)
	floor := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			Data struct {
				RequestID string `json:"request_id"`
			} `json:"data"`
		}
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if err := rdb.SetArgs(r.Context(), floorPrefix+":"+ev.Data.RequestID, "1", redis.SetArgs{Mode: "NX", TTL: time.Minute}).Err(); err != nil && !errors.Is(err, redis.Nil) {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	for _, tc := range []struct {
		name string
		h    func() http.Handler
	}{
		{"floor: SET NX PX", func() http.Handler { return floor }},
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
					_, _ = io.Copy(io.Discard, resp.Body)
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
// pipeline. When gate is set, it holds the SET that records a request_id as
// handled until gate is closed.
type countHook struct {
	n    atomic.Int64
	gate atomic.Pointer[chan struct{}]
}

func (h *countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if args := cmd.Args(); len(args) > 2 && args[0] == "set" && args[2] == "handled" {
			if gate := h.gate.Load(); gate != nil {
				<-*gate
			}
		}
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (h *countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

// A new delivery is answered after one round trip (the claim); the record
// of it as handled follows the answer. A duplicate costs one round trip.
func TestRoundTripsPerDelivery(t *testing.T) {
	shared := sharedRedis(t)
	for _, tc := range []struct {
		name          string
		tracker       bool
		dup           bool
		before, after int64 // round trips before the answer, and in all
	}{
		{"dedup: claim (SET NX PX GET), answer, confirm (SET PX)", false, false, 1, 2},
		{"dedup + Tracker: and publish (SET PX + PUBLISH, one pipeline) before the answer", true, false, 2, 3},
		{"duplicate: claim only", false, true, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rdb := redis.NewClient(&redis.Options{Addr: shared.Options().Addr})
			defer rdb.Close()
			hook := &countHook{}
			rdb.AddHook(hook)
			store := newStore(t, rdb)
			fn := callback.HandlerFunc(nil)
			if tc.tracker {
				fn = callback.NewTracker(callback.WithTrackerStore(store)).Handle
			}
			srv := httptest.NewServer(callback.NewHandler(fn, callback.WithStore(store)))
			defer srv.Close()
			if tc.dup {
				require.Equal(t, http.StatusOK, deliver(t, srv.URL, "rt"))
			}
			gate := make(chan struct{})
			require.Eventually(t, func() bool { return hook.n.Load() == map[bool]int64{false: 0, true: 2}[tc.dup] }, 5*time.Second, time.Millisecond)
			hook.gate.Store(&gate)
			before := hook.n.Load()
			require.Equal(t, http.StatusOK, deliver(t, srv.URL, "rt"), "answered while the confirm is held")
			got := hook.n.Load() - before
			close(gate)
			assert.Equal(t, tc.before, got, "round trips before the answer")
			assert.Eventually(t, func() bool { return hook.n.Load()-before == tc.after }, 5*time.Second, time.Millisecond,
				"round trips in all: want %d", tc.after)
			t.Logf("%d round trip(s) before the answer, %d in all", got, hook.n.Load()-before)
		})
	}
}
