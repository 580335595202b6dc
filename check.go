package crispwa

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Check compares a send with its template, locally, and returns every
// mismatch at once: nil, one *ValidationError, or several joined with
// errors.Join (ValidationErrors lists them). errors.Is(err,
// ErrInvalidRequest) holds for any non-nil result. Each error names the
// component ("header", "body", "button[1]", "card[0].header", or a
// parameter inside one) and the problem, with the same field names as
// SendTemplateRequest.Validate.
//
// Check finds: a name or language other than the template's; a template
// that is not APPROVED (or that the SDK could not model, see
// Template.Unmodeled); a parameter count (POSITIONAL, or a ParameterFormat
// of "") or set of parameter names (NAMED) that differs from the
// placeholders in the header or body text; a component the template needs
// but the message omits (a body with placeholders, a media or product
// header, a URL button with {{1}}, a copy-code, OTP, MPM or checkout
// button, the carousel, the limited-time offer); a header parameter whose
// kind does not match the header's format; a button component for an index
// the template does not have, with the wrong sub_type, or for a button that
// takes no parameter; a carousel whose card count or card headers differ
// from the template's; a parameter whose Type disagrees with its fields or
// whose value breaks a limit Meta documents (in characters: a header text
// parameter over 60, a body one over 1024, or 32768 when the body is the
// only component, a coupon code over 20, a one-time or offer code over 15);
// a component Text that differs from the template rendered with the
// message's values (the Crisp inbox would show what the customer never
// got); and what WhatsApp refuses once the send is accepted: a text
// parameter with a new-line, a tab or more than 4 consecutive spaces
// (error 132018), a FLOW or CATALOG button without its component (131009),
// an authentication send whose body and button codes differ, a
// multi-product button over 10 sections, 30 products or a 24-character
// section title, a product without catalog_id, a limited-time offer
// already expired, a whole URL given as a URL button's suffix, a currency
// code that is not ISO 4217, and an order (ORDER_DETAILS) that breaks
// Meta's payments rules or does not add up. docs/sending.md lists them
// with their sources.
//
// Check does not look at the phone numbers or Crisp options
// (SendTemplateRequest.Validate does), makes no network call, and cannot
// know what Meta decides later (e.g. an unreachable media link).
// Components of kinds the SDK does not model pass unchecked when the
// template has them.
func (t *Template) Check(m MessageTemplate) error {
	if t == nil {
		return invalid("template", "is nil")
	}
	return joinIssues(t.check(m, t.shape()).all())
}

// issues are the problems of one Check. A structural issue (a component
// missing, extra, or with the wrong number of parameters) is one Build
// explains itself in terms of TemplateValues; a value issue (a status, a
// limit, an empty value) Build reports as Check does.
type issues struct {
	list       []*ValidationError
	structural []bool
}

func (is *issues) all() []*ValidationError { return is.list }

// values returns the value issues only.
func (is *issues) values() []*ValidationError {
	var out []*ValidationError
	for i, v := range is.list {
		if !is.structural[i] {
			out = append(out, v)
		}
	}
	return out
}

// tmplChecker accumulates the problems of one Check.
type tmplChecker struct {
	t     *Template
	shape *templateShape
	issues
}

// add records a value problem.
func (c *tmplChecker) add(field, format string, args ...any) {
	c.list = append(c.list, invalid(field, format, args...))
	c.structural = append(c.structural, false)
}

// addStructural records a component-level problem.
func (c *tmplChecker) addStructural(field, format string, args ...any) {
	c.list = append(c.list, invalid(field, format, args...))
	c.structural = append(c.structural, true)
}

