//go:build !race

package crispwa

// allocSlack is how many allocations per run an allocation count may be
// off by: none without the race detector.
const allocSlack = 0
