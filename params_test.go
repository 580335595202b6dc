package crispwa

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// updateRequests rewrites testdata/requests/*.json from the code:
// go test -run TestRequestGolden -update-requests
var updateRequests = flag.Bool("update-requests", false, "rewrite testdata/requests golden files")

// paramGoldenCases is one send per parameter kind, built with the
// constructors. The golden files were checked by hand against Meta's
// field names (type, text, parameter_name, currency{fallback_value, code,
// amount_1000}, date_time{fallback_value}, image/video/document{link|id,
// filename}, location{latitude, longitude, name, address}, payload,
// coupon_code, action{flow_token, flow_action_data,
// thumbnail_product_retailer_id}; button components type/sub_type/index).
func paramGoldenCases() map[string]MessageTemplate {
	mt := func(comps ...Component) MessageTemplate {
		return MessageTemplate{Name: "order_update", Language: "en_US", Components: comps}
	}
	return map[string]MessageTemplate{
		"text":          mt(HeaderText("A-1029"), Body(Text("John"), Text("A-1029"))),
		"named_text":    mt(Header(NamedText("order_id", "A-1029")), Body(NamedText("first_name", "John"), NamedText("order_id", "A-1029"))),
		"currency":      mt(Body(CurrencyValue("$100.99", "USD", 100990))),
		"date_time":     mt(Body(DateTimeValue("February 25, 1977"))),
		"image_link":    mt(HeaderImage("https://example.com/parcel.jpg")),
		"image_id":      mt(Header(ImageID("1234567890"))),
		"video":         mt(HeaderVideo("https://example.com/unboxing.mp4")),
		"video_id":      mt(Header(VideoID("2345678901"))),
		"document":      mt(HeaderDocument("https://example.com/invoice.pdf", "invoice-A-1029.pdf")),
		"document_id":   mt(Header(DocumentID("3456789012", "invoice.pdf"))),
		"location":      mt(HeaderLocation(37.483307, -122.148981, "Pablo Morales", "1 Hacker Way, Menlo Park, CA 94025")),
		"location_zero": mt(HeaderLocation(0, 0, "", "")),
		"payload":       mt(QuickReplyButton(1, "STOP")),
		"url_button":    mt(URLButton(0, "A-1029")),
		"coupon_code":   mt(CopyCodeButton(0, "SAVE10")),
		"flow_action":   mt(FlowButton(0, "flow-token-1", map[string]any{"order_id": "A-1029", "step": 2})),
		"catalog":       mt(CatalogButton(0, "2lc20305pt")),
		// Every component kind with the text the Crisp inbox shows.
		"text_components": mt(
			Component{Type: ComponentHeader, Format: FormatText, Text: "Order A-1029", Parameters: []Parameter{Text("A-1029")}},
			Component{Type: ComponentBody, Text: "Hi John, your order A-1029 has shipped.", Parameters: []Parameter{Text("John"), Text("A-1029")}},
			Component{Type: ComponentFooter, Text: "Reply STOP to opt out"},
			withText(URLButton(0, "A-1029"), "Track"),
			withText(QuickReplyButton(1, "STOP"), "Stop"),
			withText(CopyCodeButton(2, "SAVE10"), "Copy code"),
		),
		"product":            mt(HeaderProduct("194836987003835", "nqryix03ez")),
		"mpm":                mt(MPMButton(0, "2lc20305pt", ProductSection{Title: "Popular Bundles", ProductItems: []ProductItem{{ProductRetailerID: "2lc20305pt"}, {ProductRetailerID: "nseiw1x3ch"}}})),
		"voice_call":         mt(VoiceCallButton(100, "payload data")),
		"order_details":      mt(OrderDetailsButton(0, odIndia())),
		"order_details_pix":  mt(OrderDetailsButton(0, odBrazil())),
		"limited_time_offer": mt(LimitedTimeOfferComponent(time.UnixMilli(1209600000)), CopyCodeButton(0, "CARIBE25")),
		"carousel": mt(Body(Text("Pablo")), Carousel(
			CarouselCard(0, Header(ImageID("1558081531584829")), QuickReplyButton(0, "more-aloes"), URLButton(1, "blue-elf")),
			CarouselCard(1, HeaderProduct("194836987003835", "va2l5ioeat")),
		)),
	}
}

func TestRequestGolden(t *testing.T) {
	for name, m := range paramGoldenCases() {
		t.Run(name, func(t *testing.T) {
			req := SendTemplateRequest{
				From: "+33100000000", To: "+33612345678", Template: m,
				Options: &CrispOptions{Type: "text", NewSession: true},
			}
			got, err := json.MarshalIndent(req, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			path := filepath.Join("testdata", "requests", name+".json")
			if *updateRequests {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))

			// And back: the golden body decodes to the same request.
			var back SendTemplateRequest
			require.NoError(t, json.NewDecoder(bytes.NewReader(want)).Decode(&back))
			if name == "flow_action" {
				// JSON numbers decode as float64 in a map[string]any.
				back.Template.Components[0].Parameters[0].Action.FlowActionData["step"] = 2
			}
			assert.Equal(t, req, back)
		})
	}
}

// TestParameterJSONFieldNames pins each kind's wire shape independently of
// the golden files, so that a rename shows up as a named failure.
func TestParameterJSONFieldNames(t *testing.T) {
	tests := []struct {
		p    Parameter
		want string
	}{
		{Text("a"), `{"type":"text","text":"a"}`},
		{NamedText("n", "a"), `{"type":"text","text":"a","parameter_name":"n"}`},
		{CurrencyValue("$1", "USD", 1000), `{"type":"currency","currency":{"fallback_value":"$1","code":"USD","amount_1000":1000}}`},
		{DateTimeValue("today"), `{"type":"date_time","date_time":{"fallback_value":"today"}}`},
		{ImageLink("https://x/a.jpg"), `{"type":"image","image":{"link":"https://x/a.jpg"}}`},
		{ImageID("1"), `{"type":"image","image":{"id":"1"}}`},
		{VideoLink("https://x/a.mp4"), `{"type":"video","video":{"link":"https://x/a.mp4"}}`},
		{DocumentLink("https://x/a.pdf", "a.pdf"), `{"type":"document","document":{"link":"https://x/a.pdf","filename":"a.pdf"}}`},
		{LocationValue(1.5, -2, "N", "A"), `{"type":"location","location":{"latitude":1.5,"longitude":-2,"name":"N","address":"A"}}`},
		{QuickReplyButton(0, "P").Parameters[0], `{"type":"payload","payload":"P"}`},
		{CopyCodeButton(0, "C").Parameters[0], `{"type":"coupon_code","coupon_code":"C"}`},
		{FlowButton(0, "T", nil).Parameters[0], `{"type":"action","action":{"flow_token":"T"}}`},
		{CatalogButton(0, "R").Parameters[0], `{"type":"action","action":{"thumbnail_product_retailer_id":"R"}}`},
	}
	for _, tt := range tests {
		got, err := json.Marshal(tt.p)
		require.NoError(t, err)
		assert.JSONEq(t, tt.want, string(got))
	}
}

func withText(c Component, text string) Component {
	c.Text = text
	return c
}
