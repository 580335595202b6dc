package redisstore_test

import (
	"context"
	"fmt"
	"net/http"
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

func TestSuppressionsOnRedis(t *testing.T) {
	rdb := sharedRedis(t)
	prefix := testPrefix(t)
	store := newStore(t, rdb, redisstore.WithPrefix(prefix))
	ctx := context.Background()
	a, b := store.Suppressions("site-a"), store.Suppressions("site-b")

	on, err := a.Contains(ctx, "+33612345678")
	require.NoError(t, err)
	assert.False(t, on)
	require.NoError(t, a.Add(ctx, "+33612345678", "recipient (#131050): stopped marketing"))
	require.NoError(t, a.Add(ctx, "+33612345678", "again: the first reason stays"))
	require.NoError(t, a.Add(ctx, "+14155550100", ""))
	on, err = a.Contains(ctx, "+33612345678")
	require.NoError(t, err)
	assert.True(t, on)
	on, err = b.Contains(ctx, "+33612345678")
	require.NoError(t, err)
	assert.False(t, on, "another website's list")

	list, err := store.Suppressions("site-a").List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "+14155550100", list[0].Number, "sorted")
	assert.Equal(t, "recipient (#131050): stopped marketing", list[1].Reason)
	assert.WithinDuration(t, time.Now(), list[1].Time, time.Minute)

	require.NoError(t, a.Remove(ctx, "+33612345678"))
	require.NoError(t, a.Remove(ctx, "+33612345678"), "removing twice is fine")
	on, err = a.Contains(ctx, "+33612345678")
	require.NoError(t, err)
	assert.False(t, on)
	keys, err := rdb.Keys(ctx, prefix+"*suppressions*").Result()
	require.NoError(t, err)
	require.NotEmpty(t, keys)
	for _, k := range keys {
		ttl, err := rdb.PTTL(ctx, k).Result()
		require.NoError(t, err)
		assert.Equal(t, time.Duration(-1), ttl, "no TTL: an opt-out is kept")
	}
}

func TestStopsOnRedis(t *testing.T) {
	store := newStore(t, sharedRedis(t))
	ctx := context.Background()
	n, reason, err := store.Stops(ctx, "w")
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Empty(t, reason)
	require.NoError(t, store.Stop(ctx, "w", "account (#131031): locked"))
	require.NoError(t, store.Stop(ctx, "w", "account (#368): blocked"))
	n, reason, err = store.Stops(ctx, "w")
	require.NoError(t, err)
	assert.Equal(t, int64(2), n)
	assert.Equal(t, "account (#368): blocked", reason)
	n, _, err = store.Stops(ctx, "other")
	require.NoError(t, err)
	assert.Zero(t, n)
}

// An account failure seen by one runner stops the other, in the same
// website, through Redis; a recipient failure of either lands in the list.
func TestAccountStopAndSuppressionsAcrossRunners(t *testing.T) {
	store := newStore(t, sharedRedis(t))
	srv := crispwatest.NewServer(crispwatest.WithTemplates(crispwatest.SampleTemplates()...))
	t.Cleanup(srv.Close)
	srv.SetLatency(20 * time.Millisecond)
	list := store.Suppressions(srv.WebsiteID)
	require.NoError(t, list.Add(context.Background(), "+33610000003", "opted out"))

	jobs := func(prefix string, n int) []bulk.Job {
		tmpl := crispwatest.SampleTemplates()[0]
		msg, err := tmpl.Build(crispwa.TemplateValues{Body: []string{"Alice", "A-1"}, Buttons: map[int]string{0: "1"}})
		require.NoError(t, err)
		out := make([]bulk.Job, n)
		for i := range out {
			to := fmt.Sprintf("+3361%07d", i)
			out[i] = bulk.Job{Key: prefix + to, Request: &crispwa.SendTemplateRequest{From: "+33100000000", To: to, Template: msg}}
		}
		return out
	}
	runner := func() *bulk.Runner {
		j, err := bulk.OpenJournal(t.TempDir() + "/j.jsonl")
		require.NoError(t, err)
		t.Cleanup(func() { _ = j.Close() })
		r, err := bulk.NewRunner(srv.Client(), j, bulk.WithRateStore(store), bulk.WithSuppressions(list),
			bulk.WithConcurrency(1), bulk.WithRate(0), bulk.WithTemplateCheck(false))
		require.NoError(t, err)
		return r
	}
	var wg sync.WaitGroup
	var sumB *bulk.Summary
	var errB error
	rb := runner()
	wg.Add(1)
	go func() {
		defer wg.Done()
		sumB, errB = rb.Run(context.Background(), jobs("b/", 300))
	}()
	require.Eventually(t, func() bool { return srv.SendCount() > 3 }, 30*time.Second, time.Millisecond)
	srv.FailNext(http.StatusBadRequest, "(#131031) Business Account locked")
	wg.Wait()
	var stopped *bulk.StoppedError
	require.ErrorAs(t, errB, &stopped)
	assert.Equal(t, 131031, stopped.Code)
	assert.Positive(t, sumB.NotSent)
	assert.Equal(t, 1, sumB.Suppressed, "the listed number was not sent")

	// A campaign started after the stop is not stopped by it.
	sum, err := runner().Run(context.Background(), jobs("c/", 5))
	require.NoError(t, err)
	assert.Equal(t, 4, sum.Accepted)
}
