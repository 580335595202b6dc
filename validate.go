package crispwa

import "strconv"

// Validate checks a send request locally, without knowing the template: both
// phone numbers, the template's name and language, the Crisp options, and
// the shape of each component and text parameter. It returns the first
// problem as a *ValidationError. It does not check the parameters against
// the template; Template.Check does.
func (r *SendTemplateRequest) Validate() error {
	_, _, err := r.validate()
	return err
}

// validate is Validate returning the canonical phone numbers it computed,
// so that prepare does not parse them twice.
func (r *SendTemplateRequest) validate() (from, to string, err error) {
	if r == nil {
		return "", "", invalid("request", "is nil")
	}
	var reason string
	if from, reason = normalizePhone(r.From, ""); reason != "" {
		return "", "", &ValidationError{Field: "from_number", Reason: reason}
	}
	if to, reason = normalizePhone(r.To, ""); reason != "" {
		return "", "", &ValidationError{Field: "to_number", Reason: reason}
	}
	switch {
	case r.Template.Name == "":
		return "", "", invalid("message_template.name", "is empty")
	case r.Template.Language == "":
		return "", "", invalid("message_template.language", "is empty")
	}
	if o := r.Options; o != nil {
		if o.Type != "" && o.Type != "note" && o.Type != "text" {
			return "", "", invalid("crisp_options.type", "must be \"note\" or \"text\", got %q", o.Type)
		}
		if o.User != nil && o.User.UserID == "" {
			return "", "", invalid("crisp_options.user.user_id", "is empty")
		}
	}
	for i, c := range r.Template.Components {
		if c.Type == "" {
			return "", "", invalid(componentField(i, "type"), "is empty")
		}
		for j, p := range c.Parameters {
			if p.Type == "" {
				return "", "", invalid(parameterField(i, j, "type"), "is empty")
			}
			if p.Type == "text" && p.Text == "" {
				return "", "", invalid(parameterField(i, j, "text"), "a text parameter needs a text")
			}
		}
	}
	return from, to, nil
}

// prepare validates r and returns the request exactly as it goes on the
// wire: a copy of r with the phone numbers in canonical +E.164 form. Send
// marshals what prepare returns, never r itself, so that normalisation lives
// in one place and the caller's request is left untouched.
func (r *SendTemplateRequest) prepare() (*SendTemplateRequest, error) {
	from, to, err := r.validate()
	if err != nil {
		return nil, err
	}
	wire := *r
	wire.From, wire.To = from, to
	return &wire, nil
}

// componentField names a field of the request's i-th component, e.g.
// "message_template.components[0].type". Built only when reporting.
func componentField(i int, leaf string) string {
	return "message_template.components[" + strconv.Itoa(i) + "]." + leaf
}

// parameterField names a field of a component's j-th parameter, e.g.
// "message_template.components[0].parameters[1].text".
func parameterField(i, j int, leaf string) string {
	return componentField(i, "parameters["+strconv.Itoa(j)+"]."+leaf)
}
