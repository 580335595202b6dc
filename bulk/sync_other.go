//go:build !linux

package bulk

import "os"

// syncData makes the data written to f durable: fsync.
func syncData(f *os.File) error { return f.Sync() }
