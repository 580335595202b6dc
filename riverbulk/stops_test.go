package riverbulk_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/riverbulk"
)

// The Store is a bulk.Stopper: a Stop (as a file-journal Runner sharing
// the Store calls it after an account failure) stops the workers running
// now: the campaign's remaining rows are held, nothing more is sent.
func TestStopByAnotherRunnerHoldsTheCampaigns(t *testing.T) {
	e := setup(t, nil)
	ctx := context.Background()
	website := e.fake.WebsiteID
	// A stop from before the worker began is not for it.
	require.NoError(t, e.store.Stop(ctx, website, "account (#131031): an old stop"))
	n, reason, err := e.store.Stops(ctx, website)
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
	assert.Equal(t, "account (#131031): an old stop", reason)

	e.fake.SetLatency(20 * time.Millisecond)
	const total = 300
	e.enqueue(riverbulk.Campaign{Name: "c"}, jobs(0, total))
	e.startWorker(riverbulk.WithConcurrency(2))
	require.Eventually(t, func() bool { return e.fake.SendCount() >= 10 }, 30*time.Second, 5*time.Millisecond,
		"the old stop does not stop a worker started after it")

	require.NoError(t, e.store.Stop(ctx, website, "account (#131031): Business Account locked"))
	st := e.waitDone("c", 30*time.Second)
	assert.Equal(t, "account (#131031): Business Account locked", st.Stopped)
	assert.Positive(t, st.ByStatus[riverbulk.StatusHeld])
	assert.Less(t, e.fake.SendCount(), total, "the stop held the rest")
	assert.Equal(t, total, st.ByStatus[bulk.StatusAccepted]+st.ByStatus[riverbulk.StatusHeld], "%+v", st.ByStatus)
}

// A worker's own account failure is told to its bulk.Stopper, so that the
// Runners sharing it stop too, and it stops the database's other
// campaigns.
func TestAccountFailureIsSharedWithTheStopper(t *testing.T) {
	e := setup(t, nil)
	ctx := context.Background()
	later := jobs(100, 3)
	for i := range later {
		later[i].SendAt = time.Now().Add(time.Hour)
	}
	e.enqueue(riverbulk.Campaign{Name: "later"}, later)
	e.fake.FailNext(http.StatusBadRequest, "(#131031) Business Account locked")
	e.enqueue(riverbulk.Campaign{Name: "a"}, jobs(0, 1))
	e.startWorker()
	require.Eventually(t, func() bool {
		n, _, err := e.store.Stops(ctx, e.fake.WebsiteID)
		require.NoError(t, err)
		return n == 1
	}, 30*time.Second, 10*time.Millisecond, "the account failure reaches the Stopper")
	_, reason, err := e.store.Stops(ctx, e.fake.WebsiteID)
	require.NoError(t, err)
	assert.Contains(t, reason, "131031")
	require.Eventually(t, func() bool {
		st, err := e.store.Status(ctx, "later")
		require.NoError(t, err)
		return st.Stopped != ""
	}, 30*time.Second, 10*time.Millisecond, "the other campaign of the database stops too")
	st, err := e.store.Status(ctx, "a")
	require.NoError(t, err)
	assert.Contains(t, st.Stopped, "131031")
	assert.Equal(t, 1, st.ByStatus[bulk.StatusRejected])
	time.Sleep(2 * time.Second) // shared once, not once per poll
	n, _, err := e.store.Stops(ctx, e.fake.WebsiteID)
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
}
