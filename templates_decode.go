package crispwa

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
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
	// scratch is the components array the decoder fills, reused from one
	// template to the next (w.template copies what it keeps). It is
	// cleared before each use: encoding/json decodes into the elements it
	// finds, which would otherwise carry the last template's fields.
	var scratch []wireComponent
	var w wireTemplate // one for the page, reset for each template
	for dec.More() {
		start := dec.InputOffset()
		clear(scratch[:cap(scratch)])
		w = wireTemplate{Components: scratch[:0]}
		err := dec.Decode(&w)
		if cap(w.Components) > cap(scratch) {
			scratch = w.Components[:0]
		}
		if len(w.Components) == 0 && cap(w.Components) > 0 {
			// Still scratch: the template has no "components" (a "[]"
			// decodes to a new empty slice, a null to nil).
			w.Components = nil
		}
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

// The leaf fast path. Meta's examples are almost always strings in one of
// the shapes lenientStrings and lenientRows accept; plainStrings and
// plainRows read exactly those in one scan, without a json.Unmarshal per
// leaf, and report false for anything else (a null inside a list, a
// number, white space before the value, which encoding/json never passes,
// a syntax error), which the leaf then decodes with json.Unmarshal as
// before. Both give what that slower path gives (a fuzz test holds them
// together).

// plainStrings reads null, "s" or ["s", ...].
func plainStrings(b []byte) (lenientStrings, bool) {
	p := plainScan{b: b}
	var out lenientStrings
	switch p.peek() {
	case 'n':
		if !p.literal("null") {
			return nil, false
		}
	case '"':
		s, ok := p.str()
		if !ok {
			return nil, false
		}
		out = lenientStrings{s}
	case '[':
		list, ok := p.list()
		if !ok {
			return nil, false
		}
		out = list
	default:
		return nil, false
	}
	return out, p.end()
}

// plainRows reads null, "s", ["s", ...] or [["s", ...], ...].
func plainRows(b []byte) (lenientRows, bool) {
	p := plainScan{b: b}
	var out lenientRows
	switch p.peek() {
	case 'n':
		if !p.literal("null") {
			return nil, false
		}
	case '"':
		s, ok := p.str()
		if !ok {
			return nil, false
		}
		out = lenientRows{{s}}
	case '[':
		// A list of rows, or one row: the first value says which.
		save := p.i
		p.i++
		p.space()
		if p.peek() == '"' {
			p.i = save
			row, ok := p.list()
			if !ok {
				return nil, false
			}
			out = lenientRows{row}
			break
		}
		out = lenientRows{}
		if p.peek() == ']' {
			p.i++
			break
		}
		for {
			row, ok := p.list()
			if !ok {
				return nil, false
			}
			out = append(out, row)
			p.space()
			switch p.next() {
			case ',':
				p.space()
				continue
			case ']':
			default:
				return nil, false
			}
			break
		}
	default:
		return nil, false
	}
	return out, p.end()
}

// plainScan walks JSON bytes for plainStrings and plainRows.
type plainScan struct {
	b []byte
	i int
}

// peek returns the next byte, or 0 at the end.
func (p *plainScan) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// next consumes and returns the next byte, or 0 at the end.
func (p *plainScan) next() byte {
	c := p.peek()
	p.i++
	return c
}

// space skips JSON white space.
func (p *plainScan) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

// end reports whether only white space is left.
func (p *plainScan) end() bool {
	p.space()
	return p.i == len(p.b)
}

// literal consumes word.
func (p *plainScan) literal(word string) bool {
	if !strings.HasPrefix(string(p.b[p.i:]), word) {
		return false
	}
	p.i += len(word)
	return true
}

// str reads a string. One with no escape whose bytes are valid UTF-8 (the
// usual) is its bytes; the usual escapes (\u0026 and \/ in a URL, \n in a
// text) are unquoted here; anything else (a surrogate pair, invalid UTF-8)
// is decoded by json.Unmarshal, alone.
func (p *plainScan) str() (string, bool) {
	if p.next() != '"' {
		return "", false
	}
	start, plain := p.i, true
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if utf8.Valid(s) {
				if plain {
					return string(s), true
				}
				if out, ok := unescape(s); ok {
					return out, true
				}
			}
			var out string
			return out, json.Unmarshal(p.b[start-1:p.i], &out) == nil
		case c == '\\':
			plain = false
			p.i++ // the escaped byte: \" does not end the string
		case c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

// unescape unquotes the inside of a JSON string (valid UTF-8) holding
// escapes, as encoding/json does, or reports false for an escape it leaves
// to encoding/json (a \u of a surrogate) or a malformed one.
func unescape(s []byte) (string, bool) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i == len(s) {
			return "", false
		}
		switch s[i] {
		case '"', '\\', '/':
			out = append(out, s[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if i+4 >= len(s) {
				return "", false
			}
			r, err := strconv.ParseUint(string(s[i+1:i+5]), 16, 16)
			if err != nil || utf16.IsSurrogate(rune(r)) {
				return "", false
			}
			out = utf8.AppendRune(out, rune(r))
			i += 4
		default:
			return "", false
		}
	}
	return string(out), true
}

// list reads ["s", ...] (an empty list is a non-nil empty slice, as
// encoding/json makes it).
func (p *plainScan) list() ([]string, bool) {
	if p.next() != '[' {
		return nil, false
	}
	p.space()
	if p.peek() == ']' {
		p.i++
		return []string{}, true
	}
	var buf [8]string // a list of examples is short: one allocation, exact
	out := buf[:0]
	for {
		s, ok := p.str()
		if !ok {
			return nil, false
		}
		out = append(out, s)
		p.space()
		switch p.next() {
		case ',':
			p.space()
		case ']':
			return slices.Clip(slices.Clone(out)), true
		default:
			return nil, false
		}
	}
}
