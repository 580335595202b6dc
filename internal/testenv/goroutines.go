package testenv

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// NoGoroutinesAbove waits until at most before goroutines are running (the
// count taken before the code under test started), failing the test if some
// are still running after 2 s: what was started has stopped.
func NoGoroutinesAbove(t testing.TB, before int) {
	t.Helper()
	// Eventually runs the condition on a goroutine of its own: +1.
	require.Eventually(t, func() bool { return runtime.NumGoroutine() <= before+1 }, 2*time.Second, 10*time.Millisecond,
		"goroutines left running: %d before", before)
}
