package bulk_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
)

// BenchmarkCampaign measures sends per second against the local fake, with
// no rate limit and 16 workers: the Runner with a journal (with and without
// fsync), and the same sends made by a plain loop with no journal.
//
//	go test -run '^$' -bench Campaign -benchtime 2000x ./bulk
func BenchmarkCampaign(b *testing.B) {
	const concurrency = 16
	for _, mode := range []string{"runner-fsync", "runner-nofsync", "plain-sends"} {
		b.Run(mode, func(b *testing.B) {
			srv := newFake(b)
			client := srv.Client()
			jobs := orderJobs(b.N)
			b.ReportAllocs()
			b.ResetTimer()
			switch mode {
			case "plain-sends":
				var wg sync.WaitGroup
				next := make(chan int)
				for range concurrency {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := range next {
							if _, err := client.Templates.Send(context.Background(), jobs[i].Request); err != nil {
								panic(err)
							}
						}
					}()
				}
				for i := range jobs {
					next <- i
				}
				close(next)
				wg.Wait()
			default:
				var opts []bulk.JournalOption
				if mode == "runner-nofsync" {
					opts = append(opts, bulk.WithoutFsync())
				}
				j, err := bulk.OpenJournal(filepath.Join(b.TempDir(), "j.jsonl"), opts...)
				require.NoError(b, err)
				r, err := bulk.NewRunner(client, j, bulk.WithRate(0), bulk.WithConcurrency(concurrency), bulk.WithTemplateCheck(false))
				require.NoError(b, err)
				sum, err := r.Run(context.Background(), jobs)
				require.NoError(b, err)
				if !sum.OK() {
					panic(fmt.Sprintf("%+v", sum))
				}
				require.NoError(b, j.Close())
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
			require.Equal(b, b.N, srv.SendCount())
		})
	}
}

// BenchmarkDurableVsPlainSend measures what the journal costs a campaign:
// each round sends perRound messages against one fake (crispwatest, which
// reads every body), once by a plain loop of Templates.Send with 16
// goroutines and no journal, then by a Runner at concurrency 16 with a
// durable journal (an fsync'd "sending" record before each POST, the
// records of concurrent workers sharing one fsync), unlimited rate. It
// reports both sides' sends per second and their ratio (durable/plain, the
// median of the rounds: both sides of a round run under the same load).
//
//	go test -run '^$' -bench DurableVsPlainSend -benchtime 7x ./bulk
func BenchmarkDurableVsPlainSend(b *testing.B) {
	const concurrency, perRound = 16, 1000
	srv := newFake(b)
	client := srv.Client()
	plainLoop := func(jobs []bulk.Job) {
		var wg sync.WaitGroup
		next := make(chan int)
		for range concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					if _, err := client.Templates.Send(context.Background(), jobs[i].Request); err != nil {
						panic(err)
					}
				}
			}()
		}
		for i := range jobs {
			next <- i
		}
		close(next)
		wg.Wait()
	}
	durable := func(jobs []bulk.Job) {
		j, err := bulk.OpenJournal(filepath.Join(b.TempDir(), "j.jsonl"))
		require.NoError(b, err)
		r, err := bulk.NewRunner(client, j, bulk.WithRate(0), bulk.WithConcurrency(concurrency), bulk.WithTemplateCheck(false))
		require.NoError(b, err)
		sum, err := r.Run(context.Background(), jobs)
		require.NoError(b, err)
		if !sum.OK() || sum.Accepted != len(jobs) {
			panic(fmt.Sprintf("%+v", sum))
		}
		require.NoError(b, j.Close())
	}
	var ratios []float64
	var plainTotal, durableTotal time.Duration
	round := 0
	for b.Loop() {
		jobs := orderJobs(perRound)
		for i := range jobs { // new recipients each round
			jobs[i] = orderJob(fmt.Sprintf("+336%d%07d", round%10, i))
			jobs[i].Key = fmt.Sprintf("r%d/%d", round, i)
		}
		round++
		start := time.Now()
		plainLoop(jobs)
		plain := time.Since(start)
		start = time.Now()
		durable(jobs)
		dur := time.Since(start)
		plainTotal += plain
		durableTotal += dur
		ratios = append(ratios, plain.Seconds()/dur.Seconds())
	}
	slices.Sort(ratios)
	b.ReportMetric(float64(perRound*round)/plainTotal.Seconds(), "plain-sends/s")
	b.ReportMetric(float64(perRound*round)/durableTotal.Seconds(), "durable-sends/s")
	b.ReportMetric(ratios[len(ratios)/2], "durable/plain")
}
