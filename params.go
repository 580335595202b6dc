package crispwa

// Parameter is one value filling a template placeholder, a media header, or
// a button. Type selects the kind, and exactly the field of that kind is set
// (Text for "text", Currency for "currency", ...). The JSON field names are
// Meta's Cloud API names, which Crisp passes through:
// https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages#parameter-object
//
// Build a Parameter with the constructors (Text, NamedText, CurrencyValue,
// ImageLink, ...) rather than by hand; Template.Check verifies that Type and
// the set field agree. Parameter does not validate itself when marshalled.
type Parameter struct {
	// Type is text, currency, date_time, image, video, document, location,
	// payload, coupon_code or action.
	Type string `json:"type"`
	// Text is the value of a "text" parameter: a body or header placeholder,
	// or the suffix of a URL button (or the code of an authentication
	// template's OTP button).
	Text string `json:"text,omitempty"`
	// ParameterName names the placeholder a "text" (or currency, date_time)
	// parameter fills in a NAMED template, without braces ("first_name").
	// It is empty for POSITIONAL templates.
	ParameterName string `json:"parameter_name,omitempty"`

	// Currency is the value of a "currency" parameter.
	Currency *Currency `json:"currency,omitempty"`
	// DateTime is the value of a "date_time" parameter.
	DateTime *DateTime `json:"date_time,omitempty"`
	// Image, Video and Document are the values of media header parameters.
	Image    *Media `json:"image,omitempty"`
	Video    *Media `json:"video,omitempty"`
	Document *Media `json:"document,omitempty"`
	// Location is the value of a LOCATION header's "location" parameter.
	Location *Location `json:"location,omitempty"`
	// Payload is the value of a quick-reply button's "payload" parameter:
	// what the callback of the user's tap carries.
	Payload string `json:"payload,omitempty"`
	// CouponCode is the value of a copy-code button's "coupon_code"
	// parameter: the code copied when the user taps the button.
	CouponCode string `json:"coupon_code,omitempty"`
	// Action is the value of a FLOW or CATALOG button's "action" parameter.
	Action *Action `json:"action,omitempty"`
}

// Parameter types, as Meta spells them.
const (
	paramText       = "text"
	paramCurrency   = "currency"
	paramDateTime   = "date_time"
	paramImage      = "image"
	paramVideo      = "video"
	paramDocument   = "document"
	paramLocation   = "location"
	paramPayload    = "payload"
	paramCouponCode = "coupon_code"
	paramAction     = "action"
)

// Currency is the value of a "currency" parameter. WhatsApp shows
// FallbackValue; Code and Amount1000 are required by the API all the same.
type Currency struct {
	// FallbackValue is the text shown, e.g. "$100.99".
	FallbackValue string `json:"fallback_value"`
	// Code is the ISO 4217 currency code, e.g. "USD".
	Code string `json:"code"`
	// Amount1000 is the amount multiplied by 1000: 100990 for 100.99.
	Amount1000 int64 `json:"amount_1000"`
}

// DateTime is the value of a "date_time" parameter. The Cloud API always
// shows FallbackValue and does not localise it.
type DateTime struct {
	FallbackValue string `json:"fallback_value"`
}

// Media is the value of an "image", "video" or "document" parameter: either
// a public http(s) Link or the ID of media uploaded to WhatsApp, not both.
// Filename is only for documents: the file name shown to the user.
type Media struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// Location is the value of a LOCATION header's "location" parameter.
// Latitude and Longitude are always sent, even when zero.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// Action is the value of an "action" parameter: for a FLOW button the flow's
// token and initial data, for a CATALOG button the product whose image is
// the thumbnail. Unused fields are omitted.
type Action struct {
	// FlowToken identifies the flow session; the API's default is "unused".
	FlowToken string `json:"flow_token,omitempty"`
	// FlowActionData is the data given to the flow's first screen.
	FlowActionData map[string]any `json:"flow_action_data,omitempty"`
	// ThumbnailProductRetailerID picks the catalog item shown as thumbnail.
	ThumbnailProductRetailerID string `json:"thumbnail_product_retailer_id,omitempty"`
}
