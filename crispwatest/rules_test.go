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

// The fake's own rules: what Crisp refuses at once (400), and what
// WhatsApp refuses later (a failure callback with Meta's code). Several of
// these sends pass the SDK's own Validate, which is the point: the fake
// does not judge with the code under test.
func TestRules(t *testing.T) {
	s := newServer(t, crispwatest.WithTemplates(crispwa.Template{Name: "store_location", Language: "en_US", Status: crispwa.StatusApproved,
		Components: []crispwa.TemplateComponent{{Type: "HEADER", Format: "LOCATION"}, {Type: "BODY", Text: "Come and see us."}}}))
	rcv := newReceiver(t, nil)
	s.SetCallbackURL(rcv.srv.URL)
	path := "website/" + s.WebsiteID + "/template/send"

	idx := func(i int) *int { return &i }
	tests := []struct {
		name   string
		edit   func(r *crispwa.SendTemplateRequest)
		raw    func(body string) string // edits the JSON instead
		want   string                   // in the 400's message, or in the callback's
		refuse bool                     // 400 at once, rather than a failure callback
	}{
		{name: "valid", want: ""},
		{name: "index as a string, as in Meta's examples", raw: func(b string) string {
			return strings.Replace(b, `"index":0`, `"index":"0"`, 1)
		}, want: ""},
		{name: "lower-case component types", raw: func(b string) string {
			return strings.NewReplacer(`"BODY"`, `"body"`, `"BUTTON"`, `"button"`).Replace(b)
		}, want: ""},
		{name: "number with a leading 00", edit: func(r *crispwa.SendTemplateRequest) { r.To = "0033612345678" },
			want: "to_number: must be an international phone number", refuse: true},
		{name: "from_number missing", raw: func(b string) string { return strings.Replace(b, `"from_number":"+33100000000",`, "", 1) },
			want: "from_number", refuse: true},
		{name: "a BUTTONS component (the template's type, not a send's)", edit: func(r *crispwa.SendTemplateRequest) {
			r.Template.Components = append(r.Template.Components, crispwa.Component{Type: "BUTTONS"})
		}, want: `components[2].type: "BUTTONS" is not one of`, refuse: true},
		{name: "a FOOTER with parameters", edit: func(r *crispwa.SendTemplateRequest) {
			r.Template.Components = append(r.Template.Components, crispwa.Component{Type: "FOOTER", Parameters: []crispwa.Parameter{crispwa.Text("x")}})
		}, want: "a footer has no parameter", refuse: true},
		{name: "a FOOTER with the inbox's text", edit: func(r *crispwa.SendTemplateRequest) {
			r.Template.Components = append(r.Template.Components, crispwa.Component{Type: "FOOTER", Text: "Reply STOP to unsubscribe"})
		}, want: ""},
		{name: "button without index", edit: func(r *crispwa.SendTemplateRequest) { r.Template.Components[1].Index = nil },
			want: "components[1].index", refuse: true},
		{name: "button index 10", edit: func(r *crispwa.SendTemplateRequest) { r.Template.Components[1].Index = idx(10) },
			want: "components[1].index", refuse: true},
		{name: "unknown button sub_type", edit: func(r *crispwa.SendTemplateRequest) { r.Template.Components[1].SubType = "link" },
			want: "components[1].sub_type", refuse: true},
		{name: "unknown parameter type", edit: func(r *crispwa.SendTemplateRequest) { r.Template.Components[0].Parameters[0].Type = "string" },
			want: `components[0].parameters[0].type: "string"`, refuse: true},
		{name: "image with id and link", edit: func(r *crispwa.SendTemplateRequest) {
			r.Template.Components[0].Parameters[0] = crispwa.Parameter{Type: "image", Image: &crispwa.Media{ID: "1", Link: "https://x.example/a.jpg"}}
		}, want: "either an id or a link", refuse: true},
		{name: "coupon code over 15 characters", edit: func(r *crispwa.SendTemplateRequest) {
			r.Template.Components[1] = crispwa.CopyCodeButton(0, strings.Repeat("X", 16))
		}, want: "1 to 15 characters", refuse: true},
		{name: "location header with string coordinates, as in Meta's examples", edit: func(r *crispwa.SendTemplateRequest) {
			r.Template.Name = "store_location"
			r.Template.Components = []crispwa.Component{crispwa.HeaderLocation(48.8566, 2.3522, "Shop", "1 Rue de Rivoli")}
		}, raw: func(b string) string {
			return strings.NewReplacer(`"latitude":48.8566`, `"latitude":"48.8566"`, `"longitude":2.3522`, `"longitude":"2.3522"`).Replace(b)
		}, want: ""},
		{name: "location out of range", edit: func(r *crispwa.SendTemplateRequest) {
			r.Template.Name = "store_location"
			r.Template.Components = []crispwa.Component{crispwa.HeaderLocation(91, 2.3522, "Shop", "")}
		}, want: "latitude in [-90, 90]", refuse: true},
		{name: "crisp_options.type", edit: func(r *crispwa.SendTemplateRequest) { r.Options.Type = "email" },
			want: "crisp_options.type", refuse: true},

		{name: "one body parameter short", edit: func(r *crispwa.SendTemplateRequest) {
			r.Template.Components[0].Parameters = r.Template.Components[0].Parameters[:1]
		}, want: "(#132000) Number of parameters does not match the expected number of params: the body has 2 placeholder(s), the send gives 1"},
		{name: "newline in a body parameter", edit: func(r *crispwa.SendTemplateRequest) {
			r.Template.Components[0].Parameters[0].Text = "Alice\nBob"
		}, want: "(#132018)"},
		{name: "newline in the second body parameter, named by its place from 1", edit: func(r *crispwa.SendTemplateRequest) {
			r.Template.Components[0].Parameters[1].Text = "A\n1"
		}, want: "body parameter 2 has a newline"},
		{name: "a body parameter that is not text, named by its place from 1", raw: func(b string) string {
			return strings.Replace(b, `{"type":"text","text":"Alice"}`, `{"type":"payload","payload":"x"}`, 1)
		}, want: "body parameter 1 is a payload, not text"},
		{name: "five spaces in a row", edit: func(r *crispwa.SendTemplateRequest) {
			r.Template.Components[0].Parameters[0].Text = "Alice     Bob"
		}, want: "(#132018)"},
		{name: "URL button suffix missing", edit: func(r *crispwa.SendTemplateRequest) {
			r.Template.Components = r.Template.Components[:1]
		}, want: "(#132000) Number of parameters does not match the expected number of params: URL button 0"},
		{name: "a button the template does not have", edit: func(r *crispwa.SendTemplateRequest) {
			r.Template.Components = append(r.Template.Components, crispwa.QuickReplyButton(1, "x"))
		}, want: "the send fills button 1, the template has 1 button(s)"},
		{name: "wrong sub_type for the button", edit: func(r *crispwa.SendTemplateRequest) {
			r.Template.Components[1].SubType = "quick_reply"
		}, want: "(#132012)"},
		{name: "body too long", edit: func(r *crispwa.SendTemplateRequest) {
			r.Template.Components[0].Parameters[0].Text = strings.Repeat("a", 1100)
		}, want: "(#132005) Translated text too long"},
		{name: "a header the template does not have", edit: func(r *crispwa.SendTemplateRequest) {
			r.Template.Components = append(r.Template.Components, crispwa.HeaderText("x"))
		}, want: "the header has 0 placeholder(s), the send gives 1"},
		{name: "image header without its image", edit: func(r *crispwa.SendTemplateRequest) {
			r.Template.Name = "new_arrivals"
			r.Template.Components = []crispwa.Component{crispwa.Body(crispwa.Text("Alice"))}
		}, want: "the IMAGE header needs one image parameter"},
		{name: "image header given a video", edit: func(r *crispwa.SendTemplateRequest) {
			r.Template.Name = "new_arrivals"
			r.Template.Components = []crispwa.Component{crispwa.HeaderVideo("https://x.example/v.mp4"), crispwa.Body(crispwa.Text("Alice"))}
		}, want: "(#132012) Parameter format does not match format in the created template: the header is IMAGE"},
		{name: "named parameter with the wrong name", edit: func(r *crispwa.SendTemplateRequest) {
			r.Template.Name = "appointment_reminder"
			r.Template.Components = []crispwa.Component{crispwa.Body(
				crispwa.NamedText("name", "Alice"), crispwa.NamedText("day", "May 4"), crispwa.NamedText("place", "here"))}
		}, want: "placeholder {{date}} has no parameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := orderUpdate(toNumber)
			if tt.edit != nil {
				tt.edit(req)
			}
			b, err := json.Marshal(req)
			require.NoError(t, err)
			body := string(b)
			if tt.raw != nil {
				body = tt.raw(body)
			}
			status, _, env := rawDo(t, s, http.MethodPost, path, body, true)
			if tt.refuse {
				assert.Equal(t, http.StatusBadRequest, status)
				assert.Contains(t, env["data"].(map[string]any)["message"], tt.want)
				return
			}
			require.Equal(t, http.StatusOK, status, "%v", env)
			cb := rcv.next(t)
			data := cb["data"].(map[string]any)
			assert.Equal(t, env["data"].(map[string]any)["request_id"], data["request_id"])
			if tt.want == "" {
				assert.Equal(t, false, cb["error"], "%v", data["message"])
				return
			}
			assert.Equal(t, true, cb["error"])
			assert.Contains(t, data["message"], tt.want)
		})
	}
}
