package crispwa

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestFailureCodeNotReadInIdentifiersOrPhones: a known code glued to a
// letter (either case, 'z' included), joined to a word ("a-131026"), or
// part of a phone number ("+131026", "5 131026") is not read as a code;
// standing alone it is.
func TestFailureCodeNotReadInIdentifiersOrPhones(t *testing.T) {
	tests := []struct {
		reason string
		code   int
	}{
		{"failed 131026", 131026},
		{"131026", 131026},
		{"a-131026", 0},
		{"a_131026", 0},
		{"z131026", 0},
		{"Z131026", 0},
		{"a131026", 0},
		{"131026z", 0},
		{"+131026", 0},
		{"5 131026", 0},
		{"5-131026", 0},
		{"(5) 131026", 0},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			f := (&CallbackEvent{Error: true, Reason: tt.reason}).Failure()
			assert.Equal(t, tt.code, f.Code)
		})
	}
}

// TestFailureRawCodeLength: the code of a raw error object has at most 7
// digits (Meta's longest, 2494100, counts and beats a bare code in the
// reason); a longer one is ignored.
func TestFailureRawCodeLength(t *testing.T) {
	f := (&CallbackEvent{Error: true, Reason: "failed 131026", Raw: []byte(`{"error":{"code":2494100}}`)}).Failure()
	assert.Equal(t, 2494100, f.Code)
	assert.Equal(t, FailureRetryLater, f.Class)
	f = (&CallbackEvent{Error: true, Reason: "failed 131026", Raw: []byte(`{"error":{"code":"2494100"}}`)}).Failure()
	assert.Equal(t, 2494100, f.Code)
	f = (&CallbackEvent{Error: true, Reason: "failed 131026", Raw: []byte(`{"error":{"code":24941000}}`)}).Failure()
	assert.Equal(t, 131026, f.Code)
	assert.Equal(t, FailureRecipient, f.Class)
}

// TestFailureRawDepthThroughArrays: arrays count as levels too: an error
// object under 8 nested arrays is read, under 9 it is not.
func TestFailureRawDepthThroughArrays(t *testing.T) {
	nest := func(depth int) []byte {
		return []byte(strings.Repeat(`[`, depth) + `{"errors":[{"title":"Media upload error"}]}` + strings.Repeat(`]`, depth))
	}
	f := (&CallbackEvent{Error: true, Reason: "r", Raw: nest(8)}).Failure()
	assert.Equal(t, FailureTemplate, f.Class, "depth 8")
	f = (&CallbackEvent{Error: true, Reason: "r", Raw: nest(9)}).Failure()
	assert.Equal(t, FailureUnknown, f.Class, "depth 9 is too deep")
}

// TestFailureSamePhraseLength: when a reason holds two known phrases of
// the same length, the alphabetically first decides, so that the class
// never depends on the order of a map.
func TestFailureSamePhraseLength(t *testing.T) {
	// "flow is blocked" (132068, template) and "not on whatsapp" (131026,
	// recipient) both have 15 characters.
	for _, reason := range []string{"not on WhatsApp; flow is blocked", "flow is blocked; not on WhatsApp"} {
		f := (&CallbackEvent{Error: true, Reason: reason}).Failure()
		assert.Equal(t, FailureTemplate, f.Class, reason)
	}
}

// TestFailureMessageCap: the message keeps up to 512 bytes, exactly 512
// included, and a reason far over the cap still gives its first 512.
func TestFailureMessageCap(t *testing.T) {
	for _, n := range []int{511, 512, 513, 2047, 2048, 2049, 5000} {
		f := (&CallbackEvent{Error: true, Reason: strings.Repeat("a", n)}).Failure()
		assert.Equal(t, strings.Repeat("a", min(n, 512)), f.Message, "length %d", n)
	}
	f := (&CallbackEvent{Error: true, Reason: strings.Repeat("é", 3000)}).Failure()
	assert.Equal(t, strings.Repeat("é", 256), f.Message)
}
