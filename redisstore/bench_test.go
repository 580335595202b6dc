package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
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
)

// floorHandler is the benchmarks' floor: it decodes the callback's
// request_id and makes one SET NX PX under prefix.
func floorHandler(rdb redis.UniversalClient, prefix string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			Data struct {
				RequestID string `json:"request_id"`
			} `json:"data"`
		}
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if err := rdb.SetArgs(r.Context(), prefix+ev.Data.RequestID, "1", redis.SetArgs{Mode: "NX", TTL: time.Minute}).Err(); err != nil && !errors.Is(err, redis.Nil) {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// BenchmarkHandlerHTTP measures callback deliveries over loopback HTTP, 8
// in flight, each with a new request_id, through the Handler as
// docs/callbacks.md and docs/replicas.md set it up (token in the URL), with
// the in-memory deduplication and with Redis (claim + confirm), alone and
// with a Tracker publishing every event, next to the floor of a Redis
// deduplication: a handler that decodes the body and makes one SET NX PX.
// The four are served in turn, 256 deliveries each, so that all of them
// see the same load; it reports each one's deliveries per second and the
// connections its server accepted (each answer is read to its end, so
// that the client reuses its connections):
//
//	CRISPWA_REDIS_ADDR=127.0.0.1:6399 go test -run '^$' -bench HandlerHTTP -benchtime 20000x ./redisstore
func BenchmarkHandlerHTTP(b *testing.B) {
	rdb := sharedRedis(b)
	dropKeys(b, rdb)
	fn := func(context.Context, *crispwa.CallbackEvent) error { return nil }
	const token = "3f9c1e8a7b2d4c6e9f0a1b2c3d4e5f60"
	auth := callback.WithToken(token)
	tracked := newStore(b, rdb)
	variants := []struct {
		name    string
		h       http.Handler
		url     string
		client  *http.Client
		conns   atomic.Int64
		elapsed time.Duration
		done    int
	}{
		{name: "floor", h: floorHandler(rdb, testPrefix(b)+":")},
		{name: "memory", h: callback.NewHandler(fn, auth)},
		{name: "redis", h: callback.NewHandler(fn, auth, callback.WithStore(newStore(b, rdb)))},
		{name: "redis+tracker", h: callback.NewHandler(callback.NewTracker(callback.WithTrackerStore(tracked)).Handle, auth, callback.WithStore(tracked))},
	}
	for i := range variants {
		v := &variants[i]
		srv := httptest.NewUnstartedServer(v.h)
		srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
			if state == http.StateNew {
				v.conns.Add(1)
			}
		}
		srv.Start()
		b.Cleanup(srv.Close)
		v.url = srv.URL + "/crisp/callback?token=" + token
		v.client = srv.Client()
		v.client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64 // no connection churn
	}
	const chunk, inFlight = 256, 8
	var n atomic.Int64
	send := func(client *http.Client, url string) {
		var wg sync.WaitGroup
		for range inFlight {
			wg.Go(func() {
				for range chunk / inFlight {
					id := "bench-" + strconv.FormatInt(n.Add(1), 10)
					resp, err := client.Post(url, "application/json", strings.NewReader(body(id)))
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
		}
		wg.Wait()
	}
	i := 0
	for b.Loop() {
		if i%chunk == 0 {
			for k := range variants {
				v := &variants[k]
				start := time.Now()
				send(v.client, v.url)
				v.elapsed += time.Since(start)
				v.done += chunk
			}
		}
		i++
	}
	for k := range variants {
		v := &variants[k]
		if v.done > 0 {
			b.ReportMetric(float64(v.done)/v.elapsed.Seconds(), v.name+"-events/s")
			b.ReportMetric(float64(v.conns.Load()), v.name+"-conns")
		}
	}
}

// dropKeys deletes, once b ends, the keys that b and its sub-benchmarks
// wrote (every prefix from testPrefix starts with the benchmark's name): a
// run writes tens of thousands of request_ids handled, kept for a day, and
// a Redis full of them slows every test that scans it.
func dropKeys(b *testing.B, rdb *redis.Client) {
	pattern := "crispwa-test-" + strings.ReplaceAll(b.Name(), "/", "_") + "*"
	b.Cleanup(func() {
		ctx := context.Background()
		var batch []string
		for iter := rdb.Scan(ctx, 0, pattern, 1000).Iterator(); iter.Next(ctx); {
			if batch = append(batch, iter.Val()); len(batch) == 500 {
				rdb.Unlink(ctx, batch...)
				batch = batch[:0]
			}
		}
		if len(batch) > 0 {
			rdb.Unlink(ctx, batch...)
		}
	})
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

// answerClock is a ResponseWriter that notes when the answer left: at
// Flush, or when the handler returned.
type answerClock struct {
	hdr     http.Header
	code    int
	flushed time.Time
}

func (a *answerClock) Header() http.Header         { return a.hdr }
func (a *answerClock) Write(p []byte) (int, error) { return len(p), nil }
func (a *answerClock) WriteHeader(code int)        { a.code = code }
func (a *answerClock) Flush()                      { a.flushed = time.Now() }

// BenchmarkRedisVsFloor alternates, in chunks of 64 deliveries with fresh
// request_ids served directly (ServeHTTP, one at a time), the Handler with
// a Redis Store and two floors: one bare SET NX PX call ("SET"), and a
// minimal handler that decodes the body and makes one SET NX PX
// ("floor", floorHandler). It reports the medians of the chunks' ratios,
// for "answer", the time until the delivery is answered, and "total",
// until ServeHTTP returns (the Handler records the request_id as handled
// after answering, a second round trip). Three clients: a plain
// *redis.Client, one with ContextTimeoutEnabled, and one the Store cannot
// see through ("opaque": each call in a goroutine, as a ClusterClient or
// Ring without ContextTimeoutEnabled is called):
//
//	CRISPWA_REDIS_ADDR=127.0.0.1:6399 go test -run '^$' -bench RedisVsFloor -benchtime 10000x ./redisstore
func BenchmarkRedisVsFloor(b *testing.B) {
	rdb := sharedRedis(b)
	dropKeys(b, rdb)
	prefix := testPrefix(b)
	floor := floorHandler(rdb, prefix+":floor:")
	for _, client := range []string{"plain", "ContextTimeoutEnabled", "opaque"} {
		b.Run(client, func(b *testing.B) {
			c := redis.NewClient(&redis.Options{Addr: rdb.Options().Addr, ContextTimeoutEnabled: client == "ContextTimeoutEnabled"})
			defer c.Close()
			redisVsFloor(b, rdb, prefix+":set:", floor, callback.NewHandler(nil, callback.WithStore(newStore(b, opaqueIf(client == "opaque", c)))))
		})
	}
}

func redisVsFloor(b *testing.B, rdb *redis.Client, setPrefix string, floor, h http.Handler) {
	n := 0
	serve := func(handler http.Handler) (answer, total time.Duration) {
		n++
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body("vs-"+strconv.Itoa(n))))
		w := &answerClock{hdr: http.Header{}}
		start := time.Now()
		handler.ServeHTTP(w, r)
		end := time.Now()
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
		if w.flushed.IsZero() {
			w.flushed = end
		}
		return w.flushed.Sub(start), end.Sub(start)
	}
	set := func() time.Duration {
		n++
		start := time.Now()
		err := rdb.SetArgs(context.Background(), setPrefix+strconv.Itoa(n), "1", redis.SetArgs{Mode: "NX", TTL: time.Minute}).Err()
		if err != nil && !errors.Is(err, redis.Nil) {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	const chunk = 64
	ratios := map[string][]float64{}
	i := 0
	for b.Loop() {
		if i%chunk == 0 {
			var sa, fa, ha, ht time.Duration
			for range chunk {
				sa += set()
			}
			for range chunk {
				a, _ := serve(floor)
				fa += a
			}
			for range chunk {
				a, t := serve(h)
				ha, ht = ha+a, ht+t
			}
			for name, r := range map[string]float64{
				"answer/SET": float64(ha) / float64(sa), "total/SET": float64(ht) / float64(sa),
				"answer/floor": float64(ha) / float64(fa), "total/floor": float64(ht) / float64(fa),
			} {
				ratios[name] = append(ratios[name], r)
			}
		}
		i++
	}
	for name, r := range ratios {
		sort.Float64s(r)
		b.ReportMetric(r[len(r)/2], name)
	}
}
