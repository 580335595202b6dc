package bulk_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

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
