package bulk

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// An unlimited campaign told to slow down after its first sends cuts its
// rate from as few as two send starts (one interval is a rate); with one
// start there is no rate yet, and the pause alone slows it down.
func TestThrottleCutFromTwoSends(t *testing.T) {
	tests := []struct {
		starts  int
		limited bool
	}{
		{1, false},
		{2, true},
		{3, true},
	}
	for _, tt := range tests {
		th := newThrottle(math.Inf(1))
		now := time.Now()
		th.mu.Lock()
		for i := range tt.starts { // 100 ms apart, the last 100 ms ago: 10/s
			th.starts[i] = now.Add(-time.Duration(tt.starts-i) * 100 * time.Millisecond)
		}
		th.nstarts = tt.starts
		th.mu.Unlock()
		th.hit(time.Millisecond)
		limit, _ := th.state()
		assert.Equal(t, tt.limited, !math.IsInf(limit, 1), "%d starts: limit %v", tt.starts, limit)
	}
}
