package crispwa

import "encoding/json"

// Template is a WhatsApp message template as listed by the API (Meta's
// template object). Fields the SDK does not model are kept in Raw.
type Template struct {
	ID              string              `json:"id,omitempty"`
	Name            string              `json:"name"`
	Language        string              `json:"language"`
	Status          string              `json:"status,omitempty"`           // APPROVED, PENDING, REJECTED, PAUSED, DISABLED, ...
	Category        string              `json:"category,omitempty"`         // MARKETING, UTILITY, AUTHENTICATION
	ParameterFormat string              `json:"parameter_format,omitempty"` // POSITIONAL or NAMED, when given
	Components      []TemplateComponent `json:"components,omitempty"`
	// QualityScore is Meta's quality rating, when given.
	QualityScore *QualityScore `json:"quality_score,omitempty"`
	// RejectedReason is Meta's reason for a REJECTED template, when given.
	RejectedReason string `json:"rejected_reason,omitempty"`
	// Raw is the template object exactly as the API returned it (nil for a
	// Template built in code). It is not marshalled.
	Raw json.RawMessage `json:"-"`
	// Unmodeled is non-empty when the API's template object did not fit
	// the SDK's model (see UnmarshalJSON): it says why, Raw keeps the
	// object, and Check, Build and Render refuse the template.
	Unmodeled string `json:"-"`
}

// QualityScore is Meta's quality rating of a template.
type QualityScore struct {
	Score string `json:"score"` // GREEN, YELLOW, RED, UNKNOWN
}

// Template statuses (Template.Status), as Meta spells them.
const (
	StatusApproved string = "APPROVED"
	StatusPending  string = "PENDING"
	StatusRejected string = "REJECTED"
	StatusPaused   string = "PAUSED"
	StatusDisabled string = "DISABLED"
)

// Parameter formats (Template.ParameterFormat).
const (
	ParameterFormatPositional string = "POSITIONAL"
	ParameterFormatNamed      string = "NAMED"
)

// Component types, of a template (TemplateComponent.Type) and of a send
// (Component.Type). The API compares them case-insensitively; so does the
// SDK. A template groups its buttons in one BUTTONS component; a send has
// one BUTTON component per button that takes a parameter.
const (
	ComponentHeader           string = "HEADER"
	ComponentBody             string = "BODY"
	ComponentFooter           string = "FOOTER"
	ComponentButtons          string = "BUTTONS" // template
	ComponentButton           string = "BUTTON"  // send
	ComponentCarousel         string = "CAROUSEL"
	ComponentLimitedTimeOffer string = "LIMITED_TIME_OFFER"
)

// Header formats (TemplateComponent.Format of a HEADER).
const (
	FormatText     string = "TEXT"
	FormatImage    string = "IMAGE"
	FormatVideo    string = "VIDEO"
	FormatDocument string = "DOCUMENT"
	FormatLocation string = "LOCATION"
	FormatProduct  string = "PRODUCT"
)

// Button types of a template (TemplateButton.Type).
const (
	ButtonQuickReply   string = "QUICK_REPLY"
	ButtonURL          string = "URL"
	ButtonPhoneNumber  string = "PHONE_NUMBER"
	ButtonCopyCode     string = "COPY_CODE"
	ButtonOTP          string = "OTP"
	ButtonFlow         string = "FLOW"
	ButtonCatalog      string = "CATALOG"
	ButtonMPM          string = "MPM"
	ButtonSPM          string = "SPM"
	ButtonVoiceCall    string = "VOICE_CALL"
	ButtonOrderDetails string = "ORDER_DETAILS"
)

// Button sub-types of a send (Component.SubType of a BUTTON), as Meta
// spells them.
const (
	SubTypeQuickReply   string = "quick_reply"
	SubTypeURL          string = "url"
	SubTypeCopyCode     string = "copy_code"
	SubTypeFlow         string = "flow"
	SubTypeCatalog      string = "catalog"
	SubTypeMPM          string = "mpm"
	SubTypeVoiceCall    string = "voice_call"
	SubTypeOrderDetails string = "order_details"
)

// TemplateComponent is one part of a template: its HEADER, BODY, FOOTER or
// BUTTONS.
type TemplateComponent struct {
	Type    string           `json:"type"`             // HEADER, BODY, FOOTER, BUTTONS, CAROUSEL, LIMITED_TIME_OFFER
	Format  string           `json:"format,omitempty"` // for HEADER: TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION, PRODUCT
	Text    string           `json:"text,omitempty"`
	Buttons []TemplateButton `json:"buttons,omitempty"`
	Example *TemplateExample `json:"example,omitempty"`
	// Cards are a CAROUSEL component's cards, each with its own HEADER,
	// BODY and BUTTONS components.
	Cards []TemplateCard `json:"cards,omitempty"`
	// LimitedTimeOffer is a LIMITED_TIME_OFFER component's offer.
	LimitedTimeOffer *TemplateLimitedTimeOffer `json:"limited_time_offer,omitempty"`
	// AddSecurityRecommendation is set on an authentication template's
	// BODY that shows Meta's "For your security, do not share this code."
	AddSecurityRecommendation bool `json:"add_security_recommendation,omitempty"`
	// CodeExpirationMinutes is set on an authentication template's FOOTER
	// that shows Meta's "This code expires in N minutes."
	CodeExpirationMinutes int `json:"code_expiration_minutes,omitempty"`
}

// TemplateCard is one card of a carousel template.
type TemplateCard struct {
	Components []TemplateComponent `json:"components"`
}

