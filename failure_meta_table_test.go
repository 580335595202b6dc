package crispwa

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// metaTable is Meta's published WhatsApp Cloud API error table, written
// down here independently of failure.go so that one audits the other:
// code, Meta's English title (as "(#code) title" messages carry it; "" when
// the title is another code's too), and the class and wait read from the
// page's "possible reasons and solutions" column. Source:
// https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes
// (docs/failures.md gives the reasons row by row).
var metaTable = []struct {
	code  int
	title string
	class FailureClass
	after time.Duration
}{
	// Authorization.
	{0, "AuthException", FailureAccount, 0},
	{3, "API Method", FailureAccount, 0},
	{10, "Permission denied", FailureAccount, 0},
	{190, "Access token has expired", FailureAccount, 0},
	{200, "API Permission", FailureAccount, 0},
	{250, "", FailureAccount, 0},
	{299, "", FailureAccount, 0},
	// Integrity.
	{368, "Temporarily blocked for policies violations", FailureAccount, 0},
	{130497, "Business account is restricted from messaging users in this country", FailureRecipient, 0},
	{131031, "Account has been locked", FailureAccount, 0},
	// Throttling.
	{4, "Application request limit reached", FailureRetryLater, time.Minute},
	{80007, "Rate limit issues", FailureRetryLater, time.Minute},
	{130429, "Rate limit hit", FailureRetryLater, time.Minute},
	{131048, "Spam rate limit hit", FailureRetryLater, 24 * time.Hour},
	{131056, "(Business Account, Consumer Account) pair rate limit hit", FailureRetryLater, time.Minute},
	{131064, "Message limit reached due to template classification violations", FailureRetryLater, 0},
	{133016, "Account register or deregister rate limit exceeded", FailureRetryLater, 0},
	// Other errors.
	{1, "API Unknown", FailureRetryLater, 0},
	{2, "API Service", FailureRetryLater, 0},
	{33, "", FailureAccount, 0},
	{100, "Invalid parameter", FailureTemplate, 0},
	{130472, "User's number is part of an experiment", FailureRecipient, 0},
	{131000, "Something went wrong", FailureRetryLater, 0},
	{131005, "Access denied", FailureAccount, 0},
	{131008, "Required parameter is missing", FailureTemplate, 0},
	{131009, "Parameter value is not valid", FailureTemplate, 0},
	{131016, "Service unavailable", FailureRetryLater, 0},
	{131021, "Recipient cannot be sender", FailureRecipient, 0},
	{131026, "Message Undeliverable", FailureRecipient, 0},
	{131037, "WhatsApp provided number needs display name approval before message can be sent", FailureAccount, 0},
	{131042, "Business eligibility payment issue", FailureAccount, 0},
	{131045, "Incorrect certificate", FailureAccount, 0},
	{131047, "Re-engagement message", FailureTemplate, 0},
	{131049, "This message was not delivered to maintain healthy ecosystem engagement.", FailureRetryLater, 24 * time.Hour},
	{131050, "User has stopped marketing messages", FailureRecipient, 0},
	{131051, "Unsupported message type", FailureTemplate, 0},
	{131052, "Media download error", FailureUnknown, 0},
	{131053, "Media upload error", FailureTemplate, 0},
	{131055, "", FailureTemplate, 0},
	{131057, "Account in maintenance mode", FailureRetryLater, 0},
	{131063, "Marketing templates disabled for Cloud API", FailureAccount, 0},
	{132000, "Template Param Count Mismatch", FailureTemplate, 0},
	{132001, "Template does not exist", FailureTemplate, 0},
	{132005, "Template Hydrated Text Too Long", FailureTemplate, 0},
	{132007, "Template Format Character Policy Violated", FailureTemplate, 0},
	{132012, "Template Parameter Format Mismatch", FailureTemplate, 0},
	{132015, "Template is Paused", FailureTemplate, 0},
	{132016, "Template is Disabled", FailureTemplate, 0},
	{132018, "There was an issue with the parameters in your template.", FailureTemplate, 0},
	{132068, "Flow is blocked", FailureTemplate, 0},
	{132069, "Flow is throttled", FailureRetryLater, time.Hour},
	{133000, "Incomplete deregistration", FailureAccount, 0},
	{133004, "Server temporarily unavailable", FailureRetryLater, 0},
	{133005, "Two step verification PIN Mismatch", FailureAccount, 0},
	{133006, "Phone number re-verification needed", FailureAccount, 0},
	{133008, "Too many two step verification PIN guesses", FailureAccount, 0},
	{133009, "Two step verification PIN guessed too fast", FailureAccount, 0},
	{133010, "", FailureAccount, 0},
	{133015, "Please wait a few minutes before attempting to register this phone number", FailureRetryLater, 5 * time.Minute},
	{134011, "WhatsApp Payments terms of service have not been accepted", FailureAccount, 0},
	{134100, "Only marketing messages supported", FailureTemplate, 0},
	{134101, "Your template is still syncing", FailureRetryLater, 10 * time.Minute},
	{134102, "Template unavailable for use", FailureAccount, 0},
	{135000, "Generic user error", FailureTemplate, 0},
	{2494100, "", FailureRetryLater, 0},
}

