package bulk

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The flat decoder reads exactly what encoding/json reads, or hands the
// line to it; the lines this package writes take the flat way.
func TestRecordDecoderAgreesWithEncodingJSON(t *testing.T) {
	for _, tc := range []struct {
		line string
		flat bool
	}{
		{`{"time":"2026-12-01T10:00:00.123456789Z","event":"sending","key":"k","template":"t","language":"en","to":"+33612345678"}`, true},
		{`{"time":"2026-12-01T10:00:00Z","event":"accepted","key":"k","request_id":"r"}`, true},
		{`{"time":"2026-12-01T10:00:00Z","event":"failed","request_id":"r","reason":"(#131049) x","code":131049,"class":"retry_later","retry_after_ms":86400000}`, true},
		{`{"time":"2026-12-01T10:00:00Z","event":"rejected","key":"k","http_status":400,"reason":"bad"}`, true},
		{`{"time":"2026-12-01T10:00:00Z","event":"accepted","key":"k","resolved":true,"reason":"marked sent"}`, true},
		{`{"time":"2026-12-01T10:00:00Z","event":"accepted","key":"k","resolved":false,"request_id":"r"}`, true},
		{`{"time":"2026-12-01T10:00:00Z","event":"rejected","key":"k\"q","reason":"a\nb \u00e9 \u003c"}`, false},
		{`{"time":"2026-12-01T10:00:00Z","event":"rejected","key":"Chloé ✓","reason":"é"}`, true},
		{`{ "time" : "2026-12-01T10:00:00Z", "event":"sending", "key":"spaces" }`, false},
		{`{"time":"2026-12-01T10:00:00Z","event":"sending","key":null}`, false},
		{`{"time":"2026-12-01T10:00:00Z","event":"sending","key":"k","future_field":{"a":[1,2]}}`, false},
		{`{"time":"2026-12-01T10:00:00Z","event":"sending","key":"k","key":"last wins"}`, true},
		{`{"time":"2026-12-01T10:00:00+02:00","event":"sending","key":"zone"}`, true},
		{`{"time":"2026-12-01T10:00:00Z","event":"rejected","key":"k","code":-0}`, true},
		{`{"time":"2026-12-01T10:00:00Z","event":"rejected","key":"k","code":-12}`, true},
		{`{"time":"2026-12-01T10:00:00Z","event":"later","key":"k"}`, true},
		{`{"event":"sending","key":"no time"}`, true},
	} {
		t.Run(tc.line, func(t *testing.T) {
			var rec record
			require.NoError(t, json.Unmarshal([]byte(tc.line), &rec))
			var got fields
			require.NoError(t, decodeRecord([]byte(tc.line+"\n"), &got))
			assert.Equal(t, fieldsOf(rec), normal(got))
			var flat fields
			assert.Equal(t, tc.flat, new(recordDecoder).flat([]byte(tc.line), &flat), "read without encoding/json")
		})
	}
	for _, bad := range []string{`{"time":"x","event":"sending"`, `[1]`, `{"time":"2026-12-01T10:00:00Z","code":"1x"}`, `{"code":1e999}`} {
		var f fields
		err := decodeRecord([]byte(bad), &f)
		var v record
		assert.Equal(t, json.Unmarshal([]byte(bad), &v) != nil, err != nil, bad)
	}
}

// fieldsOf is what a record decoded by encoding/json says.
func fieldsOf(rec record) fields {
	f := fields{event: parseEvent([]byte(rec.Event)), eventName: []byte(rec.Event), key: []byte(rec.Key),
		requestID: []byte(rec.RequestID), reason: []byte(rec.Reason), class: []byte(rec.Class),
		template: []byte(rec.Template), language: []byte(rec.Language), to: []byte(rec.To),
		code: rec.Code, retryAfterMS: rec.RetryAfterMS, resolved: rec.Resolved}
	if !rec.Time.IsZero() {
		f.time = rec.Time.UnixNano()
	}
	return normal(f)
}

// normal makes empty byte slices nil, for comparison.
func normal(f fields) fields {
	for _, b := range []*[]byte{&f.eventName, &f.key, &f.requestID, &f.reason, &f.class, &f.template, &f.language, &f.to} {
		if len(*b) == 0 {
			*b = nil
		}
	}
	return f
}

// Whatever the line, the flat decoder either declines it or reads what
// encoding/json reads.
func FuzzDecodeFlat(f *testing.F) {
	f.Add(`{"time":"2026-12-01T10:00:00.5Z","event":"failed","key":"k","request_id":"r","reason":"x","code":1,"class":"c","retry_after_ms":5,"resolved":true,"template":"t","language":"en","to":"+1"}`)
	f.Add(`{"time":"2026-12-01T10:00:00+02:00","event":"sending","key":"k","http_status":400}`)
	f.Fuzz(func(t *testing.T, line string) {
		var got fields
		if !new(recordDecoder).flat([]byte(line), &got) {
			return
		}
		var rec record
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("read %q, which encoding/json refuses: %v", line, err)
		}
		assert.Equal(t, fieldsOf(rec), normal(got))
	})
}
