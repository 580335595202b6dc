package crispwa

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

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
		{"failure_unknown.json", Failure{Code: 999999, Class: FailureUnknown, Message: "Delivery failed (code 999999)"}},
		// One per family of Meta's table, as Crisp relays it.
		{"failure_auth_token_expired.json", Failure{Code: 190, Class: FailureAccount, Message: "(#190) Error validating access token: Session has expired on Tuesday, 01-Dec-26 10:00:00 PST."}},
		{"failure_integrity_country.json", Failure{Code: 130497, Class: FailureRecipient, Message: "(#130497) Business account is restricted from messaging users in this country."}},
		{"failure_integrity_locked_http.json", Failure{Code: 131031, Class: FailureAccount, Message: "Error 400: (#131031) Business Account locked"}},
		{"failure_throttling_rate_limit.json", Failure{Code: 130429, Class: FailureRetryLater, RetryAfter: time.Minute, Message: "template_not_sent"}},
		{"failure_other_transient.json", Failure{Code: 131000, Class: FailureRetryLater, Message: "(#131000) Something went wrong"}},
		{"failure_media_upload_errors_array.json", Failure{Code: 131053, Class: FailureTemplate, Message: "template_not_sent"}},
		{"failure_template_parameter.json", Failure{Code: 132018, Class: FailureTemplate, Message: "(#132018) There was an issue with the parameters in your template."}},
		{"failure_template_paused_title.json", Failure{Class: FailureTemplate, Message: "Template is paused due to low quality so it cannot be sent in a template message."}},
		{"failure_flow_throttled.json", Failure{Code: 132069, Class: FailureRetryLater, RetryAfter: time.Hour, Message: "(#132069) Flow is throttled"}},
		{"failure_marketing_syncing.json", Failure{Code: 134101, Class: FailureRetryLater, RetryAfter: 10 * time.Minute, Message: "(#134101) Your template is still syncing"}},
		{"failure_phone_in_reason.json", Failure{Code: 130429, Class: FailureRetryLater, RetryAfter: time.Minute, Message: "Send to +44 131026 7788 refused: (#130429) Rate limit hit"}},
		// Shapes ParseCallback used to refuse (issue 22): recorded now.
		{"failure_error_object.json", Failure{Code: 131026, Class: FailureRecipient, Message: "Message undeliverable (code 131026)"}},
		{"failure_error_one.json", Failure{Class: FailureUnknown, Message: "template_not_sent"}},
		{"failure_reason_object.json", Failure{Code: 132001, Class: FailureTemplate, Message: "Template does not exist (code 132001)"}},
		// The older fixtures, without a code: classified from the message.
		{"failure_envelope_message.json", Failure{Class: FailureTemplate, Message: "Template order_update (en_US) is PAUSED"}},
		{"failure_envelope_reason.json", Failure{Class: FailureRecipient, Message: "Recipient phone number not on WhatsApp"}},
		{"failure_flat_code_and_message.json", Failure{Class: FailureTemplate, Message: "Template welcome does not exist in language de"}},
		{"failure_flat_reason.json", Failure{Class: FailureTemplate, Message: "template_not_found"}},
		{"failure_flat_message.json", Failure{Class: FailureTemplate, Message: "Message failed to send because more than 24 hours have passed"}},
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
		{"Error validating access token: Session has expired on Monday", 0, FailureAccount, 0},
		// "session has expired" alone is not the token's: a customer
		// service session (24 h window) expires too.
		{"Session has expired", 0, FailureUnknown, 0},
		{"The customer service session has expired", 0, FailureUnknown, 0},
		{"Your session has expired, please log in again", 0, FailureUnknown, 0},
		{"Error validating access token", 0, FailureAccount, 0},
		// unknown, and numbers that are not codes
		{"", 0, FailureUnknown, 0},
		{"something else entirely", 0, FailureUnknown, 0},
		{"(#100) Invalid parameter", 100, FailureTemplate, 0},
		{"(#4242) Invalid parameter", 4242, FailureTemplate, 0}, // a code not in the table: its title decides
		{"(#4242) nothing known", 4242, FailureUnknown, 0},
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

