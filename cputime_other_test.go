//go:build !unix

package crispwa

import "time"

// processCPU cannot be read here: the ratio benchmarks report the wall
// clock only.
func processCPU() time.Duration { return 0 }
