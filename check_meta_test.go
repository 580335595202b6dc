package crispwa

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mtTemplate is an APPROVED template named "t" with these components.
func mtTemplate(comps ...TemplateComponent) *Template {
	return &Template{Name: "t", Language: "en", Status: StatusApproved, Category: "MARKETING", Components: comps}
}

func mtButtons(buttons ...TemplateButton) TemplateComponent {
	return TemplateComponent{Type: ComponentButtons, Buttons: buttons}
}

func mtMessage(comps ...Component) MessageTemplate {
	return MessageTemplate{Name: "t", Language: "en", Components: comps}
}

// mtSections returns n sections of perSection products, titled title.
func mtSections(n, perSection int, title string) []ProductSection {
	out := make([]ProductSection, n)
	for i := range out {
		out[i].Title = title
		for j := 0; j < perSection; j++ {
			out[i].ProductItems = append(out[i].ProductItems, ProductItem{ProductRetailerID: "sku"})
		}
	}
	return out
}

// TestCheckRefusesWhatWhatsAppRefuses: each send WhatsApp refuses is
// refused by Check with a message saying how to fix it, and the valid send
// right at each limit passes.
func TestCheckRefusesWhatWhatsAppRefuses(t *testing.T) {
	body1 := TemplateComponent{Type: ComponentBody, Text: "Hi {{1}}"}
	flow := mtTemplate(body1, mtButtons(TemplateButton{Type: ButtonFlow, Text: "Book"}))
	catalog := mtTemplate(body1, mtButtons(TemplateButton{Type: ButtonCatalog, Text: "View catalog"}))
	mpm := mtTemplate(body1, mtButtons(TemplateButton{Type: ButtonMPM, Text: "View items"}))
	product := mtTemplate(TemplateComponent{Type: ComponentHeader, Format: FormatProduct}, body1)
	link := mtTemplate(body1, mtButtons(TemplateButton{Type: ButtonURL, Text: "Track", URL: "https://x.example/t/{{1}}"}))
	bareLink := mtTemplate(body1, mtButtons(TemplateButton{Type: ButtonURL, Text: "Open", URL: "{{1}}"}))
	offer := offerTemplate()
	offerMsg := func(at time.Time) MessageTemplate {
		return MessageTemplate{Name: "offer", Language: "en", Components: []Component{
			LimitedTimeOfferComponent(at), Body(Text("CARIBE25")), CopyCodeButton(0, "CARIBE25")}}
	}
	body := func(s string) MessageTemplate { return mtMessage(Body(Text(s))) }
	text := mtTemplate(body1)

	tests := []struct {
		name string
		tmpl *Template
		msg  MessageTemplate
		want string // "" = must pass
	}{
		// 132018: new-line, tab, more than 4 consecutive spaces.
		{"text with 4 spaces passes", text, body("a    b"), ""},
		{"text with 5 spaces", text, body("a     b"), "body.parameters[0].text: has more than 4 consecutive spaces at byte 1: WhatsApp refuses"},
		{"text with a new-line", text, body("line 1\nline 2"), "body.parameters[0].text: has a new-line at byte 6: WhatsApp refuses a text parameter with a new-line or tab character or more than 4 consecutive spaces (error 132018); put line breaks in the template's own text"},
		{"text with a carriage return", text, body("a\rb"), "has a new-line at byte 1"},
		{"text with a tab", text, body("a\tb"), "body.parameters[0].text: has a tab at byte 1"},
		{"header text with a new-line", ckOrderTemplate(), ckReplace(ckOrderMessage(), 0, HeaderText("A\n1")), "header.parameters[0].text: has a new-line"},
		{"spaces apart pass", text, body("a    b    c    d"), ""},

		// 131009: FLOW and CATALOG buttons need their component.
		{"flow button given", flow, mtMessage(Body(Text("a")), FlowButton(0, "", nil)), ""},
		{"flow button missing", flow, mtMessage(Body(Text("a"))), "button[0]: the template's FLOW button \"Book\" needs an action parameter; the message has no BUTTON component with index 0 (WhatsApp refuses the send without it, error 131009): add FlowButton(0, token, data)"},
		{"catalog button given", catalog, mtMessage(Body(Text("a")), CatalogButton(0, "2lc20305pt")), ""},
		{"catalog button missing", catalog, mtMessage(Body(Text("a"))), "add CatalogButton(0, thumbnailRetailerID)"},
		{"catalog button given a flow token", catalog, mtMessage(Body(Text("a")), Component{Type: ComponentButton, SubType: SubTypeCatalog, Index: ckIndex(0),
			Parameters: []Parameter{{Type: ParamAction, Action: &Action{FlowToken: "x"}}}}), "button[0].parameters[0].action.flow_token: does not belong to this button's action (it takes thumbnail_product_retailer_id)"},

		// Multi-product limits.
		{"mpm at the limits", mpm, mtMessage(Body(Text("a")), MPMButton(0, "sku", mtSections(10, 3, strings.Repeat("t", 24))...)), ""},
		{"mpm 11 sections", mpm, mtMessage(Body(Text("a")), MPMButton(0, "sku", mtSections(11, 1, "t")...)), "button[0].parameters[0].action.sections: has 11 sections; WhatsApp shows at most 10"},
		{"mpm 31 items", mpm, mtMessage(Body(Text("a")), MPMButton(0, "sku", mtSections(1, 31, "t")...)), "button[0].parameters[0].action.sections: list 31 products in all; a multi-product message shows at most 30"},
		{"mpm title of 25", mpm, mtMessage(Body(Text("a")), MPMButton(0, "sku", mtSections(1, 1, strings.Repeat("é", 25))...)), "sections[0].title: is 25 characters; a section title is at most 24"},
		{"mpm without sections", mpm, mtMessage(Body(Text("a")), MPMButton(0, "sku")), "action.sections: is empty"},
		{"mpm without thumbnail", mpm, mtMessage(Body(Text("a")), MPMButton(0, "", mtSections(1, 1, "t")...)), "action.thumbnail_product_retailer_id: is empty"},
		{"mpm untitled among several", mpm, mtMessage(Body(Text("a")), MPMButton(0, "sku", mtSections(2, 1, "")...)), "sections[0].title: is empty: with several sections each needs a title"},
		{"mpm one untitled section passes", mpm, mtMessage(Body(Text("a")), MPMButton(0, "sku", mtSections(1, 1, "")...)), ""},
		{"mpm empty section", mpm, mtMessage(Body(Text("a")), MPMButton(0, "sku", mtSections(1, 0, "t")...)), "sections[0].product_items: is empty"},

		// Product header without catalog_id.
		{"product header ok", product, mtMessage(HeaderProduct("194836987003835", "sku"), Body(Text("a"))), ""},
		{"product header without catalog_id", product, mtMessage(HeaderProduct("", "sku"), Body(Text("a"))), "header.parameters[0].product.catalog_id: is empty: a product header names the ID of the catalog"},

		// A limited-time offer already expired.
		{"offer in the future", offer, offerMsg(time.Now().Add(24 * time.Hour)), ""},
		{"offer already past", offer, offerMsg(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)), "limited_time_offer.parameters[0].limited_time_offer.expiration_time_ms: is 2020-01-02T03:04:05Z, already past"},

		// A whole URL as a URL button's suffix.
		{"url suffix ok", link, mtMessage(Body(Text("a")), URLButton(0, "123")), ""},
		{"whole url as suffix", link, mtMessage(Body(Text("a")), URLButton(0, "https://x.example/t/123")),
			`button[0].parameters[0].text: is a whole URL ("https://x.example/t/123"), but the template's URL is "https://x.example/t/{{1}}": give only what replaces {{1}}, or the link would be "https://x.example/t/https://x.example/t/123"`},
		{"whole url as suffix, any case", link, mtMessage(Body(Text("a")), URLButton(0, "HTTP://x.example/t/123")), "is a whole URL"},
		{"url template that is only {{1}} takes a URL", bareLink, mtMessage(Body(Text("a")), URLButton(0, "https://x.example/")), ""},
		{"suffix mentioning http later passes", link, mtMessage(Body(Text("a")), URLButton(0, "go?to=https://y")), ""},

		// ISO 4217.
		{"currency ok", text, mtMessage(Body(CurrencyValue("₹100", "INR", 100000))), ""},
		{"currency not ISO 4217", text, mtMessage(Body(CurrencyValue("100 ABC", "ABC", 100000))), "body.parameters[0].currency.code: is \"ABC\", not an active ISO 4217 currency code"},
		{"currency withdrawn", text, mtMessage(Body(CurrencyValue("100 kn", "HRK", 100000))), "is \"HRK\", not an active ISO 4217"},
		{"currency lowercase", text, mtMessage(Body(CurrencyValue("$1", "usd", 1000))), "is \"usd\", not an active"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.tmpl.Check(tt.msg)
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidRequest)
			var lines []string
			for _, v := range ValidationErrors(err) {
				lines = append(lines, v.Field+": "+v.Reason)
			}
			assert.True(t, ckAnyContains(lines, tt.want), "want %q in:\n%s", tt.want, strings.Join(lines, "\n"))
		})
	}
}

