package riverbulk_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/crispwatest"
	"github.com/crispwa/crispwa/internal/testenv"
	"github.com/crispwa/crispwa/riverbulk"
)

// The transactional outbox: rolled back, nothing is sent; committed,
// everything is, once.
func TestEnqueueRollbackSendsNothingCommitSendsAll(t *testing.T) {
	e := setup(t, nil)
	ctx := context.Background()
	errRollback := errors.New("the order failed")
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		res, err := e.store.EnqueueSlice(ctx, tx, riverbulk.Campaign{Name: "rolled-back"}, jobs(0, 50))
		require.NoError(t, err)
		require.Equal(t, 50, res.Added)
		return errRollback
	})
	require.ErrorIs(t, err, errRollback)
	e.startWorker()

	res := e.enqueue(riverbulk.Campaign{Name: "committed"}, jobs(100, 50))
	require.Equal(t, 50, res.Added)
	st := e.waitDone("committed", 30*time.Second)
	assert.Equal(t, 50, st.ByStatus[bulk.StatusAccepted])

	_, err = e.store.Status(ctx, "rolled-back")
	require.ErrorIs(t, err, riverbulk.ErrNoCampaign)
	time.Sleep(300 * time.Millisecond) // a rolled-back job would have run by now
	sends := e.sendsTo()
	require.Len(t, sends, 50)
	for to, n := range sends {
		assert.Equal(t, 1, n, to)
		assert.GreaterOrEqual(t, to, number(100))
	}
}

// A recipient in two campaigns is sent once in each; the same number in
// three spellings, or enqueued again, once per campaign.
func TestOneSendPerRecipientPerCampaign(t *testing.T) {
	e := setup(t, nil)
	spellings := []string{"+33612345678", "0033612345678", "+33 6 12 34 56 78"}
	var js []riverbulk.Job
	for _, s := range spellings {
		js = append(js, riverbulk.Job{Job: bulk.Job{Key: "k/" + s, Request: helloRequest(s)}})
	}
	for _, c := range []string{"spring", "summer"} {
		res := e.enqueue(riverbulk.Campaign{Name: c}, js)
		assert.Equal(t, 1, res.Added, c)
		assert.Equal(t, 2, res.AlreadyIn, c)
		res = e.enqueue(riverbulk.Campaign{Name: c}, js) // again: nothing new
		assert.Equal(t, 0, res.Added, c)
		assert.Equal(t, 3, res.AlreadyIn, c)
	}
	e.startWorker()
	e.waitDone("spring", 30*time.Second)
	e.waitDone("summer", 30*time.Second)
	time.Sleep(200 * time.Millisecond)
	sends := e.fake.Sends()
	require.Len(t, sends, 2, "one send per campaign")
}

// Invalid jobs are reported and not enqueued.
func TestEnqueueRefusesInvalidJobs(t *testing.T) {
	e := setup(t, nil)
	js := jobs(0, 2)
	js = append(js,
		riverbulk.Job{Job: bulk.Job{Key: "", Request: helloRequest(number(7))}},
		riverbulk.Job{Job: bulk.Job{Key: "nil"}},
		riverbulk.Job{Job: bulk.Job{Key: "bad-number", Request: helloRequest("12")}},
	)
	res := e.enqueue(riverbulk.Campaign{Name: "c"}, js)
	assert.Equal(t, 2, res.Added)
	require.Len(t, res.Invalid, 3)
	assert.Equal(t, []int{2, 3, 4}, []int{res.Invalid[0].Index, res.Invalid[1].Index, res.Invalid[2].Index})

	ctx := context.Background()
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		_, err := e.store.EnqueueSlice(ctx, tx, riverbulk.Campaign{Name: ""}, js)
		return err
	})
	require.Error(t, err)
	err = pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		_, err := e.store.EnqueueSlice(ctx, tx, riverbulk.Campaign{Name: "q", QuietHours: &riverbulk.QuietHours{Start: time.Hour, End: time.Hour}}, js)
		return err
	})
	require.Error(t, err)
}

// A job that finds its row "sending" (its worker died between the
// "sending" commit and the POST's answer, and River ran the job again)
// marks it unknown, cancels the job and never POSTs.
func TestSendingRowIsNeverSentAgain(t *testing.T) {
	e := setup(t, nil)
	e.enqueue(riverbulk.Campaign{Name: "c"}, jobs(0, 3))
	// The state a worker killed after its "sending" commit leaves behind.
	_, err := e.pool.Exec(context.Background(), `UPDATE crispwa_recipients SET status = 'sending' WHERE key = $1`, "hello/en_US/"+number(1))
	require.NoError(t, err)
	e.startWorker()
	st := e.waitDone("c", 30*time.Second)
	assert.Equal(t, 2, st.ByStatus[bulk.StatusAccepted])
	assert.Equal(t, 1, st.ByStatus[bulk.StatusUnknown])
	assert.Equal(t, []string{"hello/en_US/" + number(1)}, st.Unknown)
	assert.NotContains(t, e.sendsTo(), number(1))
	require.Eventually(t, func() bool { // River's completer records it in the background
		var state string
		require.NoError(t, e.pool.QueryRow(context.Background(),
			`SELECT state FROM river_job WHERE args->>'key' = $1`, "hello/en_US/"+number(1)).Scan(&state))
		return state == "cancelled"
	}, 10*time.Second, 20*time.Millisecond, "the job is cancelled")
}

