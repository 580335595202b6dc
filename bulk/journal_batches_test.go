package bulk_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
)

// manyLines is a journal of n recipients, each sent and accepted, with a
// blank line every 500 lines: its line k (from 1) is lines[k-1].
func manyLines(n int) []string {
	var lines []string
	for i := range n {
		for _, line := range []string{
			fmt.Sprintf(`{"time":"2026-11-25T10:00:%02dZ","event":"sending","key":"k%d","to":"+3361%07d"}`, i%60, i, i),
			fmt.Sprintf(`{"time":"2026-11-25T10:00:%02d.5Z","event":"accepted","key":"k%d","request_id":"r%d"}`, i%60, i, i),
		} {
			if len(lines)%500 == 499 {
				lines = append(lines, "")
			}
			lines = append(lines, line)
		}
	}
	return lines
}

// The journal is read in batches of lines, decoded by one goroutine and
// applied by another: a bad line is reported at its own line number
// wherever it falls, before any later line, whether it cannot be decoded or
// cannot be applied; and a torn last line after thousands is cut where it
// starts.
func TestOpenJournalOfManyLines(t *testing.T) {
	for _, at := range []int{1, 499, 500, 1023, 1024, 1025, 2049, 3000, 4005} {
		for _, bad := range []string{"garbage", `{"event":"accepted","key":"a"}`, strings.Repeat("x", bulk.MaxJournalLine)} {
			t.Run(fmt.Sprintf("line %d %.10s", at, bad), func(t *testing.T) {
				lines := manyLines(2000)
				lines[at-1] = bad
				lines[len(lines)-1] = "garbage too" // a later error is not the one reported
				path := writeJournal(t, strings.Join(lines, "\n")+"\n")
				_, err := bulk.OpenJournal(path)
				require.ErrorIs(t, err, bulk.ErrJournalCorrupt)
				assert.ErrorContains(t, err, fmt.Sprintf("line %d:", at))
			})
		}
	}
	lines := manyLines(2000)
	whole := strings.Join(lines, "\n") + "\n"
	path := writeJournal(t, whole+`{"time":"2026-11-25T10:00:04Z","event":"sen`)
	j, err := bulk.OpenJournal(path)
	require.NoError(t, err)
	entries := j.Entries()
	require.Len(t, entries, 2000)
	for i, e := range entries {
		require.Equal(t, fmt.Sprintf("k%d", i), e.Key)
		require.Equal(t, bulk.StatusAccepted, e.Status)
		require.Equal(t, fmt.Sprintf("r%d", i), e.RequestID)
		require.Equal(t, fmt.Sprintf("+3361%07d", i), e.To)
	}
	require.NoError(t, j.Close())
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, whole, string(raw), "the torn line is cut")
}
