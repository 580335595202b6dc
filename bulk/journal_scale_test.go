package bulk_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
)

// Thousands of keys, past every growth of the journal's indexes, with
// request_ids of every shape (lowercase UUIDs, kept packed; uppercase ones
// and others, kept as written), accepted late in the file (positions far
// above the number of request_ids), callbacks early, on time and stale:
// each key opens to what its records say, and the callbacks that come
// after the journal is opened find their key.
func TestJournalManyKeysAndRequestIDShapes(t *testing.T) {
	const n = 5000
	id := func(i int) string {
		switch i % 4 {
		case 0:
			return fmt.Sprintf("6f1c2a9e-%04x-4000-8000-%012x", i%65536, i)
		case 1:
			return fmt.Sprintf("6F1C2A9E-%04X-4000-8000-%012X", i%65536, i)
		case 2:
			return fmt.Sprintf("req-%d", i)
		default:
			return fmt.Sprintf("6f1c2a9e-%04x-4000-8000-%012x-x", i%65536, i) // too long for a UUID
		}
	}
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	for i := range n {
		line(`{"time":"2026-12-01T10:00:00Z","event":"sending","key":"k%d","template":"t","language":"en","to":"+3361%07d"}`, i, i)
	}
	for i := n / 2; i < n; i++ { // accepted late: positions above the number of request_ids
		if i%5 == 0 {
			line(`{"time":"2026-12-01T10:00:01Z","event":"delivered","request_id":"%s"}`, id(i)) // before its accepted record
		}
		line(`{"time":"2026-12-01T10:00:02Z","event":"accepted","key":"k%d","request_id":"%s"}`, i, id(i))
		if i%5 == 1 {
			line(`{"time":"2026-12-01T10:00:03Z","event":"failed","key":"k%d","request_id":"%s","reason":"(#131026) Message undeliverable"}`, i, id(i))
		}
	}
	for i := n / 2; i < n; i += 7 { // sent again: the first request_id is stale
		line(`{"time":"2026-12-02T10:00:00Z","event":"sending","key":"k%d","template":"t","language":"en","to":"+3361%07d"}`, i, i)
		line(`{"time":"2026-12-02T10:00:01Z","event":"accepted","key":"k%d","request_id":"again-%d"}`, i, i)
		line(`{"time":"2026-12-02T10:00:02Z","event":"delivered","key":"k%d","request_id":"%s"}`, i, id(i))
	}
	j, err := bulk.OpenJournal(writeJournal(t, b.String()))
	require.NoError(t, err)
	defer j.Close()

	entries := j.Entries()
	require.Len(t, entries, n)
	for i, e := range entries {
		require.Equal(t, fmt.Sprintf("k%d", i), e.Key)
		assert.Equal(t, fmt.Sprintf("+3361%07d", i), e.To, e.Key)
		switch {
		case i < n/2:
			assert.Equal(t, bulk.StatusUnknown, e.Status, e.Key)
			assert.Empty(t, e.RequestID, e.Key)
		case (i-n/2)%7 == 0:
			assert.Equal(t, fmt.Sprintf("again-%d", i), e.RequestID, e.Key)
			assert.Equal(t, bulk.DeliveryNone, e.Delivery, "%s: the first send's late callback does not count", e.Key)
		default:
			assert.Equal(t, bulk.StatusAccepted, e.Status, e.Key)
			assert.Equal(t, id(i), e.RequestID, e.Key)
			want := map[int]bulk.Delivery{0: bulk.DeliveryDelivered, 1: bulk.DeliveryFailed}[i%5]
			assert.Equal(t, want, e.Delivery, e.Key)
		}
	}

	// Callbacks after the open, by every shape of request_id.
	for i := n / 2; i < n; i++ {
		if (i-n/2)%7 == 0 || i%5 < 2 {
			continue
		}
		require.NoError(t, j.RecordCallback(context.Background(), &crispwa.CallbackEvent{RequestID: id(i), WhatsAppMessageID: "wamid.1"}))
		e, ok := j.Lookup(fmt.Sprintf("k%d", i))
		require.True(t, ok)
		require.Equal(t, bulk.DeliveryDelivered, e.Delivery, e.Key)
	}
	// The keys and request_ids are found again after a reopen.
	require.NoError(t, j.Close())
	again, err := bulk.ReadJournal(j.Path())
	require.NoError(t, err)
	for i, e := range again {
		if i >= n/2 && (i-n/2)%7 != 0 {
			assert.NotEqual(t, bulk.DeliveryNone, e.Delivery, e.Key)
		}
	}
}

// A record the journal could not read back (longer than MaxJournalLine) is
// refused, not written: the journal still opens.
func TestJournalRefusesARecordLongerThanALine(t *testing.T) {
	j := openJournal(t)
	err := j.RecordCallback(context.Background(), &crispwa.CallbackEvent{RequestID: strings.Repeat("r", bulk.MaxJournalLine)})
	require.Error(t, err)
	require.NoError(t, j.RecordCallback(context.Background(), &crispwa.CallbackEvent{RequestID: "r"}), "the journal goes on")
	require.NoError(t, j.Close())
	data, err := os.ReadFile(j.Path())
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(data), "\n"))
	j2, err := bulk.OpenJournal(j.Path())
	require.NoError(t, err)
	require.NoError(t, j2.Close())
}
