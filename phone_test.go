package crispwa

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		name, in, region, want string
	}{
		{"E.164", "+33612345678", "", "+33612345678"},
		{"00 prefix", "0033612345678", "", "+33612345678"},
		{"country code without plus", "33612345678", "", "+33612345678"},
		{"spaces", "+33 6 12 34 56 78", "", "+33612345678"},
		{"dashes", "+33-6-12-34-56-78", "", "+33612345678"},
		{"dots", "+33.6.12.34.56.78", "", "+33612345678"},
		{"brackets and trunk zero", "+33 (0)6 12 34 56 78", "", "+33612345678"},
		{"surrounding blanks", "  +33612345678 ", "", "+33612345678"},
		{"00 with spaces", "00 33 6 12 34 56 78", "", "+33612345678"},
		{"national with region", "06 12 34 56 78", "FR", "+33612345678"},
		{"national with lower-case region", "0612345678", "fr", "+33612345678"},
		{"national without trunk zero", "612345678", "FR", "+33612345678"},
		{"country code without plus, region given", "33612345678", "FR", "+33612345678"},
		{"other country without plus, region given", "447911123456", "FR", "+447911123456"},
		{"00 with region", "0033612345678", "FR", "+33612345678"},
		{"00 other country with US region", "00447911123456", "US", "+447911123456"},
		{"plus beats region", "+447911123456", "FR", "+447911123456"},
		{"US brackets", "+1 (202) 555-0143", "", "+12025550143"},
		{"US national", "(202) 555-0143", "US", "+12025550143"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizePhone(tt.in, tt.region)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNormalizePhoneRefuses(t *testing.T) {
	tests := []struct {
		name, in, region, reason string
	}{
		{"empty", "", "", "not a phone number"},
		{"letters", "+3361234567a", "", "not a phone number"},
		{"vanity letters", "1-800-FLOWERS", "US", "not a phone number"},
		{"double plus", "++33612345678", "", "not a phone number"},
		{"plus inside", "33+612345678", "", "not a phone number"},
		{"too long input", "+33612345678" + string(make([]byte, 100)), "", "not a phone number"},
		{"over the size cap, blanks only", "+33612345678" + strings.Repeat(" ", maxPhoneInput), "", "not a phone number"},
		{"NUL inside", "+3361234\x005678", "", "not a phone number"},
		{"letters with ext-like marker", "+33612345678 extra", "", "not a phone number"},
		{"ext without digits", "+1 202 555 0143 ext", "", "not a phone number"},
		{"extension only", "x12", "", "not a phone number"},
		{"hash only", "#123", "", "not a phone number"},
		{"tel prefix only", "tel:", "", "not a phone number"},
		{"tel inside", "+33 tel:612345678", "", "not a phone number"},
		{"letters in Arabic text", "+٩٦٦ ٥٠ abc", "", "not a phone number"},
		{"Brazil mobile without its ninth digit", "+55 11 8765-4321", "", "without its ninth digit"},
		{"Brazil national mobile without its ninth digit", "(11) 8765-4321", "BR", "without its ninth digit"},
		{"Brazil landline too short is not a mobile", "+55 11 2345-678", "", "not a valid phone number for its country (BR)"},
		{"Mexico 521 with too few digits", "+521 55 1234 567", "", "not a valid phone number for its country (MX)"},
		{"national without region", "0612345678", "", "no country code and no default region"},
		{"too short for France", "+3361234567", "", "not a valid phone number for its country (FR)"},
		{"too long for France", "+336123456789", "", "not a valid phone number for its country (FR)"},
		{"unassigned French range", "+33012345678", "", "not a valid phone number"},
		{"no such country code", "+999123456789", "", "not a valid phone number"},
		{"national too short", "061234567", "FR", "not a valid phone number"},
		{"unknown region", "0612345678", "XX", "unknown default region"},
		{"region not a code", "0612345678", "France", "unknown default region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizePhone(tt.in, tt.region)
			assert.Empty(t, got)
			require.ErrorIs(t, err, ErrInvalidRequest)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "number", ve.Field)
			assert.Contains(t, ve.Reason, tt.reason)
			if len(tt.in) > 4 {
				assert.NotContains(t, err.Error(), tt.in, "the number is not repeated in the error")
			}
		})
	}
}

// TestSendCanonicalNumbers: every spelling of one person goes on the wire as
// the same +E.164 number, and the caller's request is left as written.
func TestSendCanonicalNumbers(t *testing.T) {
	for _, spelling := range []string{"+33612345678", "0033612345678", "33612345678", "+33 6 12-34-56-78", "+33 (0)6 12 34 56 78"} {
		t.Run(spelling, func(t *testing.T) {
			var wire SendTemplateRequest
			c, _, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				b, err := io.ReadAll(r.Body)
				assert.NoError(t, err)
				assert.NoError(t, json.Unmarshal(b, &wire))
				okSend(w, r)
			})
			req := validSend()
			req.To, req.From = spelling, "+33 1 00 00 00 00"
			_, err := c.Templates.Send(context.Background(), req)
			require.NoError(t, err)
			assert.Equal(t, "+33612345678", wire.To)
			assert.Equal(t, "+33100000000", wire.From)
			assert.Equal(t, spelling, req.To, "the caller's request is not modified")
		})
	}
}

func TestValidateRefusesInvalidNumbers(t *testing.T) {
	for field, edit := range map[string]func(r *SendTemplateRequest){
		"to_number":   func(r *SendTemplateRequest) { r.To = "+3361234567" },
		"from_number": func(r *SendTemplateRequest) { r.From = "0100000000" },
	} {
		r := validSend()
		edit(r)
		err := r.Validate()
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, field)
		assert.Equal(t, field, ve.Field)
	}
}

func BenchmarkNormalizePhone(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NormalizePhone("+33 6 12 34 56 78", ""); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzNormalizePhone: never panics; a canonical number is "+" and digits,
// and normalising it again gives it back.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"+33612345678", "0033 6 12 34 56 78", "06 12 34 56 78", "1-800-FLOWERS", "++", "(0)", "+1 (202) 555-0143"} {
		f.Add(s, "FR")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, number, region string) {
		got, err := NormalizePhone(number, region)
		if err != nil {
			if got != "" {
				t.Fatalf("%q with an error", got)
			}
			return
		}
		if d, plus, ok := phoneDigits(got); !ok || !plus || "+"+d != got {
			t.Fatalf("not canonical: %q", got)
		}
		again, err := NormalizePhone(got, "")
		if err != nil || again != got {
			t.Fatalf("NormalizePhone(%q) = %q, %v; want it back", got, again, err)
		}
	})
}

// TestValidateBuildsFieldNamesOnlyOnError: a valid request's allocations do
// not grow with its components (field names are built only to report).
func TestValidateBuildsFieldNamesOnlyOnError(t *testing.T) {
	small := validSend()
	big := validSend()
	for i := range 20 {
		big.Template.Components = append(big.Template.Components, URLButton(i, "x"), QuickReplyButton(i, "p"))
	}
	a := testing.AllocsPerRun(50, func() { _ = small.Validate() })
	b := testing.AllocsPerRun(50, func() { _ = big.Validate() })
	// 40 components would add 80 allocations if names were built; allow
	// the noise of -race and of libphonenumber's internal caches.
	assert.InDelta(t, a, b, 5, "allocations of a valid request do not depend on its size")
}
