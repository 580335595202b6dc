package crispwa

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ckOrderTemplate is a POSITIONAL template with a text header, a body with
// two placeholders, a footer and four buttons.
func ckOrderTemplate() *Template {
	return &Template{
		Name: "order_update", Language: "en", Status: "APPROVED", Category: "UTILITY",
		Components: []TemplateComponent{
			{Type: "HEADER", Format: "TEXT", Text: "Order {{1}}"},
			{Type: "BODY", Text: "Hi {{1}}, your order {{2}} has shipped."},
			{Type: "FOOTER", Text: "Reply STOP to opt out"},
			{Type: "BUTTONS", Buttons: []TemplateButton{
				{Type: "URL", Text: "Track", URL: "https://example.com/track/{{1}}"},
				{Type: "QUICK_REPLY", Text: "Stop"},
				{Type: "PHONE_NUMBER", Text: "Call us", PhoneNumber: "+15550001111"},
				{Type: "COPY_CODE", Text: "Copy code"},
			}},
		},
	}
}

// ckOrderMessage fills ckOrderTemplate correctly.
func ckOrderMessage() MessageTemplate {
	return MessageTemplate{Name: "order_update", Language: "en", Components: []Component{
		HeaderText("A-1029"),
		Body(Text("John"), Text("A-1029")),
		URLButton(0, "A-1029"),
		QuickReplyButton(1, "STOP"),
		CopyCodeButton(3, "SAVE10"),
	}}
}

// ckNamedTemplate is a NAMED template with a text header and body.
func ckNamedTemplate() *Template {
	return &Template{
		Name: "welcome", Language: "fr", Status: "APPROVED", ParameterFormat: "NAMED",
		Components: []TemplateComponent{
			{Type: "HEADER", Format: "TEXT", Text: "Bienvenue {{first_name}}"},
			{Type: "BODY", Text: "Bonjour {{first_name}}, votre code est {{code}}."},
		},
	}
}

func ckNamedMessage() MessageTemplate {
	return MessageTemplate{Name: "welcome", Language: "fr", Components: []Component{
		Header(NamedText("first_name", "Jean")),
		Body(NamedText("first_name", "Jean"), NamedText("code", "X1")),
	}}
}

// ckMediaTemplate has a header of the given format and a body without
// placeholders.
func ckMediaTemplate(format string) *Template {
	return &Template{
		Name: "promo", Language: "en_US", Status: "APPROVED",
		Components: []TemplateComponent{
			{Type: "HEADER", Format: format},
			{Type: "BODY", Text: "Our new collection is here."},
		},
	}
}

func ckMediaMessage(p Parameter) MessageTemplate {
	return MessageTemplate{Name: "promo", Language: "en_US", Components: []Component{Header(p)}}
}

// ckWithout returns m without its components of index skip.
func ckWithout(m MessageTemplate, skip int) MessageTemplate {
	var out []Component
	for i, c := range m.Components {
		if i != skip {
			out = append(out, c)
		}
	}
	m.Components = out
	return m
}

// ckReplace returns m with component i replaced.
func ckReplace(m MessageTemplate, i int, c Component) MessageTemplate {
	comps := append([]Component(nil), m.Components...)
	comps[i] = c
	m.Components = comps
	return m
}

func ckIndex(i int) *int { return &i }

