package crispwa

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFailureGolden: one golden callback per class, parsed as Crisp sends
// it, then classified.
func TestFailureGolden(t *testing.T) {
	tests := []struct {
		file string
		want Failure
	}{
		{"failure_recipient.json", Failure{Code: 131026, Class: FailureRecipient, Message: "(#131026) Message undeliverable"}},
		{"failure_template.json", Failure{Code: 132001, Class: FailureTemplate, Message: "(#132001) Template name does not exist in the translation: template name (order_update) does not exist in en_US"}},
		{"failure_retry_later.json", Failure{Code: 131049, Class: FailureRetryLater, RetryAfter: 24 * time.Hour, Message: "This message was not delivered to maintain healthy ecosystem engagement. (code 131049)"}},
		{"failure_account.json", Failure{Code: 368, Class: FailureAccount, Message: "Temporarily blocked for policies violations (#368)"}},
		{"failure_unknown.json", Failure{Code: 999999, Class: FailureUnknown, Message: "Something went wrong (code 999999)"}},
		// The older fixtures, without a code: classified from the message.
		{"failure_envelope_message.json", Failure{Class: FailureTemplate, Message: "Template order_update (en_US) is PAUSED"}},
		{"failure_envelope_reason.json", Failure{Class: FailureRecipient, Message: "Recipient phone number not on WhatsApp"}},
		{"failure_flat_code_and_message.json", Failure{Class: FailureTemplate, Message: "Template welcome does not exist in language de"}},
		{"failure_flat_reason.json", Failure{Class: FailureTemplate, Message: "template_not_found"}},
		{"failure_flat_message.json", Failure{Class: FailureUnknown, Message: "Message failed to send because more than 24 hours have passed"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, ev := parseGoldenCallback(t, tt.file)
			f := ev.Failure()
			require.NotNil(t, f)
			assert.Equal(t, tt.want, *f)
		})
	}
}

func TestFailureNilOnSuccess(t *testing.T) {
	for _, file := range []string{"success_envelope.json", "success_flat.json"} {
		_, ev := parseGoldenCallback(t, file)
		assert.Nil(t, ev.Failure(), file)
	}
	var nilEvent *CallbackEvent
	assert.Nil(t, nilEvent.Failure())
}

