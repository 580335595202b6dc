//go:build unix

package bulk_test

import (
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
)

// The error for a journal path that is not a regular file says what it is,
// so that the operator sees the mistake (a device, a FIFO, a directory, a
// socket) without looking.
func TestJournalNotRegularSaysWhatItIs(t *testing.T) {
	dir, err := os.MkdirTemp("", "jk") // short: a socket path is limited to ~100 bytes
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	require.NoError(t, err)
	defer l.Close()

	for path, kind := range map[string]string{
		"/dev/null": "is a device",
		fifo:        "is a named pipe",
		sock:        "is a socket",
		dir:         "is a directory",
	} {
		if _, err := os.Stat(path); err != nil {
			t.Logf("skipping %s: %v", path, err)
			continue
		}
		_, err := bulk.OpenJournal(path)
		require.ErrorIs(t, err, bulk.ErrJournalNotRegular, path)
		assert.ErrorContains(t, err, kind, path)
		_, err = bulk.ReadJournal(path)
		assert.ErrorContains(t, err, kind, path)
	}
}
