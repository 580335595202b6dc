package riverbulk_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/internal/testenv"
	"github.com/crispwa/crispwa/riverbulk"
)

// The database connections are cut mid-campaign (pg_terminate_backend of
// every connection to the test's database, several times: a real
// connection loss for the workers): the workers wait and go on, nothing is
// lost and nothing sent twice.
func TestDatabaseConnectionsCutMidCampaign(t *testing.T) {
	e := setup(t, nil)
	e.fake.SetLatency(3 * time.Millisecond)
	ctx := context.Background()
	const n = 400
	e.enqueue(riverbulk.Campaign{Name: "c"}, jobs(0, n))
	e.startWorker()
	e.startWorker()
	require.Eventually(t, func() bool { return len(e.fake.Sends()) >= n/4 }, 30*time.Second, 5*time.Millisecond)

	admin, err := e.pool.Acquire(ctx) // the test's own connection survives: it is excluded
	require.NoError(t, err)
	defer admin.Release()
	var cut int
	for range 5 {
		var k int
		require.NoError(t, admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&k))
		cut += k
		time.Sleep(150 * time.Millisecond)
	}
	require.Positive(t, cut)
	admin.Release()

	st := e.waitDone("c", 90*time.Second)
	sends := e.sendsTo()
	for to, k := range sends {
		require.Equal(t, 1, k, "%s sent %d times", to, k)
	}
	// Every row sent, or unknown when its "sending" commit was cut (an
	// ambiguous commit: the worker cannot tell, so it does not send).
	assert.Equal(t, n, st.ByStatus[bulk.StatusAccepted]+st.ByStatus[bulk.StatusUnknown], "%+v", st.ByStatus)
	assert.Equal(t, st.ByStatus[bulk.StatusAccepted], len(sends))
	t.Logf("%d connections cut; %d accepted, %d unknown", cut, st.ByStatus[bulk.StatusAccepted], st.ByStatus[bulk.StatusUnknown])
}

// A 429 to one worker pauses every worker sharing the database: no send
// is accepted before the Retry-After has passed, and the refused one is
// sent after it (certainly not sent the first time: no unknown).
func TestRateLimitPausesEveryWorker(t *testing.T) {
	e := setup(t, nil)
	e.fake.RateLimitNext(1, time.Second)
	start := time.Now()
	e.enqueue(riverbulk.Campaign{Name: "c"}, jobs(0, 20))
	e.startWorker(riverbulk.WithConcurrency(1)) // the first request is the 429
	require.Eventually(t, func() bool {
		d, err := e.store.PausedFor(context.Background(), e.fake.WebsiteID)
		require.NoError(t, err)
		return d > 0
	}, 10*time.Second, 5*time.Millisecond, "the 429 pauses the website")
	e.startWorker() // a worker started during the pause waits it out too
	st := e.waitDone("c", 60*time.Second)
	assert.Equal(t, 20, st.ByStatus[bulk.StatusAccepted])
	assert.Len(t, e.sendsTo(), 20)
	var first time.Time
	require.NoError(t, e.pool.QueryRow(context.Background(), "SELECT min(updated_at) FROM crispwa_recipients WHERE status = 'accepted'").Scan(&first))
	assert.GreaterOrEqual(t, first.Sub(start), 900*time.Millisecond, "every worker waited out the pause")
}

// The PostgreSQL server itself is stopped mid-campaign (pg_ctl stop -m
// fast: every session ended, the server gone for a second) and started
// again: the workers wait and go on, nothing is lost and nothing is sent
// twice. The test owns the server: a throwaway cluster of its own.
func TestPostgresRestartedMidCampaign(t *testing.T) {
	pg := testenv.StartPostgresCluster(t)
	e := setupOn(t, pg.URL, nil)
	e.fake.SetLatency(3 * time.Millisecond)
	const n, workers, concurrency = 600, 2, 8
	e.enqueue(riverbulk.Campaign{Name: "c"}, jobs(0, n))
	for range workers {
		e.startWorker(riverbulk.WithConcurrency(concurrency))
	}
	require.Eventually(t, func() bool { return e.fake.SendCount() >= n/4 }, 30*time.Second, 2*time.Millisecond)

	require.NoError(t, pg.Stop())
	atStop := e.fake.SendCount()
	time.Sleep(time.Second) // the workers find no server
	atStart := e.fake.SendCount()
	require.NoError(t, pg.Start())
	require.Less(t, atStart, n, "the campaign was not over when the server came back")

	st := e.waitDone("c", 90*time.Second)
	sends := e.sendsTo()
	for to, k := range sends {
		require.Equal(t, 1, k, "%s sent %d times", to, k)
	}
	// Every row sent, or unknown when its "sending" commit or its send was
	// in flight at the stop (the worker cannot tell: it does not send).
	accepted, unknown := st.ByStatus[bulk.StatusAccepted], st.ByStatus[bulk.StatusUnknown]
	assert.Equal(t, n, accepted+unknown, "%+v", st.ByStatus)
	assert.LessOrEqual(t, unknown, workers*concurrency, "unknown only for the sends in flight at the stop")
	assert.LessOrEqual(t, accepted, len(sends))
	assert.Greater(t, e.fake.SendCount(), atStart, "the workers went on after the restart")
	t.Logf("%d sends before the stop, %d while it was down, %d after; %d accepted, %d unknown",
		atStop, atStart-atStop, e.fake.SendCount()-atStart, accepted, unknown)
}