// TemplateLimitedTimeOffer is the offer of a LIMITED_TIME_OFFER component:
// its headline and whether it shows an expiration countdown.
type TemplateLimitedTimeOffer struct {
	Text          string `json:"text,omitempty"`
	HasExpiration bool   `json:"has_expiration,omitempty"`
}

// TemplateExample holds the sample values submitted with a template.
type TemplateExample struct {
	HeaderText            []string            `json:"header_text,omitempty"`
	HeaderTextNamedParams []NamedParamExample `json:"header_text_named_params,omitempty"`
	HeaderHandle          []string            `json:"header_handle,omitempty"`
	BodyText              [][]string          `json:"body_text,omitempty"`
	BodyTextNamedParams   []NamedParamExample `json:"body_text_named_params,omitempty"`
}

// NamedParamExample is a sample value for a named parameter.
type NamedParamExample struct {
	ParamName string `json:"param_name"`
	Example   string `json:"example"`
}

// TemplateButton is one button of a BUTTONS component.
type TemplateButton struct {
	Type        string   `json:"type"` // QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, FLOW, OTP, CATALOG, ...
	Text        string   `json:"text,omitempty"`
	URL         string   `json:"url,omitempty"`
	PhoneNumber string   `json:"phone_number,omitempty"`
	Example     []string `json:"example,omitempty"`
	// OTPType is an authentication template's OTP button kind: COPY_CODE,
	// ONE_TAP or ZERO_TAP (Meta lists the button as a URL button once the
	// template is created; see Template.Render).
	OTPType string `json:"otp_type,omitempty"`
}

// ListTemplatesOptions filters and pages Templates.List. The zero value (or
// nil) lists the first page with the server's default size.
type ListTemplatesOptions struct {
	Limit        int    `url:"limit,omitempty"`             // page size; 0 = server default
	ApprovedOnly bool   `url:"filter_approved,omitempty"`   // only APPROVED templates
	NoSamples    bool   `url:"filter_no_samples,omitempty"` // only templates without sample values
	After        string `url:"after,omitempty"`             // cursor from TemplatePage.Next
}

// TemplatePage is one page of templates.
type TemplatePage struct {
	Templates []*Template
	Next      string // cursor for ListTemplatesOptions.After; "" on the last page
}

// UnmarshalJSON decodes a template and keeps the original bytes in Raw. A
// template object the SDK cannot model (a field of an unexpected type) is
// still decoded: its identity (id, name, language, status, category) is
// kept when those are strings, Raw holds it all, Unmodeled says why, and
// Check refuses it. Only a value that is not a JSON object is an error,
// so one odd template never breaks a page of templates.
func (t *Template) UnmarshalJSON(b []byte) error {
	type plain Template // no methods: no recursion
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		var fields map[string]json.RawMessage
		if json.Unmarshal(b, &fields) != nil {
			return err
		}
		p = plain{}
		for key, dst := range map[string]*string{"id": &p.ID, "name": &p.Name, "language": &p.Language,
			"status": &p.Status, "category": &p.Category, "parameter_format": &p.ParameterFormat} {
			_ = json.Unmarshal(fields[key], dst) // a non-string stays ""
		}
		p.Unmodeled = "the SDK cannot model this template: " + err.Error()
	}
	*t = Template(p)
	t.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// UnmarshalJSON reads Meta's example object, where "header_text",
// "header_handle" and "body_text" may also be given as a single string
// (and "body_text" as a single row) for one placeholder.
func (e *TemplateExample) UnmarshalJSON(b []byte) error {
	type plain TemplateExample
	var w struct {
		plain
		HeaderText   lenientStrings `json:"header_text"`
		HeaderHandle lenientStrings `json:"header_handle"`
		BodyText     lenientRows    `json:"body_text"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*e = TemplateExample(w.plain)
	e.HeaderText, e.HeaderHandle, e.BodyText = w.HeaderText, w.HeaderHandle, w.BodyText
	return nil
}

// UnmarshalJSON reads a button, whose "example" Meta gives as one string
// for a COPY_CODE button and as a list for a URL button.
func (tb *TemplateButton) UnmarshalJSON(b []byte) error {
	type plain TemplateButton
	var w struct {
		plain
		Example lenientStrings `json:"example"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*tb = TemplateButton(w.plain)
	tb.Example = w.Example
	return nil
}

// lenientStrings reads a JSON array of strings, a single string, or null.
type lenientStrings []string

func (s *lenientStrings) UnmarshalJSON(b []byte) error {
	if v, ok := plainStrings(b); ok {
		*s = v
		return nil
	}
	return s.decode(b)
}

// decode is UnmarshalJSON's general path, for any spelling (escapes,
// white space, invalid UTF-8) and for the errors.
func (s *lenientStrings) decode(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = lenientStrings{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// lenientRows reads [[...], ...], a single row [...] or a single string.
type lenientRows [][]string

func (r *lenientRows) UnmarshalJSON(b []byte) error {
	if v, ok := plainRows(b); ok {
		*r = v
		return nil
	}
	return r.decode(b)
}

// decode is UnmarshalJSON's general path, for any spelling and for the
// errors.
func (r *lenientRows) decode(b []byte) error {
	var rows [][]string
	if err := json.Unmarshal(b, &rows); err == nil {
		*r = rows
		return nil
	}
	var row lenientStrings
	if err := json.Unmarshal(b, &row); err != nil {
		return err
	}
	*r = lenientRows{row}
	return nil
}
