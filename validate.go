package crispwa

import "fmt"

// Validate checks a send request locally, without knowing the template: both
// phone numbers, the template's name and language, the Crisp options, and
// the shape of each component and text parameter. It returns the first
// problem as a *ValidationError. It does not check the parameters against
// the template; Template.Check does.
func (r *SendTemplateRequest) Validate() error {
	switch {
	case r == nil:
		return invalid("request", "is nil")
	case !isPhoneNumber(r.From):
		return invalid("from_number", "must be a phone number: optional '+', then 8 to 15 digits")
	case !isPhoneNumber(r.To):
		return invalid("to_number", "must be a phone number: optional '+', then 8 to 15 digits")
	case r.Template.Name == "":
		return invalid("message_template.name", "is empty")
	case r.Template.Language == "":
		return invalid("message_template.language", "is empty")
	}
	if o := r.Options; o != nil {
		if o.Type != "" && o.Type != "note" && o.Type != "text" {
			return invalid("crisp_options.type", "must be \"note\" or \"text\", got %q", o.Type)
		}
		if o.User != nil && o.User.UserID == "" {
			return invalid("crisp_options.user.user_id", "is empty")
		}
	}
	for i, c := range r.Template.Components {
		field := fmt.Sprintf("message_template.components[%d]", i)
		if c.Type == "" {
			return invalid(field+".type", "is empty")
		}
		for j, p := range c.Parameters {
			pf := fmt.Sprintf("%s.parameters[%d]", field, j)
			if p.Type == "" {
				return invalid(pf+".type", "is empty")
			}
			if p.Type == "text" && p.Text == "" {
				return invalid(pf+".text", "a text parameter needs a text")
			}
		}
	}
	return nil
}

// prepare validates r and returns the request exactly as it goes on the
// wire. Send marshals what prepare returns, never r itself, so that
// normalisation (canonical phone numbers, ...) lives in one place.
func (r *SendTemplateRequest) prepare() (*SendTemplateRequest, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// isPhoneNumber accepts an optional leading '+' followed by 8 to 15 digits.
func isPhoneNumber(s string) bool {
	if len(s) > 0 && s[0] == '+' {
		s = s[1:]
	}
	if len(s) < 8 || len(s) > 15 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
