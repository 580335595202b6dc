package crispwa

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNormalizePhoneEdges: the edges of what NormalizePhone reads: the
// input cap (128 bytes, exactly 128 included), the shortest number it
// parses (3 digits), an input without any digit, every bidi control at
// the ends of its ranges (dropped), the Brazilian ninth-digit rule at its
// lowest and highest first digit, and an unknown region quoted up to 8
// bytes.
func TestNormalizePhoneEdges(t *testing.T) {
	const fr = "+33 6 12 34 56 78"
	tests := []struct {
		name, number, region string
		want                 string // E.164, or the reason's expected part when wantErr
		wantErr              bool
	}{
		{"input of 128 bytes", fr + strings.Repeat(" ", 128-len(fr)), "", "+33612345678", false},
		{"input of 129 bytes", fr + strings.Repeat(" ", 129-len(fr)), "", "is not a phone number: want digits", true},
		{"2 digits", "+12", "", "is not a phone number: too short", true},
		{"3 digits are parsed", "+123", "", "is not a valid phone number", true},
		{"no digit at all", "()", "", "is not a phone number: want digits", true},
		{"empty", "", "", "is not a phone number: want digits", true},
		{"U+202A dropped", "+33\u202a612345678", "", "+33612345678", false},
		{"U+202E dropped", "+33\u202e612345678", "", "+33612345678", false},
		{"U+2066 dropped", "+33\u2066612345678", "", "+33612345678", false},
		{"U+2069 dropped", "+33\u2069612345678", "", "+33612345678", false},
		{"U+2065 refused", "+33\u2065612345678", "", "is not a phone number", true},
		{"U+0001 refused", "+33\x01612345678", "", "is not a phone number", true},
		{"U+206A refused", "+33\u206a612345678", "", "is not a phone number", true},
		{"Brazil ninth digit, first digit 6", "+55 11 6123-4567", "", "without its ninth digit", true},
		{"Brazil ninth digit, first digit 9", "+55 11 9123-4567", "", "without its ninth digit", true},
		{"region of 8 bytes quoted whole", fr, "ABCDEFGH", `unknown default region "ABCDEFGH":`, true},
		{"region of 9 bytes cut", fr, "ABCDEFGHI", `unknown default region "ABCDEFGH...":`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizePhone(tt.number, tt.region)
			if !tt.wantErr {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			require.Error(t, err)
			var ve *ValidationError
			require.True(t, errors.As(err, &ve))
			assert.Contains(t, ve.Reason, tt.want)
			if strings.Contains(tt.want, "valid phone number") || strings.Contains(tt.want, "want digits") {
				assert.NotContains(t, ve.Reason, "too short")
			}
		})
	}
}