// TestFailureCodeReading: Meta's marked code wins over any other number,
// and no digit run inside a phone number or an identifier is read as a
// code (issue 17's adversarial trial).
func TestFailureCodeReading(t *testing.T) {
	tests := []struct {
		name   string
		reason string
		raw    string
		code   int
		class  FailureClass
	}{
		{"HTTP status before Meta's code", "Error 400: (#131031) Business Account locked", "", 131031, FailureAccount},
		{"HTTP status code words", "HTTP status code 400, code 131050", "", 131050, FailureRecipient},
		{"status_code field", `{"status_code":403,"code":131031}`, "", 131031, FailureAccount},
		{"subcode is not the code", `{"error_subcode":2494055,"code":130429}`, "", 130429, FailureRetryLater},
		{"(#) beats an earlier code word", "code 131026 then (#131049) limit", "", 131049, FailureRetryLater},
		{"phone number digits", "+44 131026 7788 … (#130429) Rate limit hit", "", 130429, FailureRetryLater},
		{"phone number digits, no code", "could not reach +44 131026 7788", "", 0, FailureUnknown},
		{"phone number with dashes", "number 44-131026-7788 failed", "", 0, FailureUnknown},
		{"phone number group at the end", "sent to 0044 131026", "", 0, FailureUnknown},
		{"identifier", "req-131026 failed", "", 0, FailureUnknown},
		{"identifier underscore", "job_131026 failed", "", 0, FailureUnknown},
		{"identifier suffix", "131026-abc failed", "", 0, FailureUnknown},
		{"decimal", "took 131026.5 ms", "", 0, FailureUnknown},
		{"bare known code", "failed: 131026", "", 131026, FailureRecipient},
		{"bare known code of 5 digits", "failed: 80007", "", 80007, FailureRetryLater},
		{"bare known code of 7 digits", "failed: 2494100", "", 2494100, FailureRetryLater},
		{"bare code after a dash at the start", "-131026 failed", "", 131026, FailureRecipient},
		{"bare code before a dash at the end", "failed 131026-", "", 131026, FailureRecipient},
		{"plus glued to the number", "sent to +131026", "", 0, FailureUnknown},
		{"phone group across brackets", "(44) (131026)", "", 0, FailureUnknown},
		{"phone group after it", "131026 7788", "", 0, FailureUnknown},
		{"8-digit run is not a code, even marked", "(#13102600) x", "", 0, FailureUnknown},
		{"code=", "code=131026", "", 131026, FailureRecipient},
		{"HTTP code words", "HTTP code 500; code 131050", "", 131050, FailureRecipient},
		{"response code words", "response code 400 (code 131026)", "", 131026, FailureRecipient},
		{"error_code", `{"error_code":131031}`, "", 131031, FailureAccount},
		{"errorCode", `{"errorCode":"131048"}`, "", 131048, FailureRetryLater},
		{"country_code is not a code", `{"country_code":131026}`, "", 131026, FailureRecipient},
		{"marked unknown code, then a bare known one", "code 4242 then 131026", "", 4242, FailureUnknown},
		{"first of two equally marked codes", "code 131026, then code 131050", "", 131026, FailureRecipient},
		{"first of two bare codes", "131026 or 131050", "", 131026, FailureRecipient},
		{"bare known code in brackets", "Template paused (132015)", "", 132015, FailureTemplate},
		{"short numbers need a mark", "sent 4 of 10, 2 failed", "", 0, FailureUnknown},
		{"short code marked", "code: 4", "", 4, FailureRetryLater},
		{"hash without bracket", "error #368", "", 368, FailureAccount},
		{"JSON code as string", `{"code":"131048"}`, "", 131048, FailureRetryLater},
		// The reason's marked code is not overridden by the raw body.
		{"reason mark beats raw error.code", "(#131031) Account has been locked",
			`{"request_id":"r","error":{"code":131026}}`, 131031, FailureAccount},
		{"reason code word beats raw errors[]", "code 132001",
			`{"request_id":"r","errors":[{"code":131026}]}`, 132001, FailureTemplate},
		{"raw error.code beats a bare reason number", "failed: 131026",
			`{"request_id":"r","error":{"code":132015}}`, 132015, FailureTemplate},
		{"raw identifier does not override the text", "Template is Paused",
			`{"request_id":"req-131026","trace":"x 131026 y"}`, 0, FailureTemplate},
		{"raw error.code, reason without one", "template_not_sent",
			`{"data":{"request_id":"r","meta":{"errors":[{"code":131053}]}}}`, 131053, FailureTemplate},
		{"raw marked text, reason without one", "template_not_sent",
			`{"data":{"request_id":"r","note":"(#131057) Account in maintenance mode"}}`, 131057, FailureRetryLater},
		{"raw title only", "template_not_sent",
			`{"data":{"request_id":"r","errors":[{"title":"Media upload error"}]}}`, 0, FailureTemplate},
		{"raw error_data details", "template_not_sent",
			`{"data":{"request_id":"r","error":{"error_data":{"details":"Param text cannot have new-line/tab characters or more than 4 consecutive spaces"}}}}`, 0, FailureTemplate},
		{"raw not JSON", "template_not_sent", `not json 131026`, 0, FailureUnknown},
		{"raw code too long", "template_not_sent", `{"error":{"code":13102600}}`, 0, FailureUnknown},
		{"raw code 0 is Meta's AuthException", "template_not_sent", `{"error":{"code":0}}`, 0, FailureAccount},
		{"raw code of wrong type", "template_not_sent", `{"error":{"code":true}}`, 0, FailureUnknown},
		// Titles: the longest wins.
		{"pair rate limit is not rate limit", "(Business Account, Consumer Account) pair rate limit hit", "", 0, FailureRetryLater},
		{"paused too many times is disabled", "Template has been paused too many times due to low quality and is now permanently disabled", "", 0, FailureTemplate},
		{"recipient not registered is not the account's", "Recipient phone number not on WhatsApp", "", 0, FailureRecipient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := (&CallbackEvent{Error: true, Reason: tt.reason, Raw: []byte(tt.raw)}).Failure()
			require.NotNil(t, f)
			assert.Equal(t, tt.code, f.Code)
			assert.Equal(t, tt.class, f.Class)
		})
	}
}

