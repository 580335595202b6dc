package crispwaotel_test

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/crispwaotel"
	"github.com/crispwa/crispwa/internal/cputime"
)

// The benchmarks compare a Send (and a callback delivery) with no observer,
// with crispwaotel on no-op providers, and with crispwaotel on the SDK's
// real providers recording (every span sampled and batched to an exporter
// that discards it; metrics aggregated for a reader). Each round times a
// batch of each variant back to back, in a random order, so that the load
// of a shared machine moves every side of a ratio alike; the reported
// metric is the median ratio over the rounds:
//
//	go test -run '^$' -bench Observed -count 3 ./crispwaotel

// discard is a span exporter that drops everything.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// variant is one of the observers compared.
type variant struct {
	name  string
	opts  []crispwaotel.Option // nil: no observer (or floor's)
	floor *crispwa.Observer    // bare or attrs, instead of crispwaotel
}

// variants are the observers compared, "none" first (the baseline): no
// observer, crispwaotel on no-op providers, crispwaotel on the SDK, and
// two floors on the same SDK providers: "bare", the least any
// OpenTelemetry instrumentation of the same events does (a span per send,
// attempt and delivery, started and ended with no attribute, and the same
// measurements on attribute sets built once), and "attrs", bare setting
// the span attributes crispwaotel sets, plainly. sdk over bare is what
// crispwaotel adds to the SDK's own cost; sdk over attrs what it adds to
// the SDK's cost of the attributes it records.
func variants(b *testing.B) []variant {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithBatcher(discard{}))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
	return []variant{
		{name: "none"},
		{name: "noop", opts: []crispwaotel.Option{crispwaotel.WithTracerProvider(tracenoop.NewTracerProvider()), crispwaotel.WithMeterProvider(metricnoop.NewMeterProvider())}},
		{name: "sdk", opts: []crispwaotel.Option{crispwaotel.WithTracerProvider(tp), crispwaotel.WithMeterProvider(mp)}},
		{name: "bare", floor: bareObserver(tp, mp)},
		{name: "attrs", floor: attrsObserver(tp, mp)},
	}
}

// clientOptions are a Client's options for v.
func (v variant) clientOptions() []crispwa.Option {
	switch {
	case v.floor != nil:
		return []crispwa.Option{crispwa.WithObserver(v.floor)}
	case v.opts != nil:
		return []crispwa.Option{crispwaotel.ClientOption(v.opts...)}
	}
	return nil
}

// handlerOptions are a Handler's options for v.
func (v variant) handlerOptions() []callback.Option {
	switch {
	case v.floor != nil:
		return []callback.Option{callback.WithObserver(v.floor)}
	case v.opts != nil:
		return []callback.Option{crispwaotel.HandlerOption(v.opts...)}
	}
	return nil
}

// bareObserver is the "bare" variant's Observer.
func bareObserver(tp trace.TracerProvider, mp metric.MeterProvider) *crispwa.Observer {
	tracer, meter := tp.Tracer("bare"), mp.Meter("bare")
	sends, _ := meter.Int64Counter("sends")
	sendDuration, _ := meter.Float64Histogram("send.duration")
	httpDuration, _ := meter.Float64Histogram("http.duration")
	deliveries, _ := meter.Int64Counter("deliveries")
	set := metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "accepted")))
	add, rec := []metric.AddOption{set}, []metric.RecordOption{set}
	start := func(name string) func(ctx context.Context) context.Context {
		return func(ctx context.Context) context.Context { ctx, _ = tracer.Start(ctx, name); return ctx }
	}
	sendStart, attemptStart, callbackStart := start("send"), start("attempt"), start("callback")
	return &crispwa.Observer{
		SendStart: func(ctx context.Context, _ crispwa.SendInfo) context.Context { return sendStart(ctx) },
		SendDone: func(ctx context.Context, d crispwa.SendDone) {
			sends.Add(ctx, 1, add...)
			sendDuration.Record(ctx, d.Duration.Seconds(), rec...)
			trace.SpanFromContext(ctx).End()
		},
		AttemptStart: func(ctx context.Context, _ crispwa.Attempt) context.Context { return attemptStart(ctx) },
		AttemptDone: func(ctx context.Context, d crispwa.AttemptDone) {
			httpDuration.Record(ctx, d.Duration.Seconds(), rec...)
			trace.SpanFromContext(ctx).End()
		},
		CallbackStart: func(ctx context.Context, _ *crispwa.CallbackEvent) context.Context { return callbackStart(ctx) },
		CallbackDone: func(ctx context.Context, _ crispwa.CallbackDone) {
			deliveries.Add(ctx, 1, add...)
			trace.SpanFromContext(ctx).End()
		},
	}
}

