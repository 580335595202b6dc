package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
)

// When one of several Awaits of a request_id gives up, the others are still
// woken by the event at once, not by the 5-second recheck.
func TestAwaitOthersWokenAfterOneGivesUp(t *testing.T) {
	for _, giveUp := range []int{1, 2} { // Awaits giving up, of 3
		t.Run("", func(t *testing.T) {
			s := newStore(t, sharedRedis(t))
			ctx := context.Background()
			got := make(chan time.Duration, 3)
			for k := range 3 {
				wctx, cancel := context.WithCancel(ctx)
				t.Cleanup(cancel)
				go func() {
					start := time.Now()
					if _, err := s.Await(wctx, "id"); err == nil {
						got <- time.Since(start)
					}
				}()
				if k < giveUp {
					time.AfterFunc(100*time.Millisecond, cancel)
				}
			}
			time.Sleep(400 * time.Millisecond) // the Awaits are waiting, giveUp of them gone
			sent := time.Now()
			require.NoError(t, s.Publish(ctx, &crispwa.CallbackEvent{RequestID: "id"}))
			for range 3 - giveUp {
				select {
				case <-got:
				case <-time.After(3 * time.Second):
					t.Fatal("an Await still waiting was not woken by the event")
				}
			}
			assert.Less(t, time.Since(sent), 3*time.Second)
		})
	}
}
