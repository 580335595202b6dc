package crispwa

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// fuzzTemplate makes a template from fuzzed texts: a TEXT header (when
// header is not empty), a body, and buttons: a URL button (dynamic or
// static), a quick reply and, when withCode, a copy-code button.
func fuzzTemplate(header, body string, named, dynamicURL, withCode bool) *Template {
	t := &Template{Name: "fuzz", Language: "en", Status: "APPROVED"}
	if named {
		t.ParameterFormat = ParameterFormatNamed
	}
	if header != "" {
		t.Components = append(t.Components, TemplateComponent{Type: "HEADER", Format: "TEXT", Text: header})
	}
	t.Components = append(t.Components, TemplateComponent{Type: "BODY", Text: body})
	url := "https://example.com/o"
	if dynamicURL {
		url += "/{{1}}"
	}
	buttons := []TemplateButton{{Type: "URL", Text: "Open", URL: url}, {Type: "QUICK_REPLY", Text: "Stop"}}
	if withCode {
		buttons = append(buttons, TemplateButton{Type: "COPY_CODE"})
	}
	t.Components = append(t.Components, TemplateComponent{Type: "BUTTONS", Buttons: buttons})
	return t
}

// fuzzValues fills every placeholder of t with short, valid values.
func fuzzValues(header, body string, named, dynamicURL, withCode bool) TemplateValues {
	var v TemplateValues
	if named {
		v.Named = map[string]string{}
		for _, n := range append(placeholders(header, true), placeholders(body, true)...) {
			v.Named[n] = "v" + n
		}
	} else {
		for _, n := range placeholders(header, false) {
			v.Header = append(v.Header, "h"+n)
		}
		for _, n := range placeholders(body, false) {
			v.Body = append(v.Body, "b"+n)
		}
	}
	v.Buttons = map[int]string{1: "STOP"}
	if dynamicURL {
		v.Buttons[0] = "A-1029"
	}
	if withCode {
		v.Buttons[2] = "SAVE10"
	}
	return v
}

// fuzzComponent returns the index of m's component of this type, or -1.
func fuzzComponent(m MessageTemplate, typ string) int {
	return slices.IndexFunc(m.Components, func(c Component) bool { return c.Type == typ })
}

// mutations returns copies of m that each add or remove exactly one
// parameter (or a required component); every one must fail Check.
func fuzzMutations(m MessageTemplate, named bool) map[string]MessageTemplate {
	clone := func() MessageTemplate {
		c := m
		c.Components = make([]Component, len(m.Components))
		for i, comp := range m.Components {
			comp.Parameters = slices.Clone(comp.Parameters)
			c.Components[i] = comp
		}
		return c
	}
	extra := Text("extra")
	if named {
		extra = NamedText("zz_not_a_placeholder", "extra")
	}
	out := map[string]MessageTemplate{}
	for _, typ := range []string{ComponentHeader, ComponentBody} {
		if i := fuzzComponent(m, typ); i >= 0 {
			c := clone()
			if len(c.Components[i].Parameters) > 0 {
				c.Components[i].Parameters = c.Components[i].Parameters[1:]
				out["remove first "+typ+" parameter"] = c
			}
			c = clone()
			c.Components[i].Parameters = append(c.Components[i].Parameters, extra)
			out["add a "+typ+" parameter"] = c
		} else {
			c := clone()
			c.Components = append(c.Components, Component{Type: typ, Parameters: []Parameter{extra}})
			out["add a "+typ+" component with a parameter"] = c
		}
	}
	for i, comp := range m.Components {
		if comp.Type != ComponentButton {
			continue
		}
		c := clone()
		c.Components[i].Parameters = append(c.Components[i].Parameters, c.Components[i].Parameters[0])
		out[fmt.Sprintf("add a parameter to button %d", *comp.Index)] = c
		if comp.SubType != SubTypeQuickReply { // the others are required
			c = clone()
			c.Components = slices.Delete(c.Components, i, i+1)
			out[fmt.Sprintf("remove button %d", *comp.Index)] = c
		}
	}
	return out
}