// ratios runs rounds of fs (each a batch) in random order until the
// benchmark ends and reports, for each, the median over the rounds of its
// time over fs[0]'s ("sdk/none"), and beside it the same median of the
// process's CPU time ("sdk/none-cpu": client, loopback server and the
// SDK's batching goroutine together), which other processes' load hardly
// moves. With an "sdk" variant and a "bare" or "attrs" one it reports sdk
// over each too ("sdk/bare", "sdk/attrs", and their "-cpu"): what
// crispwaotel adds to the least instrumentation on the same SDK, and to
// that instrumentation carrying the same span attributes.
func ratios(b *testing.B, names []string, fs []func()) {
	type cost struct{ wall, cpu time.Duration }
	costs := make([][]cost, len(fs))
	// A fresh order each round: a variant runs after each other one as
	// often, so that none always pays the garbage collection a heavier one
	// before it left (rotating a fixed order would always put the same
	// variant after the same one).
	order := rand.New(rand.NewPCG(1, 2)).Perm
	for b.Loop() {
		for _, j := range order(len(fs)) {
			start, cpu := time.Now(), cputime.Process()
			fs[j]()
			costs[j] = append(costs[j], cost{time.Since(start), cputime.Process() - cpu})
		}
	}
	report := func(x, y int) {
		var wall, cpu []float64
		for r := range costs[x] {
			cx, cy := costs[x][r], costs[y][r]
			wall = append(wall, float64(cx.wall)/float64(cy.wall))
			if cy.cpu > 0 {
				cpu = append(cpu, float64(cx.cpu)/float64(cy.cpu))
			}
		}
		b.ReportMetric(median(wall), names[x]+"/"+names[y])
		if len(cpu) > 0 {
			b.ReportMetric(median(cpu), names[x]+"/"+names[y]+"-cpu")
		}
	}
	for j := 1; j < len(fs); j++ {
		report(j, 0)
	}
	sdk := slices.Index(names, "sdk")
	for _, floor := range []string{"bare", "attrs"} {
		if f := slices.Index(names, floor); sdk > 0 && f > 0 {
			report(sdk, f)
		}
	}
}

// median is the median of xs, which it sorts.
func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// BenchmarkSendObserved compares Sends against a minimal loopback server
// (the worst case: a round trip of about a hundred microseconds, against
// which the instrumentation weighs most), from one goroutine and from 16,
// and from one goroutine with the server answering after 1 ms ("rtt=1ms"),
// about the least a call to Crisp's API over a network takes.
func BenchmarkSendObserved(b *testing.B) {
	sent := []byte(`{"error":false,"reason":"dispatched","data":{"request_id":"` + requestID + `"}}`)
	var delay atomic.Int64 // the server's answer delay, set per case
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if d := time.Duration(delay.Load()); d > 0 {
			time.Sleep(d)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(sent)
	}))
	b.Cleanup(srv.Close)
	ctx, req := context.Background(), sendReq()
	for _, tc := range []struct {
		name       string
		goroutines int
		delay      time.Duration
	}{{"goroutines=1", 1, 0}, {"goroutines=16", 16, 0}, {"rtt=1ms", 1, time.Millisecond}} {
		goroutines := tc.goroutines
		b.Run(tc.name, func(b *testing.B) {
			delay.Store(int64(tc.delay))
			var names []string
			var fs []func()
			for _, v := range variants(b) {
				c, err := crispwa.NewClient(website, creds, append(v.clientOptions(), crispwa.WithBaseURL(srv.URL))...)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(c.CloseIdleConnections)
				names = append(names, v.name)
				fs = append(fs, func() {
					var wg sync.WaitGroup
					for range goroutines {
						wg.Go(func() {
							for range 32 {
								if _, err := c.Templates.Send(ctx, req); err != nil {
									b.Error(err)
									return
								}
							}
						})
					}
					wg.Wait()
				})
			}
			ratios(b, names, fs)
		})
	}
}

