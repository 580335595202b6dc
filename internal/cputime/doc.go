// Package cputime reads the process's CPU time, for the benchmarks that
// report a CPU-time ratio beside the wall-clock one: on a machine loaded
// by other processes the CPU time moves far less than the wall clock does.
package cputime
