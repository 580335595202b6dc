//go:build !unix

package cputime

import "time"

// Process cannot be read here: it is always 0, and the ratio benchmarks
// report the wall clock only.
func Process() time.Duration { return 0 }
