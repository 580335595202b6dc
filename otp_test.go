package crispwa

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAuthenticationCode: one Code fills the body and the OTP button, for
// a creation payload (no body text, otp button) and for the same template
// as Meta lists it (Meta's text, a URL button with Meta's OTP link); Render
// shows what the phone shows, code included; Check refuses two codes.
func TestAuthenticationCode(t *testing.T) {
	created := realworldTemplate(t, "meta_authentication_code_copy_code_button")
	created.Status = StatusApproved
	listed := realworldTemplate(t, "chatwoot_otp_verification")
	listed.Status = StatusApproved
	var oneTap Template
	require.NoError(t, json.Unmarshal([]byte(`{"name":"otp_tap","language":"en","status":"APPROVED","category":"AUTHENTICATION",
		"components":[{"type":"BODY"},{"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"ONE_TAP"}]}]}`), &oneTap))

	tests := []struct {
		name   string
		tpl    *Template
		v      TemplateValues
		render string
	}{
		{"creation payload", created, TemplateValues{Code: "J$FpnYnP"},
			"J$FpnYnP is your verification code. For your security, do not share this code.\n\nThis code expires in 5 minutes.\n\n[Copy Code: J$FpnYnP]"},
		{"as listed", listed, TemplateValues{Code: "482913", Body: []string{"482913", "$12.00"}},
			"Use code *482913* to verify your transaction of $12.00.\n\n[Copy code: 482913]"},
		{"one tap, Meta's default label", &oneTap, TemplateValues{Code: "1234"},
			"1234 is your verification code.\n\n[Autofill: 1234]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.tpl.Build(tt.v)
			require.NoError(t, err)
			require.NoError(t, tt.tpl.Check(m))
			body, button := m.Components[0], m.Components[1]
			assert.Equal(t, tt.v.Code, body.Parameters[0].Text)
			assert.Equal(t, URLButton(0, tt.v.Code).Parameters, button.Parameters)
			assert.Equal(t, SubTypeURL, button.SubType)
			assert.Contains(t, body.Text, tt.v.Code, "the inbox shows the code")

			got, err := tt.tpl.Render(tt.v)
			require.NoError(t, err)
			assert.Equal(t, tt.render, got)

			// Two different codes: Check refuses, Build too.
			m.Components[1] = URLButton(0, "999999")
			err = tt.tpl.Check(m)
			assert.ErrorIs(t, err, ErrInvalidRequest)
			assert.ErrorContains(t, err, `button[0].parameters[0].text: is "999999" but the body's code is "`+tt.v.Code+`"`)
			v := tt.v
			v.Buttons = map[int]string{0: "999999"}
			_, err = tt.tpl.Build(v)
			assert.ErrorContains(t, err, `button[0]: is "999999" but Code is "`+tt.v.Code+`"`)
		})
	}

	// The same code given in Buttons as well is fine; Code on another
	// category, or a body value differing from Code, is refused.
	_, err := created.Build(TemplateValues{Code: "1234", Buttons: map[int]string{0: "1234"}})
	assert.NoError(t, err)
	_, err = ckOrderTemplate().Build(TemplateValues{Code: "1234"})
	assert.ErrorContains(t, err, "code: the template is UTILITY, not AUTHENTICATION")
	_, err = created.Build(TemplateValues{Code: "1234", Body: []string{"9999"}})
	assert.ErrorContains(t, err, `body: {{1}} is "9999" but Code is "1234"`)
	// The code is at most 15 characters, on the URL button Meta lists too.
	_, err = listed.Build(TemplateValues{Code: "1234567890123456", Body: []string{"1234567890123456", "$1"}})
	assert.ErrorContains(t, err, "is 16 characters; the template's URL button \"Copy code\" takes at most 15")
	_, err = listed.Build(TemplateValues{Code: "123456789012345", Body: []string{"123456789012345", "$1"}})
	assert.NoError(t, err)
}
