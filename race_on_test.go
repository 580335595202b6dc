//go:build race

package crispwa

// allocSlack is how many allocations per run an allocation count may be
// off by: under the race detector, sync.Pool drops some of what it is
// given, so a pooled buffer is now and then made again.
const allocSlack = 2
