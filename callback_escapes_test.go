package crispwa

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Strings with JSON escapes are decoded before they are read as a number or
// a boolean: the fast path for plain strings must not take escaped ones.
func TestParseCallbackEscapedStrings(t *testing.T) {
	tests := []struct {
		body  string
		fp    int64
		isErr bool
	}{
		{`{"request_id":"a","crisp_fingerprint":"\u0031\u0032"}`, 12, false},
		{`{"request_id":"a","error":"\u0066alse"}`, 0, false},
		{`{"request_id":"a","error":"\u0000"}`, 0, true},
	}
	for _, tt := range tests {
		ev, err := ParseCallback([]byte(tt.body))
		require.NoError(t, err, tt.body)
		assert.Equal(t, tt.fp, ev.CrispFingerprint, tt.body)
		assert.Equal(t, tt.isErr, ev.Error, tt.body)
	}
	_, err := ParseCallback([]byte(`{"request_id":"a","crisp_fingerprint":"\u003"}`))
	assert.ErrorIs(t, err, ErrInvalidCallback, "a broken escape is a clear error")
}
