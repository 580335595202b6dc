package bulk_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
)

// The validation pass reads its jobs in batches and parses their numbers on
// every core: what it finds does not depend on where a batch ends. Over 700
// jobs (batches of 256), duplicates of a key or a recipient whose first job
// sits in an earlier batch, invalid numbers and nil requests are refused
// at their own positions, naming the first job.
func TestValidationAcrossBatches(t *testing.T) {
	srv := newFake(t)
	const n = 700
	jobs := orderJobs(n)
	wantInvalid := map[int]string{}
	for _, i := range []int{255, 256, 511, 699} { // a key of job i-200
		jobs[i].Key = jobs[i-200].Key
		wantInvalid[i] = fmt.Sprintf("duplicate key: job %d has it too", i-200)
	}
	for _, i := range []int{257, 600} { // the recipient of job i-250, spelled otherwise
		jobs[i] = orderJob(spaced(recipient(i - 250)))
		wantInvalid[i] = fmt.Sprintf("same recipient and template as job %d", i-250)
	}
	jobs[300].Request.To = "+33 not a number"
	wantInvalid[300] = "to_number"
	jobs[513].Request = nil
	wantInvalid[513] = "nil request"
	sum, err := run(t, srv.Client(), openJournal(t), jobs)
	require.NoError(t, err)
	got := map[int]string{}
	for _, je := range sum.Invalid {
		got[je.Index] = je.Error()
	}
	require.Len(t, got, len(wantInvalid))
	for i, msg := range wantInvalid {
		assert.Contains(t, got[i], msg, "job %d", i)
	}
	assert.Equal(t, n, sum.Jobs)
	assert.Equal(t, n-len(wantInvalid), sum.Accepted)
	assert.Equal(t, n-len(wantInvalid), srv.SendCount())
}

// spaced writes a canonical French number as people do: "+33 6 12 34 56 78".
func spaced(e164 string) string {
	return e164[:3] + " " + e164[3:4] + " " + e164[4:6] + " " + e164[6:8] + " " + e164[8:10] + " " + e164[10:]
}

// The sending record keeps the number in canonical form, however the job
// wrote it: a number written as the validation pass found it is taken as
// it is, any other is parsed again (the suppression list, keyed by
// canonical numbers, finds it).
func TestSendingRecordKeepsTheCanonicalNumber(t *testing.T) {
	srv := newFake(t)
	j := openJournal(t)
	jobs := []bulk.Job{orderJob(recipient(1)), orderJob(spaced(recipient(2))), orderJob("0033" + recipient(3)[3:]), orderJob(spaced(recipient(4)))}
	list := bulk.NewMemorySuppressions()
	require.NoError(t, list.Add(t.Context(), recipient(4), "opted out"))
	sum, err := run(t, srv.Client(), j, jobs, bulk.WithSuppressions(list))
	require.NoError(t, err)
	assert.Equal(t, 3, sum.Accepted)
	assert.Equal(t, 1, sum.Suppressed)
	for i, job := range jobs[:3] {
		e, ok := j.Lookup(job.Key)
		require.True(t, ok)
		assert.Equal(t, recipient(i+1), e.To, job.Key)
	}
	assert.Equal(t, map[string]int{recipient(1): 1, recipient(2): 1, recipient(3): 1}, sendsPerRecipient(srv))
}