func BenchmarkHandlerObserved(b *testing.B) {
	bodies := make([][]byte, 1<<16)
	for i := range bodies {
		bodies[i] = []byte(`{"error":false,"reason":"dispatched","data":{"request_id":"5c0f9e2e-8d0a-4cf4-9a55-` +
			strconv.Itoa(100000000000+i) + `","crisp_fingerprint":163408112098674,"whatsapp_message_id":"wamid.HBgLMzM2MTIzNDU2NzgVAgARGBI5QUI2RjQ4QjY3QjE0RUJBQjUA","session_id":"session_2c0a8b1e"}}`)
	}
	var names []string
	var fs []func()
	for _, v := range variants(b) {
		opts := append([]callback.Option{callback.WithToken(token)}, v.handlerOptions()...)
		n := 0
		names = append(names, v.name)
		fs = append(fs, func() {
			// A fresh handler per batch: every request_id is new to it.
			h := callback.NewHandler(nil, opts...)
			for range 256 {
				r := httptest.NewRequest(http.MethodPost, "/callback?token="+token, bytes.NewReader(bodies[n%len(bodies)]))
				n++
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code)
				}
			}
		})
	}
	ratios(b, names, fs)
}

func BenchmarkSendVariant(b *testing.B) {
	sent := []byte(`{"error":false,"reason":"dispatched","data":{"request_id":"` + requestID + `"}}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(sent)
	}))
	b.Cleanup(srv.Close)
	ctx, req := context.Background(), sendReq()
	for _, v := range variants(b) {
		b.Run(v.name, func(b *testing.B) {
			c, err := crispwa.NewClient(website, creds, append(v.clientOptions(), crispwa.WithBaseURL(srv.URL))...)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(c.CloseIdleConnections)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Templates.Send(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHandlerServedObserved is BenchmarkHandlerObserved with each
// handler behind its own loopback HTTP server, as in production: every
// delivery is a POST over a kept-alive connection, its body read by the
// handler, and the floor ("none") is the same server and handler without
// the observer.
func BenchmarkHandlerServedObserved(b *testing.B) {
	bodies := make([][]byte, 1<<16)
	for i := range bodies {
		bodies[i] = []byte(`{"error":false,"reason":"dispatched","data":{"request_id":"5c0f9e2e-8d0a-4cf4-9a55-` +
			strconv.Itoa(100000000000+i) + `","crisp_fingerprint":163408112098674,"whatsapp_message_id":"wamid.HBgLMzM2MTIzNDU2NzgVAgARGBI5QUI2RjQ4QjY3QjE0RUJBQjUA","session_id":"session_2c0a8b1e"}}`)
	}
	var names []string
	var fs []func()
	for _, v := range variants(b) {
		opts := append([]callback.Option{callback.WithToken(token)}, v.handlerOptions()...)
		var h atomic.Pointer[callback.Handler]
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.Load().ServeHTTP(w, r) }))
		b.Cleanup(srv.Close)
		hc := srv.Client()
		url := srv.URL + "/callback?token=" + token
		n := 0
		names = append(names, v.name)
		fs = append(fs, func() {
			h.Store(callback.NewHandler(nil, opts...)) // every request_id is new to it
			for range 64 {
				resp, err := hc.Post(url, "application/json", bytes.NewReader(bodies[n%len(bodies)]))
				n++
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatal(resp.StatusCode)
				}
			}
		})
	}
	ratios(b, names, fs)
}

