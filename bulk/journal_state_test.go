package bulk

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fast decoder reads exactly what encoding/json reads, or hands the
// line to it.
func TestRecordDecoderAgreesWithEncodingJSON(t *testing.T) {
	for _, line := range []string{
		`{"time":"2026-12-01T10:00:00.123456789Z","event":"sending","key":"k","template":"t","language":"en","to":"+33612345678"}`,
		`{"time":"2026-12-01T10:00:00Z","event":"accepted","key":"k","request_id":"r"}`,
		`{"time":"2026-12-01T10:00:00Z","event":"failed","request_id":"r","reason":"(#131049) x","code":131049,"class":"retry_later","retry_after_ms":86400000}`,
		`{"time":"2026-12-01T10:00:00Z","event":"rejected","key":"k","http_status":400,"reason":"bad"}`,
		`{"time":"2026-12-01T10:00:00Z","event":"accepted","key":"k","resolved":true,"reason":"marked sent"}`,
		`{"time":"2026-12-01T10:00:00Z","event":"accepted","key":"k","resolved":false,"request_id":"r"}`,
		`{"time":"2026-12-01T10:00:00Z","event":"rejected","key":"k\"q","reason":"a\nb \u00e9 \u003c"}`,
		`{"time":"2026-12-01T10:00:00Z","event":"rejected","key":"Chloé ✓","reason":"é"}`,
		`{ "time" : "2026-12-01T10:00:00Z", "event":"sending", "key":"spaces" }`,
		`{"time":"2026-12-01T10:00:00Z","event":"sending","key":null}`,
		`{"time":"2026-12-01T10:00:00Z","event":"sending","key":"k","future_field":{"a":[1,2]}}`,
		`{"time":"2026-12-01T10:00:00Z","event":"sending","key":"k","key":"last wins"}`,
		`{"time":"2026-12-01T10:00:00+02:00","event":"sending","key":"zone"}`,
	} {
		t.Run(line, func(t *testing.T) {
			var want record
			require.NoError(t, json.Unmarshal([]byte(line), &want))
			var d recordDecoder
			got, err := d.decode([]byte(line + "\n"))
			require.NoError(t, err)
			assert.Equal(t, want.Time.UnixNano(), got.Time.UnixNano())
			got.Time = want.Time
			assert.Equal(t, want, got)
		})
	}
	for _, bad := range []string{`{"time":"x","event":"sending"`, `[1]`, `{"time":"2026-12-01T10:00:00Z","code":"1x"}`, `{"code":1e999}`} {
		var d recordDecoder
		_, err := d.decode([]byte(bad))
		var v record
		assert.Equal(t, json.Unmarshal([]byte(bad), &v) != nil, err != nil, bad)
	}
}
