package crispwa

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBuild(t *testing.T) {
	img := ImageLink("https://example.com/a.jpg")
	txt := Text("x")
	tests := []struct {
		name string
		tmpl *Template
		v    TemplateValues
		want MessageTemplate // checked when wantErr is nil
		// wantErr lists "field: reason substring" pairs that must all be
		// reported; nil means Build must succeed.
		wantErr []string
	}{
		{"positional", ckOrderTemplate(), TemplateValues{
			Header: []string{"A-1029"}, Body: []string{"John", "A-1029"},
			Buttons: map[int]string{0: "A-1029", 1: "STOP", 3: "SAVE10"},
		}, ckOrderMessage(), nil},
		{"quick reply payload optional", ckOrderTemplate(), TemplateValues{
			Header: []string{"A-1029"}, Body: []string{"John", "A-1029"},
			Buttons: map[int]string{0: "A-1029", 3: "SAVE10"},
		}, ckWithout(ckOrderMessage(), 3), nil},
		{"named", ckNamedTemplate(), TemplateValues{Named: map[string]string{"first_name": "Jean", "code": "X1"}}, ckNamedMessage(), nil},
		{"image header", ckMediaTemplate("IMAGE"), TemplateValues{HeaderMedia: &img}, ckMediaMessage(img), nil},
		{"nothing to fill", &Template{Name: "hello", Language: "en", Status: "APPROVED",
			Components: []TemplateComponent{{Type: "BODY", Text: "Hello!"}}}, TemplateValues{},
			MessageTemplate{Name: "hello", Language: "en"}, nil},

		{"missing body value", ckOrderTemplate(), TemplateValues{
			Header: []string{"A"}, Body: []string{"John"}, Buttons: map[int]string{0: "A", 3: "C"},
		}, MessageTemplate{}, []string{"body: the template's body has 2 placeholders ({{1}}, {{2}}); got 1 value"}},
		{"extra body value", ckOrderTemplate(), TemplateValues{
			Header: []string{"A"}, Body: []string{"a", "b", "c"}, Buttons: map[int]string{0: "A", 3: "C"},
		}, MessageTemplate{}, []string{"body: the template's body has 2 placeholders ({{1}}, {{2}}); got 3 values"}},
		{"missing named value and unknown name", ckNamedTemplate(), TemplateValues{Named: map[string]string{"first_name": "J", "cod": "X"}},
			MessageTemplate{}, []string{"body: no value for {{code}} (Named)", "named: the template has no placeholder {{cod}}"}},
		{"named template given positional values", ckNamedTemplate(), TemplateValues{Body: []string{"J", "X"}},
			MessageTemplate{}, []string{"body: the template is NAMED"}},
		{"positional template given named values", ckOrderTemplate(), TemplateValues{
			Header: []string{"A"}, Body: []string{"a", "b"}, Buttons: map[int]string{0: "A", 3: "C"}, Named: map[string]string{"a": "b"},
		}, MessageTemplate{}, []string{"named: the template is POSITIONAL"}},
		{"image header without media", ckMediaTemplate("IMAGE"), TemplateValues{},
			MessageTemplate{}, []string{"header: the template's header is IMAGE: give HeaderMedia"}},
		{"image header given text", ckMediaTemplate("IMAGE"), TemplateValues{Header: []string{"x"}, HeaderMedia: &txt},
			MessageTemplate{}, []string{"header: the template's header is IMAGE, not TEXT", "header: the template's header is IMAGE: HeaderMedia must be an image parameter, not \"text\""}},
		{"media for a text header", ckOrderTemplate(), TemplateValues{
			Header: []string{"A"}, Body: []string{"a", "b"}, Buttons: map[int]string{0: "A", 3: "C"}, HeaderMedia: &img,
		}, MessageTemplate{}, []string{"header: the template's header is TEXT; HeaderMedia is only for media"}},
		{"button index that does not exist", ckOrderTemplate(), TemplateValues{
			Header: []string{"A"}, Body: []string{"a", "b"}, Buttons: map[int]string{0: "A", 3: "C", 4: "?"},
		}, MessageTemplate{}, []string{"button[4]: the template has 4 buttons; there is no index 4"}},
		{"value for a phone button", ckOrderTemplate(), TemplateValues{
			Header: []string{"A"}, Body: []string{"a", "b"}, Buttons: map[int]string{0: "A", 2: "x", 3: "C"},
		}, MessageTemplate{}, []string{"button[2]: the template's PHONE_NUMBER button \"Call us\" takes no value"}},
		{"URL and copy code missing", ckOrderTemplate(), TemplateValues{Header: []string{"A"}, Body: []string{"a", "b"}},
			MessageTemplate{}, []string{"button[0]: the template's URL button \"Track\" needs a value in Buttons[0]", "button[3]: the template's COPY_CODE button \"Copy code\" needs a value in Buttons[3]"}},
		{"limit and status reported with value problems", func() *Template { t := ckOrderTemplate(); t.Status = "PAUSED"; return t }(), TemplateValues{
			Header: []string{strings.Repeat("h", 61)}, Body: []string{"a"}, Buttons: map[int]string{0: "A", 3: "C"},
		}, MessageTemplate{}, []string{"template.status: template \"order_update\" (en) is PAUSED", "header.parameters[0].text: is 61 characters", "body: the template's body has 2 placeholders"}},
		{"limit alone", ckOrderTemplate(), TemplateValues{
			Header: []string{"A"}, Body: []string{"a", "b"}, Buttons: map[int]string{0: "A", 3: "TOO-LONG-COUPON-CODE-X"},
		}, MessageTemplate{}, []string{"button[3].parameters[0]: is 22 characters"}},
		{"no header in template", ckNamedTemplate(), TemplateValues{Named: map[string]string{"first_name": "J", "code": "X"}, Header: []string{"x"}},
			MessageTemplate{}, []string{"header: the template is NAMED: give its header values in Named"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.tmpl.Build(tt.v)
			if tt.wantErr == nil {
				require.NoError(t, err)
				want := tt.want // plus the texts, which TestBuildFillsText checks one by one
				fillText(&want, tt.tmpl.shape())
				assert.Equal(t, want, got)
				assert.NoError(t, tt.tmpl.Check(got), "a built message passes Check")
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidRequest)
			assert.Equal(t, MessageTemplate{}, got, "the zero value on error")
			var lines []string
			for _, v := range ValidationErrors(err) {
				lines = append(lines, v.Field+": "+v.Reason)
			}
			for _, w := range tt.wantErr {
				assert.True(t, ckAnyContains(lines, w), "want an issue containing %q, got:\n%s", w, strings.Join(lines, "\n"))
			}
		})
	}
}