// TestFailureRetryAfterFromTitle: the title of a code with a wait gives the
// wait; a title decides only when the code is absent or unknown.
func TestFailureRetryAfterFromTitle(t *testing.T) {
	f := (&CallbackEvent{Error: true, Reason: "(#134101) Your template is still syncing"}).Failure()
	assert.Equal(t, 10*time.Minute, f.RetryAfter)
	f = (&CallbackEvent{Error: true, Reason: "Flow is throttled"}).Failure()
	assert.Equal(t, FailureRetryLater, f.Class)
	assert.Equal(t, time.Hour, f.RetryAfter)
	// A known code wins over another code's title in the same message.
	f = (&CallbackEvent{Error: true, Reason: "(#131026) Rate limit hit"}).Failure()
	assert.Equal(t, FailureRecipient, f.Class)
	assert.Zero(t, f.RetryAfter)
}

// TestFailureMessageBidi: bidi overrides, isolates, marks and zero-width
// characters are removed; line breaks and other controls become spaces;
// the cap falls on a character boundary.
func TestFailureMessageBidi(t *testing.T) {
	for _, r := range []rune{'\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c', '\u200b', '\ufeff'} {
		f := (&CallbackEvent{Error: true, Reason: "a" + string(r) + "b"}).Failure()
		assert.Equal(t, "ab", f.Message, "%U", r)
	}
	for _, r := range []rune{'\n', '\r', '\t', '\x00', '\x7f', '\u0085', '\u2028', '\u2029'} {
		f := (&CallbackEvent{Error: true, Reason: "a" + string(r) + "b"}).Failure()
		assert.Equal(t, "a b", f.Message, "%U", r)
	}
	f := (&CallbackEvent{Error: true, Reason: "ok \xff\xfe bytes"}).Failure()
	assert.Equal(t, "ok  bytes", f.Message)
	long := strings.Repeat("é", maxFailureMessage) // 2 bytes each
	f = (&CallbackEvent{Error: true, Reason: "x" + long}).Failure()
	assert.True(t, utf8.ValidString(f.Message))
	assert.LessOrEqual(t, len(f.Message), maxFailureMessage)
	assert.GreaterOrEqual(t, len(f.Message), maxFailureMessage-1)
	f = (&CallbackEvent{Error: true, Reason: strings.Repeat("\u202e", 10*maxFailureMessage) + "tail"}).Failure()
	assert.Empty(t, f.Message, "the input is cut before it is filtered: a flood of removed characters stays bounded")
}

// TestFailureRawCap: a raw body up to 64 KiB is read for a code; a larger
// one is not (the reason still is).
func TestFailureRawCap(t *testing.T) {
	body := func(size int) []byte {
		head := `{"error":{"code":131026},"pad":"`
		return []byte(head + strings.Repeat("x", size-len(head)-2) + `"}`)
	}
	at := body(maxFailureRaw)
	require.Len(t, at, maxFailureRaw)
	f := (&CallbackEvent{Error: true, Reason: "template_not_sent", Raw: at}).Failure()
	assert.Equal(t, 131026, f.Code)
	f = (&CallbackEvent{Error: true, Reason: "template_not_sent", Raw: body(maxFailureRaw + 1)}).Failure()
	assert.Equal(t, 0, f.Code)
	assert.Equal(t, FailureUnknown, f.Class)
	f = (&CallbackEvent{Error: true, Reason: "(#131050) x", Raw: body(maxFailureRaw + 1)}).Failure()
	assert.Equal(t, 131050, f.Code)
}

// TestFailureRawDepth: error objects are looked for 8 levels deep, no
// deeper (a code marked in the raw text is found at any depth; a title
// is not).
func TestFailureRawDepth(t *testing.T) {
	nest := func(depth int) []byte {
		return []byte(strings.Repeat(`{"a":`, depth) + `{"errors":[{"title":"Media upload error"}]}` + strings.Repeat(`}`, depth))
	}
	f := (&CallbackEvent{Error: true, Reason: "r", Raw: nest(8)}).Failure()
	assert.Equal(t, FailureTemplate, f.Class, "depth 8")
	f = (&CallbackEvent{Error: true, Reason: "r", Raw: nest(9)}).Failure()
	assert.Equal(t, FailureUnknown, f.Class, "depth 9 is too deep")
}