func TestCheck(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name string
		tmpl *Template
		msg  MessageTemplate
		// want lists "field: reason substring" pairs that must all be
		// reported; nil means Check must pass.
		want []string
	}{
		// Passing sends, one per shape.
		{"positional ok", ckOrderTemplate(), ckOrderMessage(), nil},
		{"quick reply payload is optional", ckOrderTemplate(), ckWithout(ckOrderMessage(), 3), nil},
		{"named ok", ckNamedTemplate(), ckNamedMessage(), nil},
		{"named in any order", ckNamedTemplate(), ckReplace(ckNamedMessage(), 1, Body(NamedText("code", "X1"), NamedText("first_name", "Jean"))), nil},
		{"image link ok", ckMediaTemplate("IMAGE"), ckMediaMessage(ImageLink("https://example.com/a.jpg")), nil},
		{"image id ok", ckMediaTemplate("IMAGE"), ckMediaMessage(ImageID("1234")), nil},
		{"video ok", ckMediaTemplate("VIDEO"), ckMediaMessage(VideoLink("https://example.com/a.mp4")), nil},
		{"document ok", ckMediaTemplate("DOCUMENT"), ckMediaMessage(DocumentLink("https://example.com/a.pdf", "invoice.pdf")), nil},
		{"location ok", ckMediaTemplate("LOCATION"), ckMediaMessage(LocationValue(48.85, 2.35, "Shop", "1 rue de Rivoli")), nil},
		{"currency and date_time fill body placeholders", ckOrderTemplate(),
			ckReplace(ckOrderMessage(), 1, Body(CurrencyValue("$10.99", "USD", 10990), DateTimeValue("May 1, 2026"))), nil},
		{"lowercase types as Meta writes them", ckOrderTemplate(), func() MessageTemplate {
			m := ckOrderMessage()
			for i := range m.Components {
				m.Components[i].Type = strings.ToLower(m.Components[i].Type)
				m.Components[i].SubType = strings.ToUpper(m.Components[i].SubType)
			}
			return m
		}(), nil},
		{"empty parameter format is POSITIONAL", func() *Template { t := ckOrderTemplate(); t.ParameterFormat = ""; return t }(), ckOrderMessage(), nil},
		{"body-only message may carry a long text", &Template{Name: "n", Language: "en", Status: "APPROVED",
			Components: []TemplateComponent{{Type: "BODY", Text: "{{1}}"}}},
			MessageTemplate{Name: "n", Language: "en", Components: []Component{Body(Text(long(32768)))}}, nil},

		// Identity and status.
		{"name differs", ckOrderTemplate(), func() MessageTemplate { m := ckOrderMessage(); m.Name = "order_updat"; return m }(),
			[]string{"message_template.name: is \"order_updat\""}},
		{"language differs", ckOrderTemplate(), func() MessageTemplate { m := ckOrderMessage(); m.Language = "fr"; return m }(),
			[]string{"message_template.language: is \"fr\""}},
		{"paused", func() *Template { t := ckOrderTemplate(); t.Status = "PAUSED"; return t }(), ckOrderMessage(),
			[]string{"template.status: template \"order_update\" (en) is PAUSED, not APPROVED"}},
		{"no status", func() *Template { t := ckOrderTemplate(); t.Status = ""; return t }(), ckOrderMessage(),
			[]string{"template.status: template \"order_update\" (en) has no status"}},

		// Counts and names.
		{"missing {{2}}", ckOrderTemplate(), ckReplace(ckOrderMessage(), 1, Body(Text("John"))),
			[]string{"body: the template's body has 2 placeholders ({{1}}, {{2}}); the message gives 1 parameter"}},
		{"extra body parameter", ckOrderTemplate(), ckReplace(ckOrderMessage(), 1, Body(Text("a"), Text("b"), Text("c"))),
			[]string{"body: the template's body has 2 placeholders"}},
		{"body omitted", ckOrderTemplate(), ckWithout(ckOrderMessage(), 1),
			[]string{"body: the template's body has 2 placeholders ({{1}}, {{2}}); the message has no BODY component"}},
		{"header omitted", ckOrderTemplate(), ckWithout(ckOrderMessage(), 0),
			[]string{"header: the template's header has 1 placeholder ({{1}}); the message has no HEADER component"}},
		{"parameters for a body without placeholders", ckMediaTemplate("IMAGE"), MessageTemplate{Name: "promo", Language: "en_US",
			Components: []Component{HeaderImage("https://example.com/a.jpg"), Body(Text("x"))}},
			[]string{"body: the template's body has no placeholders; the message gives 1 parameter"}},
		{"named: missing and unknown names", ckNamedTemplate(), ckReplace(ckNamedMessage(), 1, Body(NamedText("first_name", "Jean"), NamedText("cod", "X1"))),
			[]string{"body.parameters[1].parameter_name: the template's body has no placeholder {{cod}}", "body: missing {{code}} of the template's body"}},
		{"named: positional parameters", ckNamedTemplate(), ckReplace(ckNamedMessage(), 1, Body(Text("Jean"), Text("X1"))),
			[]string{"body.parameters[0].parameter_name: is empty", "body: missing {{first_name}}, {{code}}"}},
		{"named: name given twice", ckNamedTemplate(), ckReplace(ckNamedMessage(), 1, Body(NamedText("first_name", "a"), NamedText("first_name", "b"), NamedText("code", "c"))),
			[]string{"body.parameters[1].parameter_name: {{first_name}} is given twice"}},
		{"positional: names given", ckOrderTemplate(), ckReplace(ckOrderMessage(), 1, Body(NamedText("name", "John"), Text("A-1029"))),
			[]string{"body.parameters[0].parameter_name: is \"name\", but the template is POSITIONAL"}},

		// Header formats.
		{"image header given a text", ckMediaTemplate("IMAGE"), ckMediaMessage(Text("hello")),
			[]string{"header.parameters[0]: the template's header is IMAGE: it takes an image parameter, not \"text\""}},
		{"image header omitted", ckMediaTemplate("IMAGE"), MessageTemplate{Name: "promo", Language: "en_US"},
			[]string{"header: the template's header is IMAGE: the message needs a HEADER component with one image parameter"}},
		{"video header given an image", ckMediaTemplate("VIDEO"), ckMediaMessage(ImageLink("https://example.com/a.jpg")),
			[]string{"header.parameters[0]: the template's header is VIDEO"}},
		{"document header given two documents", ckMediaTemplate("DOCUMENT"), MessageTemplate{Name: "promo", Language: "en_US",
			Components: []Component{Header(DocumentID("1", "a.pdf"), DocumentID("2", "b.pdf"))}},
			[]string{"header: the template's header is DOCUMENT: it takes exactly one document parameter, the message gives 2"}},
		{"location header given a text", ckMediaTemplate("LOCATION"), ckMediaMessage(Text("here")),
			[]string{"header.parameters[0]: the template's header is LOCATION"}},
		{"text header given an image", ckOrderTemplate(), ckReplace(ckOrderMessage(), 0, HeaderImage("https://example.com/a.jpg")),
			[]string{"header.parameters[0]: a header placeholder takes a text, currency or date_time parameter, not \"image\""}},
		{"header for a template without one", &Template{Name: "n", Language: "en", Status: "APPROVED",
			Components: []TemplateComponent{{Type: "BODY", Text: "hi"}}},
			MessageTemplate{Name: "n", Language: "en", Components: []Component{HeaderText("x")}},
			[]string{"header: the template has no HEADER component"}},

		// Buttons.
		{"button index out of range", ckOrderTemplate(), ckReplace(ckOrderMessage(), 3, QuickReplyButton(7, "STOP")),
			[]string{"button[7]: index 7: the template has 4 buttons (index 0 to 3)"}},
		{"button on a template without buttons", ckNamedTemplate(), func() MessageTemplate {
			m := ckNamedMessage()
			m.Components = append(m.Components, URLButton(0, "x"))
			return m
		}(), []string{"button[0]: index 0: the template has no buttons"}},
		{"phone button takes no parameter", ckOrderTemplate(), func() MessageTemplate {
			m := ckOrderMessage()
			m.Components = append(m.Components, URLButton(2, "x"))
			return m
		}(), []string{"button[2]: the template's PHONE_NUMBER button \"Call us\" takes no parameter"}},
		{"static URL button takes no parameter", func() *Template {
			t := ckOrderTemplate()
			t.Components[3].Buttons[0].URL = "https://example.com/track"
			return t
		}(), ckOrderMessage(), []string{"button[0]: the template's URL button \"Track\" takes no parameter"}},
		{"wrong sub_type", ckOrderTemplate(), ckReplace(ckOrderMessage(), 3, Component{Type: "BUTTON", SubType: "url", Index: ckIndex(1),
			Parameters: []Parameter{{Type: "payload", Payload: "STOP"}}}),
			[]string{"button[1].sub_type: is \"url\"; the template's QUICK_REPLY button \"Stop\" needs \"quick_reply\""}},
		{"quick reply given a text", ckOrderTemplate(), ckReplace(ckOrderMessage(), 3, Component{Type: "BUTTON", SubType: "quick_reply", Index: ckIndex(1),
			Parameters: []Parameter{Text("STOP")}}),
			[]string{"button[1].parameters[0]: the template's QUICK_REPLY button \"Stop\" takes a payload parameter, not \"text\""}},
		{"URL suffix omitted", ckOrderTemplate(), ckWithout(ckOrderMessage(), 2),
			[]string{"button[0]: the template's URL button \"Track\" needs a text parameter; the message has no BUTTON component with index 0"}},
		{"copy code omitted", ckOrderTemplate(), ckWithout(ckOrderMessage(), 4),
			[]string{"button[3]: the template's COPY_CODE button \"Copy code\" needs a coupon_code parameter"}},
		{"button without index", ckOrderTemplate(), ckReplace(ckOrderMessage(), 3, Component{Type: "BUTTON", SubType: "quick_reply",
			Parameters: []Parameter{{Type: "payload", Payload: "STOP"}}}),
			[]string{"components[3]: a BUTTON component needs an index"}},
		{"button twice", ckOrderTemplate(), func() MessageTemplate {
			m := ckOrderMessage()
			m.Components = append(m.Components, URLButton(0, "again"))
			return m
		}(), []string{"button[0]: a second BUTTON component for index 0"}},
		{"URL button with two parameters", ckOrderTemplate(), ckReplace(ckOrderMessage(), 2, Component{Type: "BUTTON", SubType: "url", Index: ckIndex(0),
			Parameters: []Parameter{Text("a"), Text("b")}}),
			[]string{"button[0]: the template's URL button \"Track\" takes one text parameter, the message gives 2"}},

		// Limits.
		{"header text over 60", ckOrderTemplate(), ckReplace(ckOrderMessage(), 0, HeaderText(long(61))),
			[]string{"header.parameters[0].text: is 61 characters; a header text parameter is at most 60"}},
		{"header text of 60 multibyte characters is fine", ckOrderTemplate(), ckReplace(ckOrderMessage(), 0, HeaderText(strings.Repeat("é", 60))), nil},
		{"body text over 1024 with other components", ckOrderTemplate(), ckReplace(ckOrderMessage(), 1, Body(Text(long(1025)), Text("x"))),
			[]string{"body.parameters[0].text: is 1025 characters; a body text parameter is at most 1024"}},
		{"body-only text over 32768", &Template{Name: "n", Language: "en", Status: "APPROVED",
			Components: []TemplateComponent{{Type: "BODY", Text: "{{1}}"}}},
			MessageTemplate{Name: "n", Language: "en", Components: []Component{Body(Text(long(32769)))}},
			[]string{"body.parameters[0].text: is 32769 characters; a body text parameter is at most 32768"}},
		{"coupon code over 20", ckOrderTemplate(), ckReplace(ckOrderMessage(), 4, CopyCodeButton(3, long(21))),
			[]string{"button[3].parameters[0]: is 21 characters; the template's COPY_CODE button \"Copy code\" takes at most 20"}},
		{"coupon code not alphanumeric", ckOrderTemplate(), ckReplace(ckOrderMessage(), 4, CopyCodeButton(3, "SAVE-10")),
			[]string{"button[3].parameters[0].coupon_code: must be letters and digits only"}},
		{"OTP code over 15", &Template{Name: "otp", Language: "en", Status: "APPROVED", Category: "AUTHENTICATION",
			Components: []TemplateComponent{{Type: "BODY", Text: "{{1}} is your code."}, {Type: "BUTTONS", Buttons: []TemplateButton{{Type: "OTP", Text: "Copy code"}}}}},
			MessageTemplate{Name: "otp", Language: "en", Components: []Component{Body(Text("123456")), URLButton(0, long(16))}},
			[]string{"button[0].parameters[0]: is 16 characters; the template's OTP button \"Copy code\" takes at most 15"}},

		// Parameter shapes.
		{"empty text", ckOrderTemplate(), ckReplace(ckOrderMessage(), 1, Body(Text(""), Text("x"))),
			[]string{"body.parameters[0].text: is empty"}},
		{"type and field disagree", ckMediaTemplate("IMAGE"), ckMediaMessage(Parameter{Type: "image", Video: &Media{Link: "https://example.com/a.mp4"}}),
			[]string{"header.parameters[0].image: is missing", "header.parameters[0].video: is set on a \"image\" parameter"}},
		{"media with neither link nor id", ckMediaTemplate("IMAGE"), ckMediaMessage(Parameter{Type: "image", Image: &Media{}}),
			[]string{"header.parameters[0].image: needs a link or an id"}},
		{"media with both link and id", ckMediaTemplate("IMAGE"), ckMediaMessage(Parameter{Type: "image", Image: &Media{ID: "1", Link: "https://example.com/a.jpg"}}),
			[]string{"header.parameters[0].image: has both a link and an id"}},
		{"media link not http", ckMediaTemplate("IMAGE"), ckMediaMessage(ImageLink("ftp://example.com/a.jpg")),
			[]string{"header.parameters[0].image.link: must be an absolute http(s) URL"}},
		{"filename on an image", ckMediaTemplate("IMAGE"), ckMediaMessage(Parameter{Type: "image", Image: &Media{Link: "https://example.com/a.jpg", Filename: "a.jpg"}}),
			[]string{"header.parameters[0].image.filename: only documents have a file name"}},
		{"location out of range", ckMediaTemplate("LOCATION"), ckMediaMessage(LocationValue(91, math.NaN(), "", "")),
			[]string{"header.parameters[0].location.latitude: is 91", "header.parameters[0].location.longitude: is NaN"}},
		{"bad currency", ckOrderTemplate(), ckReplace(ckOrderMessage(), 1, Body(CurrencyValue("", "usd", 1), Text("x"))),
			[]string{"body.parameters[0].currency.fallback_value: is empty", "body.parameters[0].currency.code: is \"usd\""}},
		{"unknown parameter type", ckOrderTemplate(), ckReplace(ckOrderMessage(), 1, Body(Parameter{Type: "emoji"}, Text("x"))),
			[]string{"body.parameters[0].type: unknown parameter type \"emoji\""}},
		{"unknown component type", ckOrderTemplate(), func() MessageTemplate {
			m := ckOrderMessage()
			m.Components = append(m.Components, Component{Type: "CAROUSEL"})
			return m
		}(), []string{"carousel: the template has no CAROUSEL component"}},
		{"unknown component type", ckOrderTemplate(), func() MessageTemplate {
			m := ckOrderMessage()
			m.Components = append(m.Components, Component{Type: "GALLERY"})
			return m
		}(), []string{"components[5]: type \"GALLERY\": the template has no such component"}},
		{"footer component with a parameter", ckOrderTemplate(), func() MessageTemplate {
			m := ckOrderMessage()
			m.Components = append(m.Components, Component{Type: "FOOTER", Parameters: []Parameter{Text("x")}})
			return m
		}(), []string{"footer: a footer takes no parameter"}},
		{"footer component with another text", ckOrderTemplate(), func() MessageTemplate {
			m := ckOrderMessage()
			m.Components = append(m.Components, Component{Type: "FOOTER", Text: "Reply STOP"})
			return m
		}(), []string{"footer.text: is \"Reply STOP\" but the template's footer is \"Reply STOP to opt out\""}},
		{"body text differs from the rendered template", ckOrderTemplate(), func() MessageTemplate {
			m := ckOrderMessage()
			m.Components[1].Text = "Hi John, your order A-1029 is late."
			return m
		}(), []string{"body.text: is \"Hi John, your order A-1029 is late.\" but the template renders \"Hi John, your order A-1029 has shipped.\""}},
		{"header text differs from the rendered template", ckOrderTemplate(), func() MessageTemplate {
			m := ckOrderMessage()
			m.Components[0].Text = "Order {{1}}"
			return m
		}(), []string{"header.text: is \"Order {{1}}\" but the template renders \"Order A-1029\""}},
		{"button text differs from the template", ckOrderTemplate(), func() MessageTemplate {
			m := ckOrderMessage()
			m.Components[2].Text = "Follow"
			return m
		}(), []string{"button[0].text: is \"Follow\" but the template's button says \"Track\""}},
		{"BUTTONS instead of BUTTON", ckOrderTemplate(), func() MessageTemplate {
			m := ckOrderMessage()
			m.Components[2].Type = "BUTTONS"
			return m
		}(), []string{"components[2]: type \"BUTTONS\"", "button[0]: the template's URL button \"Track\" needs a text parameter"}},
		{"second body", ckOrderTemplate(), func() MessageTemplate {
			m := ckOrderMessage()
			m.Components = append(m.Components, Body(Text("a"), Text("b")))
			return m
		}(), []string{"components[5]: a second BODY component"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.tmpl.Check(tt.msg)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidRequest)
			issues := ValidationErrors(err)
			require.NotEmpty(t, issues)
			var lines []string
			for _, v := range issues {
				lines = append(lines, v.Field+": "+v.Reason)
			}
			for _, w := range tt.want {
				assert.True(t, ckAnyContains(lines, w), "want an issue containing %q, got:\n%s", w, strings.Join(lines, "\n"))
			}
		})
	}
}

