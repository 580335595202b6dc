package crispwa

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on parameter values that the WhatsApp documentation gives for
// template sends, each counted in characters (Unicode code points). The
// sources were read through the search corpus; where only a mirror or a
// library repeating Meta's text was available, that is said. Limits we
// could not find documented (a URL button's suffix, a quick-reply payload,
// a location's name and address) are not checked: a local check that
// refuses what the API accepts would be worse than no check.
const (
	// maxHeaderTextParam: a text parameter of a HEADER component.
	// Meta, "Template components" (text header: "Maximum 60 characters"),
	// https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates/components
	// as mirrored at https://support.chatarchitect.com/books/meta-whatsapp/page/template-components-developer-documentation;
	// whatsapp-api-js, which mirrors the send-time parameter object
	// (https://whatsappapijs.web.app/classes/messages.HeaderParameter.html):
	// "For text parameter, the character limit is 60".
	maxHeaderTextParam = 60
	// maxBodyTextParam and maxBodyOnlyTextParam: a text parameter of the
	// BODY component. whatsapp-api-js, mirroring Meta's parameter object
	// (https://secreto31126.github.io/whatsapp-api-js/6.1.0/classes/messages.BodyParameter.html):
	// "the character limit is 32768 if only one BodyComponent is used for the
	// Template, else it's 1024". The SDK applies 32768 when the message's
	// only component is its BODY.
	maxBodyTextParam     = 1024
	maxBodyOnlyTextParam = 32768
	// maxCouponCode: the coupon_code of a copy-code button. Meta, "Coupon
	// code templates" (updated Dec 3, 2025), copy code button example code:
	// "Code to be copied to device clipboard when tapped. Maximum 20
	// characters." (https://developers.facebook.com/docs/whatsapp/templates/marketing-templates/coupon-templates,
	// mirrored at https://whatsapp-docs.kap.so/documentation/whatsapp/templates/marketing-templates/coupon-templates);
	// and for the send, "The coupon code to be copied when the customer
	// taps the button. Only accepting alphanumeric characters."
	// (https://developers.secure.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates/coupon-templates).
	// Older pages say 15 ("Codes are limited to 15 characters",
	// https://docs.360dialog.com/docs/waba-messaging/template-messaging/coupon-code-templates);
	// the SDK follows Meta's current, looser figure.
	maxCouponCode = 20
	// maxOTPCode: the one-time code sent to an authentication template's OTP
	// button. "The code length cannot exceed 15 characters."
	// (https://helpdocs.ycloud.com/help-center/whatsapp-basics/message-templates/authentication-message-templates,
	// restating Meta's authentication templates page).
	maxOTPCode = 15
)

// Template component and button types, as Meta spells them in a template.
const (
	tmplHeader  = "HEADER"
	tmplBody    = "BODY"
	tmplButtons = "BUTTONS"

	buttonURL        = "URL"
	buttonQuickReply = "QUICK_REPLY"
	buttonCopyCode   = "COPY_CODE"
	buttonOTP        = "OTP"
	buttonFlow       = "FLOW"
	buttonCatalog    = "CATALOG"
	buttonMPM        = "MPM"
	buttonPhone      = "PHONE_NUMBER"
	buttonVoiceCall  = "VOICE_CALL"
)

// Check compares a send with its template, locally, and returns every
// mismatch at once: nil, one *ValidationError, or several joined with
// errors.Join (ValidationErrors lists them). errors.Is(err,
// ErrInvalidRequest) holds for any non-nil result. Each error names the
// component ("header", "body", "button[1]", or a parameter inside one) and
// the problem.
//
// Check finds: a name or language other than the template's; a template
// that is not APPROVED; a parameter count (POSITIONAL, or a ParameterFormat
// of "") or set of parameter names (NAMED) that differs from the
// placeholders in the header or body text; a component the template needs
// but the message omits (a body with placeholders, a media header, a URL
// button with {{1}}, a copy-code or OTP button); a header parameter whose
// kind does not match the header's format; a button component for an index
// the template does not have, with the wrong sub_type, or for a button that
// takes no parameter; a parameter whose Type disagrees with its fields or
// whose value breaks a limit Meta documents (see the limit constants).
//
// Check does not look at the phone numbers or Crisp options
// (SendTemplateRequest.Validate does), makes no network call, and cannot
// know what Meta decides later (e.g. an unreachable media link). Components
// of kinds the SDK does not model (e.g. CAROUSEL) pass unchecked when the
// template has them.
func (t *Template) Check(m MessageTemplate) error {
	if t == nil {
		return invalid("template", "is nil")
	}
	return joinIssues(t.check(m))
}

