package bulk

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
)

// Without WithCallbackWait, Run does not wait for callbacks and sends
// nothing again within the run, even a retry-later failure already due when
// the sends end: it is left to Retry. With a wait, the same failure is
// resent within the run. (Meta's shortest named wait is a minute; the
// callback is written here with a 1 ms one, so that it is due at once.)
func TestRetryLaterDueAtTheEndIsResentOnlyWithACallbackWait(t *testing.T) {
	for _, tc := range []struct {
		wait    time.Duration
		retried int
	}{
		{0, 0},
		{5 * time.Second, 1},
	} {
		t.Run(fmt.Sprint(tc.wait), func(t *testing.T) {
			j, err := OpenJournal(t.TempDir() + "/j.jsonl")
			require.NoError(t, err)
			t.Cleanup(func() { _ = j.Close() })
			var callbacks sync.WaitGroup
			client := fakeAPI(t, func(n int32) {
				id := fmt.Sprintf("req-%d", n)
				switch n {
				case 1: // the first send fails, due for a retry 1 ms after its callback
					callbacks.Go(func() {
						time.Sleep(20 * time.Millisecond) // after the accepted record
						assert.NoError(t, j.write(record{Event: string(DeliveryFailed), RequestID: id, Reason: "(#131056) Pair rate limit hit",
							Code: 131056, Class: string(crispwa.FailureRetryLater), RetryAfterMS: 1}, true))
					})
				case 2: // the second send ends after that callback
					time.Sleep(200 * time.Millisecond)
				}
				if n > 1 {
					callbacks.Go(func() {
						time.Sleep(20 * time.Millisecond)
						assert.NoError(t, j.write(record{Event: string(DeliveryDelivered), RequestID: id}, true))
					})
				}
			})
			runner, err := NewRunner(client, j, WithRate(0), WithConcurrency(1), WithTemplateCheck(false), WithCallbackWait(tc.wait))
			require.NoError(t, err)
			sum, err := runner.Run(context.Background(), testJobs(2))
			callbacks.Wait()
			require.NoError(t, err)
			assert.Equal(t, tc.retried, sum.Retried, "Retried")
			assert.Equal(t, 2+tc.retried, sum.Accepted, "Accepted")
			assert.Len(t, sum.RetryLater, 1-tc.retried, "RetryLater")
		})
	}
}
