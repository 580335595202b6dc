package crispwa

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The files under testdata/realworld were written by nobody on the project
// (Meta's documentation, other projects' fixtures, captured lists); see
// testdata/realworld/README.md for each one's source.

func realworldFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "realworld", dir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		out[strings.TrimSuffix(filepath.Base(p), ".json")] = b
	}
	return out
}

func realworldTemplate(t *testing.T, name string) *Template {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "realworld", "templates", name+".json"))
	require.NoError(t, err)
	var tpl Template
	require.NoError(t, json.Unmarshal(b, &tpl))
	return &tpl
}

// TestRealworldTemplatesParse: every template object decodes, fully
// modeled, and renders.
func TestRealworldTemplatesParse(t *testing.T) {
	for name, b := range realworldFiles(t, "templates") {
		t.Run(name, func(t *testing.T) {
			var tpl Template
			require.NoError(t, json.Unmarshal(b, &tpl))
			assert.Empty(t, tpl.Unmodeled)
			assert.NotEmpty(t, tpl.Name)
			assert.NotEmpty(t, tpl.Components)
			assert.JSONEq(t, string(b), string(tpl.Raw))
		})
	}
	coupon := realworldTemplate(t, "meta_coupon_code_fall2023_25off")
	assert.Equal(t, []string{"250FF"}, coupon.Components[2].Buttons[1].Example, "COPY_CODE example given as a string")
	product := realworldTemplate(t, "meta_carousel_template_product_cards_v1")
	assert.Equal(t, [][]string{{"Pablo"}}, product.Components[0].Example.BodyText, "body_text example given as a string")
}

