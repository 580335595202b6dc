package crispwa

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCallbackGolden(t *testing.T) {
	const okID, failID = "5c0f9e2e-8d0a-4cf4-9a55-1b2c3d4e5f60", "9d1e7c4a-0b2f-4e6d-8a3c-5f4b3a2c1d0e"
	tests := []struct {
		file string
		want CallbackEvent
	}{
		{"success_flat.json", CallbackEvent{RequestID: okID, CrispFingerprint: 163408112098674,
			WhatsAppMessageID: "wamid.HBgLMzM2MTIzNDU2NzgVAgARGBI5QUI2RjQ4QjY3QjE0RUJBQjUA", SessionID: "session_2c0a8b1e-4f5d-4c1b-9a8e-1f2d3c4b5a69"}},
		{"success_envelope.json", CallbackEvent{RequestID: okID, Reason: "dispatched", CrispFingerprint: 163408112098674,
			WhatsAppMessageID: "wamid.HBgLMzM2MTIzNDU2NzgVAgARGBI5QUI2RjQ4QjY3QjE0RUJBQjUA", SessionID: "session_2c0a8b1e-4f5d-4c1b-9a8e-1f2d3c4b5a69"}},
		{"success_fingerprint_string.json", CallbackEvent{RequestID: okID, CrispFingerprint: 163408112098674, WhatsAppMessageID: "wamid.X1", SessionID: "session_1"}},
		{"failure_envelope_message.json", CallbackEvent{RequestID: failID, Error: true, Reason: "Template order_update (en_US) is PAUSED"}},
		{"failure_envelope_reason.json", CallbackEvent{RequestID: failID, Error: true, Reason: "Recipient phone number not on WhatsApp"}},
		{"failure_flat_message.json", CallbackEvent{RequestID: failID, Error: true, Reason: "Message failed to send because more than 24 hours have passed"}},
		{"failure_flat_reason.json", CallbackEvent{RequestID: failID, Error: true, Reason: "template_not_found"}},
		{"failure_flat_code_and_message.json", CallbackEvent{RequestID: failID, Error: true, Reason: "Template welcome does not exist in language de"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, ev := parseGoldenCallback(t, tt.file)
			assert.Equal(t, string(body), string(ev.Raw), "Raw keeps the original bytes")
			ev.Raw = nil
			assert.Equal(t, tt.want, *ev)
			assert.Equal(t, !tt.want.Error, ev.Succeeded())
		})
	}
}

func TestParseCallbackRejects(t *testing.T) {
	for _, body := range []string{
		``, `   `, `null`, `[]`, `[{"request_id":"a"}]`, `"request_id"`, `42`, `true`, `{`, `{}`,
		`{"request_id":""}`, `{"request_id":null}`, `{"request_id":42}`, `{"request_id":["a"]}`, `{"request_id":{"id":"a"}}`,
		`{"data":{"request_id":""}}`, `{"data":{"request_id":7}}`, `{"error":{"code":131026},"reason":{"message":"x"}}`,
		`{"request_id":"a"} trailing`, `{"request_id":"a",}`, `{"request_id":"a","error":tru}`,
	} {
		ev, err := ParseCallback([]byte(body))
		assert.ErrorIs(t, err, ErrInvalidCallback, "%q", body)
		assert.Nil(t, ev, "%q", body)
	}
}