// BenchmarkHandlerVariant is one delivery to a Handler (direct ServeHTTP,
// a fresh request_id each), per variant, with its allocations:
//
//	go test -run '^$' -bench HandlerVariant -benchmem ./crispwaotel
func BenchmarkHandlerVariant(b *testing.B) {
	bodies := make([][]byte, 1<<16)
	for i := range bodies {
		bodies[i] = []byte(`{"error":false,"reason":"dispatched","data":{"request_id":"5c0f9e2e-8d0a-4cf4-9a55-` +
			strconv.Itoa(100000000000+i) + `","crisp_fingerprint":163408112098674,"whatsapp_message_id":"wamid.HBgLMzM2MTIzNDU2NzgVAgARGBI5QUI2RjQ4QjY3QjE0RUJBQjUA","session_id":"session_2c0a8b1e"}}`)
	}
	for _, v := range variants(b) {
		b.Run(v.name, func(b *testing.B) {
			opts := append([]callback.Option{callback.WithToken(token)}, v.handlerOptions()...)
			h := callback.NewHandler(nil, opts...)
			r := httptest.NewRequest(http.MethodPost, "/callback?token="+token, nil)
			body := bytes.NewReader(nil)
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				if n == len(bodies) {
					b.StopTimer()
					h, n = callback.NewHandler(nil, opts...), 0 // every request_id new to it
					b.StartTimer()
				}
				body.Reset(bodies[n])
				n++
				r.Body = io.NopCloser(body)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code)
				}
			}
		})
	}
}

// BenchmarkSendHooks calls the hooks of one accepted Send of one attempt
// directly, without HTTP: what crispwaotel ("sdk") and the least
// instrumentation ("bare") cost per Send on the same SDK providers.
//
//	go test -run '^$' -bench SendHooks -benchmem ./crispwaotel
func BenchmarkSendHooks(b *testing.B) {
	info := crispwa.SendInfo{Template: "order_update", Language: "en_US", To: "+336****5678"}
	about := crispwa.Attempt{Number: 1, Send: true, Method: http.MethodPost, URLTemplate: "/v1/website/{website_id}/template/send",
		ServerAddress: "api.crisp.chat", ServerPort: 443}
	for _, v := range variants(b) {
		o := v.floor
		if o == nil && v.opts != nil {
			o = crispwaotel.NewObserver(v.opts...)
		}
		if o == nil || o.SendStart == nil {
			continue // none, noop: nothing to call
		}
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ctx := o.SendStart(context.Background(), info)
				actx := o.AttemptStart(ctx, about)
				o.AttemptDone(actx, crispwa.AttemptDone{Attempt: about, StatusCode: 200, Verdict: crispwa.VerdictAnswered, Duration: time.Millisecond})
				o.SendDone(ctx, crispwa.SendDone{SendInfo: info, Outcome: crispwa.OutcomeAccepted, RequestID: requestID, Duration: time.Millisecond})
			}
		})
	}
}

