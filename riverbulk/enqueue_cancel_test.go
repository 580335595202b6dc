package riverbulk_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/riverbulk"
)

// A caller's context that ends in the middle of an Enqueue ends it with
// that context's error, promptly, with its goroutines stopped; the
// transaction rolled back leaves nothing enqueued.
func TestEnqueueStopsWhenTheContextEnds(t *testing.T) {
	e := setup(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tx, err := e.pool.Begin(context.Background())
	require.NoError(t, err)
	all := jobs(0, 12_000)
	seq := func(yield func(riverbulk.Job) bool) {
		for i, j := range all {
			if i == 6_000 {
				cancel()
			}
			if !yield(j) {
				return
			}
		}
	}
	done := make(chan struct{})
	var res *riverbulk.EnqueueResult
	go func() {
		defer close(done)
		res, err = e.store.Enqueue(ctx, tx, riverbulk.Campaign{Name: "c"}, seq)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Enqueue did not return after its context ended")
	}
	require.ErrorIs(t, err, context.Canceled)
	assert.Nil(t, res)
	require.NoError(t, tx.Rollback(context.Background()))
	var n int
	require.NoError(t, e.pool.QueryRow(context.Background(), "SELECT count(*) FROM crispwa_recipients").Scan(&n))
	assert.Zero(t, n, "nothing enqueued once the transaction is rolled back")
}
