//go:build race

package crispwatest_test

// raceEnabled: the race detector slows the fake's code down several times.
const raceEnabled = true