// TestFailureClassification: every code of the issue, in the spellings a
// message carries it, and Meta's English messages without a code.
func TestFailureClassification(t *testing.T) {
	tests := []struct {
		reason string
		code   int
		class  FailureClass
		after  time.Duration
	}{
		// recipient
		{"(#131026) Message Undeliverable.", 131026, FailureRecipient, 0},
		{"Receiver is incapable of receiving this message", 0, FailureRecipient, 0},
		{"131050: This recipient has chosen to stop receiving marketing messages on WhatsApp from your business", 131050, FailureRecipient, 0},
		{"User has stopped marketing messages", 0, FailureRecipient, 0},
		{"error 130472: User's number is part of an experiment", 130472, FailureRecipient, 0},
		// template
		{"(#132000) Number of parameters does not match the expected number of params", 132000, FailureTemplate, 0},
		{"code 132001", 132001, FailureTemplate, 0},
		{"(#132005) Translated text too long", 132005, FailureTemplate, 0},
		{"Template Format Character Policy Violated", 0, FailureTemplate, 0},
		{"(#132007) Template Format Character Policy Violated", 132007, FailureTemplate, 0},
		{"Parameter format does not match format in the created template (132012)", 132012, FailureTemplate, 0},
		{"(#131008) Required parameter is missing", 131008, FailureTemplate, 0},
		{"(#131009) Parameter value is not valid", 131009, FailureTemplate, 0},
		{"Template is Paused", 0, FailureTemplate, 0},
		{"(#132015) Template is Paused", 132015, FailureTemplate, 0},
		{"(#132016) Template is Disabled", 132016, FailureTemplate, 0},
		// retry later
		{"131049", 131049, FailureRetryLater, 24 * time.Hour},
		{"This message was not delivered to maintain healthy ecosystem engagement.", 0, FailureRetryLater, 24 * time.Hour},
		{"(#130429) Rate limit hit", 130429, FailureRetryLater, time.Minute},
		{"Cloud API message throughput has been reached.", 0, FailureRetryLater, time.Minute},
		{"(Business Account, Consumer Account) pair rate limit hit", 0, FailureRetryLater, time.Minute},
		{"code: 131056", 131056, FailureRetryLater, time.Minute},
		{"Spam Rate limit hit", 0, FailureRetryLater, 24 * time.Hour},
		{`{"code":131048,"title":"Spam rate limit hit"}`, 131048, FailureRetryLater, 24 * time.Hour},
		// account
		{"(#131031) Business Account locked", 131031, FailureAccount, 0},
		{"Account has been locked", 0, FailureAccount, 0},
		{"(#131042) Business eligibility payment issue", 131042, FailureAccount, 0},
		{"(#368) Temporarily blocked for policies violations", 368, FailureAccount, 0},
		{"(#190) Error validating access token: Session has expired", 190, FailureAccount, 0},
		{"Error validating access token", 0, FailureAccount, 0},
		// unknown, and numbers that are not codes
		{"", 0, FailureUnknown, 0},
		{"something else entirely", 0, FailureUnknown, 0},
		{"(#100) Invalid parameter", 100, FailureUnknown, 0},
		{"sent 190 messages, 368 failed", 0, FailureUnknown, 0},
		{"order A131026 failed", 0, FailureUnknown, 0},
		{"ref 1310260", 0, FailureUnknown, 0},
		{"request 13102600000000000000000 failed", 0, FailureUnknown, 0},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			f := (&CallbackEvent{Error: true, Reason: tt.reason}).Failure()
			require.NotNil(t, f)
			assert.Equal(t, tt.code, f.Code)
			assert.Equal(t, tt.class, f.Class)
			assert.Equal(t, tt.after, f.RetryAfter)
		})
	}
}

// TestFailureCodeInRawBody: a code carried only by the raw body (a nested
// Meta error object) is found too.
func TestFailureCodeInRawBody(t *testing.T) {
	body := []byte(`{"error":true,"reason":"template_not_sent","data":{"request_id":"r-1","meta":{"error":{"code":131050,"message":"x"}}}}`)
	ev, err := ParseCallback(body)
	require.NoError(t, err)
	f := ev.Failure()
	require.NotNil(t, f)
	assert.Equal(t, 131050, f.Code)
	assert.Equal(t, FailureRecipient, f.Class)
}

func TestFailureMessageSanitised(t *testing.T) {
	long := make([]byte, 4000)
	for i := range long {
		long[i] = 'a'
	}
	f := (&CallbackEvent{Error: true, Reason: "\x1b[31mred\x1b[0m\n" + string(long)}).Failure()
	assert.NotContains(t, f.Message, "\x1b")
	assert.NotContains(t, f.Message, "\n")
	assert.LessOrEqual(t, len(f.Message), maxFailureMessage)
}

func TestFailurePhraseOrderCoversEveryCode(t *testing.T) {
	seen := map[int]bool{}
	for _, c := range phraseOrder {
		assert.False(t, seen[c], "%d listed twice", c)
		seen[c] = true
		assert.Contains(t, metaErrors, c)
	}
	assert.Len(t, seen, len(metaErrors))
}

func FuzzFailure(f *testing.F) {
	f.Add("(#131026) Message undeliverable", []byte(`{"code":131049}`))
	f.Add("code 368", []byte(nil))
	f.Fuzz(func(t *testing.T, reason string, raw []byte) {
		fl := (&CallbackEvent{Error: true, Reason: reason, Raw: raw}).Failure()
		if fl == nil || fl.Class == "" || len(fl.Message) > maxFailureMessage {
			t.Fatalf("bad failure %+v", fl)
		}
	})
}
