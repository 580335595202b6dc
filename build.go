package crispwa

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// TemplateValues fills a template's placeholders, for Template.Build and
// Template.Render. Give the values the template asks for and nothing else:
// Build reports missing and extra values alike.
type TemplateValues struct {
	// Header holds the values of a TEXT header's {{1}}.. placeholders
	// (POSITIONAL templates).
	Header []string
	// Body holds the values of the BODY's {{1}}..{{n}}, in order
	// (POSITIONAL templates).
	Body []string
	// Named holds, for a NAMED template, the header and body values by
	// placeholder name, without braces ("first_name"). A name used in both
	// the header and the body fills both (and every card's body).
	Named map[string]string
	// HeaderMedia is the parameter of an IMAGE, VIDEO, DOCUMENT, LOCATION
	// or PRODUCT header, e.g. ImageLink(url), LocationValue(...) or
	// ProductValue(...).
	HeaderMedia *Parameter
	// Buttons holds, by button index (0-based, in the template's order), the
	// suffix of a URL button with {{1}}, the code of a COPY_CODE or OTP
	// button, the payload of a QUICK_REPLY button (optional: without one
	// WhatsApp uses the button's text), the flow token of a FLOW button
	// (may be "": Meta then uses "unused") or the thumbnail product's
	// retailer ID of a CATALOG button (may be ""). A FLOW button with
	// flow_action_data, and MPM and ORDER_DETAILS buttons, take an action
	// Build cannot make from a string: assemble them with FlowButton,
	// MPMButton or OrderDetailsButton and use Check.
	Buttons map[int]string
	// Code is an authentication template's one-time code: it fills both the
	// body's {{1}} and the OTP (copy-code or one-tap) button, which must
	// carry the same code. With Code, leave Body and that button's Buttons
	// entry out (or give the same code; a listed template whose body has
	// more placeholders takes Body with the code first).
	Code string
	// Cards holds a carousel template's cards, one per template card, in
	// order.
	Cards []CardValues
	// OfferExpiration is when a limited-time offer ends (its countdown).
	OfferExpiration time.Time
}

// CardValues fills one carousel card: its header media or product, its
// body's positional values, and its buttons by index.
type CardValues struct {
	HeaderMedia *Parameter     // the card's IMAGE, VIDEO or PRODUCT header, e.g. ImageID(id)
	Body        []string       // the card body's {{1}}..{{n}}, when it has placeholders
	Buttons     map[int]string // by the card's button index, as TemplateValues.Buttons
}

// Build returns the MessageTemplate (name, language, components) that fills
// t with v, so that nobody counts placeholders by hand, and fills each
// component's Text with the template's text rendered with the values (the
// header, body, footer and button texts), so that the Crisp inbox shows
// exactly what the customer received. It returns every mismatch at once,
// like Check (errors.Is(err, ErrInvalidRequest) holds): a missing or extra
// value, a value for a button that takes none, a media header without
// HeaderMedia, a value over a documented limit, a template that is not
// APPROVED. On error the MessageTemplate is the zero value.
//
// Build fills text placeholders with "text" parameters, a FLOW button's
// token and a CATALOG button's thumbnail from Buttons, and an
// authentication template's body and OTP button from Code; for currency or
// date_time parameters, flow_action_data, MPM and ORDER_DETAILS buttons,
// assemble the components with the constructors and use Check. Build
// makes no network call.
func (t *Template) Build(v TemplateValues) (MessageTemplate, error) {
	if t == nil {
		return MessageTemplate{}, invalid("template", "is nil")
	}
	s := t.shape()
	b := newBuilder(t, s, v)
	m := b.build()
	if len(b.c.list) > 0 {
		// The builder's problems, in terms of TemplateValues, with what
		// Check says about the template itself (status) and the values
		// (limits, empty values), without its structural issues, which the
		// builder already explained.
		return MessageTemplate{}, joinIssues(append(t.check(m, s).values(), b.c.list...))
	}
	if err := joinIssues(t.check(m, s).all()); err != nil {
		return MessageTemplate{}, err
	}
	fillText(&m, s)
	return m, nil
}

// tmplBuilder accumulates the components and problems of one Build.
type tmplBuilder struct {
	t         *Template
	s         *templateShape
	c         *tmplChecker
	v         TemplateValues
	usedNames map[string]bool
}

func newBuilder(t *Template, s *templateShape, v TemplateValues) *tmplBuilder {
	return &tmplBuilder{t: t, s: s, c: &tmplChecker{t: t, shape: s}, v: v, usedNames: map[string]bool{}}
}

// build assembles the components (without Text); problems go to b.c.
func (b *tmplBuilder) build() MessageTemplate {
	m := MessageTemplate{Name: b.t.Name, Language: b.t.Language}
	b.applyCode()
	s, v := b.s, b.v
	m.Components = b.part("", &s.partShape, v.HeaderMedia, v.Header, v.Body, v.Buttons)
	b.offer(&m)
	b.carousel(&m)
	b.unusedNames()
	return m
}

