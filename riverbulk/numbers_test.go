package riverbulk_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/riverbulk"
)

// numbersEnv turns on the measurements quoted in
// docs/campaigns-across-machines.md; they take minutes.
const numbersEnv = "CRISPWA_RIVER_NUMBERS"

// heapPeak samples the Go heap every 5ms until stop is called, which
// returns the peak in MiB.
func heapPeak() (stop func() float64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() float64 {
		close(done)
		<-finished
		return float64(peak.Load()) / (1 << 20)
	}
}

// lazyJobs yields n jobs of the hello template without holding them.
func lazyJobs(from, n int) func(func(riverbulk.Job) bool) {
	return func(yield func(riverbulk.Job) bool) {
		for i := from; i < from+n; i++ {
			to := fmt.Sprintf("+336%08d", i)
			if !yield(riverbulk.Job{Job: bulk.Job{Key: "hello/en_US/" + to, Request: helloRequest(to)}}) {
				return
			}
		}
	}
}

// TestNumbers measures what the documentation quotes: enqueue time and Go
// heap for 100k and 1M recipients, one worker against a file-journal
// Runner at concurrency 16 (no rate limit, against the fake), three
// workers together, and a worker's heap while it works the first sends of
// a 1M campaign against a small one.
//
//	CRISPWA_RIVER_NUMBERS=1 go test -run TestNumbers -v -timeout 30m ./riverbulk
func TestNumbers(t *testing.T) {
	if os.Getenv(numbersEnv) != "1" {
		t.Skip("measurements: set " + numbersEnv + "=1 (takes minutes)")
	}
	sends := 20000
	if v := os.Getenv("CRISPWA_RIVER_SENDS"); v != "" {
		sends, _ = strconv.Atoi(v)
	}
	ctx := context.Background()
	enqueue := func(e *env, name string, n int) {
		runtime.GC()
		stop := heapPeak()
		start := time.Now()
		var res *riverbulk.EnqueueResult
		require.NoError(t, pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
			var err error
			res, err = e.store.Enqueue(ctx, tx, riverbulk.Campaign{Name: name}, lazyJobs(0, n))
			return err
		}))
		d := time.Since(start)
		require.Equal(t, n, res.Added)
		t.Logf("enqueue %d: %s (%.0f/s), Go heap peak %.1f MiB", n, d.Round(time.Millisecond), float64(n)/d.Seconds(), stop())
	}
	work := func(e *env, campaign string, workers, n int) float64 {
		e.fake.SetLatency(0)
		before := len(e.fake.Sends())
		runtime.GC()
		stopHeap := heapPeak()
		start := time.Now()
		var stops []func()
		for range workers {
			stops = append(stops, e.startWorker(riverbulk.WithConcurrency(16)))
		}
		for len(e.fake.Sends())-before < n {
			time.Sleep(20 * time.Millisecond)
		}
		d := time.Since(start)
		for _, s := range stops {
			s()
		}
		rate := float64(n) / d.Seconds()
		t.Logf("%d worker(s), concurrency 16, campaign %s: %d sends in %s = %.0f/s, Go heap peak %.1f MiB",
			workers, campaign, n, d.Round(time.Millisecond), rate, stopHeap())
		return rate
	}

	t.Run("enqueue", func(t *testing.T) {
		e := setup(t, nil)
		enqueue(e, "100k", 100_000)
		enqueue(e, "1M", 1_000_000)
	})
	t.Run("throughput", func(t *testing.T) {
		e := setup(t, nil)
		// The file journal, same fake, same concurrency, no rate limit.
		jobs := make([]bulk.Job, sends)
		for i := range jobs {
			to := fmt.Sprintf("+336%08d", 50_000_000+i)
			jobs[i] = bulk.Job{Key: to, Request: helloRequest(to)}
		}
		j, err := bulk.OpenJournal(filepath.Join(t.TempDir(), "j.jsonl"))
		require.NoError(t, err)
		r, err := bulk.NewRunner(e.fake.Client(crispwa.WithMaxRetries(0)), j, bulk.WithRate(0), bulk.WithConcurrency(16), bulk.WithTemplateCheck(false))
		require.NoError(t, err)
		start := time.Now()
		sum, err := r.Run(ctx, jobs)
		require.NoError(t, err)
		require.Equal(t, sends, sum.Accepted)
		journalRate := float64(sends) / time.Since(start).Seconds()
		require.NoError(t, j.Close())
		t.Logf("file journal Runner, concurrency 16: %d sends = %.0f/s", sends, journalRate)

		e.enqueue(riverbulk.Campaign{Name: "one"}, jobs2(0, sends))
		one := work(e, "one", 1, sends)
		e.enqueue(riverbulk.Campaign{Name: "three"}, jobs2(sends, sends))
		three := work(e, "three", 3, sends)
		t.Logf("one worker / journal = %.2fx; three workers / one = %.2fx", one/journalRate, three/one)
	})
	t.Run("worker memory flat in campaign size", func(t *testing.T) {
		e := setup(t, nil)
		e.enqueue(riverbulk.Campaign{Name: "small"}, jobs2(0, sends))
		work(e, "small ("+strconv.Itoa(sends)+")", 1, sends)
		require.NoError(t, pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
			_, err := e.store.Enqueue(ctx, tx, riverbulk.Campaign{Name: "big"}, lazyJobs(10_000_000, 1_000_000))
			return err
		}))
		work(e, "big (1,000,000), its first "+strconv.Itoa(sends), 1, sends)
	})
}

// jobs2 is jobs as a slice for env.enqueue.
func jobs2(from, n int) []riverbulk.Job { return jobs(from, n) }
