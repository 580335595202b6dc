package riverbulk_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/crispwatest"
	"github.com/crispwa/crispwa/riverbulk"
)

// requestID waits until key of campaign is accepted and returns its
// request_id.
func (e *env) requestID(campaign, key string) string {
	e.t.Helper()
	var id string
	require.Eventually(e.t, func() bool {
		rs, err := e.store.Recipients(context.Background(), campaign, bulk.StatusAccepted)
		require.NoError(e.t, err)
		for _, r := range rs {
			if r.Key == key {
				id = r.RequestID
				return true
			}
		}
		return false
	}, 30*time.Second, 20*time.Millisecond)
	return id
}

// Each failure class acts on the campaign, for every worker: account
// stops it, template pauses the template, recipient suppresses the number
// for every later campaign, retry later sends the row again after its wait.
func TestFailureClassesActOnTheCampaign(t *testing.T) {
	e := setup(t, []crispwatest.Option{crispwatest.WithManualOutcomes()})
	e.startWorker()
	ctx := context.Background()
	fail := func(campaign, key, reason string) {
		t.Helper()
		id := e.requestID(campaign, key)
		require.NoError(t, e.fake.Fail(id, reason))
		require.Eventually(t, func() bool {
			rs, err := e.store.Recipients(ctx, campaign)
			require.NoError(t, err)
			for _, r := range rs {
				if r.Key == key {
					return r.Delivery == bulk.DeliveryFailed || r.Status == riverbulk.StatusPending
				}
			}
			return false
		}, 10*time.Second, 20*time.Millisecond)
	}
	key := func(i int) string { return "hello/en_US/" + number(i) }

	t.Run("account", func(t *testing.T) {
		e.enqueue(riverbulk.Campaign{Name: "acc"}, jobs(0, 1))
		fail("acc", key(0), "(#131031) Business Account locked")
		e.enqueue(riverbulk.Campaign{Name: "acc"}, jobs(1, 5))
		st := e.waitDone("acc", 30*time.Second)
		assert.Contains(t, st.Stopped, "account")
		assert.Equal(t, 5, st.ByStatus[riverbulk.StatusHeld])
		assert.Equal(t, map[string]int{number(0): 1}, e.sendsTo())

		n, err := e.store.Release(ctx, "acc") // the account is fixed
		require.NoError(t, err)
		assert.Equal(t, 5, n)
		st = e.waitDone("acc", 30*time.Second)
		assert.Empty(t, st.Stopped)
		assert.Equal(t, 6, st.ByStatus[bulk.StatusAccepted], "the first (failed in its callback) and the five released")
		assert.Len(t, e.sendsTo(), 6, "each sent once")
	})
	t.Run("template", func(t *testing.T) {
		e.enqueue(riverbulk.Campaign{Name: "tpl"}, jobs(10, 1))
		fail("tpl", key(10), "(#132001) Template name does not exist in the translation")
		e.enqueue(riverbulk.Campaign{Name: "tpl"}, jobs(11, 3))
		st := e.waitDone("tpl", 30*time.Second)
		require.Len(t, st.PausedTemplates, 1)
		assert.Equal(t, 3, st.ByStatus[riverbulk.StatusHeld])
		assert.Empty(t, st.Stopped)
		assert.NotContains(t, e.sendsTo(), number(11))
	})
	t.Run("recipient", func(t *testing.T) {
		e.enqueue(riverbulk.Campaign{Name: "r1"}, jobs(20, 1))
		fail("r1", key(20), "(#131050) Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business")
		on, err := e.store.Suppressions().Contains(ctx, "0033 6 00 00 00 20")
		require.NoError(t, err)
		assert.True(t, on)
		e.enqueue(riverbulk.Campaign{Name: "r2"}, jobs(20, 2))
		st := e.waitDone("r2", 30*time.Second)
		assert.Equal(t, 1, st.ByStatus[riverbulk.StatusSuppressed])
		assert.Equal(t, 1, e.sendsTo()[number(20)], "sent in r1 only")
	})
	t.Run("retry later", func(t *testing.T) {
		e.enqueue(riverbulk.Campaign{Name: "rl"}, jobs(30, 1))
		fail("rl", key(30), "(#131049) This message was not delivered to maintain healthy ecosystem engagement.")
		st := e.waitDone("rl", 30*time.Second)
		assert.Equal(t, 1, st.Waiting)
		assert.Equal(t, 1, st.ByStatus[riverbulk.StatusPending])
		var scheduled time.Time
		require.NoError(t, e.pool.QueryRow(ctx, `SELECT scheduled_at FROM river_job WHERE args->>'key' = $1 AND (args->>'round')::int = 1`,
			key(30)).Scan(&scheduled))
		assert.WithinDuration(t, time.Now().Add(24*time.Hour), scheduled, time.Minute)
	})
}

// An unknown outcome is settled by an operator: sent stays sent; not sent
// is sent again by the workers.
func TestResolve(t *testing.T) {
	e := setup(t, nil)
	ctx := context.Background()
	e.enqueue(riverbulk.Campaign{Name: "c"}, jobs(0, 2))
	_, err := e.pool.Exec(ctx, `UPDATE crispwa_recipients SET status = 'sending'`)
	require.NoError(t, err)
	e.startWorker()
	st := e.waitDone("c", 30*time.Second)
	require.Len(t, st.Unknown, 2)
	require.ErrorIs(t, e.store.Resolve(ctx, "c", "nope", true), riverbulk.ErrNotUnknown)
	require.NoError(t, e.store.Resolve(ctx, "c", st.Unknown[0], true))
	require.NoError(t, e.store.Resolve(ctx, "c", st.Unknown[1], false))
	require.ErrorIs(t, e.store.Resolve(ctx, "c", st.Unknown[0], false), riverbulk.ErrNotUnknown)
	st = e.waitDone("c", 30*time.Second)
	assert.Equal(t, 2, st.ByStatus[bulk.StatusAccepted])
	assert.Equal(t, map[string]int{number(1): 1}, e.sendsTo())
}

// The suppression list is a bulk.Suppressions: any spelling, listed
// sorted, and a number added by hand is never sent.
func TestSuppressionsList(t *testing.T) {
	e := setup(t, nil)
	ctx := context.Background()
	l := e.store.Suppressions()
	require.NoError(t, l.Add(ctx, "+33 6 00 00 00 02", "opted out"))
	require.NoError(t, l.Add(ctx, "0033600000001", "asked by phone"))
	require.NoError(t, l.Add(ctx, "+33600000001", "again")) // already there: kept
	require.Error(t, l.Add(ctx, "12", "not a number"))
	list, err := l.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, number(1), list[0].Number)
	assert.Equal(t, "asked by phone", list[0].Reason)
	e.enqueue(riverbulk.Campaign{Name: "c"}, jobs(0, 3))
	e.startWorker()
	st := e.waitDone("c", 30*time.Second)
	assert.Equal(t, 2, st.ByStatus[riverbulk.StatusSuppressed])
	assert.Equal(t, map[string]int{number(0): 1}, e.sendsTo())
	require.NoError(t, l.Remove(ctx, number(1)))
	require.NoError(t, l.Remove(ctx, number(1)))
	on, err := l.Contains(ctx, number(1))
	require.NoError(t, err)
	assert.False(t, on)
}