// part builds the header, body and buttons of the message or of a card.
func (b *tmplBuilder) part(prefix string, p *partShape, media *Parameter, header, body []string, buttons map[int]string) []Component {
	var out []Component
	if comp, ok := b.header(prefix, p, media, header); ok {
		out = append(out, comp)
	}
	if p.body != nil {
		if params, ok := b.text(prefix+"body", p.bodyParams, body); ok {
			out = append(out, Body(params...))
		}
	} else if len(body) > 0 {
		b.c.add(prefix+"body", "the template has no BODY component; got %s", plural(len(body), "body value"))
	}
	return append(out, b.buttons(prefix, p.buttons, buttons)...)
}

// header builds the HEADER component, if the template's header takes
// parameters.
func (b *tmplBuilder) header(prefix string, p *partShape, media *Parameter, values []string) (Component, bool) {
	field := prefix + "header"
	if p.header == nil {
		if len(values) > 0 {
			b.c.add(field, "the template has no HEADER component; got %s", plural(len(values), "header value"))
		}
		if media != nil {
			b.c.add(field, "the template has no HEADER component; got HeaderMedia")
		}
		return Component{}, false
	}
	switch format := p.headerFormat; {
	case format == FormatText:
		if media != nil {
			b.c.add(field, "the template's header is TEXT; HeaderMedia is only for media, location and product headers")
		}
		params, ok := b.text(field, p.headerParams, values)
		if !ok {
			return Component{}, false
		}
		return Header(params...), true
	case isMediaFormat(format):
		if len(values) > 0 {
			b.c.add(field, "the template's header is %s, not TEXT; give HeaderMedia instead of Header values", format)
		}
		want := strings.ToLower(format)
		switch {
		case media == nil:
			b.c.add(field, "the template's header is %s: give HeaderMedia (%s parameter)", format, withArticle(want))
			return Component{}, false
		case media.Type != want:
			b.c.add(field, "the template's header is %s: HeaderMedia must be %s parameter, not %q", format, withArticle(want), media.Type)
			return Component{}, false
		}
		return Header(*media), true
	default:
		if len(values) > 0 || media != nil {
			b.c.add(field, "the template's header format %q is not supported by Build; assemble the component and use Check", p.header.Format)
		}
		return Component{}, false
	}
}