// ValidationErrors returns every *ValidationError in err's tree (for
// example the mismatches Template.Check or Template.Build joined), in order.
// It returns nil when there is none.
func ValidationErrors(err error) []*ValidationError {
	var out []*ValidationError
	var walk func(error)
	walk = func(e error) {
		switch x := e.(type) {
		case nil:
		case *ValidationError:
			out = append(out, x)
		case interface{ Unwrap() []error }:
			for _, inner := range x.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(x.Unwrap())
		}
	}
	walk(err)
	return out
}

// joinIssues turns a list of problems into Check's error.
func joinIssues(issues []*ValidationError) error {
	switch len(issues) {
	case 0:
		return nil
	case 1:
		return issues[0]
	}
	errs := make([]error, len(issues))
	for i, v := range issues {
		errs[i] = v
	}
	return errors.Join(errs...)
}

// tmplChecker accumulates the problems of one Check.
type tmplChecker struct {
	t      *Template
	named  bool
	issues []*ValidationError
}

func (c *tmplChecker) add(field, format string, args ...any) {
	c.issues = append(c.issues, invalid(field, format, args...))
}

// templateParts returns the template's first HEADER and BODY components and
// the buttons of its first BUTTONS component.
func (t *Template) templateParts() (header, body *TemplateComponent, buttons []TemplateButton) {
	for i := range t.Components {
		tc := &t.Components[i]
		switch strings.ToUpper(tc.Type) {
		case tmplHeader:
			if header == nil {
				header = tc
			}
		case tmplBody:
			if body == nil {
				body = tc
			}
		case tmplButtons:
			if buttons == nil {
				buttons = tc.Buttons
			}
		}
	}
	return header, body, buttons
}

// isNamed reports whether the template uses named placeholders.
func (t *Template) isNamed() bool {
	return strings.EqualFold(t.ParameterFormat, ParameterFormatNamed)
}

