package crispwa

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRender(t *testing.T) {
	got, err := ckOrderTemplate().Render(TemplateValues{
		Header: []string{"A-1029"}, Body: []string{"John", "A-1029"},
		Buttons: map[int]string{0: "A-1029", 3: "SAVE10"},
	})
	require.NoError(t, err)
	assert.Equal(t, "Order A-1029\n\n"+
		"Hi John, your order A-1029 has shipped.\n\n"+
		"Reply STOP to opt out\n\n"+
		"[Track: https://example.com/track/A-1029]\n[Stop]\n[Call us: +15550001111]\n[Copy code: SAVE10]", got)

	named, err := ckNamedTemplate().Render(TemplateValues{Named: map[string]string{"first_name": "Jean", "code": "X1"}})
	require.NoError(t, err)
	assert.Equal(t, "Bienvenue Jean\n\nBonjour Jean, votre code est X1.", named)

	img := ImageLink("https://example.com/a.jpg")
	media, err := ckMediaTemplate("IMAGE").Render(TemplateValues{HeaderMedia: &img})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(media, "[IMAGE]\n\n"), media)

	pending := ckOrderTemplate()
	pending.Status = StatusPending
	_, err = pending.Render(TemplateValues{Header: []string{"A"}, Body: []string{"a", "b"}, Buttons: map[int]string{0: "A", 3: "C"}})
	assert.NoError(t, err, "a preview does not need an APPROVED template")

	_, err = ckOrderTemplate().Render(TemplateValues{Body: []string{"John"}})
	require.ErrorIs(t, err, ErrInvalidRequest)
	assert.Contains(t, err.Error(), "body: the template's body has 2 placeholders")

	var nilT *Template
	_, err = nilT.Render(TemplateValues{})
	assert.ErrorIs(t, err, ErrInvalidRequest)
}

// TestRenderMessage renders an actual send (what a fake inbox shows), the
// currency and date_time parameters by their fallback values.
func TestRenderMessage(t *testing.T) {
	tpl := &Template{Name: "bill", Language: "en", Status: StatusApproved, Components: []TemplateComponent{
		{Type: "BODY", Text: "You owe {{1}} by {{2}}."},
	}}
	got, err := tpl.RenderMessage(MessageTemplate{Name: "bill", Language: "en", Components: []Component{
		Body(CurrencyValue("$10.00", "USD", 10000), DateTimeValue("May 1")),
	}})
	require.NoError(t, err)
	assert.Equal(t, "You owe $10.00 by May 1.", got)

	_, err = tpl.RenderMessage(MessageTemplate{Name: "bill", Language: "en"})
	require.ErrorIs(t, err, ErrInvalidRequest)
	assert.Contains(t, err.Error(), "body: a placeholder has no value")
}

func carouselTemplate() *Template {
	card := func() TemplateCard {
		return TemplateCard{Components: []TemplateComponent{
			{Type: "HEADER", Format: "IMAGE"},
			{Type: "BODY", Text: "Only {{1}}"},
			{Type: "BUTTONS", Buttons: []TemplateButton{{Type: "QUICK_REPLY", Text: "More"}, {Type: "URL", Text: "Shop", URL: "https://shop.example/{{1}}"}}},
		}}
	}
	return &Template{Name: "carousel", Language: "en", Status: StatusApproved, Components: []TemplateComponent{
		{Type: "BODY", Text: "Hi {{1}}, our picks:"},
		{Type: "CAROUSEL", Cards: []TemplateCard{card(), card()}},
	}}
}

