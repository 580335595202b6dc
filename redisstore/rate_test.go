package redisstore_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/crispwatest"
	"github.com/crispwa/crispwa/redisstore"
)

// sendLog records when each runner's sends leave, and when a 429 comes back.
type sendLog struct {
	mu      sync.Mutex
	sends   []sendAt
	limited []time.Time
}

type sendAt struct {
	runner int
	at     time.Time
}

// recorder is the RoundTripper of one runner's client.
type recorder struct {
	log    *sendLog
	runner int
	next   http.RoundTripper
}

func (r recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	isSend := strings.HasSuffix(req.URL.Path, "/template/send")
	if isSend {
		r.log.mu.Lock()
		r.log.sends = append(r.log.sends, sendAt{r.runner, time.Now()})
		r.log.mu.Unlock()
	}
	resp, err := r.next.RoundTrip(req)
	if isSend && err == nil && resp.StatusCode == http.StatusTooManyRequests {
		r.log.mu.Lock()
		r.log.limited = append(r.log.limited, time.Now())
		r.log.mu.Unlock()
	}
	return resp, err
}

// jobs returns n valid jobs of the sample "order_update" template, their
// keys starting with prefix.
func jobs(t testing.TB, prefix string, n int) []bulk.Job {
	tmpl := crispwatest.SampleTemplates()[0] // order_update
	msg, err := tmpl.Build(crispwa.TemplateValues{Body: []string{"Alice", "A-1"}, Buttons: map[int]string{0: "1"}})
	require.NoError(t, err)
	out := make([]bulk.Job, n)
	for i := range out {
		to := fmt.Sprintf("+3361%07d", i)
		out[i] = bulk.Job{Key: prefix + to, Request: &crispwa.SendTemplateRequest{From: "+33100000000", To: to, Template: msg}}
	}
	return out
}

// newFake returns a fake API with the sample templates, closed at the end
// of the test.
func newFake(t testing.TB) *crispwatest.Server {
	srv := crispwatest.NewServer()
	t.Cleanup(srv.Close)
	for _, tmpl := range crispwatest.SampleTemplates() {
		srv.AddTemplate(tmpl)
	}
	return srv
}

// runReplicas runs three Runners at once, each with its own client and
// journal, sharing rate through store, and returns what they sent.
func runReplicas(t *testing.T, srv *crispwatest.Server, store bulk.RateStore, rate float64, perRunner int) *sendLog {
	log := &sendLog{}
	var wg sync.WaitGroup
	for i := range 3 {
		// The client honours a Retry-After of up to 2 s: the job refused
		// with 429 is sent again by the client (bulk's one retry layer).
		client := srv.Client(crispwa.WithHTTPClient(&http.Client{Transport: recorder{log, i, http.DefaultTransport}}),
			crispwa.WithRetryWait(time.Millisecond, 2*time.Second))
		j, err := bulk.OpenJournal(filepath.Join(t.TempDir(), "journal.jsonl"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = j.Close() })
		r, err := bulk.NewRunner(client, j, bulk.WithRate(rate), bulk.WithConcurrency(4), bulk.WithTemplateCheck(false), bulk.WithRateStore(store))
		require.NoError(t, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			sum, err := r.Run(ctx, jobs(t, string(rune('a'+i))+"/", perRunner))
			assert.NoError(t, err)
			assert.Equal(t, perRunner, sum.Accepted)
		}()
	}
	wg.Wait()
	return log
}

// Three runners given a rate of R together send at R, within 10%.
// Measured: see the README's "Running several replicas".
func TestRunnersShareOneRate(t *testing.T) {
	rdb := sharedRedis(t)
	srv := newFake(t)
	const rate, perRunner = 30.0, 30
	log := runReplicas(t, srv, newStore(t, rdb), rate, perRunner)
	require.Len(t, log.sends, 3*perRunner)
	span := log.sends[len(log.sends)-1].at.Sub(log.sends[0].at).Seconds()
	combined := float64(len(log.sends)-1) / span
	t.Logf("3 runners, WithRate(%v) each, shared through Redis: %d sends in %.2fs = %.1f sends/s combined", rate, len(log.sends), span, combined)
	assert.InEpsilon(t, rate, combined, 0.10, "combined rate %.1f/s for a shared rate of %v/s", combined, rate)
}

// pauseLog is a Store that records when each pause was stored.
type pauseLog struct {
	*redisstore.Store
	mu     sync.Mutex
	stored []time.Time
}

func (p *pauseLog) Pause(ctx context.Context, website string, d time.Duration) error {
	err := p.Store.Pause(ctx, website, d)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stored = append(p.stored, time.Now())
	return err
}

// A 429 seen by one runner pauses the three: once the pause is stored, no
// send leaves any of them during the Retry-After, except those already past
// their throttle.
func TestRateLimitPausesEveryRunner(t *testing.T) {
	rdb := sharedRedis(t)
	srv := newFake(t)
	srv.RateLimitNext(1, time.Second) // the first send, whichever runner makes it
	store := &pauseLog{Store: newStore(t, rdb)}
	log := runReplicas(t, srv, store, 20, 10)
	require.Len(t, log.limited, 1)
	require.Len(t, store.stored, 1)
	paused := store.stored[0]
	const inFlight = 100 * time.Millisecond // sends already past their throttle when the pause was stored
	var during []time.Duration
	after := map[int]int{}
	for _, s := range log.sends {
		switch d := s.at.Sub(paused); {
		case d > inFlight && d < 900*time.Millisecond:
			during = append(during, d)
		case d >= 900*time.Millisecond:
			after[s.runner]++
		}
	}
	assert.Empty(t, during, "no runner sends during the pause another runner was told (offsets from the pause)")
	assert.Len(t, after, 3, "all three runners send again after the pause")
}
