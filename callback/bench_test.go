package callback

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/crispwa/crispwa"
)

// benchBodies returns n typical success callbacks, each with its own
// request_id.
func benchBodies(n int) [][]byte {
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = []byte(`{"error":false,"reason":"dispatched","data":{"request_id":"5c0f9e2e-8d0a-4cf4-9a55-` +
			strconv.Itoa(100000000000+i) + `","crisp_fingerprint":163408112098674,"whatsapp_message_id":"wamid.HBgLMzM2MTIzNDU2NzgVAgARGBI5QUI2RjQ4QjY3QjE0RUJBQjUA","session_id":"session_2c0a8b1e-4f5d-4c1b-9a8e-1f2d3c4b5a69"}}`)
	}
	return bodies
}

// minimalHandler is the baseline: it checks the method and decodes the same
// payload, nothing more.
func minimalHandler(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	var ev struct {
		Error  bool   `json:"error"`
		Reason string `json:"reason"`
		Data   struct {
			RequestID         string `json:"request_id"`
			CrispFingerprint  int64  `json:"crisp_fingerprint"`
			WhatsAppMessageID string `json:"whatsapp_message_id"`
			SessionID         string `json:"session_id"`
		} `json:"data"`
	}
	if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// BenchmarkHandler measures one callback delivery, direct ServeHTTP, through
// the Handler (token check, capped read, parse, dedup, fn) for a typical
// success payload, each with a new request_id, next to the minimal handler.
// For the ratio, see BenchmarkHandlerVsMinimal; this one shows the
// allocations:
//
//	go test -run '^$' -bench 'Handler$' -benchmem -cpu 1 ./callback
func BenchmarkHandler(b *testing.B) {
	bodies := benchBodies(4096)
	run := func(b *testing.B, h http.Handler) {
		w := httptest.NewRecorder()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			r := httptest.NewRequest(http.MethodPost, "/cb?token=long-random-token", bytes.NewReader(bodies[i%len(bodies)]))
			w.Body.Reset()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d", w.Code)
			}
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	}
	b.Run("minimal", func(b *testing.B) { run(b, http.HandlerFunc(minimalHandler)) })
	for _, dedup := range []int{DefaultDedup, 0} {
		b.Run("dedup="+strconv.Itoa(dedup), func(b *testing.B) {
			run(b, NewHandler(func(context.Context, *crispwa.CallbackEvent) error { return nil },
				WithToken("long-random-token"), WithDedup(dedup)))
		})
	}
}

// discardWriter is the cheapest ResponseWriter: the header map is reused and
// the body dropped, so that a benchmark measures the handler.
type discardWriter struct {
	hdr  http.Header
	code int
}

func (d *discardWriter) Header() http.Header         { return d.hdr }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(code int)        { d.code = code }

// rewindBody is a request body that can be served again.
type rewindBody struct{ bytes.Reader }

func (*rewindBody) Close() error { return nil }

// BenchmarkHandlerVsMinimal alternates the Handler in the setup of
// docs/callbacks.md (the default deduplication, in memory, and the token in
// the URL) and the minimal handler (method check, decode of the same
// payload) in chunks of 256 deliveries, each with a fresh request_id,
// served directly (ServeHTTP), and reports the median of the chunks' time
// ratios: a ratio stays meaningful on a machine whose load changes during
// the run. Two ways of making the deliveries, the same for both handlers:
// "reused", one request and one answer writer that cost next to nothing
// (the handlers' own cost shows most), and "httptest", a new
// httptest.NewRequest and httptest.NewRecorder per delivery (as a test or
// an outside harness writes it).
//
//	go test -run '^$' -bench HandlerVsMinimal -cpu 1 -benchtime 200000x ./callback
func BenchmarkHandlerVsMinimal(b *testing.B) {
	bodies := benchBodies(1 << 16)
	const url = "/crisp/callback?token=3f9c1e8a7b2d4c6e9f0a1b2c3d4e5f60"
	newHandler := func() http.Handler {
		return NewHandler(func(context.Context, *crispwa.CallbackEvent) error { return nil },
			WithToken("3f9c1e8a7b2d4c6e9f0a1b2c3d4e5f60"))
	}
	b.Run("reused", func(b *testing.B) {
		r := httptest.NewRequest(http.MethodPost, url, nil)
		body := &rewindBody{}
		w := &discardWriter{hdr: http.Header{}}
		handlerVsMinimal(b, newHandler(), bodies, func(handler http.Handler, b []byte) int {
			body.Reset(b)
			r.Body, r.ContentLength = body, int64(len(b))
			clear(w.hdr)
			w.code = 0
			handler.ServeHTTP(w, r)
			return w.code
		})
	})
	b.Run("httptest", func(b *testing.B) {
		handlerVsMinimal(b, newHandler(), bodies, func(handler http.Handler, b []byte) int {
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, httptest.NewRequest(http.MethodPost, url, bytes.NewReader(b)))
			return w.Code
		})
	})
}

// handlerVsMinimal serves bodies alternately through h and the minimal
// handler, in chunks, and reports the median ratio of their times.
func handlerVsMinimal(b *testing.B, h http.Handler, bodies [][]byte, serve func(http.Handler, []byte) int) {
	const chunk = 256
	var ratios []float64
	i := 0
	for b.Loop() {
		if i%chunk == 0 {
			start := time.Now()
			for k := range chunk {
				serve(http.HandlerFunc(minimalHandler), bodies[(i+k)%len(bodies)])
			}
			minimal := time.Since(start)
			start = time.Now()
			for k := range chunk {
				if code := serve(h, bodies[(i+k)%len(bodies)]); code != http.StatusOK {
					b.Fatalf("status %d", code)
				}
			}
			ratios = append(ratios, float64(time.Since(start))/float64(minimal))
		}
		i++
	}
	sort.Float64s(ratios)
	if len(ratios) > 0 {
		b.ReportMetric(ratios[len(ratios)/2], "ratio")
	}
}