// TestFailureMetaTable: every code of Meta's table is classed as the table
// says, whether the code comes in Meta's message ("(#code) title"), as
// "code N", only in the raw body's errors[].code or error.code (the reason
// being Crisp's "template_not_sent"), and from its title alone.
func TestFailureMetaTable(t *testing.T) {
	for _, row := range metaTable {
		forms := map[string]*CallbackEvent{
			"(#code) title": {Error: true, Reason: fmt.Sprintf("(#%d) %s", row.code, row.title)},
			"title (code)":  {Error: true, Reason: fmt.Sprintf("%s (code %d)", row.title, row.code)},
			"errors[].code": {Error: true, Reason: "template_not_sent",
				Raw: []byte(fmt.Sprintf(`{"error":true,"reason":"template_not_sent","data":{"request_id":"r","errors":[{"code":%d,"title":"x"}]}}`, row.code))},
			"error.code": {Error: true, Reason: "template_not_sent",
				Raw: []byte(fmt.Sprintf(`{"error":true,"data":{"request_id":"r","error":{"code":"%d","message":"x"}}}`, row.code))},
		}
		for form, ev := range forms {
			f := ev.Failure()
			if assert.NotNil(t, f) {
				assert.Equal(t, row.code, f.Code, "%d %s", row.code, form)
				assert.Equal(t, row.class, f.Class, "%d %s", row.code, form)
				assert.Equal(t, row.after, f.RetryAfter, "%d %s", row.code, form)
			}
		}
		if row.title == "" || row.class == FailureUnknown {
			continue
		}
		f := (&CallbackEvent{Error: true, Reason: row.title}).Failure()
		assert.Equal(t, 0, f.Code, "title alone %q gives no code", row.title)
		assert.Equal(t, row.class, f.Class, "title alone %q", row.title)
		assert.Equal(t, row.after, f.RetryAfter, "title alone %q", row.title)
	}
}

// TestFailureTableCoversMeta: failure.go's table holds every code of the
// audit table and no other, so neither drifts from Meta's page alone.
func TestFailureTableCoversMeta(t *testing.T) {
	audit := map[int]bool{}
	for _, row := range metaTable {
		_, ok := lookupMetaError(row.code)
		assert.True(t, ok, "%d missing from metaErrors", row.code)
		audit[row.code] = true
	}
	for code := range metaErrors {
		assert.True(t, audit[code], "%d in metaErrors but not audited", code)
	}
}

// TestMetaPhrasesUnique: no title or phrase belongs to two codes (a shared
// one is left out of failure.go's table), and every phrase is lower-case,
// as codeFromPhrases compares it.
func TestMetaPhrasesUnique(t *testing.T) {
	owner := map[string]int{}
	for _, p := range metaPhrases() {
		if prev, ok := owner[p.text]; ok {
			t.Errorf("%q is both %d's and %d's", p.text, prev, p.code)
		}
		owner[p.text] = p.code
		assert.Equal(t, strings.ToLower(p.text), p.text)
	}
	for i := 1; i < len(metaPhrases()); i++ {
		assert.GreaterOrEqual(t, len(metaPhrases()[i-1].text), len(metaPhrases()[i].text), "longest first")
	}
}
