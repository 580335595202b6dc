package callback

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/crispwa/crispwa"
)

// BenchmarkHandler measures one callback delivery through the Handler
// (token check, capped read, parse, dedup, fn) for a typical success payload,
// each with a new request_id. Run:
//
//	go test -run '^$' -bench Handler -benchmem ./callback
func BenchmarkHandler(b *testing.B) {
	for _, dedup := range []int{DefaultDedup, 0} {
		b.Run("dedup="+strconv.Itoa(dedup), func(b *testing.B) {
			h := NewHandler(func(context.Context, *crispwa.CallbackEvent) error { return nil },
				WithToken("long-random-token"), WithDedup(dedup))
			bodies := make([][]byte, 4096)
			for i := range bodies {
				bodies[i] = []byte(`{"error":false,"reason":"dispatched","data":{"request_id":"5c0f9e2e-8d0a-4cf4-9a55-` +
					strconv.Itoa(100000000000+i) + `","crisp_fingerprint":163408112098674,"whatsapp_message_id":"wamid.HBgLMzM2MTIzNDU2NzgVAgARGBI5QUI2RjQ4QjY3QjE0RUJBQjUA","session_id":"session_2c0a8b1e-4f5d-4c1b-9a8e-1f2d3c4b5a69"}}`)
			}
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
		})
	}
}
