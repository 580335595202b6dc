package crispwa

import (
	"bytes"
	"encoding/json"
	"strings"
)

// decodeTemplatesEnvelope decodes a templates page in one pass over its
// bytes. The generic path (json.Unmarshal of the envelope, then each
// Template's UnmarshalJSON) scans every template four times: once to check
// the page, once to skip to its end, once more to check it and once to
// decode it. Here a json.Decoder walks the envelope's tokens and decodes
// each template with one scan and one decoding pass, keeping its exact
// bytes for Template.Raw from the decoder's offsets.
//
// Only the well-formed common case takes this path: anything else (a
// syntax error, a value of an unexpected type, a duplicate key, trailing
// bytes) falls back to json.Unmarshal, so errors and odd answers are
// decoded exactly as for every other call. A template the SDK cannot model
// is still kept, as Template.UnmarshalJSON keeps it.
func decodeTemplatesEnvelope(raw []byte, env *envelope[templatesData]) error {
	var fast envelope[templatesData]
	if streamTemplatesEnvelope(raw, &fast) {
		*env = fast
		return nil
	}
	return json.Unmarshal(raw, env)
}

// The wire types mirror Template and its parts field for field (the same
// JSON names: a test holds them in step), without the UnmarshalJSON
// methods of TemplateButton and TemplateExample, which make encoding/json
// scan each button and example three more times. Meta's loosely typed
// examples (a string or a list) are read at the leaf instead, by
// lenientStrings and lenientRows.
type (
	wireTemplate struct {
		ID              string          `json:"id"`
		Name            string          `json:"name"`
		Language        string          `json:"language"`
		Status          string          `json:"status"`
		Category        string          `json:"category"`
		ParameterFormat string          `json:"parameter_format"`
		Components      []wireComponent `json:"components"`
		QualityScore    *QualityScore   `json:"quality_score"`
		RejectedReason  string          `json:"rejected_reason"`
	}
	wireComponent struct {
		Type             string                    `json:"type"`
		Format           string                    `json:"format"`
		Text             string                    `json:"text"`
		Buttons          []wireButton              `json:"buttons"`
		Example          *wireExample              `json:"example"`
		Cards            []wireCard                `json:"cards"`
		LimitedTimeOffer *TemplateLimitedTimeOffer `json:"limited_time_offer"`

		AddSecurityRecommendation bool `json:"add_security_recommendation"`
		CodeExpirationMinutes     int  `json:"code_expiration_minutes"`
	}
	wireCard struct {
		Components []wireComponent `json:"components"`
	}
	wireExample struct {
		HeaderText            lenientStrings      `json:"header_text"`
		HeaderTextNamedParams []NamedParamExample `json:"header_text_named_params"`
		HeaderHandle          lenientStrings      `json:"header_handle"`
		BodyText              lenientRows         `json:"body_text"`
		BodyTextNamedParams   []NamedParamExample `json:"body_text_named_params"`
	}
	wireButton struct {
		Type        string         `json:"type"`
		Text        string         `json:"text"`
		URL         string         `json:"url"`
		PhoneNumber string         `json:"phone_number"`
		Example     lenientStrings `json:"example"`
		OTPType     string         `json:"otp_type"`
	}
)

// template converts a decoded wire template; raw is its exact bytes.
func (w *wireTemplate) template(raw []byte) *Template {
	return &Template{
		ID: w.ID, Name: w.Name, Language: w.Language, Status: w.Status, Category: w.Category,
		ParameterFormat: w.ParameterFormat, Components: components(w.Components),
		QualityScore: w.QualityScore, RejectedReason: w.RejectedReason,
		Raw: append(json.RawMessage(nil), raw...),
	}
}

func components(ws []wireComponent) []TemplateComponent {
	if ws == nil {
		return nil
	}
	out := make([]TemplateComponent, len(ws))
	for i, w := range ws {
		c := TemplateComponent{Type: w.Type, Format: w.Format, Text: w.Text, LimitedTimeOffer: w.LimitedTimeOffer,
			AddSecurityRecommendation: w.AddSecurityRecommendation, CodeExpirationMinutes: w.CodeExpirationMinutes}
		if w.Buttons != nil {
			c.Buttons = make([]TemplateButton, len(w.Buttons))
			for j, b := range w.Buttons {
				c.Buttons[j] = TemplateButton{Type: b.Type, Text: b.Text, URL: b.URL, PhoneNumber: b.PhoneNumber, Example: b.Example, OTPType: b.OTPType}
			}
		}
		if e := w.Example; e != nil {
			c.Example = &TemplateExample{HeaderText: e.HeaderText, HeaderTextNamedParams: e.HeaderTextNamedParams,
				HeaderHandle: e.HeaderHandle, BodyText: e.BodyText, BodyTextNamedParams: e.BodyTextNamedParams}
		}
		if w.Cards != nil {
			c.Cards = make([]TemplateCard, len(w.Cards))
			for j, card := range w.Cards {
				c.Cards[j] = TemplateCard{Components: components(card.Components)}
			}
		}
		out[i] = c
	}
	return out
}

