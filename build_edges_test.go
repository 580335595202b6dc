package crispwa

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The edges of Build that mutation testing found unpinned (issue 22).

// TestBuildCarouselCardTexts: every card's components carry their text,
// card 0 and the last card alike, so the Crisp inbox shows each card.
func TestBuildCarouselCardTexts(t *testing.T) {
	a, b := ImageLink("https://example.com/a.jpg"), ImageLink("https://example.com/b.jpg")
	tpl := carouselTemplate()
	m, err := tpl.Build(TemplateValues{Body: []string{"Ann"}, Cards: []CardValues{
		{HeaderMedia: &a, Body: []string{"$5"}, Buttons: map[int]string{0: "more-a", 1: "a"}},
		{HeaderMedia: &b, Body: []string{"$7"}, Buttons: map[int]string{1: "b"}},
	}})
	require.NoError(t, err)
	var carousel *Component
	for i := range m.Components {
		if m.Components[i].Type == ComponentCarousel {
			carousel = &m.Components[i]
		}
	}
	require.NotNil(t, carousel)
	require.Len(t, carousel.Cards, 2)
	want := []string{"Only $5", "Only $7"}
	for k, card := range carousel.Cards {
		texts := map[string]string{}
		for _, c := range card.Components {
			texts[c.Type+c.SubType] = c.Text
		}
		assert.Equal(t, want[k], texts[ComponentBody], "card %d body text", k)
		assert.Equal(t, FormatImage, card.Components[0].Format, "card %d header format", k)
		assert.Equal(t, "Shop", texts[ComponentButton+SubTypeURL], "card %d URL button text", k)
	}
	assert.Equal(t, "More", carousel.Cards[0].Components[2].Text)
}

func TestBuildEdges(t *testing.T) {
	img := ImageLink("https://example.com/a.jpg")
	noBody := &Template{Name: "n", Language: "en", Status: StatusApproved, Components: []TemplateComponent{
		{Type: "HEADER", Format: "TEXT", Text: "Hello {{1}}"},
	}}
	gif := &Template{Name: "g", Language: "en", Status: StatusApproved, Components: []TemplateComponent{
		{Type: "HEADER", Format: "GIF"}, {Type: "BODY", Text: "Look"},
	}}
	noExpiry := &Template{Name: "offer", Language: "en", Status: StatusApproved, Components: []TemplateComponent{
		{Type: "LIMITED_TIME_OFFER", LimitedTimeOffer: &TemplateLimitedTimeOffer{Text: "Today only"}},
		{Type: "BODY", Text: "Use {{1}}"},
	}}
	tests := []struct {
		name string
		tpl  *Template
		v    TemplateValues
		want string // "" = Build succeeds
	}{
		{"more card values than cards is an error, not a panic", carouselTemplate(), TemplateValues{Body: []string{"Ann"}, Cards: []CardValues{
			{HeaderMedia: &img, Body: []string{"1"}, Buttons: map[int]string{1: "a"}},
			{HeaderMedia: &img, Body: []string{"2"}, Buttons: map[int]string{1: "b"}},
			{HeaderMedia: &img, Body: []string{"3"}, Buttons: map[int]string{1: "c"}},
		}}, "carousel: the template has 2 cards; got 3 cards"},
		{"body values for a template without BODY", noBody, TemplateValues{Header: []string{"Ann"}, Body: []string{"x", "y"}},
			"body: the template has no BODY component; got 2 body values"},
		{"header values without a header", &Template{Name: "n", Language: "en", Status: StatusApproved,
			Components: []TemplateComponent{{Type: "BODY", Text: "hi"}}}, TemplateValues{Header: []string{"x"}},
			"header: the template has no HEADER component; got 1 header value"},
		{"an offer that does not expire needs no expiration", noExpiry, TemplateValues{Body: []string{"X1"}}, ""},
		{"a header format the SDK does not model, without values", gif, TemplateValues{}, ""},
		{"a header format the SDK does not model, given media", gif, TemplateValues{HeaderMedia: &img},
			`header: the template's header format "GIF" is not supported by Build; assemble the component and use Check`},
		{"a header format the SDK does not model, given text", gif, TemplateValues{Header: []string{"x"}},
			`header format "GIF" is not supported by Build`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.tpl.Build(tt.v)
			if tt.want == "" {
				require.NoError(t, err)
				assert.NoError(t, tt.tpl.Check(m))
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidRequest)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, MessageTemplate{}, m)
		})
	}

	// The offer without expiration sends no LIMITED_TIME_OFFER component.
	m, err := noExpiry.Build(TemplateValues{Body: []string{"X1"}})
	require.NoError(t, err)
	for _, c := range m.Components {
		assert.NotEqual(t, ComponentLimitedTimeOffer, strings.ToUpper(c.Type))
	}
}

// TestNamedPlaceholderAlphabet: every lowercase letter and digit of a
// named placeholder is recognised, the alphabet's ends ('a', 'z', '0',
// '9') included.
func TestNamedPlaceholderAlphabet(t *testing.T) {
	for _, name := range []string{"zip_code", "line_10", "a", "z", "_9", "abcdefghijklmnopqrstuvwxyz_0123456789"} {
		got := placeholders("Hi {{"+name+"}}!", true)
		assert.Equal(t, []string{name}, got, name)
	}
	for _, name := range []string{"Zip", "0line", "line-1", "é", "{", "a b"} {
		assert.Empty(t, placeholders("Hi {{"+name+"}}!", true), name)
	}
	tpl := &Template{Name: "n", Language: "en", Status: StatusApproved, ParameterFormat: ParameterFormatNamed,
		Components: []TemplateComponent{{Type: "BODY", Text: "Ship to {{zip_code}}, {{line_10}}"}}}
	out, err := tpl.Render(TemplateValues{Named: map[string]string{"zip_code": "75001", "line_10": "Rivoli"}})
	require.NoError(t, err)
	assert.Equal(t, "Ship to 75001, Rivoli", out)
}