// checkIdentity checks what does not depend on the components: the
// template's parameter format and status, and the message's name and
// language.
func (c *tmplChecker) checkIdentity(m MessageTemplate) {
	t := c.t
	if t.Unmodeled != "" {
		c.add("template", "template %q (%s): %s", t.Name, t.Language, t.Unmodeled)
	}
	if m.Name != t.Name {
		c.add("message_template.name", "is %q, the template is %q", m.Name, t.Name)
	}
	if m.Language != t.Language {
		c.add("message_template.language", "is %q, the template %q is %q", m.Language, t.Name, t.Language)
	}
	switch {
	case t.Status == "":
		c.add("template.status", "template %q (%s) has no status; only an APPROVED template can be sent", t.Name, t.Language)
	case !strings.EqualFold(t.Status, StatusApproved):
		c.add("template.status", "template %q (%s) is %s, not APPROVED: WhatsApp would refuse the send", t.Name, t.Language, t.Status)
	}
	if f := t.ParameterFormat; f != "" && !strings.EqualFold(f, ParameterFormatPositional) && !strings.EqualFold(f, ParameterFormatNamed) {
		c.add("template.parameter_format", "unknown parameter format %q; checked as POSITIONAL", f)
	}
}

func (t *Template) check(m MessageTemplate, s *templateShape) *issues {
	c := &tmplChecker{t: t, shape: s}
	c.checkIdentity(m)
	extra := c.checkPart("", &s.partShape, m.Components, true)
	c.checkCarousel(extra.carousel)
	c.checkOffer(extra.offer)
	return &c.issues
}

// topLevel are the components only the message itself (not a card) has.
type topLevel struct {
	carousel, offer *Component
}

// partComponents are the components of a message (or of one carousel
// card) sorted by kind: the first HEADER, BODY and FOOTER, the voice-call
// button, the BUTTON components by index in message order, and (for the
// message itself) the CAROUSEL and LIMITED_TIME_OFFER.
type partComponents struct {
	header, body, footer, voice *Component
	buttons                     []*Component // in message order, one per index
	buttonSeen                  map[int]bool
	onlyBody                    bool // every component is a BODY
	topLevel
}

// checkPart compares the components of a message (prefix "") or of one
// carousel card (prefix "card[0].") with the template's part: it sorts
// them, then checks each kind.
func (c *tmplChecker) checkPart(prefix string, part *partShape, comps []Component, top bool) topLevel {
	var pc partComponents
	c.sortComponents(&pc, prefix, comps, top)
	r := renderer{named: c.shape.named}
	c.checkHeader(prefix+"header", part, pc.header, r)
	c.checkBody(prefix+"body", part, pc.body, pc.onlyBody, r)
	c.checkFooter(prefix+"footer", part, pc.footer)
	for _, mc := range pc.buttons {
		c.checkButton(prefix+buttonField(*mc.Index), mc, part.buttons)
	}
	c.checkVoiceCall(prefix+"button[voice_call]", pc.voice, part.buttons)
	c.checkMissingButtons(prefix, part.buttons, pc.buttonSeen)
	c.checkAuthCode(prefix, part, &pc)
	return pc.topLevel
}

// sortComponents sorts comps by kind, reporting a second component of a
// kind, a BUTTON without index, and a kind the part cannot have.
func (c *tmplChecker) sortComponents(pc *partComponents, prefix string, comps []Component, top bool) {
	pc.buttonSeen, pc.onlyBody = map[int]bool{}, true
	second := func(i int, what string) {
		c.addStructural(prefix+positionField(i), "a second %s component; a message has at most one", what)
	}
	for i := range comps {
		mc := &comps[i]
		typ := strings.ToUpper(mc.Type)
		pc.onlyBody = pc.onlyBody && typ == ComponentBody
		switch typ {
		case ComponentHeader, ComponentBody, ComponentFooter:
			if slot := pc.slot(typ); *slot == nil {
				*slot = mc
			} else {
				second(i, typ)
			}
		case ComponentButton:
			c.sortButton(prefix, i, mc, pc)
		case ComponentCarousel, ComponentLimitedTimeOffer:
			if !top {
				c.addStructural(prefix+positionField(i), "type %q: a carousel card has HEADER, BODY and BUTTON components only", mc.Type)
			} else if slot := pc.slot(typ); *slot == nil {
				*slot = mc
			} else {
				second(i, typ)
			}
		case ComponentButtons:
			c.addStructural(prefix+positionField(i), "type %q: a send has one BUTTON component per button (with its index), not BUTTONS", mc.Type)
		default:
			if top && c.shape.types[typ] {
				continue // a kind the SDK does not model, which the template has: not checked
			}
			c.addStructural(prefix+positionField(i), "type %q: the template has no such component (want HEADER, BODY, FOOTER or BUTTON)", mc.Type)
		}
	}
}

