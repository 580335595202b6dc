package crispwatest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/crispwatest"
)

// Each rule of the fake pinned from both sides: a valid value is accepted
// (so the fake cannot refuse every coupon code, user_id or static URL
// button), and an invalid one is refused with the rule's message (so the
// currency, date_time, ttl_minutes and tap-target rules do run).
func TestRulesAcceptAndRefuse(t *testing.T) {
	s := newServer(t, crispwatest.WithTemplates(
		crispwa.Template{Name: "coupon", Language: "en_US", Status: crispwa.StatusApproved, Components: []crispwa.TemplateComponent{
			{Type: "BODY", Text: "Your code is ready."},
			{Type: "BUTTONS", Buttons: []crispwa.TemplateButton{{Type: "COPY_CODE", Text: "Copy code"}}},
		}},
		crispwa.Template{Name: "static_link", Language: "en_US", Status: crispwa.StatusApproved, Components: []crispwa.TemplateComponent{
			{Type: "BODY", Text: "See our shop."},
			{Type: "BUTTONS", Buttons: []crispwa.TemplateButton{{Type: "URL", Text: "Shop", URL: "https://example.com/shop"}}},
		}},
		crispwa.Template{Name: "one_value", Language: "en_US", Status: crispwa.StatusApproved, Components: []crispwa.TemplateComponent{
			{Type: "BODY", Text: "Value: {{1}}."},
		}},
	))
	rcv := newReceiver(t, nil)
	s.SetCallbackURL(rcv.srv.URL)
	path := "website/" + s.WebsiteID + "/template/send"

	// oneValue sends the "one_value" template with param as its body
	// parameter.
	oneValue := func(param string) string {
		return `{"from_number":"+33100000000","to_number":"+33612345678","message_template":{"name":"one_value","language":"en_US",` +
			`"components":[{"type":"BODY","parameters":[` + param + `]}]}}`
	}
	send := func(tmpl string, comps []crispwa.Component, opts *crispwa.CrispOptions) string {
		b, err := json.Marshal(&crispwa.SendTemplateRequest{From: fromNumber, To: toNumber, Options: opts,
			Template: crispwa.MessageTemplate{Name: tmpl, Language: "en_US", Components: comps}})
		require.NoError(t, err)
		return string(b)
	}
	tests := []struct {
		name string
		body string
		want string // "" accepted and sent; else in the 400's message
	}{
		{"coupon code", send("coupon", []crispwa.Component{crispwa.CopyCodeButton(0, "SAVE20")}, nil), ""},
		{"coupon code of 15 characters", send("coupon", []crispwa.Component{crispwa.CopyCodeButton(0, strings.Repeat("Z", 15))}, nil), ""},
		{"coupon code of 15 letters outside ASCII", send("coupon", []crispwa.Component{crispwa.CopyCodeButton(0, strings.Repeat("É", 15))}, nil), ""},
		{"coupon code of 16 characters", send("coupon", []crispwa.Component{crispwa.CopyCodeButton(0, strings.Repeat("Z", 16))}, nil), "1 to 15 characters"},
		{"empty coupon code", send("coupon", []crispwa.Component{crispwa.CopyCodeButton(0, "")}, nil), "1 to 15 characters"},
		{"static URL button, no parameter", send("static_link", nil, nil), ""},
		{"user_id", send("static_link", nil, &crispwa.CrispOptions{Type: "note", User: &crispwa.CrispUser{UserID: "a1b2c3d4-operator"}}), ""},
		{"empty user_id", send("static_link", nil, &crispwa.CrispOptions{Type: "note", User: &crispwa.CrispUser{}}), "crisp_options.user.user_id: is empty"},
		{"text", oneValue(`{"type":"text","text":"x"}`), ""},
		{"empty text", oneValue(`{"type":"text","text":""}`), "a text parameter needs a non-empty text"},
		{"currency", oneValue(`{"type":"currency","currency":{"fallback_value":"$10.99","code":"USD","amount_1000":10990}}`), ""},
		{"currency without a fallback", oneValue(`{"type":"currency","currency":{"code":"USD","amount_1000":10990}}`), "a currency parameter needs"},
		{"currency in lower case", oneValue(`{"type":"currency","currency":{"fallback_value":"$1","code":"usd","amount_1000":1000}}`), "a currency parameter needs"},
		{"currency code of 4 letters", oneValue(`{"type":"currency","currency":{"fallback_value":"$1","code":"USDX","amount_1000":1000}}`), "a currency parameter needs"},
		{"currency without an amount", oneValue(`{"type":"currency","currency":{"fallback_value":"$1","code":"USD"}}`), "a currency parameter needs"},
		{"currency missing", oneValue(`{"type":"currency"}`), "a currency parameter needs"},
		{"date_time", oneValue(`{"type":"date_time","date_time":{"fallback_value":"February 25, 1977"}}`), ""},
		{"date_time without a fallback", oneValue(`{"type":"date_time","date_time":{}}`), "a date_time parameter needs fallback_value"},
		{"date_time missing", oneValue(`{"type":"date_time"}`), "a date_time parameter needs fallback_value"},
		{"payload", oneValue(`{"type":"payload","payload":"p"}`), ""},
		{"empty payload", oneValue(`{"type":"payload","payload":""}`), "a payload parameter needs a non-empty payload"},
		{"ttl_minutes", oneValue(`{"type":"ttl_minutes","ttl_minutes":60}`), ""},
		{"ttl_minutes zero", oneValue(`{"type":"ttl_minutes","ttl_minutes":0}`), "a ttl_minutes parameter needs a positive ttl_minutes"},
		{"ttl_minutes negative", oneValue(`{"type":"ttl_minutes","ttl_minutes":-5}`), "a ttl_minutes parameter needs a positive ttl_minutes"},
		{"ttl_minutes as text", oneValue(`{"type":"ttl_minutes","ttl_minutes":"60"}`), "a ttl_minutes parameter needs a positive ttl_minutes"},
		{"ttl_minutes missing", oneValue(`{"type":"ttl_minutes"}`), "a ttl_minutes parameter needs a positive ttl_minutes"},
		{"tap_target_configuration", oneValue(`{"type":"tap_target_configuration","tap_target_configuration":[{"url":"https://x.example","title":"x"}]}`), ""},
		{"tap_target_configuration with spaces", oneValue(`{"type":"tap_target_configuration","tap_target_configuration": [ ]}`), ""},
		{"tap_target_configuration as an object", oneValue(`{"type":"tap_target_configuration","tap_target_configuration":{"url":"x"}}`), "needs a tap_target_configuration list"},
		{"tap_target_configuration missing", oneValue(`{"type":"tap_target_configuration"}`), "needs a tap_target_configuration list"},
		{"location at the edges", oneValue(`{"type":"location","location":{"latitude":-90,"longitude":180}}`), ""},
		{"location past 180", oneValue(`{"type":"location","location":{"latitude":0,"longitude":180.5}}`), "a longitude in [-180, 180]"},
		{"location below -180", oneValue(`{"type":"location","location":{"latitude":0,"longitude":-180.5}}`), "a longitude in [-180, 180]"},
		{"location below -90", oneValue(`{"type":"location","location":{"latitude":-90.5,"longitude":0}}`), "a latitude in [-90, 90]"},
		{"action object", oneValue(`{"type":"action","action":{"thumbnail_product_retailer_id":"x"}}`), ""},
		{"action not an object", oneValue(`{"type":"action","action":"x"}`), "action"},
		{"image link", oneValue(`{"type":"image","image":{"link":"https://x.example/a.jpg"}}`), ""},
		{"image link not http", oneValue(`{"type":"image","image":{"link":"ftp://x.example/a.jpg"}}`), "link must be an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, env := rawDo(t, s, http.MethodPost, path, tt.body, true)
			if tt.want != "" {
				require.Equal(t, http.StatusBadRequest, status, "%v", env)
				assert.Contains(t, env["data"].(map[string]any)["message"], tt.want)
				return
			}
			require.Equal(t, http.StatusOK, status, "%v", env)
			cb := rcv.next(t) // accepted by Crisp; what WhatsApp says is the callback
			if strings.HasPrefix(tt.name, "coupon") || strings.HasPrefix(tt.name, "static") || tt.name == "user_id" || tt.name == "text" {
				assert.Equal(t, false, cb["error"], "sent: %v", cb["data"])
			}
		})
	}
}