func TestBuildNilTemplate(t *testing.T) {
	var tmpl *Template
	_, err := tmpl.Build(TemplateValues{})
	assert.ErrorIs(t, err, ErrInvalidRequest)
}

func TestTemplatePlaceholders(t *testing.T) {
	h, b := ckOrderTemplate().Placeholders()
	assert.Equal(t, []string{"1"}, h)
	assert.Equal(t, []string{"1", "2"}, b)
	h, b = ckNamedTemplate().Placeholders()
	assert.Equal(t, []string{"first_name"}, h)
	assert.Equal(t, []string{"first_name", "code"}, b)
	h, b = ckMediaTemplate("IMAGE").Placeholders()
	assert.Empty(t, h)
	assert.Empty(t, b)
	var nilT *Template
	h, b = nilT.Placeholders()
	assert.Nil(t, h)
	assert.Nil(t, b)
}

// TestBuildFillsText: every component carries what the customer reads, so
// that the Crisp inbox shows the whole message; golden request body.
func TestBuildFillsText(t *testing.T) {
	m, err := ckOrderTemplate().Build(TemplateValues{
		Header: []string{"A-1029"}, Body: []string{"John", "A-1029"},
		Buttons: map[int]string{0: "A-1029", 1: "STOP", 3: "SAVE10"},
	})
	require.NoError(t, err)
	texts := map[string]string{}
	for i, c := range m.Components {
		texts[componentField(c, i)] = c.Text
	}
	assert.Equal(t, map[string]string{
		"header":    "Order A-1029",
		"body":      "Hi John, your order A-1029 has shipped.",
		"footer":    "Reply STOP to opt out",
		"button[0]": "Track",
		"button[1]": "Stop",
		"button[3]": "Copy code",
	}, texts)
	req := &SendTemplateRequest{From: "+33100000000", To: "+33612345678", Template: m, Options: &CrispOptions{Type: CrispTypeText}}
	require.NoError(t, req.Validate(), "a built message may be sent as type text")

	// A template without placeholders still gets its text.
	hello := &Template{Name: "hello", Language: "en", Status: "APPROVED", Components: []TemplateComponent{
		{Type: "HEADER", Format: "TEXT", Text: "Hi"}, {Type: "BODY", Text: "Hello!"}, {Type: "FOOTER", Text: "Bye"}}}
	m, err = hello.Build(TemplateValues{})
	require.NoError(t, err)
	assert.Equal(t, []Component{
		{Type: ComponentHeader, Format: FormatText, Text: "Hi"},
		{Type: ComponentBody, Text: "Hello!"},
		{Type: ComponentFooter, Text: "Bye"},
	}, m.Components)
	require.NoError(t, hello.Check(m))
}

func TestValidateTextTypeNeedsText(t *testing.T) {
	r := validSend()
	r.Template.Components[0].Text = ""
	err := r.Validate()
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "crisp_options.type", ve.Field)
	assert.Contains(t, ve.Reason, "Template.Build")
	r.Options.Type = CrispTypeNote
	assert.NoError(t, r.Validate(), "a note without text shows the template's name: allowed")
}