// slot is where the first component of type typ goes.
func (pc *partComponents) slot(typ string) **Component {
	switch typ {
	case ComponentHeader:
		return &pc.header
	case ComponentBody:
		return &pc.body
	case ComponentFooter:
		return &pc.footer
	case ComponentCarousel:
		return &pc.carousel
	}
	return &pc.offer
}

// sortButton files one BUTTON component: the voice-call button (no index),
// or the button of its index.
func (c *tmplChecker) sortButton(prefix string, i int, mc *Component, pc *partComponents) {
	switch {
	case mc.Index == nil && strings.EqualFold(mc.SubType, SubTypeVoiceCall):
		if pc.voice != nil {
			c.addStructural(prefix+positionField(i), "a second voice_call BUTTON component; a message has at most one")
			return
		}
		pc.voice = mc
	case mc.Index == nil:
		c.addStructural(prefix+positionField(i), "a BUTTON component needs an index")
	case pc.buttonSeen[*mc.Index]:
		c.addStructural(prefix+buttonField(*mc.Index), "a second BUTTON component for index %d", *mc.Index)
	default:
		pc.buttonSeen[*mc.Index] = true
		pc.buttons = append(pc.buttons, mc)
	}
}

// checkBody compares the message's BODY component with the template's.
func (c *tmplChecker) checkBody(field string, part *partShape, mc *Component, onlyBody bool, r renderer) {
	bodyMax := maxBodyTextParam
	if onlyBody {
		bodyMax = maxBodyOnlyTextParam
	}
	switch {
	case part.body != nil:
		c.checkTextComponent(field, "body", part.body.Text, part.bodyParams, mc, bodyMax)
		c.checkRendered(field, mc, part.body.Text, r)
	case mc != nil:
		c.addStructural(field, "the template has no BODY component")
	}
}

// checkRendered reports a component Text that differs from the template
// text rendered with the component's own parameters.
func (c *tmplChecker) checkRendered(field string, mc *Component, text string, r renderer) {
	if mc == nil || mc.Text == "" {
		return
	}
	want, ok := r.fill(text, mc.Parameters)
	if ok && mc.Text != want {
		c.add(field+".text", "is %q but the template renders %q: the Crisp inbox would show what the customer never got (Build fills it)", truncate(mc.Text), truncate(want))
	}
}

// checkHeader compares the message's HEADER component with the template's.
func (c *tmplChecker) checkHeader(field string, part *partShape, mc *Component, r renderer) {
	tc := part.header
	if tc == nil {
		if mc != nil {
			c.addStructural(field, "the template has no HEADER component")
		}
		return
	}
	format := part.headerFormat
	if mc != nil && mc.Format != "" && !strings.EqualFold(mc.Format, format) {
		c.add(field+".format", "is %q; the template's header is %s", mc.Format, format)
	}
	switch {
	case format == FormatText:
		c.checkTextComponent(field, "header", tc.Text, part.headerParams, mc, maxHeaderTextParam)
		c.checkRendered(field, mc, tc.Text, r)
	case isMediaFormat(format):
		want := strings.ToLower(format)
		if mc == nil {
			c.addStructural(field, "the template's header is %s: the message needs a HEADER component with one %s parameter", format, want)
			return
		}
		for j, p := range mc.Parameters {
			c.checkShape(paramField(field, j), p, false)
		}
		switch {
		case len(mc.Parameters) != 1:
			c.addStructural(field, "the template's header is %s: it takes exactly one %s parameter, the message gives %d", format, want, len(mc.Parameters))
		case mc.Parameters[0].Type != want:
			c.add(paramField(field, 0), "the template's header is %s: it takes %s parameter, not %q", format, withArticle(want), mc.Parameters[0].Type)
		}
	default:
		// A format the SDK does not model: the header is not checked.
	}
}

