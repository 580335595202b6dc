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

// The fake's limits pinned at their edges, both sides: a value at the limit
// is accepted, one past it refused. Crisp's own refusals (400) for the
// coordinates and the button index; WhatsApp's (a failure callback) for the
// header and body lengths once the parameters are in place and for a
// button the template does not have.
func TestRulesAtTheirLimits(t *testing.T) {
	tenButtons := make([]crispwa.TemplateButton, 10)
	for i := range tenButtons {
		tenButtons[i] = crispwa.TemplateButton{Type: "QUICK_REPLY", Text: "Reply"}
	}
	s := newServer(t, crispwatest.WithTemplates(
		crispwa.Template{Name: "lengths", Language: "en_US", Status: crispwa.StatusApproved, Components: []crispwa.TemplateComponent{
			{Type: "HEADER", Format: "TEXT", Text: "{{1}}"},
			{Type: "BODY", Text: "{{1}}"},
		}},
		crispwa.Template{Name: "ten_buttons", Language: "en_US", Status: crispwa.StatusApproved, Components: []crispwa.TemplateComponent{
			{Type: "BODY", Text: "Pick one."},
			{Type: "BUTTONS", Buttons: tenButtons},
		}},
		crispwa.Template{Name: "two_buttons", Language: "en_US", Status: crispwa.StatusApproved, Components: []crispwa.TemplateComponent{
			{Type: "BODY", Text: "Pick one."},
			{Type: "BUTTONS", Buttons: tenButtons[:2]},
		}},
		crispwa.Template{Name: "one_value", Language: "en_US", Status: crispwa.StatusApproved, Components: []crispwa.TemplateComponent{
			{Type: "BODY", Text: "Value: {{1}}."},
		}},
	))
	rcv := newReceiver(t, nil)
	s.SetCallbackURL(rcv.srv.URL)
	path := "website/" + s.WebsiteID + "/template/send"

	send := func(tmpl string, comps ...crispwa.Component) string {
		b, err := json.Marshal(&crispwa.SendTemplateRequest{From: fromNumber, To: toNumber,
			Template: crispwa.MessageTemplate{Name: tmpl, Language: "en_US", Components: comps}})
		require.NoError(t, err)
		return string(b)
	}
	location := func(lat, lon string) string {
		return `{"from_number":"+33100000000","to_number":"+33612345678","message_template":{"name":"one_value","language":"en_US",` +
			`"components":[{"type":"BODY","parameters":[{"type":"location","location":{"latitude":` + lat + `,"longitude":` + lon + `}}]}]}}`
	}
	lengths := func(header, body int) string {
		return send("lengths", crispwa.HeaderText(strings.Repeat("h", header)), crispwa.Body(crispwa.Text(strings.Repeat("b", body))))
	}
	tests := []struct {
		name    string
		body    string
		refuse  string // in the 400's message
		fail    string // in the failure callback's message
		checked bool   // the callback says sent
	}{
		{name: "latitude 90, longitude -180", body: location("90", "-180")},
		{name: "latitude -90, longitude 180", body: location("-90", "180")},
		{name: "latitude past 90", body: location("90.5", "0"), refuse: "a latitude in [-90, 90]"},
		{name: "longitude below -180", body: location("0", "-180.5"), refuse: "a longitude in [-180, 180]"},
		{name: "button index 9", body: send("ten_buttons", crispwa.QuickReplyButton(9, "p")), checked: true},
		{name: "button index 0", body: send("ten_buttons", crispwa.QuickReplyButton(0, "p")), checked: true},
		{name: "button index 10", body: send("ten_buttons", crispwa.QuickReplyButton(10, "p")), refuse: "index: a button component needs the button's index, 0 to 9"},
		{name: "button index -1", body: send("ten_buttons", crispwa.QuickReplyButton(-1, "p")), refuse: "index: a button component needs the button's index, 0 to 9"},
		{name: "the last button", body: send("two_buttons", crispwa.QuickReplyButton(1, "p")), checked: true},
		{name: "one button past the last", body: send("two_buttons", crispwa.QuickReplyButton(2, "p")),
			fail: "the send fills button 2, the template has 2 button(s)"},
		{name: "header of 60 and body of 1024 characters", body: lengths(60, 1024), checked: true},
		{name: "header of 61 characters", body: lengths(61, 1), fail: "(#132005) Translated text too long: the header is 61 characters with its parameters, more than 60"},
		{name: "body of 1025 characters", body: lengths(1, 1025), fail: "(#132005) Translated text too long: the body is 1025 characters with its parameters, more than 1024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, env := rawDo(t, s, http.MethodPost, path, tt.body, true)
			if tt.refuse != "" {
				require.Equal(t, http.StatusBadRequest, status, "%v", env)
				assert.Contains(t, env["data"].(map[string]any)["message"], tt.refuse)
				return
			}
			require.Equal(t, http.StatusOK, status, "%v", env)
			cb := rcv.next(t) // accepted by Crisp; what WhatsApp says is the callback
			data := cb["data"].(map[string]any)
			switch {
			case tt.fail != "":
				assert.Equal(t, true, cb["error"])
				assert.Contains(t, data["message"], tt.fail)
			case tt.checked:
				assert.Equal(t, false, cb["error"], "%v", data["message"])
			}
		})
	}
}
