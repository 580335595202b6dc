package crispwa

import (
	"strconv"
	"strings"
	"time"
)

// Render returns the message as the customer will read it: header, body,
// footer and buttons with the values in place, one part per paragraph, for
// previews, logs and dry runs. A media header shows as "[IMAGE]" (and so
// on), a button as "[its text]" with its link or code, a carousel's cards
// after the body. An authentication template shows Meta's fixed texts
// ("{{1}} is your verification code.", the security recommendation, the
// expiry footer) and its OTP button with the code. The values are read as Build reads them, and the same
// missing or extra values are errors; unlike Build, Render does not require
// the template to be APPROVED.
func (t *Template) Render(v TemplateValues) (string, error) {
	if t == nil {
		return "", invalid("template", "is nil")
	}
	s := t.shape()
	b := newBuilder(t, s, v)
	m := b.build()
	if len(b.c.list) > 0 {
		return "", joinIssues(b.c.list)
	}
	return t.render(m, s)
}

// RenderMessage returns the message a send of m shows the customer: the
// template rendered with m's parameters, as Render does. It is what a fake
// or a log shows of an actual send. It reports a placeholder m gives no
// value for; it does not run Check.
func (t *Template) RenderMessage(m MessageTemplate) (string, error) {
	if t == nil {
		return "", invalid("template", "is nil")
	}
	return t.render(m, t.shape())
}

// messageParts are the first components of each kind in a send (or card).
type messageParts struct {
	header, body *Component
	buttons      map[int]*Component
	carousel     *Component
	offer        *Component
}

func partsOf(comps []Component) messageParts {
	mp := messageParts{buttons: map[int]*Component{}}
	for i := range comps {
		mc := &comps[i]
		switch strings.ToUpper(mc.Type) {
		case ComponentHeader:
			mp.header = cmpOr(mp.header, mc)
		case ComponentBody:
			mp.body = cmpOr(mp.body, mc)
		case ComponentCarousel:
			mp.carousel = cmpOr(mp.carousel, mc)
		case ComponentLimitedTimeOffer:
			mp.offer = cmpOr(mp.offer, mc)
		case ComponentButton:
			if mc.Index != nil && mp.buttons[*mc.Index] == nil {
				mp.buttons[*mc.Index] = mc
			}
		}
	}
	return mp
}

func cmpOr(have, c *Component) *Component {
	if have != nil {
		return have
	}
	return c
}

func paramsOf(c *Component) []Parameter {
	if c == nil {
		return nil
	}
	return c.Parameters
}

// render writes the message of m, for Render and RenderMessage.
func (t *Template) render(m MessageTemplate, s *templateShape) (string, error) {
	if t.Unmodeled != "" {
		return "", invalid("template", "template %q (%s): %s", t.Name, t.Language, t.Unmodeled)
	}
	w := &messageWriter{r: renderer{named: s.named}}
	mp := partsOf(m.Components)
	w.part("", &s.partShape, mp, func() {
		if o := s.offer; o != nil && o.LimitedTimeOffer != nil {
			line := o.LimitedTimeOffer.Text
			if p := paramsOf(mp.offer); len(p) == 1 && p[0].LimitedTimeOffer != nil && p[0].LimitedTimeOffer.ExpirationTimeMS > 0 {
				line += " (ends " + time.UnixMilli(p[0].LimitedTimeOffer.ExpirationTimeMS).UTC().Format("2006-01-02 15:04 MST") + ")"
			}
			w.para(line)
		}
	})
	if s.carousel {
		var cards []Card
		if mp.carousel != nil {
			cards = mp.carousel.Cards
		}
		for k := range s.cards {
			var comps []Component
			for _, c := range cards {
				if c.CardIndex == k {
					comps = c.Components
				}
			}
			w.para("--- card " + strconv.Itoa(k+1) + " ---")
			w.part(cardField(k)+".", &s.cards[k], partsOf(comps), nil)
		}
	}
	if len(w.issues) > 0 {
		return "", joinIssues(w.issues)
	}
	return strings.Join(w.paras, "\n\n"), nil
}

// messageWriter accumulates the paragraphs of a rendered message.
type messageWriter struct {
	r      renderer
	paras  []string
	issues []*ValidationError
}

func (w *messageWriter) para(s string) {
	if s != "" {
		w.paras = append(w.paras, s)
	}
}

// text renders a header or body, reporting a placeholder without value.
func (w *messageWriter) text(field, text string, c *Component) string {
	out, ok := w.r.fill(text, paramsOf(c))
	if !ok {
		w.issues = append(w.issues, invalid(field, "a placeholder has no value: cannot render %q", truncate(text)))
	}
	return out
}

// part renders a header, (afterHeader), body, footer and buttons.
func (w *messageWriter) part(prefix string, p *partShape, mp messageParts, afterHeader func()) {
	if p.header != nil {
		if p.headerFormat == FormatText {
			w.para(w.text(prefix+"header", p.header.Text, mp.header))
		} else {
			w.para("[" + p.headerFormat + "]")
		}
	}
	if afterHeader != nil {
		afterHeader()
	}
	if p.body != nil {
		w.para(w.text(prefix+"body", p.body.Text, mp.body))
	}
	if p.footer != nil {
		w.para(p.footer.Text)
	}
	var buttons []string
	for k, b := range p.buttons {
		buttons = append(buttons, buttonLine(b, mp.buttons[k]))
	}
	w.para(strings.Join(buttons, "\n"))
}

// buttonLine renders a button as "[text]", with the link, phone number or
// code it carries.
func buttonLine(b shapeButton, c *Component) string {
	label := b.Text
	if label == "" {
		label = strings.ToLower(strings.ReplaceAll(b.Type, "_", " "))
	}
	detail := ""
	var first Parameter
	if p := paramsOf(c); len(p) > 0 {
		first = p[0]
	}
	switch strings.ToUpper(b.Type) {
	case ButtonURL, ButtonOTP:
		if b.otp {
			// The one-time code, not Meta's internal OTP link.
			if first.Text == "" {
				return "[" + otpButtonLabel(b.TemplateButton) + "]"
			}
			return "[" + otpButtonLabel(b.TemplateButton) + ": " + first.Text + "]"
		}
		detail = b.URL
		if b.rule.paramType == ParamText {
			if first.Text == "" {
				detail = ""
			} else {
				detail = strings.Replace(b.URL, "{{1}}", first.Text, 1)
			}
		}
	case ButtonPhoneNumber:
		detail = b.PhoneNumber
	case ButtonCopyCode:
		detail = first.CouponCode
	}
	if detail != "" {
		return "[" + label + ": " + detail + "]"
	}
	return "[" + label + "]"
}
