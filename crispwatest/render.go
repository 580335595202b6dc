package crispwatest

import (
	"fmt"
	"strings"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/internal/inbox"
)

// renderSend renders a send as the customer reads it on WhatsApp: the
// template t (nil when the fake has none of that name and language) with
// the send's values in place. Without t, it shows the values it was given.
// The header and body texts come from the SDK's Template.RenderMessage
// (sent is the send as the SDK reads it); the fake's own filling is the
// fallback when it cannot render them. Judging the send never uses the
// SDK: see rules.go.
func renderSend(r *wireSend, sent crispwa.MessageTemplate, t *crispwa.Template) inbox.Card {
	var header, body []wireParam
	buttons := map[int][]wireParam{}
	for _, c := range r.Template.Components {
		switch strings.ToLower(c.Type) {
		case "header":
			header = append(header, c.Parameters...)
		case "body":
			body = append(body, c.Parameters...)
		case "button":
			i, _ := c.index()
			buttons[i] = c.Parameters
		}
	}
	if t == nil {
		var vals []string
		for _, p := range body {
			v, _ := p.value()
			vals = append(vals, v)
		}
		return inbox.Card{Body: fmt.Sprintf("(template %q in %q is unknown to the fake; body values: %s)",
			r.Template.Name, r.Template.Language, strings.Join(vals, " | "))}
	}
	var card inbox.Card
	for _, c := range t.Components {
		switch strings.ToUpper(c.Type) {
		case "HEADER":
			card.HeaderKind = headerKind(c)
			if card.HeaderKind == "TEXT" {
				card.HeaderText = sdkText(t, c, sent, fill(c.Text, values(header)))
			} else if len(header) > 0 {
				mediaCard(&card, header[0])
			}
		case "BODY":
			card.Body = sdkText(t, c, sent, fill(c.Text, values(body)))
		case "FOOTER":
			card.Footer = c.Text
		case "BUTTONS":
			for i, b := range c.Buttons {
				detail := buttonDetail(b)
				if vs := values(buttons[i]); strings.ToUpper(b.Type) == "URL" {
					detail = fill(b.URL, vs)
				} else if len(buttons[i]) > 0 && buttons[i][0].CouponCode != nil {
					detail = *buttons[i][0].CouponCode
				}
				card.Buttons = append(card.Buttons, inbox.Button{Kind: strings.ToUpper(b.Type), Text: b.Text, Detail: detail})
			}
		}
	}
	return card
}

// sdkText renders the template component c (a TEXT header or the body) of
// the send with Template.RenderMessage, on a template reduced to that
// component; it returns fallback when the SDK cannot render it.
func sdkText(t *crispwa.Template, c crispwa.TemplateComponent, sent crispwa.MessageTemplate, fallback string) string {
	one := crispwa.Template{Name: t.Name, Language: t.Language, Status: t.Status, ParameterFormat: t.ParameterFormat,
		Components: []crispwa.TemplateComponent{c}}
	m := crispwa.MessageTemplate{Name: sent.Name, Language: sent.Language}
	for _, sc := range sent.Components {
		if strings.EqualFold(sc.Type, c.Type) {
			m.Components = append(m.Components, sc)
		}
	}
	out, err := one.RenderMessage(m)
	if err != nil || out == "" {
		return fallback
	}
	return out
}

// renderTemplate renders t as a developer fills it: each text with its
// placeholders ({{1}}, {{name}}) in place, not example values, and the
// URL of a URL button with its {{1}}.
func renderTemplate(t crispwa.Template) inbox.Card {
	var card inbox.Card
	for _, c := range t.Components {
		switch strings.ToUpper(c.Type) {
		case "HEADER":
			card.HeaderKind = headerKind(c)
			card.HeaderText = c.Text
		case "BODY":
			card.Body = c.Text
		case "FOOTER":
			card.Footer = c.Text
		case "BUTTONS":
			for _, b := range c.Buttons {
				card.Buttons = append(card.Buttons, inbox.Button{Kind: strings.ToUpper(b.Type), Text: b.Text, Detail: buttonDetail(b)})
			}
		}
	}
	return card
}

// headerKind is a header's format, TEXT when the template gives none.
func headerKind(c crispwa.TemplateComponent) string {
	if f := strings.ToUpper(c.Format); f != "" {
		return f
	}
	return "TEXT"
}

func buttonDetail(b crispwa.TemplateButton) string {
	switch strings.ToUpper(b.Type) {
	case "URL":
		return b.URL
	case "PHONE_NUMBER":
		return b.PhoneNumber
	}
	return ""
}

// values maps the placeholders of a component to the text of its
// parameters: by parameter_name, else by position ("1", "2", ...).
func values(params []wireParam) map[string]string {
	out := map[string]string{}
	for i, p := range params {
		v, ok := p.value()
		if !ok {
			continue
		}
		if p.ParameterName != "" {
			out[p.ParameterName] = v
		} else {
			out[fmt.Sprint(i+1)] = v
		}
	}
	return out
}

// mediaCard describes a media or location header parameter; nothing is
// fetched.
func mediaCard(card *inbox.Card, p wireParam) {
	if m := p.media(); m != nil {
		card.MediaLink = m.Link
		if card.MediaLink == "" && m.ID != "" {
			card.MediaLink = "media ID " + m.ID
		}
		card.MediaName = m.Filename
	}
	if l := p.Location; l != nil {
		lat, _ := coordinate(l.Latitude)
		lon, _ := coordinate(l.Longitude)
		card.MediaName = l.Name
		card.Location = fmt.Sprintf("%.5f, %.5f %s", lat, lon, l.Address)
	}
}
