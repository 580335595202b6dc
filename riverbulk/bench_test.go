package riverbulk_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/riverbulk"
)

// BenchmarkWorkerAgainstJournal measures one Worker's throughput against
// its floor, a file-journal bulk.Runner, side by side under the same load:
// the same fake (no latency, callbacks landing in the store), concurrency
// 16, no rate limit. One op is one send; each side reports sends/s.
//
//	go test -run '^$' -bench WorkerAgainstJournal -benchtime 3000x ./riverbulk
func BenchmarkWorkerAgainstJournal(b *testing.B) {
	e := setup(b, nil)
	ctx := context.Background()
	round := 0
	b.Run("journal", func(b *testing.B) {
		round++
		js := make([]bulk.Job, b.N)
		for i := range js {
			to := number(50_000_000 + round*1_000_000 + i)
			js[i] = bulk.Job{Key: to, Request: helloRequest(to)}
		}
		j, err := bulk.OpenJournal(filepath.Join(b.TempDir(), "j.jsonl"))
		require.NoError(b, err)
		defer j.Close()
		r, err := bulk.NewRunner(e.fake.Client(crispwa.WithMaxRetries(0)), j, bulk.WithRate(0), bulk.WithConcurrency(16), bulk.WithTemplateCheck(false))
		require.NoError(b, err)
		b.ResetTimer()
		start := time.Now()
		sum, err := r.Run(ctx, js)
		d := time.Since(start)
		b.StopTimer()
		require.NoError(b, err)
		require.Equal(b, b.N, sum.Accepted)
		b.ReportMetric(float64(b.N)/d.Seconds(), "sends/s")
	})
	b.Run("worker", func(b *testing.B) {
		round++
		name := fmt.Sprintf("bench%d", round)
		e.enqueue(riverbulk.Campaign{Name: name}, jobs(round*1_000_000, b.N))
		b.ResetTimer()
		start := time.Now()
		before := e.fake.SendCount()
		stop := e.startWorker(riverbulk.WithConcurrency(16))
		for e.fake.SendCount()-before < b.N { // in memory: the wait costs the database nothing
			time.Sleep(2 * time.Millisecond)
		}
		st := e.waitDoneEvery(name, 5*time.Minute, 5*time.Millisecond) // the last outcomes recorded
		d := time.Since(start)
		b.StopTimer()
		stop()
		require.Equal(b, b.N, st.ByStatus[bulk.StatusAccepted], "%+v", st.ByStatus)
		b.ReportMetric(float64(b.N)/d.Seconds(), "sends/s")
	})
}