// checkIdentity checks what does not depend on the components: the
// template's parameter format and status, and the message's name and
// language.
func (c *tmplChecker) checkIdentity(m MessageTemplate) {
	t := c.t
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

func (t *Template) check(m MessageTemplate) []*ValidationError {
	c := &tmplChecker{t: t, named: t.isNamed()}
	c.checkIdentity(m)
	tHeader, tBody, tButtons := t.templateParts()

	var mHeader, mBody *Component
	headerField, bodyField := "header", "body"
	buttonSeen := map[int]bool{}
	var buttons []*Component // checked after the header and body, in message order
	onlyBody := true
	for i := range m.Components {
		mc := &m.Components[i]
		typ := strings.ToUpper(mc.Type)
		if typ != componentBody {
			onlyBody = false
		}
		switch typ {
		case componentHeader:
			if mHeader != nil {
				c.add(fmt.Sprintf("components[%d]", i), "a second HEADER component; a message has at most one")
				continue
			}
			mHeader = mc
		case componentBody:
			if mBody != nil {
				c.add(fmt.Sprintf("components[%d]", i), "a second BODY component; a message has at most one")
				continue
			}
			mBody = mc
		case componentButton:
			if mc.Index == nil {
				c.add(fmt.Sprintf("components[%d]", i), "a BUTTON component needs an index")
				continue
			}
			idx := *mc.Index
			if buttonSeen[idx] {
				c.add(fmt.Sprintf("button[%d]", idx), "a second BUTTON component for index %d", idx)
				continue
			}
			buttonSeen[idx] = true
			buttons = append(buttons, mc)
		case "FOOTER", tmplButtons:
			c.add(fmt.Sprintf("components[%d]", i), "type %q: a send fills HEADER, BODY and BUTTON components only (one BUTTON per button, with its index)", mc.Type)
		default:
			if !t.hasComponent(typ) {
				c.add(fmt.Sprintf("components[%d]", i), "type %q: the template has no such component (want HEADER, BODY or BUTTON)", mc.Type)
			}
			// A kind the SDK does not model, which the template has: not checked.
		}
	}
	c.checkHeader(headerField, tHeader, mHeader)
	bodyMax := maxBodyTextParam
	if onlyBody {
		bodyMax = maxBodyOnlyTextParam
	}
	switch {
	case tBody != nil:
		c.checkTextComponent(bodyField, "body", tBody.Text, mBody, bodyMax)
	case mBody != nil:
		c.add(bodyField, "the template has no BODY component")
	}
	for _, mc := range buttons {
		c.checkButton(fmt.Sprintf("button[%d]", *mc.Index), mc, tButtons)
	}
	c.checkMissingButtons(tButtons, buttonSeen)
	return c.issues
}

// hasComponent reports whether the template has a component of this type
// (compared case-insensitively).
func (t *Template) hasComponent(typ string) bool {
	for _, tc := range t.Components {
		if strings.EqualFold(tc.Type, typ) {
			return true
		}
	}
	return false
}

// headerFormat returns the header's format, TEXT when the template leaves
// it out.
func headerFormat(tc *TemplateComponent) string {
	if tc.Format == "" {
		return "TEXT"
	}
	return strings.ToUpper(tc.Format)
}

// checkHeader compares the message's HEADER component with the template's.
func (c *tmplChecker) checkHeader(field string, tc *TemplateComponent, mc *Component) {
	if tc == nil {
		if mc != nil {
			c.add(field, "the template has no HEADER component")
		}
		return
	}
	switch format := headerFormat(tc); format {
	case "TEXT":
		c.checkTextComponent(field, "header", tc.Text, mc, maxHeaderTextParam)
	case "IMAGE", "VIDEO", "DOCUMENT", "LOCATION":
		want := strings.ToLower(format)
		if mc == nil {
			c.add(field, "the template's header is %s: the message needs a HEADER component with one %s parameter", format, want)
			return
		}
		for j, p := range mc.Parameters {
			c.checkShape(fmt.Sprintf("%s.parameters[%d]", field, j), p, false)
		}
		switch {
		case len(mc.Parameters) != 1:
			c.add(field, "the template's header is %s: it takes exactly one %s parameter, the message gives %d", format, want, len(mc.Parameters))
		case mc.Parameters[0].Type != want:
			c.add(field+".parameters[0]", "the template's header is %s: it takes %s parameter, not %q", format, withArticle(want), mc.Parameters[0].Type)
		}
	default:
		// A format the SDK does not model: the header is not checked.
	}
}

// checkTextComponent compares the parameters of a header or body with the
// placeholders of its text.
func (c *tmplChecker) checkTextComponent(field, what, text string, mc *Component, maxLen int) {
	want := placeholders(text, c.named)
	if mc != nil {
		for j, p := range mc.Parameters {
			pf := fmt.Sprintf("%s.parameters[%d]", field, j)
			c.checkShape(pf, p, true)
			switch p.Type {
			case paramText, paramCurrency, paramDateTime:
			default:
				c.add(pf, "a %s placeholder takes a text, currency or date_time parameter, not %q", what, p.Type)
			}
			if p.Type == paramText {
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
			c.add(field, "the template's %s has no placeholders; the message gives %s", what, plural(got, "parameter"))
		}
		return
	}
	if mc == nil {
		c.add(field, "the template's %s has %s (%s); the message has no %s component",
			what, plural(len(want), "placeholder"), describePlaceholders(want), strings.ToUpper(what))
		return
	}
	if !c.named {
		if got != len(want) {
			c.add(field, "the template's %s has %s (%s); the message gives %s",
				what, plural(len(want), "placeholder"), describePlaceholders(want), plural(got, "parameter"))
		}
		for j, p := range mc.Parameters {
			if p.ParameterName != "" {
				c.add(fmt.Sprintf("%s.parameters[%d].parameter_name", field, j),
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
		pf := fmt.Sprintf("%s.parameters[%d]", field, j)
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
		c.add(field, "missing %s of the template's %s", describePlaceholders(missing), what)
	}
}

// describePlaceholders renders placeholder names as the template shows them.
func describePlaceholders(names []string) string {
	if len(names) > 4 && names[0] == "1" {
		return "{{1}}..{{" + names[len(names)-1] + "}}"
	}
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = "{{" + n + "}}"
	}
	return strings.Join(parts, ", ")
}

// buttonRule says what a template button takes at send time.
type buttonRule struct {
	subType   string // the BUTTON component's sub_type
	paramType string // "" = takes no parameter
	required  bool   // the send must fill it
	maxLen    int    // 0 = no documented limit
}

// ruleFor returns the rule of a template button; ok is false for a button
// type the SDK does not model (which Check then leaves alone).
func ruleFor(b TemplateButton) (rule buttonRule, ok bool) {
	switch strings.ToUpper(b.Type) {
	case buttonURL:
		if strings.Contains(b.URL, "{{") {
			return buttonRule{subType: subTypeURL, paramType: paramText, required: true}, true
		}
		return buttonRule{subType: subTypeURL}, true
	case buttonQuickReply:
		return buttonRule{subType: subTypeQuickReply, paramType: paramPayload}, true
	case buttonCopyCode:
		return buttonRule{subType: subTypeCopyCode, paramType: paramCouponCode, required: true, maxLen: maxCouponCode}, true
	case buttonOTP:
		return buttonRule{subType: subTypeURL, paramType: paramText, required: true, maxLen: maxOTPCode}, true
	case buttonFlow:
		return buttonRule{subType: subTypeFlow, paramType: paramAction}, true
	case buttonCatalog:
		return buttonRule{subType: subTypeCatalog, paramType: paramAction}, true
	case buttonMPM:
		return buttonRule{subType: "mpm", paramType: paramAction}, true
	case buttonPhone, buttonVoiceCall:
		return buttonRule{}, true
	}
	return buttonRule{}, false
}

// plural renders a count with its noun: "1 parameter", "2 parameters".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// withArticle puts "a" or "an" before a parameter type: "an image".
func withArticle(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

// describeButton names a template button for messages: `URL button "Track"`.
func describeButton(b TemplateButton) string {
	if b.Text == "" {
		return strings.ToUpper(b.Type) + " button"
	}
	return fmt.Sprintf("%s button %q", strings.ToUpper(b.Type), b.Text)
}

// checkButton compares one BUTTON component with the template's button at
// its index.
func (c *tmplChecker) checkButton(field string, mc *Component, buttons []TemplateButton) {
	idx := *mc.Index
	for j, p := range mc.Parameters {
		c.checkShape(fmt.Sprintf("%s.parameters[%d]", field, j), p, false)
	}
	if idx < 0 || idx >= len(buttons) {
		if len(buttons) == 0 {
			c.add(field, "index %d: the template has no buttons", idx)
		} else {
			c.add(field, "index %d: the template has %s (index 0 to %d)", idx, plural(len(buttons), "button"), len(buttons)-1)
		}
		return
	}
	b := buttons[idx]
	rule, ok := ruleFor(b)
	if !ok {
		return
	}
	if rule.paramType == "" {
		c.add(field, "the template's %s takes no parameter; leave out this BUTTON component", describeButton(b))
		return
	}
	if !strings.EqualFold(mc.SubType, rule.subType) {
		c.add(field+".sub_type", "is %q; the template's %s needs %q", mc.SubType, describeButton(b), rule.subType)
	}
	switch {
	case len(mc.Parameters) == 0 && rule.required:
		c.add(field, "the template's %s needs one %s parameter, the message gives none", describeButton(b), rule.paramType)
	case len(mc.Parameters) > 1:
		c.add(field, "the template's %s takes one %s parameter, the message gives %d", describeButton(b), rule.paramType, len(mc.Parameters))
	}
	for j, p := range mc.Parameters {
		pf := fmt.Sprintf("%s.parameters[%d]", field, j)
		if p.Type != rule.paramType {
			c.add(pf, "the template's %s takes %s parameter, not %q", describeButton(b), withArticle(rule.paramType), p.Type)
			continue
		}
		if rule.maxLen > 0 {
			v := p.Text
			if p.Type == paramCouponCode {
				v = p.CouponCode
			}
			if n := utf8.RuneCountInString(v); n > rule.maxLen {
				c.add(pf, "is %d characters; the template's %s takes at most %d", n, describeButton(b), rule.maxLen)
			}
		}
		if p.Type == paramCouponCode && !isAlphanumeric(p.CouponCode) {
			c.add(pf+".coupon_code", "must be letters and digits only (Meta accepts alphanumeric coupon codes)")
		}
	}
}

// checkMissingButtons reports the template's buttons that need a value but
// have no BUTTON component in the message.
func (c *tmplChecker) checkMissingButtons(buttons []TemplateButton, seen map[int]bool) {
	for k, b := range buttons {
		rule, ok := ruleFor(b)
		if !ok || !rule.required || seen[k] {
			continue
		}
		c.add(fmt.Sprintf("button[%d]", k), "the template's %s needs %s parameter; the message has no BUTTON component with index %d",
			describeButton(b), withArticle(rule.paramType), k)
	}
}

// checkShape checks that a parameter's fields agree with its Type and that
// its value is well-formed. named allows parameter_name (header and body
// placeholders only).
func (c *tmplChecker) checkShape(field string, p Parameter, named bool) {
	set := setFields(p)
	want := ""
	switch p.Type {
	case paramText:
		want = "text"
		if p.Text == "" {
			c.add(field+".text", "is empty")
		}
	case paramCurrency:
		want = "currency"
		if cur := p.Currency; cur != nil {
			if cur.FallbackValue == "" {
				c.add(field+".currency.fallback_value", "is empty")
			}
			if !isCurrencyCode(cur.Code) {
				c.add(field+".currency.code", "is %q; want an ISO 4217 code of three capital letters, e.g. \"USD\"", cur.Code)
			}
		}
	case paramDateTime:
		want = "date_time"
		if p.DateTime != nil && p.DateTime.FallbackValue == "" {
			c.add(field+".date_time.fallback_value", "is empty")
		}
	case paramImage, paramVideo, paramDocument:
		want = p.Type
		c.checkMedia(field+"."+p.Type, p.Type, mediaOf(p))
	case paramLocation:
		want = "location"
		if l := p.Location; l != nil {
			if math.IsNaN(l.Latitude) || l.Latitude < -90 || l.Latitude > 90 {
				c.add(field+".location.latitude", "is %v; want -90 to 90", l.Latitude)
			}
			if math.IsNaN(l.Longitude) || l.Longitude < -180 || l.Longitude > 180 {
				c.add(field+".location.longitude", "is %v; want -180 to 180", l.Longitude)
			}
		}
	case paramPayload:
		want = "payload"
		if p.Payload == "" {
			c.add(field+".payload", "is empty")
		}
	case paramCouponCode:
		want = "coupon_code"
		if p.CouponCode == "" {
			c.add(field+".coupon_code", "is empty")
		}
	case paramAction:
		want = "action"
	case "":
		c.add(field+".type", "is empty")
		return
	default:
		c.add(field+".type", "unknown parameter type %q", p.Type)
		return
	}
	// Empty strings were reported above; a missing object is reported here.
	if isObjectKind(p.Type) && !slices.Contains(set, want) {
		c.add(field+"."+want, "is missing: a %q parameter needs it", p.Type)
	}
	for _, f := range set {
		if f != want {
			c.add(field+"."+f, "is set on a %q parameter; only %q belongs there", p.Type, want)
		}
	}
	if p.ParameterName != "" {
		if !named {
			c.add(field+".parameter_name", "only header and body placeholders have names")
		} else if !isPlaceholderName(p.ParameterName) {
			c.add(field+".parameter_name", "is %q; a placeholder name is lowercase letters, digits and underscores", p.ParameterName)
		}
	}
}

// checkMedia checks an image, video or document value.
func (c *tmplChecker) checkMedia(field, kind string, m *Media) {
	if m == nil {
		return // reported as missing by checkShape
	}
	switch {
	case m.ID == "" && m.Link == "":
		c.add(field, "needs a link or an id")
	case m.ID != "" && m.Link != "":
		c.add(field, "has both a link and an id; give one")
	case m.Link != "":
		u, err := url.Parse(m.Link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			c.add(field+".link", "must be an absolute http(s) URL")
		}
	}
	if m.Filename != "" && kind != paramDocument {
		c.add(field+".filename", "only documents have a file name")
	}
}

// setFields lists the typed value fields set on p, by JSON name.
func setFields(p Parameter) []string {
	var out []string
	add := func(ok bool, name string) {
		if ok {
			out = append(out, name)
		}
	}
	add(p.Text != "", "text")
	add(p.Currency != nil, "currency")
	add(p.DateTime != nil, "date_time")
	add(p.Image != nil, "image")
	add(p.Video != nil, "video")
	add(p.Document != nil, "document")
	add(p.Location != nil, "location")
	add(p.Payload != "", "payload")
	add(p.CouponCode != "", "coupon_code")
	add(p.Action != nil, "action")
	return out
}

func mediaOf(p Parameter) *Media {
	switch p.Type {
	case paramImage:
		return p.Image
	case paramVideo:
		return p.Video
	case paramDocument:
		return p.Document
	}
	return nil
}

// isObjectKind reports whether a parameter of this type carries its value
// in an object (currency, media, location, action) rather than a string.
func isObjectKind(typ string) bool {
	switch typ {
	case paramText, paramPayload, paramCouponCode:
		return false
	}
	return true
}

// isCurrencyCode reports whether s looks like an ISO 4217 code.
func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// isAlphanumeric reports whether s has only letters and digits.
func isAlphanumeric(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}