func ckAnyContains(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// TestCheckReportsEverythingAtOnce: several independent mistakes come back
// together, each as its own *ValidationError.
func TestCheckReportsEverythingAtOnce(t *testing.T) {
	tmpl := ckOrderTemplate()
	tmpl.Status = "PAUSED"
	m := ckOrderMessage()
	m.Components = []Component{
		HeaderImage("https://example.com/a.jpg"), // text header given an image
		Body(Text("John")),                       // {{2}} missing
		QuickReplyButton(9, "STOP"),              // no button 9; URL and copy code omitted
	}
	err := tmpl.Check(m)
	require.Error(t, err)
	issues := ValidationErrors(err)
	assert.Len(t, issues, 6, "%v", err)
	assert.ErrorIs(t, err, ErrInvalidRequest)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "template.status", ve.Field, "the template's own problems come first")
}

func TestCheckSingleIssueIsAValidationError(t *testing.T) {
	m := ckOrderMessage()
	m.Language = "de"
	err := ckOrderTemplate().Check(m)
	ve, ok := err.(*ValidationError)
	require.True(t, ok, "one issue is returned as a bare *ValidationError, got %T", err)
	assert.Equal(t, "message_template.language", ve.Field)
}

func TestCheckNilTemplate(t *testing.T) {
	var tmpl *Template
	assert.ErrorIs(t, tmpl.Check(MessageTemplate{}), ErrInvalidRequest)
}

