package crispwa

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// TemplateValues fills a template's placeholders, for Template.Build. Give
// the values the template asks for and nothing else: Build reports missing
// and extra values alike.
type TemplateValues struct {
	// Header holds the values of a TEXT header's {{1}}.. placeholders
	// (POSITIONAL templates).
	Header []string
	// Body holds the values of the BODY's {{1}}..{{n}}, in order
	// (POSITIONAL templates).
	Body []string
	// Named holds, for a NAMED template, the header and body values by
	// placeholder name, without braces ("first_name"). A name used in both
	// the header and the body fills both.
	Named map[string]string
	// HeaderMedia is the parameter of an IMAGE, VIDEO, DOCUMENT or LOCATION
	// header, e.g. ImageLink(url) or LocationValue(...).
	HeaderMedia *Parameter
	// Buttons holds, by button index (0-based, in the template's order), the
	// suffix of a URL button with {{1}}, the code of a COPY_CODE or OTP
	// button, or the payload of a QUICK_REPLY button (optional: without one
	// WhatsApp uses the button's text). FLOW and CATALOG buttons are filled
	// with FlowButton or CatalogButton directly, not here.
	Buttons map[int]string
}

// Build returns the MessageTemplate (name, language, components) that fills
// t with v, so that nobody counts placeholders by hand. It returns every
// mismatch at once, like Check (errors.Is(err, ErrInvalidRequest) holds):
// a missing or extra value, a value for a button that takes none, a media
// header without HeaderMedia, a value over a documented limit, a template
// that is not APPROVED. On error the MessageTemplate is the zero value.
//
// Build fills text placeholders with "text" parameters; for currency or
// date_time parameters, or FLOW and CATALOG buttons, assemble the
// components with the constructors and use Check. Build makes no network
// call.
func (t *Template) Build(v TemplateValues) (MessageTemplate, error) {
	if t == nil {
		return MessageTemplate{}, invalid("template", "is nil")
	}
	b := &tmplBuilder{c: &tmplChecker{t: t, named: t.isNamed()}, v: v, usedNames: map[string]bool{}}
	m := MessageTemplate{Name: t.Name, Language: t.Language}
	tHeader, tBody, tButtons := t.templateParts()

	if comp, ok := b.header(tHeader); ok {
		m.Components = append(m.Components, comp)
	}
	if tBody != nil {
		if comp, ok := b.text("body", tBody.Text, v.Body); ok {
			m.Components = append(m.Components, Component{Type: componentBody, Parameters: comp})
		}
	} else if len(v.Body) > 0 {
		b.c.add("body", "the template has no BODY component; got %s", plural(len(v.Body), "body value"))
	}
	m.Components = append(m.Components, b.buttons(tButtons)...)
	b.unusedNames()

	if len(b.c.issues) > 0 {
		// Report the builder's problems together with what Check says about
		// the template itself (status) and about the values that were built
		// (limits, empty values), without repeating the count mismatches the
		// builder already explained in terms of TemplateValues.
		var issues []*ValidationError
		for _, is := range t.check(m) {
			if strings.HasPrefix(is.Field, "template.") || strings.HasPrefix(is.Field, "message_template.") ||
				strings.Contains(is.Field, ".parameters[") {
				issues = append(issues, is)
			}
		}
		return MessageTemplate{}, joinIssues(append(issues, b.c.issues...))
	}
	if err := t.Check(m); err != nil {
		return MessageTemplate{}, err
	}
	return m, nil
}

// tmplBuilder accumulates the components and problems of one Build.
type tmplBuilder struct {
	c         *tmplChecker
	v         TemplateValues
	usedNames map[string]bool
}

// header builds the HEADER component, if the template's header takes
// parameters.
func (b *tmplBuilder) header(tc *TemplateComponent) (Component, bool) {
	v := b.v
	if tc == nil {
		if len(v.Header) > 0 {
			b.c.add("header", "the template has no HEADER component; got %s", plural(len(v.Header), "header value"))
		}
		if v.HeaderMedia != nil {
			b.c.add("header", "the template has no HEADER component; got HeaderMedia")
		}
		return Component{}, false
	}
	switch format := headerFormat(tc); format {
	case "TEXT":
		if v.HeaderMedia != nil {
			b.c.add("header", "the template's header is TEXT; HeaderMedia is only for media and location headers")
		}
		params, ok := b.text("header", tc.Text, v.Header)
		if !ok {
			return Component{}, false
		}
		return Component{Type: componentHeader, Parameters: params}, true
	case "IMAGE", "VIDEO", "DOCUMENT", "LOCATION":
		if len(v.Header) > 0 {
			b.c.add("header", "the template's header is %s, not TEXT; give HeaderMedia instead of Header values", format)
		}
		want := strings.ToLower(format)
		switch {
		case v.HeaderMedia == nil:
			b.c.add("header", "the template's header is %s: give HeaderMedia (%s parameter)", format, withArticle(want))
			return Component{}, false
		case v.HeaderMedia.Type != want:
			b.c.add("header", "the template's header is %s: HeaderMedia must be %s parameter, not %q", format, withArticle(want), v.HeaderMedia.Type)
			return Component{}, false
		}
		return Header(*v.HeaderMedia), true
	default:
		if len(v.Header) > 0 || v.HeaderMedia != nil {
			b.c.add("header", "the template's header format %q is not supported by Build; assemble the component and use Check", tc.Format)
		}
		return Component{}, false
	}
}