// streamTemplatesEnvelope is the one-pass decoder. It reports false when the
// page is not of the expected shape; env is then partly filled and must be
// discarded.
func streamTemplatesEnvelope(raw []byte, env *envelope[templatesData]) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if !delim(dec, '{') {
		return false
	}
	var seen [3]bool
	for dec.More() {
		key, ok := fieldName(dec)
		if !ok {
			return false
		}
		switch {
		case strings.EqualFold(key, "error"):
			if seen[0] || dec.Decode(&env.Error) != nil {
				return false
			}
			seen[0] = true
		case strings.EqualFold(key, "reason"):
			if seen[1] || dec.Decode(&env.Reason) != nil {
				return false
			}
			seen[1] = true
		case strings.EqualFold(key, "data"):
			if seen[2] || !streamTemplatesData(dec, raw, env) {
				return false
			}
			seen[2] = true
		default:
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return false
			}
		}
	}
	if !delim(dec, '}') {
		return false
	}
	// Nothing but white space may follow, as json.Unmarshal requires.
	return len(bytes.TrimSpace(raw[dec.InputOffset():])) == 0
}

// streamTemplatesData decodes the "data" value: null, or an object with
// "templates" and "paging_next".
func streamTemplatesData(dec *json.Decoder, raw []byte, env *envelope[templatesData]) bool {
	tok, err := dec.Token()
	if err != nil {
		return false
	}
	if tok == nil {
		env.Data = nil
		return true
	}
	if tok != json.Delim('{') {
		return false
	}
	data := &templatesData{}
	var seenTemplates, seenNext bool
	for dec.More() {
		key, ok := fieldName(dec)
		if !ok {
			return false
		}
		switch {
		case strings.EqualFold(key, "templates"):
			if seenTemplates || !streamTemplates(dec, raw, data) {
				return false
			}
			seenTemplates = true
		case strings.EqualFold(key, "paging_next"):
			if seenNext || dec.Decode(&data.PagingNext) != nil {
				return false
			}
			seenNext = true
		default:
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return false
			}
		}
	}
	if !delim(dec, '}') {
		return false
	}
	env.Data = data
	return true
}

// streamTemplates decodes the "templates" array, each template once, with
// its bytes kept in Raw.
func streamTemplates(dec *json.Decoder, raw []byte, data *templatesData) bool {
	tok, err := dec.Token()
	if err != nil {
		return false
	}
	if tok == nil {
		data.Templates = nil
		return true
	}
	if tok != json.Delim('[') {
		return false
	}
	data.Templates = []*Template{}
	for dec.More() {
		start := dec.InputOffset()
		var w wireTemplate
		err := dec.Decode(&w)
		// The template's own bytes: after the separator before it.
		b := bytes.TrimLeft(raw[start:dec.InputOffset()], ", \t\r\n")
		var t *Template
		switch {
		case err == nil && string(b) == "null":
			// A null entry stays nil, as json.Unmarshal leaves it; List
			// refuses it.
		case err == nil:
			t = w.template(b)
		case isTypeError(err):
			// A template the SDK cannot model: the decoder consumed it
			// whole; UnmarshalJSON keeps its identity and says why.
			t = new(Template)
			if t.UnmarshalJSON(b) != nil {
				return false
			}
		default:
			return false
		}
		data.Templates = append(data.Templates, t)
	}
	return delim(dec, ']')
}

// delim reads the next token and reports whether it is d.
func delim(dec *json.Decoder, d json.Delim) bool {
	tok, err := dec.Token()
	return err == nil && tok == d
}

// fieldName reads an object key.
func fieldName(dec *json.Decoder) (string, bool) {
	tok, err := dec.Token()
	key, ok := tok.(string)
	return key, err == nil && ok
}

// isTypeError reports a JSON value of the wrong type for its field: the
// value was read whole, the stream is still in step.
func isTypeError(err error) bool {
	_, ok := err.(*json.UnmarshalTypeError)
	return ok
}
