package riverbulk_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/riverbulk"
)

// BenchmarkEnqueue enqueues b.N recipients of a new campaign in one
// transaction, from an iterator. One op is one recipient.
//
//	go test -run '^$' -bench Enqueue -benchtime 100000x ./riverbulk
func BenchmarkEnqueue(b *testing.B) {
	e := setup(b, nil)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	var res *riverbulk.EnqueueResult
	require.NoError(b, pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		var err error
		res, err = e.store.Enqueue(ctx, tx, riverbulk.Campaign{Name: "bench"}, lazyJobs(0, b.N))
		return err
	}))
	d := time.Since(start)
	b.StopTimer()
	require.Equal(b, b.N, res.Added)
	b.ReportMetric(float64(b.N)/d.Seconds(), "recipients/s")
}
