package crispwatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/crispwa/crispwa"
)

// The fake judges sends with its own rules, written from what Crisp and
// WhatsApp document and answer, never with the SDK's Validate or Check: a
// fake that judged with the code under test could not catch a bug in it.
//
// Two tables: requestRules are what Crisp's API refuses at once (HTTP 400
// invalid_data, nothing recorded); the checks of verdict are what WhatsApp
// refuses after Crisp accepted the send (the callback says
// "template_not_sent", with Meta's error code and text in the message).

// requestRule is one thing Crisp refuses in a send request.
type requestRule struct {
	field string
	why   string
	bad   func(r *wireSend) bool
}

// phoneRE is an international phone number: optional '+', a country code
// that does not start with 0, 8 to 15 digits in all (ITU-T E.164).
var phoneRE = regexp.MustCompile(`^\+?[1-9][0-9]{7,14}$`)

var requestRules = []requestRule{
	{"to_number", "must be an international phone number: optional '+', then 8 to 15 digits, not starting with 0",
		func(r *wireSend) bool { return r.To == nil || !phoneRE.MatchString(*r.To) }},
	{"from_number", "must be an international phone number: optional '+', then 8 to 15 digits, not starting with 0",
		func(r *wireSend) bool { return r.From == nil || !phoneRE.MatchString(*r.From) }},
	{"message_template", "is missing",
		func(r *wireSend) bool { return r.Template == nil }},
	{"message_template.name", "is empty",
		func(r *wireSend) bool { return strings.TrimSpace(r.Template.Name) == "" }},
	{"message_template.language", "is empty",
		func(r *wireSend) bool { return strings.TrimSpace(r.Template.Language) == "" }},
	{"crisp_options.type", `must be "note" or "text"`,
		func(r *wireSend) bool {
			return r.Options != nil && !slices.Contains([]string{"", "note", "text"}, r.Options.Type)
		}},
	{"crisp_options.user.user_id", "is empty",
		func(r *wireSend) bool {
			return r.Options != nil && r.Options.User != nil && r.Options.User.UserID == ""
		}},
}

// currencyCodeRE is an ISO 4217 currency code.
var currencyCodeRE = regexp.MustCompile(`^[A-Z]{3}$`)

// componentTypes are the component types of a send (any case): Meta's,
// plus "footer", which Crisp accepts with the text its inbox shows.
// "buttons" is a template-side type a send must not use.
var componentTypes = []string{"header", "body", "footer", "button", "carousel", "limited_time_offer"}

// buttonSubTypes are the sub_type values of a "button" component.
var buttonSubTypes = []string{"quick_reply", "url", "copy_code", "flow", "catalog", "mpm", "voice_call", "order_details"}

// paramRules say, for each parameter type Meta knows, what its value must
// hold; the message is "" when it is fine.
var paramRules = map[string]func(p wireParam) string{
	"text": func(p wireParam) string {
		if p.Text == nil || *p.Text == "" {
			return "a text parameter needs a non-empty text"
		}
		return ""
	},
	"currency": func(p wireParam) string {
		c := p.Currency
		if c == nil || c.FallbackValue == "" || c.Amount1000 == nil || !currencyCodeRE.MatchString(c.Code) {
			return "a currency parameter needs fallback_value, an ISO 4217 code and amount_1000"
		}
		return ""
	},
	"date_time": func(p wireParam) string {
		if p.DateTime == nil || p.DateTime.FallbackValue == "" {
			return "a date_time parameter needs fallback_value"
		}
		return ""
	},
	"image": mediaRule, "video": mediaRule, "document": mediaRule,
	"location": func(p wireParam) string {
		var lat, lon float64
		ok := p.Location != nil
		if ok {
			var okLat, okLon bool
			lat, okLat = coordinate(p.Location.Latitude)
			lon, okLon = coordinate(p.Location.Longitude)
			ok = okLat && okLon
		}
		if !ok || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
			return "a location parameter needs a latitude in [-90, 90] and a longitude in [-180, 180]"
		}
		return ""
	},
	"payload": func(p wireParam) string {
		if p.Payload == nil || *p.Payload == "" {
			return "a payload parameter needs a non-empty payload"
		}
		return ""
	},
	"coupon_code": func(p wireParam) string {
		if p.CouponCode == nil || *p.CouponCode == "" || len([]rune(*p.CouponCode)) > 15 {
			return "a coupon_code parameter needs a code of 1 to 15 characters"
		}
		return ""
	},
	"action":             objectRule("action", func(p wireParam) []byte { return p.Action }),
	"product":            objectRule("product", func(p wireParam) []byte { return p.Product }),
	"limited_time_offer": objectRule("limited_time_offer", func(p wireParam) []byte { return p.LimitedTimeOffer }),
	"tap_target_configuration": func(p wireParam) string {
		if b := bytes.TrimSpace(p.TapTargets); len(b) == 0 || b[0] != '[' {
			return "a tap_target_configuration parameter needs a tap_target_configuration list"
		}
		return ""
	},
	"ttl_minutes": func(p wireParam) string {
		var n int
		if json.Unmarshal(p.TTLMinutes, &n) != nil || n <= 0 {
			return "a ttl_minutes parameter needs a positive ttl_minutes"
		}
		return ""
	},
}

