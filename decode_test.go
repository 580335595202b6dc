package crispwa

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLenientDecoding: a send written as Meta's documentation writes it
// (string index and card_index, numeric flow_token, string
// expiration_time_ms and ttl_minutes) decodes, and encodes as Crisp
// expects (integers, a string token): testdata/requests/lenient/*.json in,
// *.golden.json out.
func TestLenientDecoding(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("testdata", "requests", "lenient", "meta_spelling.json"))
	require.NoError(t, err)
	var m MessageTemplate
	require.NoError(t, json.Unmarshal(in, &m))
	got, err := json.MarshalIndent(m, "", "  ")
	require.NoError(t, err)
	got = append(got, '\n')
	path := filepath.Join("testdata", "requests", "lenient", "meta_spelling.golden.json")
	if *updateRequests {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))

	require.Len(t, m.Components, 6)
	assert.Equal(t, int64(1698562800000), m.Components[0].Parameters[0].LimitedTimeOffer.ExpirationTimeMS)
	assert.Equal(t, 0, *m.Components[2].Index)
	assert.Equal(t, "1234567890", m.Components[2].Parameters[0].Action.FlowToken)
	assert.Equal(t, 1, *m.Components[3].Index)
	assert.Nil(t, m.Components[4].Index, "a voice-call button keeps no index")
	assert.Equal(t, 100, m.Components[4].Parameters[0].TTLMinutes)
	assert.Equal(t, 0, m.Components[5].Cards[0].CardIndex)
	assert.Equal(t, 0, *m.Components[5].Cards[0].Components[1].Index)

	// The golden output decodes to the same value (strict and lenient agree).
	var back MessageTemplate
	require.NoError(t, json.Unmarshal(want, &back))
	assert.Equal(t, m, back)
}

// TestDecodingNamesTheField: what cannot decode is a *ValidationError that
// names the field, not a raw json error.
func TestDecodingNamesTheField(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`{"type":"button","index":"first"}`, `component.index: is "first"; want an integer (0, or "0" as Meta's examples write it)`},
		{`{"type":"button","index":1.5}`, `component.index: is 1.5; want an integer`},
		{`{"type":"button","index":true}`, `component.index: is true; want an integer`},
		{`{"type":"button","index":"99999999999999999999"}`, `component.index: is "99999999999999999999"; want an integer`},
		{`{"type":"body","parameters":[{"type":"currency","currency":"USD"}]}`, `parameter.currency: is a JSON string; want an object`},
		{`{"type":"body","parameters":[{"type":"text","text":5}]}`, `parameter.text: is a JSON number; want a string`},
		{`{"type":"button","index":0,"parameters":[{"type":"action","action":{"flow_token":{"a":1}}}]}`, `action.flow_token: is {"a":1}; want a string (or a number)`},
		{`{"type":"button","index":0,"parameters":[{"type":"action","action":{"flow_token":"t","sections":{}}}]}`, `action.sections: is a JSON object; want an array`},
		{`{"type":"limited_time_offer","parameters":[{"type":"limited_time_offer","limited_time_offer":{"expiration_time_ms":"soon"}}]}`, `limited_time_offer.expiration_time_ms: is "soon"; want an integer`},
		{`{"type":"button","sub_type":"voice_call","parameters":[{"type":"ttl_minutes","ttl_minutes":"ten"}]}`, `parameter.ttl_minutes: is "ten"; want an integer`},
		{`{"type":"carousel","cards":[{"card_index":"one","components":[]}]}`, `card.card_index: is "one"; want an integer`},
		{`{"type":7}`, `component.type: is a JSON number; want a string`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			var c Component
			err := json.Unmarshal([]byte(tt.in), &c)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidRequest)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Contains(t, ve.Field+": "+ve.Reason, tt.want)
		})
	}
	// Null reads as absent.
	var c Component
	require.NoError(t, json.Unmarshal([]byte(`{"type":"body","index":null}`), &c))
	assert.Nil(t, c.Index)
}
