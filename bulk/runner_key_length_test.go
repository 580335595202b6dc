package bulk_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
)

// A key of exactly MaxKeyLength bytes is accepted and sent (and found done
// on the next run); one byte more is refused before any send.
func TestKeyLengthBoundary(t *testing.T) {
	tests := []struct {
		name    string
		length  int
		invalid bool
	}{
		{"MaxKeyLength bytes", bulk.MaxKeyLength, false},
		{"MaxKeyLength+1 bytes", bulk.MaxKeyLength + 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFake(t)
			j := openJournal(t)
			job := orderJob(recipient(1))
			job.Key = strings.Repeat("k", tt.length)
			sum, err := run(t, srv.Client(), j, []bulk.Job{job})
			require.NoError(t, err)
			if tt.invalid {
				require.Len(t, sum.Invalid, 1)
				assert.ErrorContains(t, sum.Invalid[0], "key longer than 1024 bytes")
				assert.Zero(t, srv.SendCount())
				return
			}
			assert.Empty(t, sum.Invalid)
			assert.Equal(t, 1, sum.Accepted)
			assert.Equal(t, 1, srv.SendCount())

			sum, err = run(t, srv.Client(), j, []bulk.Job{job})
			require.NoError(t, err)
			assert.Equal(t, 1, sum.AlreadySent, "done on the first run")
			assert.Equal(t, 1, srv.SendCount(), "never sent twice")
		})
	}
}