// objectRule requires the parameter's field of that name to be a JSON
// object.
func objectRule(name string, field func(wireParam) []byte) func(wireParam) string {
	return func(p wireParam) string {
		if b := bytes.TrimSpace(field(p)); len(b) == 0 || b[0] != '{' {
			return fmt.Sprintf("a %s parameter needs a %s object", name, name)
		}
		return ""
	}
}

func mediaRule(p wireParam) string {
	m := p.media()
	switch {
	case m == nil:
		return fmt.Sprintf("an %s parameter needs an %s object", p.Type, p.Type)
	case (m.ID == "") == (m.Link == ""):
		return fmt.Sprintf("an %s needs either an id or a link, not both", p.Type)
	case m.Link != "" && !strings.HasPrefix(m.Link, "https://") && !strings.HasPrefix(m.Link, "http://"):
		return fmt.Sprintf("an %s link must be an http(s) URL", p.Type)
	}
	return ""
}

// refusal returns why Crisp refuses the request, or "" when it accepts it.
func refusal(r *wireSend) string {
	for _, rule := range requestRules {
		if rule.bad(r) {
			return rule.field + ": " + rule.why
		}
	}
	for i, c := range r.Template.Components {
		field := fmt.Sprintf("message_template.components[%d]", i)
		typ := strings.ToLower(c.Type)
		if !slices.Contains(componentTypes, typ) {
			return fmt.Sprintf("%s.type: %q is not one of %s", field, c.Type, strings.Join(componentTypes, ", "))
		}
		if typ == "footer" && len(c.Parameters) > 0 {
			return field + ".parameters: a footer has no parameter"
		}
		if typ == "button" {
			sub := strings.ToLower(c.SubType)
			if !slices.Contains(buttonSubTypes, sub) {
				return fmt.Sprintf("%s.sub_type: %q is not one of %s", field, c.SubType, strings.Join(buttonSubTypes, ", "))
			}
			if n, ok := c.index(); (!ok && sub != "voice_call") || n < 0 || n > 9 {
				return field + ".index: a button component needs the button's index, 0 to 9"
			}
		}
		for j, p := range c.Parameters {
			rule, ok := paramRules[p.Type]
			if !ok {
				return fmt.Sprintf("%s.parameters[%d].type: %q is not a parameter type", field, j, p.Type)
			}
			if why := rule(p); why != "" {
				return fmt.Sprintf("%s.parameters[%d]: %s", field, j, why)
			}
		}
	}
	return ""
}

// Meta's error codes and texts used in failure callbacks.
const (
	metaParamCount  = "(#132000) Number of parameters does not match the expected number of params"
	metaTooLong     = "(#132005) Translated text too long"
	metaParamFormat = "(#132012) Parameter format does not match format in the created template"
	metaParamText   = "(#132018) There was an issue with the parameters in your template"
)

// Limits WhatsApp puts on a message, after the parameters are in place.
const (
	maxHeaderText = 60
	maxBodyText   = 1024
)

// placeholderRE is a template placeholder: {{1}} or {{name}}.
var placeholderRE = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

// badParamTextRE is what WhatsApp refuses in a body parameter: a newline, a
// tab or more than four spaces in a row.
var badParamTextRE = regexp.MustCompile(`[\n\t]| {5,}`)

// verdict returns why WhatsApp would refuse a send that Crisp accepted, or
// "" when the fake's rules find nothing wrong. t is the template of that
// name and language, nil when there is none.
func verdict(r *wireSend, t *crispwa.Template) string {
	switch {
	case t == nil:
		return fmt.Sprintf("template %q does not exist in language %q", r.Template.Name, r.Template.Language)
	case t.Status != crispwa.StatusApproved:
		status := t.Status
		if status == "" {
			status = "without a status"
		}
		return fmt.Sprintf("template %q in language %q is %s, not APPROVED", t.Name, t.Language, status)
	}
	sent := map[string][]wireComponent{} // by lower-case type
	for _, c := range r.Template.Components {
		typ := strings.ToLower(c.Type)
		sent[typ] = append(sent[typ], c)
	}
	var header, body, buttons *crispwa.TemplateComponent
	for i := range t.Components {
		switch c := &t.Components[i]; strings.ToUpper(c.Type) {
		case "HEADER":
			header = c
		case "BODY":
			body = c
		case "BUTTONS":
			buttons = c
		}
	}
	if why := checkHeader(header, sent["header"]); why != "" {
		return why
	}
	if why := checkText("body", body, sent["body"], maxBodyText); why != "" {
		return why
	}
	return checkButtons(buttons, sent["button"])
}