// checkFooter: a footer takes no parameter; its text, when given, is the
// template's.
func (c *tmplChecker) checkFooter(field string, part *partShape, mc *Component) {
	switch {
	case mc == nil:
	case part.footer == nil:
		c.addStructural(field, "the template has no FOOTER component")
	case len(mc.Parameters) > 0:
		c.addStructural(field, "a footer takes no parameter; the message gives %s", plural(len(mc.Parameters), "parameter"))
	case mc.Text != "" && mc.Text != part.footer.Text:
		c.add(field+".text", "is %q but the template's footer is %q", truncate(mc.Text), truncate(part.footer.Text))
	}
}

// checkTextComponent compares the parameters of a header or body with the
// placeholders of its text.
func (c *tmplChecker) checkTextComponent(field, what, text string, want []string, mc *Component, maxLen int) {
	named := c.shape.named
	if mc != nil {
		for j, p := range mc.Parameters {
			pf := paramField(field, j)
			c.checkShape(pf, p, true)
			switch p.Type {
			case ParamText, ParamCurrency, ParamDateTime:
			default:
				c.add(pf, "a %s placeholder takes a text, currency or date_time parameter, not %q", what, p.Type)
			}
			if p.Type == ParamText {
				if n := utf8.RuneCountInString(p.Text); n > maxLen {
					c.add(pf+".text", "is %d characters; a %s text parameter is at most %d", n, what, maxLen)
				}
			}
		}
	}
	got := 0
	if mc != nil {
		got = len(mc.Parameters)
	}
	if len(want) == 0 {
		if got > 0 {
			c.addStructural(field, "the template's %s has no placeholders; the message gives %s", what, plural(got, "parameter"))
		}
		return
	}
	if mc == nil {
		c.addStructural(field, "the template's %s has %s (%s); the message has no %s component",
			what, plural(len(want), "placeholder"), describePlaceholders(want), strings.ToUpper(what))
		return
	}
	if !named {
		if got != len(want) {
			c.addStructural(field, "the template's %s has %s (%s); the message gives %s",
				what, plural(len(want), "placeholder"), describePlaceholders(want), plural(got, "parameter"))
		}
		for j, p := range mc.Parameters {
			if p.ParameterName != "" {
				c.add(paramField(field, j)+".parameter_name",
					"is %q, but the template is POSITIONAL: parameters go by order, without names", p.ParameterName)
			}
		}
		return
	}
	wanted := map[string]bool{}
	for _, w := range want {
		wanted[w] = true
	}
	given := map[string]bool{}
	for j, p := range mc.Parameters {
		pf := paramField(field, j)
		switch {
		case p.ParameterName == "":
			c.add(pf+".parameter_name", "is empty; the template is NAMED: each parameter names its placeholder")
		case given[p.ParameterName]:
			c.add(pf+".parameter_name", "{{%s}} is given twice", p.ParameterName)
		case !wanted[p.ParameterName]:
			c.add(pf+".parameter_name", "the template's %s has no placeholder {{%s}} (it has %s)", what, p.ParameterName, describePlaceholders(want))
		}
		given[p.ParameterName] = true
	}
	var missing []string
	for _, w := range want {
		if !given[w] {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		c.addStructural(field, "missing %s of the template's %s", describePlaceholders(missing), what)
	}
}

// checkButton compares one BUTTON component with the template's button at
// its index.
func (c *tmplChecker) checkButton(field string, mc *Component, buttons []shapeButton) {
	idx := *mc.Index
	for j, p := range mc.Parameters {
		c.checkShape(paramField(field, j), p, false)
	}
	if idx < 0 || idx >= len(buttons) {
		if len(buttons) == 0 {
			c.addStructural(field, "index %d: the template has no buttons", idx)
		} else {
			c.addStructural(field, "index %d: the template has %s (index 0 to %d)", idx, plural(len(buttons), "button"), len(buttons)-1)
		}
		return
	}
	b := buttons[idx]
	if mc.Text != "" && b.Text != "" && mc.Text != b.Text {
		c.add(field+".text", "is %q but the template's button says %q", truncate(mc.Text), truncate(b.Text))
	}
	if !b.known {
		return
	}
	rule := b.rule
	if rule.paramType == "" || rule.noIndex {
		c.addStructural(field, "the template's %s takes no parameter; leave out this BUTTON component", describeButton(b.TemplateButton))
		return
	}
	if !strings.EqualFold(mc.SubType, rule.subType) {
		c.add(field+".sub_type", "is %q; the template's %s needs %q", mc.SubType, describeButton(b.TemplateButton), rule.subType)
	}
	switch {
	case len(mc.Parameters) == 0 && rule.required:
		c.addStructural(field, "the template's %s needs one %s parameter, the message gives none", describeButton(b.TemplateButton), rule.paramType)
	case len(mc.Parameters) > 1:
		c.addStructural(field, "the template's %s takes one %s parameter, the message gives %d", describeButton(b.TemplateButton), rule.paramType, len(mc.Parameters))
	}
	maxLen := rule.maxLen
	if rule.paramType == ParamCouponCode && c.shape.offer != nil {
		maxLen = maxOfferCode
	}
	for j, p := range mc.Parameters {
		pf := paramField(field, j)
		if p.Type != rule.paramType {
			c.add(pf, "the template's %s takes %s parameter, not %q", describeButton(b.TemplateButton), withArticle(rule.paramType), p.Type)
			continue
		}
		if maxLen > 0 {
			v := p.Text
			if p.Type == ParamCouponCode {
				v = p.CouponCode
			}
			if n := utf8.RuneCountInString(v); n > maxLen {
				c.add(pf, "is %d characters; the template's %s takes at most %d", n, describeButton(b.TemplateButton), maxLen)
			}
		}
		if p.Type == ParamCouponCode && !isAlphanumeric(p.CouponCode) {
			c.add(pf+".coupon_code", "must be letters and digits only (Meta accepts alphanumeric coupon codes)")
		}
		if p.Type == ParamText && !b.otp {
			c.checkURLSuffix(pf, b.TemplateButton, p.Text)
		}
		if p.Type == ParamAction {
			c.checkAction(pf+".action", rule.subType, p.Action)
		}
	}
}

// checkURLSuffix refuses a whole URL given as the suffix (the text
// parameter named field) of a URL button
// whose template URL already has its scheme and host
// ("https://x/t/{{1}}" given "https://x/t/123" would open
// "https://x/t/https://x/t/123").
func (c *tmplChecker) checkURLSuffix(field string, b TemplateButton, suffix string) {
	prefix, _, ok := strings.Cut(b.URL, "{{1}}")
	if !ok || !strings.Contains(prefix, "://") {
		return
	}
	if hasPrefixFold(suffix, "http://") || hasPrefixFold(suffix, "https://") {
		c.add(field+".text", "is a whole URL (%q), but the template's URL is %q: give only what replaces {{1}}, or the link would be %q",
			truncate(suffix), b.URL, truncate(prefix+suffix))
	}
}

// checkVoiceCall compares a voice-call BUTTON component (no index) with
// the template: it needs a VOICE_CALL button and takes at most one
// ttl_minutes and one payload parameter.
func (c *tmplChecker) checkVoiceCall(field string, mc *Component, buttons []shapeButton) {
	if mc == nil {
		return
	}
	has := false
	for _, b := range buttons {
		has = has || strings.EqualFold(b.Type, ButtonVoiceCall)
	}
	if !has {
		c.addStructural(field, "the template has no VOICE_CALL button")
		return
	}
	seen := map[string]bool{}
	for j, p := range mc.Parameters {
		pf := paramField(field, j)
		c.checkShape(pf, p, false)
		switch {
		case p.Type != ParamTTLMinutes && p.Type != ParamPayload:
			c.add(pf, "a voice-call button takes ttl_minutes and payload parameters, not %q", p.Type)
		case seen[p.Type]:
			c.add(pf, "a second %s parameter", p.Type)
		}
		seen[p.Type] = true
	}
}

// checkMissingButtons reports the template's buttons that need a value but
// have no BUTTON component in the message.
func (c *tmplChecker) checkMissingButtons(prefix string, buttons []shapeButton, seen map[int]bool) {
	for k, b := range buttons {
		if !b.known || !b.rule.required || seen[k] {
			continue
		}
		hint := ""
		switch strings.ToUpper(b.Type) {
		case ButtonFlow:
			hint = fmt.Sprintf(" (WhatsApp refuses the send without it, error 131009): add FlowButton(%d, token, data)", k)
		case ButtonCatalog:
			hint = fmt.Sprintf(" (WhatsApp refuses the send without it, error 131009): add CatalogButton(%d, thumbnailRetailerID)", k)
		}
		c.addStructural(prefix+buttonField(k), "the template's %s needs %s parameter; the message has no BUTTON component with index %d%s",
			describeButton(b.TemplateButton), withArticle(b.rule.paramType), k, hint)
	}
}

// checkCarousel compares a CAROUSEL component with the template's cards:
// one card per template card, each checked like a message of its own.
func (c *tmplChecker) checkCarousel(mc *Component) {
	s := c.shape
	switch {
	case mc == nil && s.carousel:
		c.addStructural("carousel", "the template is a carousel of %s: the message needs a CAROUSEL component with its cards", plural(len(s.cards), "card"))
		return
	case mc == nil:
		return
	case !s.carousel:
		c.addStructural("carousel", "the template has no CAROUSEL component")
		return
	}
	if len(mc.Parameters) > 0 {
		c.addStructural("carousel", "a CAROUSEL component takes cards, not parameters")
	}
	if len(mc.Cards) != len(s.cards) {
		c.addStructural("carousel", "the template has %s; the message gives %s", plural(len(s.cards), "card"), plural(len(mc.Cards), "card"))
	}
	seen := map[int]bool{}
	for i, card := range mc.Cards {
		k := card.CardIndex
		switch {
		case k < 0 || k >= len(s.cards):
			c.addStructural("carousel.cards["+fmt.Sprint(i)+"].card_index", "is %d; the template's cards are 0 to %d", k, len(s.cards)-1)
			continue
		case seen[k]:
			c.addStructural(cardField(k), "a second card with card_index %d", k)
			continue
		}
		seen[k] = true
		c.checkPart(cardField(k)+".", &s.cards[k], card.Components, false)
	}
	for k := range s.cards {
		if !seen[k] && len(mc.Cards) == len(s.cards) {
			c.addStructural(cardField(k), "the message has no card with card_index %d", k)
		}
	}
}

// checkOffer compares a LIMITED_TIME_OFFER component with the template's
// offer: one limited_time_offer parameter when the offer expires.
func (c *tmplChecker) checkOffer(mc *Component) {
	offer := c.shape.offer
	const field = "limited_time_offer"
	switch {
	case mc == nil && offer != nil && offer.LimitedTimeOffer != nil && offer.LimitedTimeOffer.HasExpiration:
		c.addStructural(field, "the template's offer expires: the message needs a LIMITED_TIME_OFFER component with its expiration_time_ms")
		return
	case mc == nil:
		return
	case offer == nil:
		c.addStructural(field, "the template has no LIMITED_TIME_OFFER component")
		return
	}
	for j, p := range mc.Parameters {
		pf := paramField(field, j)
		c.checkShape(pf, p, false)
		if p.Type != ParamLimitedTimeOffer {
			c.add(pf, "a LIMITED_TIME_OFFER component takes a limited_time_offer parameter, not %q", p.Type)
		}
	}
	if len(mc.Parameters) != 1 {
		c.addStructural(field, "a LIMITED_TIME_OFFER component takes exactly one limited_time_offer parameter, the message gives %d", len(mc.Parameters))
	}
}

// hasPrefixFold reports whether s begins with prefix, ignoring case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// truncate shortens a text quoted in an error message.
func truncate(s string) string {
	const max = 80
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "..."
}