func TestParseCallbackFields(t *testing.T) {
	tests := []struct {
		body      string
		id        string
		isErr     bool
		reason    string
		fp        int64
		succeeded bool
	}{
		{`{"request_id":"a","crisp_fingerprint":null}`, "a", false, "", 0, false},
		{`{"request_id":"a","crisp_fingerprint":""}`, "a", false, "", 0, false},
		{`{"request_id":"a","crisp_fingerprint":-5}`, "a", false, "", -5, false},
		{`{"request_id":"a","crisp_fingerprint":"9223372036854775807","whatsapp_message_id":"w"}`, "a", false, "", 9223372036854775807, true},
		{`{"request_id":"top","data":{"request_id":"inner"}}`, "inner", false, "", 0, false},
		{`{"request_id":"top","data":null}`, "top", false, "", 0, false},
		{`{"error":true,"data":{"request_id":"a","error":false,"whatsapp_message_id":"w"}}`, "a", true, "", 0, false},
		{`{"data":{"request_id":"a","error":true,"reason":"code","message":"human"}}`, "a", true, "human", 0, false},
		{`{"request_id":"a","error":"template paused"}`, "a", true, "template paused", 0, false},
		{`{"request_id":"a","error":"false"}`, "a", false, "", 0, false},
		{`{"request_id":"a","error":"true","reason":"r"}`, "a", true, "r", 0, false},
		{`{"request_id":"a","error":""}`, "a", false, "", 0, false},
		// Shapes that used to be refused on every redelivery (issue 22):
		// what can be read is recorded, the rest stays in Raw.
		{`{"request_id":"a","error":1}`, "a", true, "", 0, false},
		{`{"request_id":"a","error":-1}`, "a", true, "", 0, false},
		{`{"request_id":"a","error":0,"whatsapp_message_id":"w"}`, "a", false, "", 0, true},
		{`{"request_id":"a","error":0.0}`, "a", false, "", 0, false},
		{`{"request_id":"a","error":[]}`, "a", true, "", 0, false},
		{`{"request_id":"a","error":{}}`, "a", true, "{}", 0, false},
		{`{"request_id":"a","error":{"code":131026,"message":"Message undeliverable"}}`, "a", true, "Message undeliverable (code 131026)", 0, false},
		{`{"request_id":"a","error":{"code":131026,"message":"x"},"reason":"wins"}`, "a", true, "wins", 0, false},
		{`{"request_id":"a","error":true,"reason":{"message":"(#132001) Template does not exist","code":132001}}`, "a", true, "(#132001) Template does not exist", 0, false},
		{`{"request_id":"a","error":true,"reason":{"text":"paused"}}`, "a", true, "paused", 0, false},
		{`{"request_id":"a","error":true,"reason":{"code":"131050"}}`, "a", true, "code 131050", 0, false},
		{`{"request_id":"a","error":true,"reason":{"error_data":{"details":"d"},"code":4}}`, "a", true, "d (code 4)", 0, false},
		{`{"request_id":"a","error":true,"reason":{"message":7,"kind":"odd"}}`, "a", true, `{"message":7,"kind":"odd"}`, 0, false},
		{`{"request_id":"a","error":true,"reason":{"code":"12x"}}`, "a", true, `{"code":"12x"}`, 0, false},
		{`{"request_id":"a","error":true,"reason":["a", "b"]}`, "a", true, `["a","b"]`, 0, false},
		{`{"request_id":"a","error":true,"reason":132015}`, "a", true, "132015", 0, false},
		{`{"request_id":"a","error":true,"reason":true,"message":null}`, "a", true, "", 0, false},
		{`{"request_id":"a","error":true,"data":{"message":{"message":"inner"}}}`, "a", true, "inner", 0, false},
		{`{"data":[],"request_id":"a"}`, "a", false, "", 0, false},
		{`{"data":"x","request_id":"a"}`, "a", false, "", 0, false},
		{`{"request_id":"a","crisp_fingerprint":"12x"}`, "a", false, "", 0, false},
		{`{"request_id":"a","crisp_fingerprint":1.5}`, "a", false, "", 0, false},
		{`{"request_id":"a","crisp_fingerprint":99999999999999999999}`, "a", false, "", 0, false},
		{`{"request_id":"a","crisp_fingerprint":{}}`, "a", false, "", 0, false},
		{`{"request_id":"a","crisp_fingerprint":"\u0031\u0032"}`, "a", false, "", 12, false},
		{`{"request_id":"a","whatsapp_message_id":7}`, "a", false, "", 0, false},
		{`{"request_id":"a","session_id":{"x":1},"whatsapp_message_id":"w"}`, "a", false, "", 0, true},
		{`{"request_id":"a","error":false,"whatsapp_message_id":"w"}`, "a", false, "", 0, true},
	}
	for _, tt := range tests {
		ev, err := ParseCallback([]byte(tt.body))
		require.NoError(t, err, tt.body)
		assert.Equal(t, tt.id, ev.RequestID, tt.body)
		assert.Equal(t, tt.isErr, ev.Error, tt.body)
		assert.Equal(t, tt.reason, ev.Reason, tt.body)
		assert.Equal(t, tt.fp, ev.CrispFingerprint, tt.body)
		assert.Equal(t, tt.succeeded, ev.Succeeded(), tt.body)
	}
	var nilEvent *CallbackEvent
	assert.False(t, nilEvent.Succeeded())
}

// TestParseCallbackReasonCapped: a reason built from an object or array is
// capped on a character boundary, and Raw keeps everything.
func TestParseCallbackReasonCapped(t *testing.T) {
	big := strings.Repeat("é", 2*maxCallbackReason)
	for _, body := range []string{
		`{"request_id":"a","error":true,"reason":{"message":"` + big + `"}}`,
		`{"request_id":"a","error":true,"reason":{"other":"` + big + `"}}`,
		`{"request_id":"a","error":true,"reason":["` + big + `"]}`,
		`{"request_id":"a","error":"` + big + `"}`,
	} {
		ev, err := ParseCallback([]byte(body))
		require.NoError(t, err)
		assert.True(t, ev.Error)
		assert.LessOrEqual(t, len(ev.Reason), maxCallbackReason)
		assert.GreaterOrEqual(t, len(ev.Reason), maxCallbackReason-2)
		assert.True(t, utf8.ValidString(ev.Reason))
		assert.Equal(t, body, string(ev.Raw))
	}
}
