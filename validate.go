package crispwa

// Crisp options types (CrispOptions.Type): how the Crisp inbox records a
// send.
const (
	// CrispTypeNote records the send as a private note (Crisp's default):
	// the whole message when the components carry Text, else only the
	// template's name and language.
	CrispTypeNote string = "note"
	// CrispTypeText records the send as a message from the business; the
	// components must carry Text (Template.Build fills it).
	CrispTypeText string = "text"
)

// Validate checks a send request locally, without knowing the template: both
// phone numbers, the template's name and language, the Crisp options, and
// the shape of each component and text parameter. It returns the first
// problem as a *ValidationError. It does not check the parameters against
// the template; Template.Check does.
func (r *SendTemplateRequest) Validate() error {
	_, _, err := r.validate(normalizeE164)
	return err
}

// Canonical checks r as Validate does and returns a copy of r with both
// phone numbers in canonical +E.164 form (NormalizePhone), as Send puts
// them on the wire; r is left untouched. It parses each number once: use it
// instead of Validate followed by NormalizePhone of the recipient, for
// example to key a campaign's recipients by number.
func (r *SendTemplateRequest) Canonical() (*SendTemplateRequest, error) {
	return r.prepare(normalizeE164)
}

// validate is Validate returning the canonical phone numbers it computed,
// so that prepare does not parse them twice. normalize reads one number
// (normalizeE164, or a client's phoneCache in front of it).
func (r *SendTemplateRequest) validate(normalize func(number string) (e164, reason string)) (from, to string, err error) {
	if r == nil {
		return "", "", invalid("request", "is nil")
	}
	var reason string
	if from, reason = normalize(r.From); reason != "" {
		return "", "", &ValidationError{Field: "from_number", Reason: reason}
	}
	if to, reason = normalize(r.To); reason != "" {
		return "", "", &ValidationError{Field: "to_number", Reason: reason}
	}
	switch {
	case r.Template.Name == "":
		return "", "", invalid("message_template.name", "is empty")
	case r.Template.Language == "":
		return "", "", invalid("message_template.language", "is empty")
	}
	if o := r.Options; o != nil {
		if o.Type != "" && o.Type != CrispTypeNote && o.Type != CrispTypeText {
			return "", "", invalid("crisp_options.type", "must be \"note\" or \"text\", got %q", o.Type)
		}
		if o.User != nil && o.User.UserID == "" {
			return "", "", invalid("crisp_options.user.user_id", "is empty")
		}
	}
	hasText := false
	for i, c := range r.Template.Components {
		if c.Type == "" {
			return "", "", invalid(componentField(c, i)+".type", "is empty")
		}
		hasText = hasText || c.Text != ""
		for j, p := range c.Parameters {
			if p.Type == "" {
				return "", "", invalid(paramField(componentField(c, i), j)+".type", "is empty")
			}
			if p.Type == ParamText && p.Text == "" {
				return "", "", invalid(paramField(componentField(c, i), j)+".text", "a text parameter needs a text")
			}
		}
	}
	if o := r.Options; o != nil && o.Type == CrispTypeText && !hasText {
		return "", "", invalid("crisp_options.type", "is \"text\" but no component carries its text, so the Crisp inbox would show an empty message: "+
			"build the components with Template.Build (it fills Component.Text), or send as \"note\"")
	}
	return from, to, nil
}

// prepare validates r and returns the request exactly as it goes on the
// wire: a copy of r with the phone numbers in canonical +E.164 form. Send
// marshals what prepare returns, never r itself, so that normalisation lives
// in one place and the caller's request is left untouched.
func (r *SendTemplateRequest) prepare(normalize func(number string) (e164, reason string)) (*SendTemplateRequest, error) {
	from, to, err := r.validate(normalize)
	if err != nil {
		return nil, err
	}
	wire := *r
	wire.From, wire.To = from, to
	return &wire, nil
}