// TestBuildFlowAndCatalogButtons: Build fills a FLOW button from its token
// and a CATALOG button from its thumbnail (a value given is never
// dropped), and says what to give when it is missing.
func TestBuildFlowAndCatalogButtons(t *testing.T) {
	body1 := TemplateComponent{Type: ComponentBody, Text: "Hi {{1}}"}
	flow := mtTemplate(body1, mtButtons(TemplateButton{Type: ButtonFlow, Text: "Book"}))
	catalog := mtTemplate(body1, mtButtons(TemplateButton{Type: ButtonCatalog, Text: "View catalog"}))

	m, err := flow.Build(TemplateValues{Body: []string{"a"}, Buttons: map[int]string{0: "tok-1"}})
	require.NoError(t, err)
	require.Len(t, m.Components, 2)
	assert.Equal(t, withText(FlowButton(0, "tok-1", nil), "Book"), m.Components[1])

	m, err = catalog.Build(TemplateValues{Body: []string{"a"}, Buttons: map[int]string{0: "2lc20305pt"}})
	require.NoError(t, err)
	assert.Equal(t, withText(CatalogButton(0, "2lc20305pt"), "View catalog"), m.Components[1])

	_, err = flow.Build(TemplateValues{Body: []string{"a"}})
	assert.ErrorContains(t, err, "button[0]: the template's FLOW button \"Book\" needs its BUTTON component (WhatsApp refuses the send without it, error 131009): give Buttons[0], the flow token")
	_, err = catalog.Build(TemplateValues{Body: []string{"a"}})
	assert.ErrorContains(t, err, "give Buttons[0], the thumbnail product's retailer ID")

	mpm := mtTemplate(body1, mtButtons(TemplateButton{Type: ButtonMPM, Text: "View items"}))
	_, err = mpm.Build(TemplateValues{Body: []string{"a"}, Buttons: map[int]string{0: "x"}})
	assert.ErrorContains(t, err, "takes an action, not a string: use MPMButton or OrderDetailsButton and Check")
}
