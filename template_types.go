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
}

// QualityScore is Meta's quality rating of a template.
type QualityScore struct {
	Score string `json:"score"` // GREEN, YELLOW, RED, UNKNOWN
}

// Template statuses and parameter formats used by the SDK's checks.
const (
	StatusApproved            = "APPROVED"
	ParameterFormatPositional = "POSITIONAL"
	ParameterFormatNamed      = "NAMED"
)

// TemplateComponent is one part of a template: its HEADER, BODY, FOOTER or
// BUTTONS.
type TemplateComponent struct {
	Type    string           `json:"type"`             // HEADER, BODY, FOOTER, BUTTONS
	Format  string           `json:"format,omitempty"` // for HEADER: TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION
	Text    string           `json:"text,omitempty"`
	Buttons []TemplateButton `json:"buttons,omitempty"`
	Example *TemplateExample `json:"example,omitempty"`
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

// UnmarshalJSON decodes a template and keeps the original bytes in Raw.
func (t *Template) UnmarshalJSON(b []byte) error {
	type plain Template // no methods: no recursion
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*t = Template(p)
	t.Raw = append(json.RawMessage(nil), b...)
	return nil
}
