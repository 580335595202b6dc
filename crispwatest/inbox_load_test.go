package crispwatest_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/crispwatest"
)

var inboxCap = flag.Int("inbox-cap", 0, "TestInboxLoad: WithMaxMessages(N) (0: no cap)")

var inboxLoad = flag.Int("inbox-load", 0, "TestInboxLoad sends this many messages and reports the page's load time and the fake's memory")

// TestInboxLoad measures the inbox page's load time and the fake's heap
// after -inbox-load sends (skipped without the flag):
//
//	go test ./crispwatest -run TestInboxLoad -inbox-load 100000 -inbox-cap 10000 -v
func TestInboxLoad(t *testing.T) {
	if *inboxLoad == 0 {
		t.Skip("measures only with -inbox-load N")
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	var opts []crispwatest.Option
	if *inboxCap > 0 {
		opts = append(opts, crispwatest.WithMaxMessages(*inboxCap))
	}
	s := newServer(t, opts...)
	start := time.Now()
	fill(t, s, *inboxLoad)
	sendTime := time.Since(start)
	after := heap()
	var loads []time.Duration
	var size, status int
	for range 5 {
		start := time.Now()
		resp, err := http.Get(inboxURL(s))
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		loads = append(loads, time.Since(start))
		size, status = len(b), resp.StatusCode
	}
	slices.Sort(loads)
	fmt.Printf("inbox-load: %d sends in %v; heap +%.1f MB (%.0f B/send); page GET median %v (min %v, max %v), HTTP %d, %d KB\n",
		*inboxLoad, sendTime.Round(time.Millisecond), float64(after-before)/1e6, float64(after-before)/float64(*inboxLoad),
		loads[2].Round(time.Millisecond), loads[0].Round(time.Millisecond), loads[4].Round(time.Millisecond), status, size>>10)
}

// fill makes n accepted sends of "order_update", 8 at a time, straight
// over HTTP (faster than through the SDK's checks).
func fill(t testing.TB, s *crispwatest.Server, n int) {
	t.Helper()
	body, err := json.Marshal(orderUpdate(toNumber))
	require.NoError(t, err)
	sendURL := s.URL + "website/" + s.WebsiteID + "/template/send"
	tr := &http.Transport{MaxIdleConnsPerHost: 8}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := g; i < n; i += 8 {
				req, _ := http.NewRequest(http.MethodPost, sendURL, bytes.NewReader(body))
				req.SetBasicAuth(s.Credentials.Identifier, s.Credentials.Key)
				req.Header.Set("Content-Type", "application/json")
				resp, err := c.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("send: HTTP %d", resp.StatusCode)
					return
				}
			}
		})
	}
	wg.Wait()
}
