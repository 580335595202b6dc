//go:build unix

package bulk_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
)

func TestJournalRefusesFilesThatAreNotRegular(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	for _, path := range []string{"/dev/null", "/dev/zero", "/dev/full", fifo, t.TempDir()} {
		t.Run(path, func(t *testing.T) {
			if _, err := os.Stat(path); err != nil {
				t.Skipf("%s: %v", path, err)
			}
			j, err := bulk.OpenJournal(path)
			if err == nil {
				_ = j.Close()
			}
			require.ErrorIs(t, err, bulk.ErrJournalNotRegular)
			_, err = bulk.ReadJournal(path)
			require.ErrorIs(t, err, bulk.ErrJournalNotRegular)
		})
	}
}