// Callbacks land in the rows, also those that arrive before the worker
// has recorded the request_id (the fake posts them before answering).
func TestCallbacksBeforeTheRequestIDAreApplied(t *testing.T) {
	e := setup(t, []crispwatest.Option{crispwatest.WithEarlyCallbacks()})
	e.enqueue(riverbulk.Campaign{Name: "c"}, jobs(0, 100))
	e.startWorker()
	e.waitDone("c", 30*time.Second)
	require.Eventually(t, func() bool {
		st, err := e.store.Status(context.Background(), "c")
		require.NoError(t, err)
		return st.Delivered == 100
	}, 10*time.Second, 20*time.Millisecond)
	var pending int
	require.NoError(t, e.pool.QueryRow(context.Background(), "SELECT count(*) FROM crispwa_pending_callbacks").Scan(&pending))
	assert.Zero(t, pending, "every early callback applied")
}

// Several processes starting at once on an empty database migrate it
// once, all without error.
func TestMigrateConcurrently(t *testing.T) {
	url := testenv.PostgresDatabase(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pool, err := pgxpool.New(ctx, url)
			if err != nil {
				errs <- err
				return
			}
			defer pool.Close()
			errs <- riverbulk.Migrate(ctx, pool)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var versions int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM crispwa_migrations").Scan(&versions))
	assert.Equal(t, riverbulk.SchemaVersion, versions)
}

// Enqueue checks the jobs on several goroutines but inserts them in their
// order: across chunks and batches, the first spelling of a number wins,
// each invalid job is reported with its own index, in order, and a panic
// of the jobs' iterator ends Enqueue's goroutines before it goes on.
func TestEnqueueKeepsTheOrderOfTheJobs(t *testing.T) {
	e := setup(t, nil)
	const n, half = 5_500, 2_700 // 6 chunks, 2 batches
	var js []riverbulk.Job
	var wantInvalid []int
	for i := range n {
		to := number(i % half) // every number twice or more: first +336…, then 00336…
		if i >= half {
			to = "00" + to[1:]
		}
		j := riverbulk.Job{Job: bulk.Job{Key: fmt.Sprintf("k%d", i), Request: helloRequest(to)}}
		if i%397 == 3 {
			j.Request = helloRequest("12")
			wantInvalid = append(wantInvalid, i)
		}
		js = append(js, j)
	}
	res := e.enqueue(riverbulk.Campaign{Name: "c"}, js)
	var gotInvalid []int
	for _, ie := range res.Invalid {
		gotInvalid = append(gotInvalid, ie.Index)
		assert.Equal(t, fmt.Sprintf("k%d", ie.Index), ie.Key)
	}
	assert.Equal(t, wantInvalid, gotInvalid)
	// Each number is valid at least once; where several spellings are
	// valid the first (its key below half) wins.
	assert.Equal(t, half, res.Added)
	assert.Equal(t, n-len(wantInvalid)-half, res.AlreadyIn)
	var later int
	require.NoError(t, e.pool.QueryRow(context.Background(),
		`SELECT count(*) FROM crispwa_recipients WHERE campaign = 'c' AND substr(key, 2)::int >= $1`, half).Scan(&later))
	var invalidFirst int
	for _, i := range wantInvalid {
		if i < half {
			invalidFirst++
		}
	}
	assert.Equal(t, invalidFirst, later, "a later spelling is kept only where the first was invalid")

	ctx := context.Background()
	require.Panics(t, func() {
		_ = pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
			_, err := e.store.Enqueue(ctx, tx, riverbulk.Campaign{Name: "p"}, func(yield func(riverbulk.Job) bool) {
				for _, j := range js {
					if j.Key == "k4000" {
						panic("the iterator broke")
					}
					if !yield(j) {
						return
					}
				}
			})
			return err
		})
	})
}

// A delivery callback for a request_id no row has yet is kept once, also
// when it is delivered again (TestCallbacksBeforeTheRequestIDAreApplied
// sees such callbacks applied); one for a recorded request_id lands in its
// row at once and is not kept.
func TestDeliveryCallbacksKeptOnceAndApplied(t *testing.T) {
	e := setup(t, nil)
	ctx := context.Background()
	pending := func() int {
		var n int
		require.NoError(t, e.pool.QueryRow(ctx, "SELECT count(*) FROM crispwa_pending_callbacks").Scan(&n))
		return n
	}
	early := &crispwa.CallbackEvent{RequestID: "8d1b4c52-0f6e-4c1a-9a57-3f1e2d4b5a69"}
	require.NoError(t, e.store.HandleCallback(ctx, early))
	require.NoError(t, e.store.HandleCallback(ctx, early), "a redelivery")
	assert.Equal(t, 1, pending())

	e.enqueue(riverbulk.Campaign{Name: "c"}, jobs(0, 1))
	key := "hello/en_US/" + number(0)
	e.startWorker()
	st := e.waitDone("c", 30*time.Second)
	require.Equal(t, 1, st.ByStatus[bulk.StatusAccepted])
	var rid string
	require.NoError(t, e.pool.QueryRow(ctx, "SELECT request_id FROM crispwa_recipients WHERE key = $1", key).Scan(&rid))
	require.NoError(t, e.store.HandleCallback(ctx, &crispwa.CallbackEvent{RequestID: rid}))
	var delivery string
	require.NoError(t, e.pool.QueryRow(ctx, "SELECT delivery FROM crispwa_recipients WHERE key = $1", key).Scan(&delivery))
	assert.Equal(t, string(bulk.DeliveryDelivered), delivery)
	assert.Equal(t, 1, pending(), "the callback of a recorded request_id is not kept")
}