// attrsObserver is bareObserver that also sets, plainly, the span
// attributes crispwaotel sets on an accepted send, its attempt and a
// handled delivery: the SDK's own cost of carrying them, which no
// instrumentation that records them avoids.
func attrsObserver(tp trace.TracerProvider, mp metric.MeterProvider) *crispwa.Observer {
	o := bareObserver(tp, mp)
	sendDone, attemptDone, callbackDone := o.SendDone, o.AttemptDone, o.CallbackDone
	o.SendDone = func(ctx context.Context, d crispwa.SendDone) {
		trace.SpanFromContext(ctx).SetAttributes(attribute.String("crispwa.template.name", d.Template),
			attribute.String("crispwa.template.language", d.Language), attribute.String("crispwa.recipient", d.To),
			attribute.String("crispwa.send.outcome", string(d.Outcome)), attribute.String("crispwa.request_id", d.RequestID))
		sendDone(ctx, d)
	}
	o.AttemptDone = func(ctx context.Context, d crispwa.AttemptDone) {
		trace.SpanFromContext(ctx).SetAttributes(attribute.String("http.request.method", d.Method),
			attribute.String("server.address", d.ServerAddress), attribute.Int("server.port", d.ServerPort),
			attribute.String("url.template", d.URLTemplate), attribute.String("crispwa.attempt.verdict", string(d.Verdict)),
			attribute.Int("http.response.status_code", d.StatusCode))
		attemptDone(ctx, d)
	}
	o.CallbackDone = func(ctx context.Context, d crispwa.CallbackDone) {
		trace.SpanFromContext(ctx).SetAttributes(attribute.String("crispwa.callback.result", string(d.Result)),
			attribute.Int("http.response.status_code", d.Status), attribute.String("crispwa.request_id", d.Event.RequestID))
		callbackDone(ctx, d)
	}
	return o
}

// BenchmarkHooksObserved calls the hooks of one accepted Send (one
// attempt) and of one handled delivery directly, without HTTP, in batches
// timed back to back as in the other ratio benchmarks: crispwaotel
// ("sdk") against the least instrumentation ("bare") and against bare
// setting the same span attributes plainly ("attrs"), on the same SDK
// providers. sdk/bare is what crispwaotel costs beyond a bare span;
// attrs/bare how much of that the SDK spends storing the attributes.
//
//	go test -run '^$' -bench HooksObserved -benchtime 400x -count 3 ./crispwaotel
func BenchmarkHooksObserved(b *testing.B) {
	info := crispwa.SendInfo{Template: "order_update", Language: "en_US", To: "+336****5678"}
	about := crispwa.Attempt{Number: 1, Send: true, Method: http.MethodPost, URLTemplate: "/v1/website/{website_id}/template/send",
		ServerAddress: "api.crisp.chat", ServerPort: 443}
	ev := &crispwa.CallbackEvent{RequestID: requestID}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithBatcher(discard{}))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
	observers := []*crispwa.Observer{bareObserver(tp, mp), attrsObserver(tp, mp),
		crispwaotel.NewObserver(crispwaotel.WithTracerProvider(tp), crispwaotel.WithMeterProvider(mp))}
	names := []string{"bare", "attrs", "sdk"}
	batch := func(call func(o *crispwa.Observer)) []func() {
		var fs []func()
		for _, o := range observers {
			fs = append(fs, func() {
				for range 64 {
					call(o)
				}
			})
		}
		return fs
	}
	b.Run("send", func(b *testing.B) {
		ratios(b, names, batch(func(o *crispwa.Observer) {
			ctx := o.SendStart(context.Background(), info)
			actx := o.AttemptStart(ctx, about)
			o.AttemptDone(actx, crispwa.AttemptDone{Attempt: about, StatusCode: 200, Verdict: crispwa.VerdictAnswered, Duration: time.Millisecond})
			o.SendDone(ctx, crispwa.SendDone{SendInfo: info, Outcome: crispwa.OutcomeAccepted, RequestID: requestID, Duration: time.Millisecond})
		}))
	})
	b.Run("callback", func(b *testing.B) {
		ratios(b, names, batch(func(o *crispwa.Observer) {
			ctx := o.CallbackStart(context.Background(), ev)
			o.CallbackDone(ctx, crispwa.CallbackDone{Event: ev, Result: crispwa.CallbackHandled, Status: http.StatusOK, Start: time.Now(), Duration: time.Millisecond})
		}))
	})
}
