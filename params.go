package crispwa

// Parameter is one value filling a template placeholder. Type selects which
// of the typed fields is sent; the field names follow Meta's Cloud API
// exactly.
type Parameter struct {
	Type string `json:"type"` // text, currency, date_time, image, video, document, location, payload, coupon_code, action
	// Text is the value of a "text" parameter.
	Text string `json:"text,omitempty"`
	// ParameterName names a "text" parameter of a NAMED template.
	ParameterName string `json:"parameter_name,omitempty"`

	Currency   *Currency `json:"currency,omitempty"`
	DateTime   *DateTime `json:"date_time,omitempty"`
	Image      *Media    `json:"image,omitempty"`
	Video      *Media    `json:"video,omitempty"`
	Document   *Media    `json:"document,omitempty"`
	Location   *Location `json:"location,omitempty"`
	Payload    string    `json:"payload,omitempty"`     // for quick_reply buttons
	CouponCode string    `json:"coupon_code,omitempty"` // for copy_code buttons
	Action     *Action   `json:"action,omitempty"`      // for flow and catalog buttons
}

// Currency is a "currency" parameter.
type Currency struct {
	FallbackValue string `json:"fallback_value"`
	Code          string `json:"code"`        // ISO 4217
	Amount1000    int64  `json:"amount_1000"` // amount multiplied by 1000
}

// DateTime is a "date_time" parameter.
type DateTime struct {
	FallbackValue string `json:"fallback_value"`
}

// Media is an "image", "video" or "document" parameter: a public link or an
// uploaded media ID. Filename is only meaningful for documents.
type Media struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// Location is a "location" header parameter.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// Action is an "action" parameter of a FLOW or catalog button.
type Action struct {
	FlowToken                  string         `json:"flow_token,omitempty"`
	FlowActionData             map[string]any `json:"flow_action_data,omitempty"`
	ThumbnailProductRetailerID string         `json:"thumbnail_product_retailer_id,omitempty"`
}