// text builds the parameters of a header or body from the positional values
// or the named map. ok is false when the component takes no parameters.
func (b *tmplBuilder) text(field string, want, positional []string) ([]Parameter, bool) {
	what := field[strings.LastIndex(field, ".")+1:]
	if b.s.named {
		if len(positional) > 0 {
			b.c.add(field, "the template is NAMED: give its %s values in Named, not by position", what)
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
			b.c.add(field, "no value for %s (Named)", describePlaceholders(missing))
		}
		return params, true
	}
	if len(want) != len(positional) {
		b.c.add(field, "the template's %s has %s (%s); got %s",
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

// buttons builds the BUTTON components from the values by index.
func (b *tmplBuilder) buttons(prefix string, tButtons []shapeButton, given map[int]string) []Component {
	var out []Component
	for k, tb := range tButtons {
		field := prefix + buttonField(k)
		val, has := given[k]
		rule := tb.rule
		switch {
		case !tb.known:
			if has {
				b.c.add(field, "the template's %s is not supported by Build; assemble the component and use Check", describeButton(tb.TemplateButton))
			}
		case rule.paramType == "" || rule.noIndex:
			if has {
				b.c.add(field, "the template's %s takes no value", describeButton(tb.TemplateButton))
			}
		case rule.paramType == ParamAction && has && rule.subType == SubTypeFlow:
			out = append(out, FlowButton(k, val, nil))
		case rule.paramType == ParamAction && has && rule.subType == SubTypeCatalog:
			out = append(out, CatalogButton(k, val))
		case rule.paramType == ParamAction && (rule.subType == SubTypeFlow || rule.subType == SubTypeCatalog):
			b.c.add(field, "the template's %s needs its BUTTON component (WhatsApp refuses the send without it, error 131009): give Buttons[%d], the %s (may be \"\")",
				describeButton(tb.TemplateButton), k, map[string]string{SubTypeFlow: "flow token", SubTypeCatalog: "thumbnail product's retailer ID"}[rule.subType])
		case rule.paramType == ParamAction:
			if has || rule.required {
				b.c.add(field, "the template's %s takes an action, not a string: use MPMButton or OrderDetailsButton and Check", describeButton(tb.TemplateButton))
			}
		case !has:
			if rule.required {
				b.c.add(field, "the template's %s needs a value in Buttons[%d]", describeButton(tb.TemplateButton), k)
			}
		default:
			switch rule.paramType {
			case ParamText:
				out = append(out, URLButton(k, val))
			case ParamPayload:
				out = append(out, QuickReplyButton(k, val))
			case ParamCouponCode:
				out = append(out, CopyCodeButton(k, val))
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(given)) {
		if k < 0 || k >= len(tButtons) {
			b.c.add(prefix+buttonField(k), "the template has %s; there is no index %d", plural(len(tButtons), "button"), k)
		}
	}
	return out
}

// applyCode fills an authentication template's body and OTP buttons with
// v.Code, on a copy of v.Buttons.
func (b *tmplBuilder) applyCode() {
	code := b.v.Code
	if code == "" {
		return
	}
	if !b.s.auth {
		b.c.add("code", "the template is %s, not AUTHENTICATION: give its values in Body and Buttons", orNone(b.t.Category))
		return
	}
	switch {
	case len(b.v.Body) == 0:
		b.v.Body = []string{code}
	case b.v.Body[0] != code:
		b.c.add("body", "{{1}} is %q but Code is %q: an authentication template's body shows the code; give it once, in Code", b.v.Body[0], code)
	}
	buttons := maps.Clone(b.v.Buttons)
	if buttons == nil {
		buttons = map[int]string{}
	}
	for k, tb := range b.s.buttons {
		if !tb.otp {
			continue
		}
		if val, has := buttons[k]; has && val != code {
			b.c.add(buttonField(k), "is %q but Code is %q: the OTP button copies the code the body shows; give it once, in Code", val, code)
			continue
		}
		buttons[k] = code
	}
	b.v.Buttons = buttons
}

// offer builds the LIMITED_TIME_OFFER component.
func (b *tmplBuilder) offer(m *MessageTemplate) {
	o := b.s.offer
	switch {
	case o == nil && !b.v.OfferExpiration.IsZero():
		b.c.add("limited_time_offer", "the template has no LIMITED_TIME_OFFER component; got OfferExpiration")
	case o == nil:
	case b.v.OfferExpiration.IsZero():
		if o.LimitedTimeOffer != nil && o.LimitedTimeOffer.HasExpiration {
			b.c.add("limited_time_offer", "the template's offer expires: give OfferExpiration")
		}
	default:
		m.Components = append(m.Components, LimitedTimeOfferComponent(b.v.OfferExpiration))
	}
}

// carousel builds the CAROUSEL component from v.Cards.
func (b *tmplBuilder) carousel(m *MessageTemplate) {
	s, cards := b.s, b.v.Cards
	if !s.carousel {
		if len(cards) > 0 {
			b.c.add("carousel", "the template is not a carousel; got %s", plural(len(cards), "card"))
		}
		return
	}
	if len(cards) != len(s.cards) {
		b.c.add("carousel", "the template has %s; got %s", plural(len(s.cards), "card"), plural(len(cards), "card"))
	}
	out := make([]Card, 0, len(cards))
	for k, cv := range cards {
		if k >= len(s.cards) {
			break
		}
		out = append(out, CarouselCard(k, b.part(cardField(k)+".", &s.cards[k], cv.HeaderMedia, nil, cv.Body, cv.Buttons)...))
	}
	m.Components = append(m.Components, Carousel(out...))
}

// unusedNames reports Named values no placeholder asked for.
func (b *tmplBuilder) unusedNames() {
	if !b.s.named {
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

// fillText sets each component's Text to what the customer reads, adding
// the header, body and footer components that take no parameter, so that
// the Crisp inbox shows the whole message.
func fillText(m *MessageTemplate, s *templateShape) {
	r := renderer{named: s.named}
	m.Components = fillPartText(m.Components, &s.partShape, r, true)
	for i := range m.Components {
		c := &m.Components[i]
		if strings.EqualFold(c.Type, ComponentCarousel) {
			for j := range c.Cards {
				card := &c.Cards[j]
				if k := card.CardIndex; k >= 0 && k < len(s.cards) {
					card.Components = fillPartText(card.Components, &s.cards[k], r, false)
				}
			}
		}
	}
}

// fillPartText fills the texts of one part (the message or a card). The
// components keep their order; with addTextOnly, the header, body and
// footer that take no parameter are appended after them, text only, so
// that code reading the parameters of a built message finds them where it
// always did. (A carousel card keeps exactly its components: every card
// of a carousel must have the same ones.)
func fillPartText(comps []Component, p *partShape, r renderer, addTextOnly bool) []Component {
	out := slices.Clone(comps)
	var hasHeader, hasBody bool
	for i := range out {
		c := &out[i]
		switch strings.ToUpper(c.Type) {
		case ComponentHeader:
			hasHeader = true
			c.Format = p.headerFormat
			if p.headerFormat == FormatText {
				c.Text, _ = r.fill(p.header.Text, c.Parameters)
			}
		case ComponentBody:
			hasBody = true
			c.Text, _ = r.fill(p.body.Text, c.Parameters)
		case ComponentButton:
			if c.Index != nil && *c.Index >= 0 && *c.Index < len(p.buttons) {
				c.Text = p.buttons[*c.Index].Text
			}
		}
	}
	if !addTextOnly {
		return out
	}
	if p.header != nil && !hasHeader && p.headerFormat == FormatText && p.header.Text != "" {
		out = append(out, Component{Type: ComponentHeader, Format: FormatText, Text: p.header.Text})
	}
	if p.body != nil && !hasBody && p.body.Text != "" {
		out = append(out, Component{Type: ComponentBody, Text: p.body.Text})
	}
	if p.footer != nil && p.footer.Text != "" {
		out = append(out, Component{Type: ComponentFooter, Text: p.footer.Text})
	}
	return out
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
	s := t.shape()
	return s.headerParams, s.bodyParams
}