// checkHeader compares the send's header components with the template's
// header.
func checkHeader(h *crispwa.TemplateComponent, sent []wireComponent) string {
	format := ""
	if h != nil {
		format = strings.ToUpper(h.Format)
	}
	if format == "" || format == "TEXT" {
		return checkText("header", h, sent, maxHeaderText)
	}
	want := strings.ToLower(format) // IMAGE -> image, ...
	if len(sent) != 1 || len(sent[0].Parameters) != 1 {
		return fmt.Sprintf("%s: the %s header needs one %s parameter", metaParamCount, format, want)
	}
	if got := sent[0].Parameters[0].Type; got != want {
		return fmt.Sprintf("%s: the header is %s, the send gives it a %s parameter", metaParamFormat, format, got)
	}
	return ""
}

// checkText compares the parameters sent for a text component (header or
// body) with its placeholders, and the text's length once they are in
// place.
func checkText(what string, c *crispwa.TemplateComponent, sent []wireComponent, maxLen int) string {
	text := ""
	if c != nil {
		text = c.Text
	}
	var params []wireParam
	for _, s := range sent {
		params = append(params, s.Parameters...)
	}
	if len(sent) > 1 {
		return fmt.Sprintf("%s: the send has %d %s components", metaParamCount, len(sent), what)
	}
	names := placeholders(text)
	if len(params) != len(names) {
		return fmt.Sprintf("%s: the %s has %d placeholder(s), the send gives %d parameter(s)", metaParamCount, what, len(names), len(params))
	}
	values := map[string]string{}
	for i, p := range params {
		v, ok := p.value()
		if !ok {
			return fmt.Sprintf("%s: %s parameter %d is a %s, not text", metaParamFormat, what, i+1, p.Type)
		}
		if what == "body" && badParamTextRE.MatchString(v) {
			return fmt.Sprintf("%s: %s parameter %d has a newline, a tab or more than 4 spaces in a row", metaParamText, what, i+1)
		}
		key := fmt.Sprint(i + 1)
		if p.ParameterName != "" {
			key = p.ParameterName
		}
		values[key] = v
	}
	for _, n := range names {
		if _, ok := values[n]; !ok {
			return fmt.Sprintf("%s: the %s's placeholder {{%s}} has no parameter", metaParamCount, what, n)
		}
	}
	if n := len([]rune(fill(text, values))); n > maxLen {
		return fmt.Sprintf("%s: the %s is %d characters with its parameters, more than %d", metaTooLong, what, n, maxLen)
	}
	return ""
}

// checkButtons compares the send's button components with the template's
// buttons: each URL button with a placeholder needs its suffix, and a
// button component must name a button of the matching kind.
func checkButtons(c *crispwa.TemplateComponent, sent []wireComponent) string {
	var bs []crispwa.TemplateButton
	if c != nil {
		bs = c.Buttons
	}
	given := map[int]wireComponent{}
	for _, s := range sent {
		i, _ := s.index() // refusal checked it
		if i >= len(bs) {
			return fmt.Sprintf("%s: the send fills button %d, the template has %d button(s)", metaParamCount, i, len(bs))
		}
		if _, dup := given[i]; dup {
			return fmt.Sprintf("%s: the send fills button %d twice", metaParamCount, i)
		}
		given[i] = s
		if want := buttonSubType(bs[i].Type); want != "" && want != strings.ToLower(s.SubType) {
			return fmt.Sprintf("%s: button %d is %s, the send gives it sub_type %q", metaParamFormat, i, bs[i].Type, s.SubType)
		}
	}
	for i, b := range bs {
		if strings.ToUpper(b.Type) != "URL" || len(placeholders(b.URL)) == 0 {
			continue
		}
		s, ok := given[i]
		if !ok || len(s.Parameters) != 1 || s.Parameters[0].Text == nil {
			return fmt.Sprintf("%s: URL button %d needs one text parameter for its {{1}}", metaParamCount, i)
		}
	}
	return ""
}

// buttonSubType is the send's sub_type for a template button type, "" when
// the fake does not check it.
func buttonSubType(t string) string {
	switch strings.ToUpper(t) {
	case "URL":
		return "url"
	case "QUICK_REPLY":
		return "quick_reply"
	case "COPY_CODE":
		return "copy_code"
	case "FLOW":
		return "flow"
	case "CATALOG":
		return "catalog"
	}
	return ""
}

// placeholders returns the distinct placeholder names of text, in order of
// first appearance.
func placeholders(text string) []string {
	var out []string
	for _, m := range placeholderRE.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// fill puts values in place of text's placeholders; a placeholder without
// a value stays as it is.
func fill(text string, values map[string]string) string {
	return placeholderRE.ReplaceAllStringFunc(text, func(m string) string {
		if v, ok := values[placeholderRE.FindStringSubmatch(m)[1]]; ok {
			return v
		}
		return m
	})
}
