package crispwa

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestComponentConstructors(t *testing.T) {
	idx := func(i int) *int { return &i }
	tests := []struct {
		name string
		got  Component
		want Component
	}{
		{"Body", Body(Text("a"), Text("b")), Component{Type: "BODY", Parameters: []Parameter{{Type: "text", Text: "a"}, {Type: "text", Text: "b"}}}},
		{"Body empty", Body(), Component{Type: "BODY"}},
		{"Header", Header(NamedText("n", "v")), Component{Type: "HEADER", Parameters: []Parameter{{Type: "text", Text: "v", ParameterName: "n"}}}},
		{"HeaderText", HeaderText("v"), Component{Type: "HEADER", Parameters: []Parameter{{Type: "text", Text: "v"}}}},
		{"HeaderImage", HeaderImage("https://x/a.jpg"), Component{Type: "HEADER", Parameters: []Parameter{{Type: "image", Image: &Media{Link: "https://x/a.jpg"}}}}},
		{"HeaderVideo", HeaderVideo("https://x/a.mp4"), Component{Type: "HEADER", Parameters: []Parameter{{Type: "video", Video: &Media{Link: "https://x/a.mp4"}}}}},
		{"HeaderDocument", HeaderDocument("https://x/a.pdf", "a.pdf"), Component{Type: "HEADER", Parameters: []Parameter{{Type: "document", Document: &Media{Link: "https://x/a.pdf", Filename: "a.pdf"}}}}},
		{"HeaderLocation", HeaderLocation(1, 2, "n", "a"), Component{Type: "HEADER", Parameters: []Parameter{{Type: "location", Location: &Location{Latitude: 1, Longitude: 2, Name: "n", Address: "a"}}}}},
		{"URLButton", URLButton(0, "s"), Component{Type: "BUTTON", SubType: "url", Index: idx(0), Parameters: []Parameter{{Type: "text", Text: "s"}}}},
		{"QuickReplyButton", QuickReplyButton(1, "p"), Component{Type: "BUTTON", SubType: "quick_reply", Index: idx(1), Parameters: []Parameter{{Type: "payload", Payload: "p"}}}},
		{"CopyCodeButton", CopyCodeButton(2, "c"), Component{Type: "BUTTON", SubType: "copy_code", Index: idx(2), Parameters: []Parameter{{Type: "coupon_code", CouponCode: "c"}}}},
		{"FlowButton", FlowButton(0, "t", map[string]any{"k": "v"}), Component{Type: "BUTTON", SubType: "flow", Index: idx(0), Parameters: []Parameter{{Type: "action", Action: &Action{FlowToken: "t", FlowActionData: map[string]any{"k": "v"}}}}}},
		{"CatalogButton", CatalogButton(0, "r"), Component{Type: "BUTTON", SubType: "catalog", Index: idx(0), Parameters: []Parameter{{Type: "action", Action: &Action{ThumbnailProductRetailerID: "r"}}}}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.got, tt.name)
	}
}

// TestButtonIndexNotShared: each constructor call owns its index.
func TestButtonIndexNotShared(t *testing.T) {
	a, b := URLButton(0, "x"), URLButton(1, "y")
	*a.Index = 5
	assert.Equal(t, 1, *b.Index)
}

func TestParameterConstructors(t *testing.T) {
	tests := []struct {
		name string
		got  Parameter
		want Parameter
	}{
		{"Text", Text("a"), Parameter{Type: "text", Text: "a"}},
		{"NamedText", NamedText("n", "a"), Parameter{Type: "text", Text: "a", ParameterName: "n"}},
		{"CurrencyValue", CurrencyValue("$1", "USD", 1000), Parameter{Type: "currency", Currency: &Currency{FallbackValue: "$1", Code: "USD", Amount1000: 1000}}},
		{"DateTimeValue", DateTimeValue("d"), Parameter{Type: "date_time", DateTime: &DateTime{FallbackValue: "d"}}},
		{"ImageLink", ImageLink("l"), Parameter{Type: "image", Image: &Media{Link: "l"}}},
		{"ImageID", ImageID("i"), Parameter{Type: "image", Image: &Media{ID: "i"}}},
		{"VideoLink", VideoLink("l"), Parameter{Type: "video", Video: &Media{Link: "l"}}},
		{"VideoID", VideoID("i"), Parameter{Type: "video", Video: &Media{ID: "i"}}},
		{"DocumentLink", DocumentLink("l", "f"), Parameter{Type: "document", Document: &Media{Link: "l", Filename: "f"}}},
		{"DocumentID", DocumentID("i", "f"), Parameter{Type: "document", Document: &Media{ID: "i", Filename: "f"}}},
		{"LocationValue", LocationValue(1, 2, "n", "a"), Parameter{Type: "location", Location: &Location{Latitude: 1, Longitude: 2, Name: "n", Address: "a"}}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.got, tt.name)
	}
}