func TestCarouselBuildCheckRender(t *testing.T) {
	a, b := ImageLink("https://example.com/a.jpg"), ImageLink("https://example.com/b.jpg")
	v := TemplateValues{Body: []string{"Ann"}, Cards: []CardValues{
		{HeaderMedia: &a, Body: []string{"$5"}, Buttons: map[int]string{0: "more-a", 1: "a"}},
		{HeaderMedia: &b, Body: []string{"$7"}, Buttons: map[int]string{1: "b"}},
	}}
	tpl := carouselTemplate()
	m, err := tpl.Build(v)
	require.NoError(t, err)
	require.NoError(t, tpl.Check(m))
	text, err := tpl.Render(v)
	require.NoError(t, err)
	assert.Equal(t, "Hi Ann, our picks:\n\n--- card 1 ---\n\n[IMAGE]\n\nOnly $5\n\n[More]\n[Shop: https://shop.example/a]\n\n"+
		"--- card 2 ---\n\n[IMAGE]\n\nOnly $7\n\n[More]\n[Shop: https://shop.example/b]", text)

	tests := []struct {
		name string
		edit func(m *MessageTemplate)
		want string
	}{
		{"card count", func(m *MessageTemplate) { m.Components[1].Cards = m.Components[1].Cards[:1] }, "carousel: the template has 2 cards; the message gives 1 card"},
		{"card header kind", func(m *MessageTemplate) {
			m.Components[1].Cards[1].Components[0] = HeaderVideo("https://example.com/v.mp4")
		}, "card[1].header.parameters[0]: the template's header is IMAGE: it takes an image parameter, not \"video\""},
		{"card index twice", func(m *MessageTemplate) { m.Components[1].Cards[1].CardIndex = 0 }, "card[0]: a second card with card_index 0"},
		{"card button missing", func(m *MessageTemplate) {
			m.Components[1].Cards[0].Components = m.Components[1].Cards[0].Components[:2]
		}, "card[0].button[1]: the template's URL button \"Shop\" needs a text parameter"},
		{"no carousel", func(m *MessageTemplate) { m.Components = m.Components[:1] }, "carousel: the template is a carousel of 2 cards"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tpl.Build(v)
			require.NoError(t, err)
			tt.edit(&m)
			var lines []string
			for _, is := range ValidationErrors(tpl.Check(m)) {
				lines = append(lines, is.Field+": "+is.Reason)
			}
			assert.True(t, ckAnyContains(lines, tt.want), "want %q in:\n%s", tt.want, strings.Join(lines, "\n"))
		})
	}
	_, err = tpl.Build(TemplateValues{Body: []string{"Ann"}, Cards: v.Cards[:1]})
	assert.ErrorContains(t, err, "carousel: the template has 2 cards; got 1 card")
}

func offerTemplate() *Template {
	return &Template{Name: "offer", Language: "en", Status: StatusApproved, Components: []TemplateComponent{
		{Type: "LIMITED_TIME_OFFER", LimitedTimeOffer: &TemplateLimitedTimeOffer{Text: "Expiring offer!", HasExpiration: true}},
		{Type: "BODY", Text: "Use code {{1}}"},
		{Type: "BUTTONS", Buttons: []TemplateButton{{Type: "COPY_CODE", Example: []string{"CARIBE25"}}}},
	}}
}

func TestLimitedTimeOffer(t *testing.T) {
	tpl := offerTemplate()
	ends := time.Date(2999, 12, 1, 0, 0, 0, 0, time.UTC) // far future: Check refuses a past expiration
	v := TemplateValues{Body: []string{"CARIBE25"}, Buttons: map[int]string{0: "CARIBE25"}, OfferExpiration: ends}
	m, err := tpl.Build(v)
	require.NoError(t, err)
	require.NoError(t, tpl.Check(m))
	text, err := tpl.Render(v)
	require.NoError(t, err)
	assert.Equal(t, "Expiring offer! (ends 2999-12-01 00:00 UTC)\n\nUse code CARIBE25\n\n[copy code: CARIBE25]", text)

	_, err = tpl.Build(TemplateValues{Body: []string{"X"}, Buttons: map[int]string{0: "X"}})
	assert.ErrorContains(t, err, "limited_time_offer: the template's offer expires: give OfferExpiration")

	long := v
	long.Buttons = map[int]string{0: "ABCDEFGHIJKLMNOP"} // 16: fine for a coupon, too long for an offer
	_, err = tpl.Build(long)
	assert.ErrorContains(t, err, "button[0].parameters[0]: is 16 characters; the template's COPY_CODE button takes at most 15")

	m.Components = m.Components[:1]
	m.Components = append(m.Components, CopyCodeButton(0, "CARIBE25"))
	assert.ErrorContains(t, tpl.Check(m), "limited_time_offer: the template's offer expires")
	bad := MessageTemplate{Name: "offer", Language: "en", Components: []Component{
		Body(Text("X")), CopyCodeButton(0, "X"),
		{Type: ComponentLimitedTimeOffer, Parameters: []Parameter{{Type: ParamLimitedTimeOffer, LimitedTimeOffer: &LimitedTimeOffer{}}}},
	}}
	assert.ErrorContains(t, tpl.Check(bad), "limited_time_offer.parameters[0].limited_time_offer.expiration_time_ms: is 0")
}

func TestVoiceCallButton(t *testing.T) {
	tpl := realworldTemplate(t, "meta_wa_voice_call")
	tpl.Status = StatusApproved
	m := MessageTemplate{Name: tpl.Name, Language: tpl.Language, Components: []Component{VoiceCallButton(100, "p")}}
	require.NoError(t, tpl.Check(m))
	m.Components = append(m.Components, VoiceCallButton(0, ""))
	assert.ErrorContains(t, tpl.Check(m), "a second voice_call BUTTON component")
	bad := MessageTemplate{Name: tpl.Name, Language: tpl.Language, Components: []Component{
		{Type: ComponentButton, SubType: SubTypeVoiceCall, Parameters: []Parameter{Text("x")}},
	}}
	assert.ErrorContains(t, tpl.Check(bad), "button[voice_call].parameters[0]: a voice-call button takes ttl_minutes and payload parameters")
}
