package crispwa

import (
	"encoding/json"
	"fmt"
)

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
	// Action is the value of a FLOW, CATALOG, MPM or ORDER_DETAILS
	// button's "action" parameter.
	Action *Action `json:"action,omitempty"`
	// Product is the value of a PRODUCT header's "product" parameter (a
	// single-product template, or a product carousel card).
	Product *Product `json:"product,omitempty"`
	// LimitedTimeOffer is the value of a LIMITED_TIME_OFFER component's
	// "limited_time_offer" parameter: when the offer expires.
	LimitedTimeOffer *LimitedTimeOffer `json:"limited_time_offer,omitempty"`
	// TTLMinutes is the value of a voice-call button's "ttl_minutes"
	// parameter: how long the call button stays active.
	TTLMinutes int `json:"ttl_minutes,omitempty"`
	// TapTargetConfiguration is the value of a TAP_TARGET_CONFIGURATION
	// component's parameter: the URL and title a tap on the message opens.
	TapTargetConfiguration []TapTarget `json:"tap_target_configuration,omitempty"`
}

// TapTarget is one tap target: the URL opened and the title shown.
type TapTarget struct {
	URL   string `json:"url"`
	Title string `json:"title"`
}

// Parameter types (Parameter.Type), as Meta spells them.
const (
	ParamText             string = "text"
	ParamCurrency         string = "currency"
	ParamDateTime         string = "date_time"
	ParamImage            string = "image"
	ParamVideo            string = "video"
	ParamDocument         string = "document"
	ParamLocation         string = "location"
	ParamProduct          string = "product"
	ParamPayload          string = "payload"
	ParamCouponCode       string = "coupon_code"
	ParamAction           string = "action"
	ParamLimitedTimeOffer string = "limited_time_offer"
	ParamTTLMinutes       string = "ttl_minutes"
	ParamTapTarget        string = "tap_target_configuration"
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
// Latitude and Longitude are always sent, even when zero, as numbers; they
// are also read from strings, as Meta's documentation writes them.
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
	// Sections are an MPM (multi-product) button's product sections.
	Sections []ProductSection `json:"sections,omitempty"`
	// OrderDetails is an ORDER_DETAILS (checkout) button's order: see
	// OrderDetailsButton.
	OrderDetails *OrderDetails `json:"order_details,omitempty"`
}

// ProductSection is one titled section of an MPM button's products.
type ProductSection struct {
	Title        string        `json:"title"`
	ProductItems []ProductItem `json:"product_items"`
}

// ProductItem names one catalog product by its retailer ID.
type ProductItem struct {
	ProductRetailerID string `json:"product_retailer_id"`
}

// Product is the value of a "product" parameter: a catalog item.
type Product struct {
	ProductRetailerID string `json:"product_retailer_id"`
	CatalogID         string `json:"catalog_id"`
}

// LimitedTimeOffer is the value of a "limited_time_offer" parameter.
type LimitedTimeOffer struct {
	// ExpirationTimeMS is when the offer expires, in milliseconds since
	// the Unix epoch (the countdown WhatsApp shows).
	ExpirationTimeMS int64 `json:"expiration_time_ms"`
}

// UnmarshalJSON reads a location whose latitude and longitude are JSON
// numbers or numeric strings ("37.44").
func (l *Location) UnmarshalJSON(b []byte) error {
	var w struct {
		Latitude  json.Number `json:"latitude"`
		Longitude json.Number `json:"longitude"`
		Name      string      `json:"name"`
		Address   string      `json:"address"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	var err error
	*l = Location{Name: w.Name, Address: w.Address}
	if w.Latitude != "" {
		if l.Latitude, err = w.Latitude.Float64(); err != nil {
			return fmt.Errorf("location.latitude: %w", err)
		}
	}
	if w.Longitude != "" {
		if l.Longitude, err = w.Longitude.Float64(); err != nil {
			return fmt.Errorf("location.longitude: %w", err)
		}
	}
	return nil
}
