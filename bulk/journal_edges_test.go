package bulk

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
)

// A journal whose only line is torn (its first record was being written
// when the process died) is cut to empty, so the next record starts a line
// of its own and the journal stays readable.
func TestOpenJournalTornFirstLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(`{"time":"2026-11-25T1`), 0o600))
	j, err := OpenJournal(path)
	require.NoError(t, err)
	assert.Empty(t, j.Entries())
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Zero(t, st.Size(), "the torn line is cut when the journal is opened")
	require.NoError(t, j.write(record{Event: string(StatusSending), Key: "a"}, true))
	require.NoError(t, j.Close())

	entries, err := ReadJournal(path)
	require.NoError(t, err, "the record was not glued to the torn line")
	require.Len(t, entries, 1)
	assert.Equal(t, "a", entries[0].Key)
}

// Reasons are capped at maxReason bytes on a rune boundary, whatever bytes
// Crisp sent: a reason at the cap is kept whole, a cut never splits a rune,
// and bytes that are no UTF-8 at all are cut without a panic.
func TestJournalReasonCapBoundaries(t *testing.T) {
	atCap := strings.Repeat("a", maxReason)
	tests := []struct{ name, reason, want string }{
		{"exactly at the cap", atCap, atCap},
		{"one byte over", atCap + "b", atCap + "…"},
		{"cap inside a rune", strings.Repeat("a", maxReason-1) + "é", strings.Repeat("a", maxReason-1) + "…"},
		{"no rune start at all", strings.Repeat("\x80", maxReason+10), "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "j.jsonl")
			j, err := OpenJournal(path, WithoutFsync())
			require.NoError(t, err)
			defer j.Close()
			require.NoError(t, j.write(record{Event: string(StatusAccepted), Key: "k", RequestID: "r"}, false))
			require.NoError(t, j.RecordCallback(context.Background(), &crispwa.CallbackEvent{RequestID: "r", Error: true, Reason: tt.reason}))
			e, ok := j.Lookup("k")
			require.True(t, ok)
			assert.Equal(t, tt.want, e.DeliveryReason)
			assert.True(t, utf8.ValidString(e.DeliveryReason))
		})
	}
}

// Close makes the records written without waiting for the disk durable:
// the journal's file is a pipe here, whose fsync fails, so a Close that
// syncs reports it.
func TestJournalCloseSyncsWhatIsNotDurable(t *testing.T) {
	j, r := pipeJournal(t)
	go func() { _, _ = bufio.NewReader(r).WriteTo(discard{}) }()
	require.NoError(t, j.write(record{Event: string(StatusSending), Key: "a"}, false), "not durable: no fsync yet")
	assert.ErrorIs(t, j.Close(), syscall.EINVAL, "Close synced the record")
}

// Every durable write is synced, not only the first one: after one
// durable record on the real file, the file is swapped for a pipe, whose
// fsync fails, and the next durable record reports that failure.
func TestJournalEachDurableWriteIsSynced(t *testing.T) {
	j, err := OpenJournal(filepath.Join(t.TempDir(), "j.jsonl"))
	require.NoError(t, err)
	require.NoError(t, j.write(record{Event: string(StatusSending), Key: "a"}, true))

	orig := j.f
	r, w, err := os.Pipe()
	require.NoError(t, err)
	go func() { _, _ = bufio.NewReader(r).WriteTo(discard{}) }()
	j.mu.Lock()
	j.f = w
	j.mu.Unlock()
	t.Cleanup(func() { _ = j.Close(); _ = orig.Close(); _ = r.Close() })

	err = j.write(record{Event: string(StatusSending), Key: "b"}, true)
	assert.ErrorIs(t, err, syscall.EINVAL, "the second durable record was synced too")
}

// The Runner's wait for callbacks wakes on each recorded callback,
// delivered or failed, and on nothing else.
func TestJournalChangesSignalsCallbacksOnly(t *testing.T) {
	j, err := OpenJournal(filepath.Join(t.TempDir(), "j.jsonl"), WithoutFsync())
	require.NoError(t, err)
	defer j.Close()
	ctx := context.Background()
	closed := func(ch <-chan struct{}) bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}

	ch := j.changes()
	require.NoError(t, j.write(record{Event: string(StatusSending), Key: "a"}, false))
	require.NoError(t, j.write(record{Event: string(StatusAccepted), Key: "a", RequestID: "r-a"}, false))
	assert.False(t, closed(ch), "a send record is no callback")
	require.NoError(t, j.RecordCallback(ctx, &crispwa.CallbackEvent{RequestID: "r-a", WhatsAppMessageID: "wamid.a"}))
	assert.True(t, closed(ch), "a delivered callback")

	ch = j.changes()
	require.NoError(t, j.RecordCallback(ctx, &crispwa.CallbackEvent{RequestID: "r-b", Error: true, Reason: "paused"}))
	assert.True(t, closed(ch), "a failed callback")
}
