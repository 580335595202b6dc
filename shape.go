package crispwa

import "strings"

// templateShape is what a template asks of a send, derived once from its
// components: the header's kind and placeholders, the body's placeholders,
// the footer, the buttons with their send rules, and the carousel cards.
// Check, Build and Render all read it, so that they agree on every rule.
type templateShape struct {
	named bool
	partShape
	// cards are a carousel's cards, in order; nil without a carousel.
	cards    []partShape
	carousel bool
	// offer is the LIMITED_TIME_OFFER component, when the template has one.
	offer *TemplateComponent
	// types holds every component type of the template, upper-cased.
	types map[string]bool
	// auth: an AUTHENTICATION template (one-time codes).
	auth bool
}

// partShape is the shape of a template, or of one carousel card.
type partShape struct {
	header       *TemplateComponent
	headerFormat string   // FormatText, FormatImage, ...; "" without a header
	headerParams []string // a TEXT header's placeholders
	body         *TemplateComponent
	bodyParams   []string
	footer       *TemplateComponent
	buttons      []shapeButton
}

// shapeButton is a template button with its send rule.
type shapeButton struct {
	TemplateButton
	rule  buttonRule
	known bool // false: a button type the SDK does not model (left unchecked)
	// otp marks an authentication template's one-time-code button: an OTP
	// button, or the URL button Meta lists it as once created. Its
	// parameter is the code, which the body shows too.
	otp bool
}

// buttonRule says what a template button takes at send time.
type buttonRule struct {
	subType   string // the BUTTON component's sub_type
	paramType string // "" = takes no parameter
	required  bool   // the send must fill it
	maxLen    int    // 0 = no documented limit
	noIndex   bool   // the send's BUTTON component has no index (voice call)
}

// shape derives the template's shape.
func (t *Template) shape() *templateShape {
	s := &templateShape{named: strings.EqualFold(t.ParameterFormat, ParameterFormatNamed), types: map[string]bool{}}
	s.partShape = derivePart(t.Components, s.named)
	if s.auth = strings.EqualFold(t.Category, CategoryAuthentication); s.auth {
		s.authTexts()
	}
	for i := range t.Components {
		tc := &t.Components[i]
		typ := strings.ToUpper(tc.Type)
		s.types[typ] = true
		switch typ {
		case ComponentCarousel:
			if !s.carousel {
				s.carousel = true
				for _, card := range tc.Cards {
					s.cards = append(s.cards, derivePart(card.Components, s.named))
				}
			}
		case ComponentLimitedTimeOffer:
			if s.offer == nil {
				s.offer = tc
			}
		}
	}
	return s
}

// derivePart reads the first HEADER, BODY, FOOTER and BUTTONS of comps.
func derivePart(comps []TemplateComponent, named bool) partShape {
	var p partShape
	var buttonsSeen bool
	for i := range comps {
		tc := &comps[i]
		switch strings.ToUpper(tc.Type) {
		case ComponentHeader:
			if p.header == nil {
				p.header = tc
				p.headerFormat = FormatText
				if tc.Format != "" {
					p.headerFormat = strings.ToUpper(tc.Format)
				}
				if p.headerFormat == FormatText {
					p.headerParams = placeholders(tc.Text, named)
				}
			}
		case ComponentBody:
			if p.body == nil {
				p.body = tc
				p.bodyParams = placeholders(tc.Text, named)
			}
		case ComponentFooter:
			if p.footer == nil {
				p.footer = tc
			}
		case ComponentButtons:
			if !buttonsSeen {
				buttonsSeen = true
				for _, b := range tc.Buttons {
					rule, ok := ruleFor(b)
					p.buttons = append(p.buttons, shapeButton{TemplateButton: b, rule: rule, known: ok, otp: strings.EqualFold(b.Type, ButtonOTP)})
				}
			}
		}
	}
	return p
}

// isMediaFormat reports whether a header format takes one media, location
// or product parameter (named like the format, lower-cased).
func isMediaFormat(format string) bool {
	switch format {
	case FormatImage, FormatVideo, FormatDocument, FormatLocation, FormatProduct:
		return true
	}
	return false
}

// ruleFor returns the rule of a template button; ok is false for a button
// type the SDK does not model (which Check then leaves alone).
func ruleFor(b TemplateButton) (rule buttonRule, ok bool) {
	switch strings.ToUpper(b.Type) {
	case ButtonURL:
		if strings.Contains(b.URL, "{{") {
			return buttonRule{subType: SubTypeURL, paramType: ParamText, required: true}, true
		}
		return buttonRule{subType: SubTypeURL}, true
	case ButtonQuickReply:
		return buttonRule{subType: SubTypeQuickReply, paramType: ParamPayload}, true
	case ButtonCopyCode:
		return buttonRule{subType: SubTypeCopyCode, paramType: ParamCouponCode, required: true, maxLen: maxCouponCode}, true
	case ButtonOTP:
		return buttonRule{subType: SubTypeURL, paramType: ParamText, required: true, maxLen: maxOTPCode}, true
	case ButtonFlow:
		// Without its BUTTON component WhatsApp refuses the send (131009),
		// though every field of the action is optional.
		return buttonRule{subType: SubTypeFlow, paramType: ParamAction, required: true}, true
	case ButtonCatalog:
		return buttonRule{subType: SubTypeCatalog, paramType: ParamAction, required: true}, true
	case ButtonMPM:
		return buttonRule{subType: SubTypeMPM, paramType: ParamAction, required: true}, true
	case ButtonOrderDetails:
		return buttonRule{subType: SubTypeOrderDetails, paramType: ParamAction, required: true}, true
	case ButtonVoiceCall:
		return buttonRule{subType: SubTypeVoiceCall, noIndex: true}, true
	case ButtonPhoneNumber, ButtonSPM:
		return buttonRule{}, true
	}
	return buttonRule{}, false
}
