//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package bulk

import "os"

// lockFile does not lock on this system: running one campaign twice at
// once is then not detected.
func lockFile(*os.File) (unlock func() error, err error) {
	return func() error { return nil }, nil
}

// lockFileWait does not lock on this system.
func lockFileWait(*os.File) (unlock func() error, err error) {
	return func() error { return nil }, nil
}