func TestValidationErrors(t *testing.T) {
	a, b := invalid("a", "x"), invalid("b", "y")
	assert.Nil(t, ValidationErrors(nil))
	assert.Nil(t, ValidationErrors(errors.New("plain")))
	assert.Equal(t, []*ValidationError{a}, ValidationErrors(a))
	assert.Equal(t, []*ValidationError{a, b}, ValidationErrors(errors.Join(a, errors.New("other"), b)))
	wrapped := errors.Join(a, b)
	assert.Equal(t, []*ValidationError{a, b}, ValidationErrors(errors.Join(wrapped)))
}

func TestPlaceholders(t *testing.T) {
	tests := []struct {
		text  string
		named bool
		want  []string
	}{
		{"", false, []string{}},
		{"no placeholders", false, []string{}},
		{"Hi {{1}}, order {{2}}", false, []string{"1", "2"}},
		{"{{2}} before {{1}}", false, []string{"1", "2"}},
		{"{{1}} twice {{1}}", false, []string{"1"}},
		{"{{ 1 }} {{01}} {{0}} {{x}} {{1001}}", false, []string{}},
		{"{{ {{1}}", false, []string{"1"}},
		{"{{1}", false, []string{}},
		{"{{{1}}}", false, []string{"1"}},
		{"Hi {{first_name}}, {{code}} {{first_name}}", true, []string{"first_name", "code"}},
		{"{{1}} {{Name}} {{9a}} {{_ok}} {{a9}}", true, []string{"_ok", "a9"}},
	}
	for _, tt := range tests {
		got := placeholders(tt.text, tt.named)
		if len(got) == 0 && len(tt.want) == 0 {
			continue
		}
		assert.Equal(t, tt.want, got, "placeholders(%q, %v)", tt.text, tt.named)
	}
}

func BenchmarkTemplateCheck(b *testing.B) {
	tmpl, m := ckOrderTemplate(), ckOrderMessage()
	b.ReportAllocs()
	for b.Loop() {
		if err := tmpl.Check(m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTemplateBuild(b *testing.B) {
	tmpl := ckOrderTemplate()
	v := TemplateValues{Header: []string{"A-1029"}, Body: []string{"John", "A-1029"}, Buttons: map[int]string{0: "A-1029", 1: "STOP", 3: "SAVE10"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tmpl.Build(v); err != nil {
			b.Fatal(err)
		}
	}
}
