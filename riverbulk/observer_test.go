package riverbulk_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/riverbulk"
)

// A worker reports each recipient it settles to its Observer: the answers
// it recorded, and a row it found mid-send and marked unknown (what
// crispwaotel's crispwa.bulk.unknown counts).
func TestWorkerReportsCampaignOutcomes(t *testing.T) {
	e := setup(t, nil)
	e.enqueue(riverbulk.Campaign{Name: "c"}, jobs(0, 3))
	_, err := e.pool.Exec(context.Background(), `UPDATE crispwa_recipients SET status = 'sending' WHERE key = $1`, "hello/en_US/"+number(1))
	require.NoError(t, err)

	var mu sync.Mutex
	got := map[crispwa.SendOutcome]int{}
	obs := &crispwa.Observer{CampaignOutcome: func(_ context.Context, o crispwa.CampaignOutcome) {
		mu.Lock()
		defer mu.Unlock()
		assert.Equal(t, "c", o.Campaign)
		assert.False(t, o.WasUnknown)
		got[o.Outcome]++
	}}
	e.startWorker(riverbulk.WithWorkerObserver(obs))
	st := e.waitDone("c", 30*time.Second)
	require.Equal(t, 2, st.ByStatus[bulk.StatusAccepted])
	require.Equal(t, 1, st.ByStatus[bulk.StatusUnknown])
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return got[crispwa.OutcomeAccepted] == 2 && got[crispwa.OutcomeUnknown] == 1
	}, 10*time.Second, 10*time.Millisecond, "outcomes reported: %v", got)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, map[crispwa.SendOutcome]int{crispwa.OutcomeAccepted: 2, crispwa.OutcomeUnknown: 1}, got)
}