// text builds the parameters of a header or body from the positional values
// or the named map. ok is false when the component takes no parameters.
func (b *tmplBuilder) text(what, text string, positional []string) ([]Parameter, bool) {
	want := placeholders(text, b.c.named)
	if b.c.named {
		if len(positional) > 0 {
			b.c.add(what, "the template is NAMED: give its %s values in Named, not by position", what)
		}
		if len(want) == 0 {
			return nil, false
		}
		params := make([]Parameter, 0, len(want))
		var missing []string
		for _, name := range want {
			val, ok := b.v.Named[name]
			if !ok {
				missing = append(missing, name)
				continue
			}
			b.usedNames[name] = true
			params = append(params, NamedText(name, val))
		}
		if len(missing) > 0 {
			b.c.add(what, "no value for %s (Named)", describePlaceholders(missing))
		}
		return params, true
	}
	if len(want) != len(positional) {
		b.c.add(what, "the template's %s has %s (%s); got %s",
			what, plural(len(want), "placeholder"), orNone(describePlaceholders(want)), plural(len(positional), "value"))
	}
	if len(want) == 0 {
		return nil, false
	}
	params := make([]Parameter, 0, len(positional))
	for _, val := range positional {
		params = append(params, Text(val))
	}
	return params, true
}

// buttons builds the BUTTON components from v.Buttons.
func (b *tmplBuilder) buttons(tButtons []TemplateButton) []Component {
	var out []Component
	given := b.v.Buttons
	for k, tb := range tButtons {
		rule, ok := ruleFor(tb)
		val, has := given[k]
		switch {
		case !ok:
			if has {
				b.c.add(fmt.Sprintf("button[%d]", k), "the template's %s is not supported by Build; assemble the component and use Check", describeButton(tb))
			}
		case rule.paramType == "":
			if has {
				b.c.add(fmt.Sprintf("button[%d]", k), "the template's %s takes no value", describeButton(tb))
			}
		case rule.paramType == paramAction:
			if has {
				b.c.add(fmt.Sprintf("button[%d]", k), "the template's %s takes an action, not a string: use FlowButton or CatalogButton and Check", describeButton(tb))
			}
		case !has:
			if rule.required {
				b.c.add(fmt.Sprintf("button[%d]", k), "the template's %s needs a value in Buttons[%d]", describeButton(tb), k)
			}
		default:
			switch rule.paramType {
			case paramText:
				out = append(out, URLButton(k, val))
			case paramPayload:
				out = append(out, QuickReplyButton(k, val))
			case paramCouponCode:
				out = append(out, CopyCodeButton(k, val))
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(given)) {
		if k < 0 || k >= len(tButtons) {
			b.c.add(fmt.Sprintf("button[%d]", k), "the template has %s; there is no index %d", plural(len(tButtons), "button"), k)
		}
	}
	return out
}

// unusedNames reports Named values no placeholder asked for.
func (b *tmplBuilder) unusedNames() {
	if !b.c.named {
		if len(b.v.Named) > 0 {
			b.c.add("named", "the template is POSITIONAL: give values in Header and Body, not Named")
		}
		return
	}
	for _, name := range slices.Sorted(maps.Keys(b.v.Named)) {
		if !b.usedNames[name] {
			b.c.add("named", "the template has no placeholder {{%s}}", name)
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Placeholders returns what the template's TEXT header and its body ask
// for, in the order a send gives them: "1".."n" for a POSITIONAL template,
// the placeholder names (without braces) for a NAMED one. A media header,
// or no header, asks for nothing here (see TemplateValues.HeaderMedia). It
// is what Build expects in TemplateValues.Header and .Body, or as the keys
// of .Named; it does not cover buttons.
func (t *Template) Placeholders() (header, body []string) {
	if t == nil {
		return nil, nil
	}
	named := t.isNamed()
	h, b, _ := t.templateParts()
	if h != nil && headerFormat(h) == "TEXT" {
		header = placeholders(h.Text, named)
	}
	if b != nil {
		body = placeholders(b.Text, named)
	}
	return header, body
}
