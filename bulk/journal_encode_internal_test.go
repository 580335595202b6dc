package bulk

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The records the journal writes itself are byte for byte what
// encoding/json writes; the others are left to it.
func TestAppendRecordIsJSONMarshal(t *testing.T) {
	at := time.Date(2026, 12, 2, 4, 5, 6, 789000000, time.UTC)
	for _, tc := range []struct {
		rec  record
		fast bool
	}{
		{record{Time: at, Event: "sending", Key: "spring/+33612345678", Template: "order_update", Language: "en", To: "+33612345678"}, true},
		{record{Time: at.Add(-789 * time.Millisecond), Event: "accepted", Key: "k", RequestID: "6f1c2a9e-0001-4000-8000-00000000abcd"}, true},
		{record{Time: at.Add(1), Event: "rejected", Key: "k", HTTP: 400, Reason: "crispwa: 400 Bad Request (invalid_data)"}, true},
		{record{Time: at, Event: "accepted", Key: "k", Resolved: true, Reason: "marked sent by the operator"}, true},
		{record{Time: at, Event: "failed", RequestID: "r", Reason: "(#131049) x", Code: 131049, Class: "retry_later", RetryAfterMS: 86400000}, true},
		{record{Time: at, Event: "failed", RequestID: "r", Code: -1, RetryAfterMS: -5}, true},
		{record{Time: at}, true},
		{record{Time: at, Event: "rejected", Key: "k", Reason: `said "no"`}, false},
		{record{Time: at, Event: "rejected", Key: `a\b`}, false},
		{record{Time: at, Event: "rejected", Key: "k", Reason: "a\nb"}, false},
		{record{Time: at, Event: "rejected", Key: "<k&>"}, false},
		{record{Time: at, Event: "rejected", Key: "Chloé"}, false},
		{record{Time: at, Event: "rejected", Key: "\x7f"}, false},
		{record{Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Event: "sending", Key: "k"}, false},
	} {
		want, _ := json.Marshal(tc.rec)
		got, ok := appendRecord(nil, &tc.rec)
		assert.Equal(t, tc.fast, ok, string(want))
		if ok {
			assert.Equal(t, string(want), string(got))
		}
	}
}

// Whatever the strings, appendRecord writes what encoding/json writes, or
// leaves the record to it.
func FuzzAppendRecord(f *testing.F) {
	f.Add("sending", "k", "r", "reason", "class", "t", "en", "+1", int64(400), int64(5), int64(1764648306123456789), true)
	f.Fuzz(func(t *testing.T, event, key, requestID, reason, class, template, language, to string, code, retry, ns int64, resolved bool) {
		rec := record{Time: time.Unix(0, ns).UTC(), Event: event, Key: key, RequestID: requestID, HTTP: int(code % 1000), Reason: reason,
			Resolved: resolved, Code: int(code), Class: class, RetryAfterMS: retry, Template: template, Language: language, To: to}
		got, ok := appendRecord(nil, &rec)
		if !ok {
			return
		}
		want, err := json.Marshal(rec)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got))
	})
}
