package riverbulk_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/riverbulk"
)

// Quiet hours, with an injected clock: a recipient in the quiet window is
// sent when it ends in their time zone, not before; one outside it is sent
// at once; one whose window ends hours later waits in River, scheduled.
func TestQuietHoursWithInjectedClock(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	t0 := time.Date(2026, 6, 15, 7, 59, 54, 0, paris) // Paris 07:59:54, New York 01:59:54, Tokyo 14:59:54
	var start time.Time
	clock := func() time.Time { return t0.Add(time.Since(start)) }
	e := setup(t, nil, riverbulk.WithClock(clock))
	start = time.Now() // the clock starts once the database is ready (slow on a loaded machine), before anything reads it
	ctx := context.Background()
	js := []riverbulk.Job{
		{Job: bulk.Job{Key: "paris", Request: helloRequest("+33612345678")}},
		{Job: bulk.Job{Key: "new-york", Request: helloRequest("+12125550123")}},
		{Job: bulk.Job{Key: "tokyo", Request: helloRequest("+81312345678")}},
		{Job: bulk.Job{Key: "tokyo-later", Request: helloRequest("+81312345679")}, SendAt: t0.Add(time.Hour)},
	}
	res := e.enqueue(riverbulk.Campaign{Name: "q", QuietHours: &riverbulk.QuietHours{Start: 21 * time.Hour, End: 8 * time.Hour}}, js)
	require.Equal(t, 4, res.Added)
	require.Equal(t, 3, res.Scheduled)
	e.startWorker()

	var mu sync.Mutex
	sentAt := map[string]time.Time{}
	require.Eventually(t, func() bool {
		rs, err := e.store.Recipients(ctx, "q", bulk.StatusAccepted)
		require.NoError(t, err)
		mu.Lock()
		defer mu.Unlock()
		for _, r := range rs {
			if _, ok := sentAt[r.Key]; !ok {
				sentAt[r.Key] = clock()
			}
		}
		return len(sentAt) == 2
	}, 20*time.Second, 20*time.Millisecond)
	eight := time.Date(2026, 6, 15, 8, 0, 0, 0, paris)
	assert.True(t, sentAt["tokyo"].Before(eight), "outside quiet hours: at once (%s)", sentAt["tokyo"])
	assert.False(t, sentAt["paris"].Before(eight), "sent at the end of quiet hours, not before (%s)", sentAt["paris"])
	assert.NotContains(t, sentAt, "new-york")

	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	var scheduled time.Time
	require.NoError(t, e.pool.QueryRow(ctx, "SELECT send_at FROM crispwa_recipients WHERE key = 'new-york'").Scan(&scheduled))
	assert.True(t, scheduled.Equal(time.Date(2026, 6, 15, 8, 0, 0, 0, ny)), "scheduled %s", scheduled)
	var jobAt time.Time
	require.NoError(t, e.pool.QueryRow(ctx, "SELECT scheduled_at FROM river_job WHERE args->>'key' = 'new-york'").Scan(&jobAt))
	assert.WithinDuration(t, start.Add(time.Date(2026, 6, 15, 8, 0, 0, 0, ny).Sub(t0)), jobAt, 5*time.Second, "River runs it when quiet hours end in New York")
	require.NoError(t, e.pool.QueryRow(ctx, "SELECT scheduled_at FROM river_job WHERE args->>'key' = 'tokyo-later'").Scan(&jobAt))
	assert.WithinDuration(t, start.Add(time.Hour), jobAt, 5*time.Second, "the job's own send time")
}

// The Postgres rate store spaces the slots of every caller by the
// interval (within half of one) and a pause stops them all.
func TestPostgresRateStore(t *testing.T) {
	e := setup(t, nil)
	ctx := context.Background()
	const interval = 40 * time.Millisecond
	var mu sync.Mutex
	var starts []time.Time
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				wait, ok, err := e.store.Reserve(ctx, "site", interval)
				assert.NoError(t, err)
				assert.True(t, ok)
				mu.Lock()
				starts = append(starts, time.Now().Add(wait))
				mu.Unlock()
				time.Sleep(wait)
			}
		}()
	}
	wg.Wait()
	require.Len(t, starts, 30)
	first, last := starts[0], starts[0]
	for _, s := range starts {
		first, last = minTime(first, s), maxTime(last, s)
	}
	assert.GreaterOrEqual(t, last.Sub(first), 29*interval-interval/2-20*time.Millisecond, "30 slots at one rate")

	require.NoError(t, e.store.Pause(ctx, "site", 500*time.Millisecond))
	require.NoError(t, e.store.Pause(ctx, "site", 10*time.Millisecond)) // a shorter pause does not shorten it
	wait, ok, err := e.store.Reserve(ctx, "site", interval)
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Greater(t, wait, 300*time.Millisecond)
	_, ok, err = e.store.Reserve(ctx, "other-site", 0)
	require.NoError(t, err)
	assert.True(t, ok, "another website is not paused")
	_, ok, err = e.store.Reserve(ctx, "site", 0)
	require.NoError(t, err)
	assert.False(t, ok, "no rate limit, but still paused")
	d, err := e.store.PausedFor(ctx, "site")
	require.NoError(t, err)
	assert.Greater(t, d, 300*time.Millisecond)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
