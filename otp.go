package crispwa

import (
	"fmt"
	"strings"
)

// Authentication templates (one-time codes): Meta's fixed body "{{1}} is
// your verification code.", an optional security recommendation and
// expiry footer, and one OTP button (copy code, one tap or zero tap) that
// carries the same code. Meta's documentation:
// https://developers.facebook.com/docs/whatsapp/business-management-api/authentication-templates
// https://developers.facebook.com/docs/whatsapp/business-management-api/authentication-templates/copy-code-button-authentication-templates

// CategoryAuthentication is the Template.Category of one-time-code
// templates, whose body and button carry the same code.
const CategoryAuthentication = "AUTHENTICATION"

// Meta's fixed texts of an authentication template, in English; a
// template listed by the API carries them in its own language, and Render
// shows the template's text when it has one.
const (
	authBodyText           = "{{1}} is your verification code."
	authSecurityText       = "For your security, do not share this code."
	authExpiryTextFormat   = "This code expires in %d minutes."
	authCopyCodeButtonText = "Copy code"
	authOneTapButtonText   = "Autofill"
)

// authTexts completes the shape of an authentication template. Its body
// and footer texts are Meta's own: a creation payload leaves them out
// (with add_security_recommendation and code_expiration_minutes), and the
// shape then carries Meta's English texts, so that Build gives the Crisp
// inbox, and Render the preview, what the phone shows. The URL button Meta
// lists an OTP button as carries the code (at most 15 characters).
func (s *templateShape) authTexts() {
	if b := s.body; b != nil && b.Text == "" {
		text := authBodyText
		if b.AddSecurityRecommendation {
			text += " " + authSecurityText
		}
		s.body = &TemplateComponent{Type: b.Type, Text: text, AddSecurityRecommendation: b.AddSecurityRecommendation}
		s.bodyParams = placeholders(text, s.named)
	}
	if f := s.footer; f != nil && f.Text == "" && f.CodeExpirationMinutes > 0 {
		s.footer = &TemplateComponent{Type: f.Type, Text: fmt.Sprintf(authExpiryTextFormat, f.CodeExpirationMinutes), CodeExpirationMinutes: f.CodeExpirationMinutes}
	}
	for k := range s.buttons {
		if b := &s.buttons[k]; strings.EqualFold(b.Type, ButtonURL) || strings.EqualFold(b.Type, ButtonOTP) {
			b.otp, b.rule.maxLen = true, maxOTPCode
		}
	}
}

// otpButtonLabel is what an OTP button shows: its text, else Meta's
// default for its kind.
func otpButtonLabel(b TemplateButton) string {
	switch {
	case b.Text != "":
		return b.Text
	case strings.EqualFold(b.OTPType, "ONE_TAP"):
		return authOneTapButtonText
	}
	return authCopyCodeButtonText
}

// checkAuthCode refuses an authentication send whose body code differs
// from its button code: the customer would read one code and copy
// another.
func (c *tmplChecker) checkAuthCode(prefix string, part *partShape, pc *partComponents) {
	if !c.shape.auth || pc.body == nil || len(pc.body.Parameters) == 0 || pc.body.Parameters[0].Type != ParamText {
		return
	}
	code := pc.body.Parameters[0].Text
	for _, mc := range pc.buttons {
		k := *mc.Index
		if k < 0 || k >= len(part.buttons) || !part.buttons[k].otp || len(mc.Parameters) != 1 || mc.Parameters[0].Type != ParamText {
			continue
		}
		if got := mc.Parameters[0].Text; got != code {
			c.add(paramField(prefix+buttonField(k), 0)+".text", "is %q but the body's code is %q: an authentication template shows and copies one code; "+
				"give the same to both (TemplateValues.Code fills both)", truncate(got), truncate(code))
		}
	}
}
