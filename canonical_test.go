package crispwa_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
)

// Canonical refuses what Validate refuses, with the same error, and
// otherwise returns a copy with both numbers canonical, the request left
// as it was.
func TestCanonical(t *testing.T) {
	tmpl := crispwa.MessageTemplate{Name: "hello", Language: "en_US"}
	for _, tc := range []struct {
		name     string
		req      crispwa.SendTemplateRequest
		from, to string
		field    string // the *ValidationError's field; "" when valid
	}{
		{"canonical already", crispwa.SendTemplateRequest{From: "+33100000000", To: "+33612345678", Template: tmpl}, "+33100000000", "+33612345678", ""},
		{"other spellings", crispwa.SendTemplateRequest{From: "0033 1 00 00 00 00", To: "+33 6 12-34-56-78", Template: tmpl}, "+33100000000", "+33612345678", ""},
		{"bad recipient", crispwa.SendTemplateRequest{From: "+33100000000", To: "12", Template: tmpl}, "", "", "to_number"},
		{"bad sender", crispwa.SendTemplateRequest{From: "abc", To: "+33612345678", Template: tmpl}, "", "", "from_number"},
		{"no template", crispwa.SendTemplateRequest{From: "+33100000000", To: "+33612345678"}, "", "", "message_template.name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.req
			got, err := tc.req.Canonical()
			assert.Equal(t, before, tc.req, "the request is left untouched")
			verr := tc.req.Validate()
			if tc.field != "" {
				var v *crispwa.ValidationError
				require.True(t, errors.As(err, &v), "%v", err)
				assert.Equal(t, tc.field, v.Field)
				assert.Equal(t, verr, err, "the error Validate gives")
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			require.NoError(t, verr)
			assert.Equal(t, tc.from, got.From)
			assert.Equal(t, tc.to, got.To)
			assert.Equal(t, tc.req.Template, got.Template)
		})
	}
}
