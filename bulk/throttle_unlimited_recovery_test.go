package bulk

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// An unlimited campaign cut after a rate-limit answer climbs back by 5% per
// accepted send and becomes unlimited again only once its rate reaches
// twice the peak it was cut from: from 50/s after a cut from a peak of
// 100/s, 28 accepted sends give 196/s, still limited; the 29th lifts the
// limit.
func TestThrottleUnlimitedAgainAtTwiceThePeak(t *testing.T) {
	tests := []struct {
		successes int
		want      float64 // +Inf: unlimited
	}{
		{1, 50 * recovery},
		{28, 50 * math.Pow(recovery, 28)},
		{29, math.Inf(1)},
		{40, math.Inf(1)},
	}
	for _, tt := range tests {
		th := newThrottle(math.Inf(1))
		th.mu.Lock()
		th.limit, th.peak = 50, 100 // as after a cut from an observed 100/s
		th.mu.Unlock()
		for range tt.successes {
			th.success()
		}
		limit, _ := th.state()
		if math.IsInf(tt.want, 1) {
			assert.True(t, math.IsInf(limit, 1), "after %d: %v", tt.successes, limit)
			continue
		}
		assert.InDelta(t, tt.want, limit, 1e-6, "after %d", tt.successes)
	}
}
