//go:build unix

package crispwa

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) the test process has used
// so far, or 0 if it cannot be read. The ratio benchmarks report a CPU
// ratio beside the wall-clock one: on a machine loaded by other processes
// it moves far less than the wall clock does.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
