package bulk_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
)

// A duplicate key names the first job that has it, whether the key is new
// in this run or already in the journal from an earlier one (the runner
// finds those through the journal's own index, not its table of new keys).
func TestDuplicateKeyNamesItsFirstJobOnAResumedCampaign(t *testing.T) {
	for _, tc := range []struct {
		name    string
		earlier int   // jobs sent by an earlier run, their keys in the journal
		dups    []int // jobs whose key is repeated after the 5 jobs
	}{
		{"keys new in this run", 0, []int{1, 0, 4}},
		{"keys in the journal", 5, []int{1, 0, 4}},
		{"some in the journal", 2, []int{3, 1, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFake(t)
			j := openJournal(t)
			jobs := orderJobs(5)
			if tc.earlier > 0 {
				_, err := run(t, srv.Client(), j, jobs[:tc.earlier], bulk.WithTemplateCheck(false))
				require.NoError(t, err)
			}
			for k, d := range tc.dups { // another recipient: only the key repeats
				dup := orderJob(recipient(100 + k))
				dup.Key = jobs[d].Key
				jobs = append(jobs, dup)
			}
			sum, err := run(t, srv.Client(), j, jobs, bulk.WithTemplateCheck(false))
			require.NoError(t, err)
			var got, want []string
			for _, je := range sum.Invalid {
				got = append(got, fmt.Sprintf("%d: %v", je.Index, je.Err))
			}
			for k, d := range tc.dups {
				want = append(want, fmt.Sprintf("%d: duplicate key: job %d has it too", 5+k, d))
			}
			assert.Equal(t, strings.Join(want, "\n"), strings.Join(got, "\n"))
			assert.Equal(t, tc.earlier, sum.AlreadySent)
			assert.Equal(t, 5-tc.earlier, sum.Accepted)
			assert.Equal(t, 5, srv.SendCount(), "one send per key")
		})
	}
}

// Retry counts the jobs due for a retry in Progress.ToSend: the last
// Progress of a Retry that resends one job says one to send, one done.
func TestRetryProgressCountsTheDueJobs(t *testing.T) {
	srv := newFake(t)
	jobs := orderJobs(6)
	j, err := bulk.OpenJournal(retryJournal(t, jobs)) // job 1 is due
	require.NoError(t, err)
	t.Cleanup(func() { _ = j.Close() })
	var mu sync.Mutex
	var last bulk.Progress
	r, err := bulk.NewRunner(srv.Client(), j, bulk.WithRate(0), bulk.WithTemplateCheck(false),
		bulk.WithProgress(func(p bulk.Progress) { mu.Lock(); last = p; mu.Unlock() }, 0))
	require.NoError(t, err)
	sum, err := r.Retry(context.Background(), bulk.Jobs(jobs))
	require.NoError(t, err)
	require.Equal(t, 1, sum.Retried)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 1, last.ToSend, "ToSend")
	assert.Equal(t, 1, last.Done, "Done")
	assert.Equal(t, 0, last.Remaining, "Remaining")
}
