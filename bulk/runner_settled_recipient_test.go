package bulk_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
)

// A job settled by an earlier run keeps the number it was sent to, as the
// journal recorded it: when the source file now gives that key another
// number, a new job for the first number is still refused as the same
// recipient, so nobody gets the template twice.
func TestSettledJobKeepsItsRecordedRecipient(t *testing.T) {
	srv := newFake(t)
	j := openJournal(t)
	first := orderJob(recipient(1))
	first.Key = "a"
	sum, err := run(t, srv.Client(), j, []bulk.Job{first})
	require.NoError(t, err)
	require.Equal(t, 1, sum.Accepted)

	moved := orderJob(recipient(2)) // key "a" now says another number
	moved.Key = "a"
	again := orderJob(recipient(1)) // a new key for the number "a" was sent to
	again.Key = "b"
	sum, err = run(t, srv.Client(), j, []bulk.Job{moved, again})
	require.NoError(t, err)
	assert.Equal(t, 1, sum.AlreadySent)
	assert.Zero(t, sum.Accepted)
	require.Len(t, sum.Invalid, 1)
	assert.Equal(t, "b", sum.Invalid[0].Key)
	assert.ErrorContains(t, sum.Invalid[0], "same recipient and template as job 0")
	assert.Equal(t, map[string]int{recipient(1): 1}, sendsPerRecipient(srv), "one message to that number")
}
