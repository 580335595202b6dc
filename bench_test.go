package crispwa

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// The benchmarks compare the SDK with the call a careful user would write by
// hand with net/http, against the same loopback server, both keeping
// connections alive. Run:
//
//	go test -run '^$' -bench . -benchmem -count 6 . | tee bench.txt
//
// and compare SDK/... with Hand/... (benchstat bench.txt).

func benchServer(b *testing.B) *httptest.Server {
	b.Helper()
	page, err := json.Marshal(map[string]any{"error": false, "reason": "listed", "data": map[string]any{
		"templates": []map[string]any{
			{"id": "1", "name": "order_update", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
				"components": []map[string]any{{"type": "BODY", "text": "Hi {{1}}, your order {{2}} has shipped."}}},
			{"id": "2", "name": "reminder", "language": "fr", "status": "APPROVED", "category": "UTILITY",
				"components": []map[string]any{{"type": "BODY", "text": "Bonjour {{1}}"}}},
		},
	}})
	if err != nil {
		b.Fatal(err)
	}
	sent := []byte(`{"error":false,"reason":"dispatched","data":{"request_id":"5c0f9e2e-8d0a-4cf4-9a55-1b2c3d4e5f60"}}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			_, _ = w.Write(sent)
			return
		}
		_, _ = w.Write(page)
	}))
	b.Cleanup(srv.Close)
	return srv
}

func benchClient(b *testing.B, srv *httptest.Server) *Client {
	b.Helper()
	c, err := NewClient(testWebsite, testCreds, WithBaseURL(srv.URL))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.CloseIdleConnections)
	return c
}

// handClient is the baseline: a plain net/http client with the same transport
// settings as the SDK's default one.
func handClient(b *testing.B) *http.Client {
	tr := defaultTransport()
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func handSend(ctx context.Context, hc *http.Client, url string, req *SendTemplateRequest) (string, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return "", err
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	r.SetBasicAuth(testIdent, testKey)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Accept", "application/json")
	resp, err := hc.Do(r)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var env struct {
		Error bool `json:"error"`
		Data  struct {
			RequestID string `json:"request_id"`
		} `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponseBytes)).Decode(&env); err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK || env.Error || env.Data.RequestID == "" {
		return "", fmt.Errorf("send failed: %d", resp.StatusCode)
	}
	return env.Data.RequestID, nil
}

func handList(ctx context.Context, hc *http.Client, url string) ([]*Template, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	r.SetBasicAuth(testIdent, testKey)
	r.Header.Set("Accept", "application/json")
	resp, err := hc.Do(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var env struct {
		Error bool `json:"error"`
		Data  struct {
			Templates []*Template `json:"templates"`
		} `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponseBytes)).Decode(&env); err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || env.Error {
		return nil, fmt.Errorf("list failed: %d", resp.StatusCode)
	}
	return env.Data.Templates, nil
}

// serial runs f once per iteration and fails the benchmark on an error.
func serial(b *testing.B, f func() error) {
	b.ReportAllocs()
	for b.Loop() {
		if err := f(); err != nil {
			b.Fatal(err)
		}
	}
}

// parallel runs f from 8 goroutines per CPU.
func parallel(b *testing.B, f func() error) {
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := f(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkSend(b *testing.B) {
	srv := benchServer(b)
	ctx, req := context.Background(), validSend()
	sendURL := srv.URL + "/website/" + testWebsite + "/template/send"
	for _, run := range []struct {
		name string
		loop func(*testing.B, func() error)
	}{{"", serial}, {"Parallel", parallel}} {
		b.Run("SDK"+run.name, func(b *testing.B) {
			c := benchClient(b, srv)
			run.loop(b, func() error { _, err := c.Templates.Send(ctx, req); return err })
		})
		b.Run("Hand"+run.name, func(b *testing.B) {
			hc := handClient(b)
			run.loop(b, func() error { _, err := handSend(ctx, hc, sendURL, req); return err })
		})
	}
}

func BenchmarkList(b *testing.B) {
	srv := benchServer(b)
	ctx := context.Background()
	listURL := srv.URL + "/website/" + testWebsite + "/templates"
	b.Run("SDK", func(b *testing.B) {
		c := benchClient(b, srv)
		serial(b, func() error { _, err := c.Templates.List(ctx, nil); return err })
	})
	b.Run("Hand", func(b *testing.B) {
		hc := handClient(b)
		serial(b, func() error { _, err := handList(ctx, hc, listURL); return err })
	})
}

// BenchmarkSendRatio reports the SDK's Send time over the hand-written call
// ("sdk/hand", the median over rounds), sequentially and from 16
// goroutines. Each round times a batch of SDK sends and a batch of hand
// sends back to back, in alternating order, so that a machine whose load
// drifts (CI, a shared laptop) moves both sides of each ratio alike; the
// plain BenchmarkSend pairs are too noisy for a 5% budget there.
func BenchmarkSendRatio(b *testing.B) {
	srv := benchServer(b)
	ctx, req := context.Background(), validSend()
	sendURL := srv.URL + "/website/" + testWebsite + "/template/send"
	for _, goroutines := range []int{1, 16} {
		b.Run(fmt.Sprintf("goroutines=%d", goroutines), func(b *testing.B) {
			c, hc := benchClient(b, srv), handClient(b)
			sdk := func() error { _, err := c.Templates.Send(ctx, req); return err }
			hand := func() error { _, err := handSend(ctx, hc, sendURL, req); return err }
			var ratios []float64
			for i := 0; b.Loop(); i++ {
				var ts, th time.Duration
				if i%2 == 0 {
					ts, th = round(b, goroutines, sdk), round(b, goroutines, hand)
				} else {
					th, ts = round(b, goroutines, hand), round(b, goroutines, sdk)
				}
				ratios = append(ratios, float64(ts)/float64(th))
			}
			slices.Sort(ratios)
			b.ReportMetric(ratios[len(ratios)/2], "sdk/hand")
		})
	}
}

// round runs f 32 times in each of n goroutines and returns the wall time.
func round(b *testing.B, n int, f func() error) time.Duration {
	start := time.Now()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 32 {
				if err := f(); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}