// TestListKeepsTemplatesItCannotModel: one odd template (a field of an
// unexpected type) does not break the page, nor All, Get or SendChecked for
// the other templates; it is kept with its raw JSON and Check refuses it.
func TestListKeepsTemplatesItCannotModel(t *testing.T) {
	var items []json.RawMessage
	for _, b := range realworldFiles(t, "templates") {
		items = append(items, json.RawMessage(b))
	}
	odd := json.RawMessage(`{"name":"odd","language":"en","status":"APPROVED","components":{"type":"BODY"}}`)
	items = append(items, odd)
	c, _, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeEnvelope(w, http.StatusOK, false, "", map[string]any{"templates": items})
	})
	page, err := c.Templates.List(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, page.Templates, len(items))
	last := page.Templates[len(items)-1]
	assert.Equal(t, "odd", last.Name)
	assert.Equal(t, "APPROVED", last.Status)
	assert.NotEmpty(t, last.Unmodeled)
	assert.JSONEq(t, string(odd), string(last.Raw))
	err = last.Check(MessageTemplate{Name: "odd", Language: "en"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot model")

	tpl, err := c.Templates.Get(context.Background(), "wa_voice_call", "en")
	require.NoError(t, err)
	assert.Equal(t, "wa_voice_call", tpl.Name)
}

// realworldSends pairs each Meta or Crisp send body the SDK supports with
// the template it was documented with. Where the documentation's names
// differ (the same page shows v1 and sends v2), the template is checked
// under the send's name.
var realworldSends = map[string]string{
	"crisp_send_sample_issue_resolution_note":         "chatwoot_sample_issue_resolution",
	"meta_send_coupon_code_fall2023_25off":            "meta_coupon_code_fall2023_25off",
	"meta_send_welcome_discount_template":             "meta_welcome_discount_template",
	"meta_send_reservation_confirmation":              "meta_reservation_confirmation_utility",
	"meta_send_limited_time_offer_caribbean_pkg_2023": "meta_limited_time_offer_caribbean_pkg_2023",
	"meta_send_carousel_template_media_cards_v1":      "meta_carousel_template_media_cards_v1",
	"meta_send_carousel_template_product_cards_v1":    "meta_carousel_template_product_cards_v1",
	"meta_send_intro_catalog_offer":                   "meta_intro_catalog_offer",
	"meta_send_abandoned_cart_mpm":                    "meta_abandoned_cart_mpm",
	"meta_send_spm_template_named_params":             "meta_spm_template_named_params",
	"meta_send_verification_code_copy_code":           "meta_authentication_code_copy_code_button",
	"meta_send_wa_voice_call":                         "meta_wa_voice_call",
	"meta_send_item_back_in_stock_v2":                 "meta_item_back_in_stock_v1",
}

// realworldSendExpected lists what Check rightly reports on a documented
// pair: Meta's product-carousel page creates two cards and sends three.
var realworldSendExpected = map[string][]string{
	"meta_send_carousel_template_product_cards_v1": {"carousel: the template has 2 cards; the message gives 3 cards", "carousel.cards[2].card_index: is 2"},
	// Meta's page sends expiration_time_ms 1209600000 (1970-01-15), a
	// placeholder: a send with it would arrive expired.
	"meta_send_limited_time_offer_caribbean_pkg_2023": {"limited_time_offer.parameters[0].limited_time_offer.expiration_time_ms: is 1970-01-15T00:00:00Z, already past"},
	// Meta's checkout page orders with an expiration of 2024-09-18, past.
	"meta_send_item_back_in_stock_v2": {"button[0].parameters[0].action.order_details.order.expiration.timestamp: is 2024-09-18T02:39:10Z; an order expires at least 5m0s after it is sent"},
}

// realworldUnpaired are the send files without a template in the
// fixtures, and what is tested of them instead.
var realworldUnpaired = map[string]string{
	"meta_send_august_promotion":     "no template: round trip only (TestRealworldSendsRoundTripAndCheck)",
	"meta_component_location_header": "one component: TestRealworldLocationHeader",
}

// toCrisp turns a Meta send's "template" into Crisp's message_template:
// language is a string and a button's index an integer (the README's
// recorded difference between the two contracts).
func toCrisp(t *testing.T, b []byte) []byte {
	t.Helper()
	var body map[string]any
	require.NoError(t, json.Unmarshal(b, &body))
	if mt, ok := body["message_template"]; ok {
		out, err := json.Marshal(mt)
		require.NoError(t, err)
		return out
	}
	tpl, ok := body["template"].(map[string]any)
	require.True(t, ok, "a Meta send has a template")
	if lang, ok := tpl["language"].(map[string]any); ok {
		tpl["language"] = lang["code"]
	}
	var fixIndex func(comps any)
	fixIndex = func(comps any) {
		list, _ := comps.([]any)
		for _, c := range list {
			m, _ := c.(map[string]any)
			if s, ok := m["index"].(string); ok {
				n, err := strconv.Atoi(s)
				require.NoError(t, err)
				m["index"] = n
			}
			cards, _ := m["cards"].([]any)
			for _, card := range cards {
				cm, _ := card.(map[string]any)
				fixIndex(cm["components"])
			}
		}
	}
	fixIndex(tpl["components"])
	out, err := json.Marshal(tpl)
	require.NoError(t, err)
	return out
}

// TestRealworldSendsRoundTripAndCheck: every send body of a kind the SDK
// supports decodes without losing a field, encodes back to the same JSON,
// and passes Check against its template.
func TestRealworldSendsRoundTripAndCheck(t *testing.T) {
	sends := realworldFiles(t, "sends")
	for name := range sends {
		_, paired := realworldSends[name]
		_, skipped := realworldUnpaired[name]
		assert.True(t, paired || skipped, "%s: pair it with its template or say why it is unsupported", name)
	}
	pairs := map[string]string{"meta_send_august_promotion": ""}
	for name, tplFile := range realworldSends {
		pairs[name] = tplFile
	}
	for name, tplFile := range pairs {
		t.Run(name, func(t *testing.T) {
			in := toCrisp(t, sends[name])
			var m MessageTemplate
			dec := json.NewDecoder(bytes.NewReader(in))
			dec.DisallowUnknownFields()
			require.NoError(t, dec.Decode(&m), "every field is modeled")
			out, err := json.Marshal(m)
			require.NoError(t, err)
			assert.JSONEq(t, string(in), string(out), "round trip")
			if tplFile == "" {
				return
			}

			tpl := realworldTemplate(t, tplFile)
			tpl.Status = StatusApproved // creation payloads carry no status
			tpl.Name, tpl.Language = m.Name, m.Language
			err = tpl.Check(m)
			want := realworldSendExpected[name]
			if want == nil {
				require.NoError(t, err)
				_, err = tpl.RenderMessage(m)
				assert.NoError(t, err)
				return
			}
			var got []string
			for _, v := range ValidationErrors(err) {
				got = append(got, v.Field+": "+v.Reason)
			}
			for _, w := range want {
				assert.True(t, ckAnyContains(got, w), "want %q in:\n%s", w, strings.Join(got, "\n"))
			}
			assert.Len(t, got, len(want), strings.Join(got, "\n"))
		})
	}
}

// TestRealworldLocationHeader: Meta documents a LOCATION header with
// latitude and longitude as strings; it decodes, sends them as numbers,
// and passes Check against Meta's LOCATION template.
func TestRealworldLocationHeader(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "realworld", "sends", "meta_component_location_header.json"))
	require.NoError(t, err)
	var c Component
	require.NoError(t, json.Unmarshal(b, &c))
	require.Len(t, c.Parameters, 1)
	loc := c.Parameters[0].Location
	require.NotNil(t, loc)
	assert.InDelta(t, 37.44211676562361, loc.Latitude, 1e-12)
	assert.InDelta(t, -122.16155960083124, loc.Longitude, 1e-12)
	assert.Equal(t, "Philz Coffee", loc.Name)
	out, err := json.Marshal(c)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"latitude":37.44211676562361`)

	tpl := realworldTemplate(t, "meta_order_delivery_update")
	tpl.Status = StatusApproved
	body := Body()
	if _, b := tpl.Placeholders(); len(b) > 0 {
		for range b {
			body.Parameters = append(body.Parameters, Text("x"))
		}
	}
	m := MessageTemplate{Name: tpl.Name, Language: tpl.Language, Components: []Component{c, body}}
	assert.NoError(t, tpl.Check(m))

	var bad Location
	assert.Error(t, json.Unmarshal([]byte(`{"latitude":"north","longitude":1}`), &bad))
}