// FuzzBuildCheck: for any template text, the message Build makes passes
// Check, and adding or removing one parameter fails it. Its seed corpus
// runs in every go test.
func FuzzBuildCheck(f *testing.F) {
	seeds := []struct {
		header, body                string
		named, dynamicURL, withCode bool
	}{
		{"", "Hello!", false, false, false},
		{"Order {{1}}", "Hi {{1}}, your order {{2}} has shipped.", false, true, true},
		{"", "{{1}}{{2}}{{3}}{{4}}{{5}}{{6}}{{7}}{{8}}{{9}}{{10}}", false, false, false},
		{"{{2}} then {{1}}", "{{1}} {{1}} {{3}}", false, true, false},
		{"Bienvenue {{first_name}}", "Bonjour {{first_name}}, code {{code}}", true, true, true},
		{"", "{{a}}{{b}}{{_c9}}", true, false, false},
		{"{{ 1 }} {{x}}", "{{{1}}} {{ {{2}}", false, false, true},
		{"{{1}}", "{{name}} and {{1}}", true, false, false},
		{"", "", false, false, false},
		{"{{é}}", "{{1}}\x00{{2}}\xff", false, true, false},
		{"", "{{1000}}", false, false, false},
	}
	for _, s := range seeds {
		f.Add(s.header, s.body, s.named, s.dynamicURL, s.withCode)
	}
	f.Fuzz(func(t *testing.T, header, body string, named, dynamicURL, withCode bool) {
		tmpl := fuzzTemplate(header, body, named, dynamicURL, withCode)
		m, err := tmpl.Build(fuzzValues(header, body, named, dynamicURL, withCode))
		if err != nil {
			t.Fatalf("Build(%q, %q, named=%v): %v", header, body, named, err)
		}
		if err := tmpl.Check(m); err != nil {
			t.Fatalf("Check of a built message failed: %v", err)
		}
		for name, bad := range fuzzMutations(m, named) {
			if err := tmpl.Check(bad); err == nil {
				t.Errorf("%s: Check passed, want a mismatch (header %q, body %q, named=%v)", name, header, body, named)
			}
		}
	})
}

// FuzzCheck: Check never panics, whatever the template and the message
// (decoded from JSON, as they would come from the API and from a user).
func FuzzCheck(f *testing.F) {
	tmpl, _ := json.Marshal(ckOrderTemplate())
	msg, _ := json.Marshal(ckOrderMessage())
	f.Add(tmpl, msg)
	f.Add([]byte(`{"name":"a","status":"APPROVED","components":[{"type":"BUTTONS","buttons":[{"type":"OTP"}]},{"type":"HEADER","format":"LOCATION"}]}`),
		[]byte(`{"name":"a","components":[{"type":"button","index":-1},{"type":"HEADER","parameters":[{"type":"location"},{"type":"image","image":{}}]},{"type":"BUTTON","index":0,"parameters":[{"type":"coupon_code"}]}]}`))
	f.Add([]byte(`{"parameter_format":"NAMED","components":[{"type":"BODY","text":"{{a}}"}]}`),
		[]byte(`{"components":[{"type":"BODY","parameters":[{"type":"text","parameter_name":"A"},{"type":"currency","currency":{}},{"type":"date_time"}]}]}`))
	for _, pair := range [][2]string{
		{"meta_carousel_template_media_cards_v1", "meta_send_carousel_template_media_cards_v1"},
		{"meta_limited_time_offer_caribbean_pkg_2023", "meta_send_limited_time_offer_caribbean_pkg_2023"},
		{"meta_wa_voice_call", "meta_send_wa_voice_call"},
		{"meta_authentication_code_copy_code_button", "meta_send_verification_code_copy_code"},
		{"meta_abandoned_cart_mpm", "meta_send_abandoned_cart_mpm"},
		{"meta_item_back_in_stock_v1", "meta_send_item_back_in_stock_v2"},
		{"meta_intro_catalog_offer", "meta_send_intro_catalog_offer"},
	} {
		tb, _ := os.ReadFile(filepath.Join("testdata", "realworld", "templates", pair[0]+".json"))
		sb, _ := os.ReadFile(filepath.Join("testdata", "realworld", "sends", pair[1]+".json"))
		var send struct{ Template json.RawMessage }
		_ = json.Unmarshal(sb, &send)
		f.Add(tb, []byte(send.Template))
	}
	f.Fuzz(func(t *testing.T, tmplJSON, msgJSON []byte) {
		var tmpl Template
		var m MessageTemplate
		if json.Unmarshal(tmplJSON, &tmpl) != nil || json.Unmarshal(msgJSON, &m) != nil {
			return
		}
		err := tmpl.Check(m)
		if err != nil && len(ValidationErrors(err)) == 0 {
			t.Fatalf("Check returned %T without a *ValidationError: %v", err, err)
		}
		// Render and Build never panic either.
		_, _ = tmpl.RenderMessage(m)
		_, _ = tmpl.Render(TemplateValues{Body: []string{"x"}, Cards: []CardValues{{Body: []string{"y"}}}})
	})
}
