//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package bulk

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes an exclusive, non-blocking flock on f: a second open of
// the journal, from any process, fails with ErrJournalLocked. The kernel
// releases the lock when the process dies, even by SIGKILL.
func lockFile(f *os.File) (unlock func() error, err error) {
	fd := int(f.Fd())
	if err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrJournalLocked
		}
		return nil, err
	}
	return func() error { return syscall.Flock(fd, syscall.LOCK_UN) }, nil
}

// lockFileWait takes an exclusive flock on f, waiting for other holders.
func lockFileWait(f *os.File) (unlock func() error, err error) {
	fd := int(f.Fd())
	if err := syscall.Flock(fd, syscall.LOCK_EX); err != nil {
		return nil, err
	}
	return func() error { return syscall.Flock(fd, syscall.LOCK_UN) }, nil
}
