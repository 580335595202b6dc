package bulk

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A pause set by another runner sharing the RateStore (its 429), which this
// runner learns of from the store alone, holds its sends until it ends;
// then the sends take one slot each, 200 ms apart at 5/s: the first send
// after the pause takes a slot too, so that the next one cannot follow it at
// once. (Each send is measured from the first with half an interval of
// slack per slot, so that a late wake-up on a loaded machine does not
// count as a burst.)
func TestThrottleOtherRunnersPauseThenOneSlotAtATime(t *testing.T) {
	mine := newThrottle(5) // one send every 200 ms
	other := newThrottle(5)
	other.store = mine.store // the same store and website, as two processes sharing Redis

	const pause = 200 * time.Millisecond
	begin := time.Now()
	other.hit(pause)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var starts []time.Duration
	for range 3 {
		require.NoError(t, mine.wait(ctx))
		starts = append(starts, time.Since(begin))
	}
	assert.GreaterOrEqual(t, starts[0], pause-10*time.Millisecond, "no send during the other runner's pause")
	for i := 1; i < len(starts); i++ {
		assert.GreaterOrEqual(t, starts[i]-starts[0], time.Duration(i)*100*time.Millisecond, "send %d, %d slots after the first: %v", i, i, starts)
	}
	assert.False(t, mine.pausedUntilTime().IsZero(), "the pause is known to this runner (Progress.PausedUntil)")
}
