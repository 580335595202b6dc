package crispwa

// Constructors for parameters and components, so that a send reads like its
// template:
//
//	crispwa.MessageTemplate{
//		Name:     "order_update",
//		Language: "en",
//		Components: []crispwa.Component{
//			crispwa.HeaderImage("https://example.com/parcel.jpg"),
//			crispwa.Body(crispwa.Text("John"), crispwa.Text("A-1029")),
//			crispwa.URLButton(0, "A-1029"),
//		},
//	}
//
// They only assemble values: none of them validates its input. Template.Check
// (or Template.Build, which fills a template from plain values) does.

// Component types and button sub-types the constructors produce. The API
// treats them case-insensitively; Template.Check does too.
const (
	componentHeader = "HEADER"
	componentBody   = "BODY"
	componentButton = "BUTTON"

	subTypeURL        = "url"
	subTypeQuickReply = "quick_reply"
	subTypeCopyCode   = "copy_code"
	subTypeFlow       = "flow"
	subTypeCatalog    = "catalog"
)

// Text returns a "text" parameter for a positional placeholder ({{1}}, ...).
func Text(s string) Parameter { return Parameter{Type: paramText, Text: s} }

// NamedText returns a "text" parameter for the placeholder {{name}} of a
// NAMED template; name is given without braces.
func NamedText(name, s string) Parameter {
	return Parameter{Type: paramText, Text: s, ParameterName: name}
}

// CurrencyValue returns a "currency" parameter: WhatsApp shows fallback;
// code is the ISO 4217 code and amount1000 the amount times 1000.
func CurrencyValue(fallback, code string, amount1000 int64) Parameter {
	return Parameter{Type: paramCurrency, Currency: &Currency{FallbackValue: fallback, Code: code, Amount1000: amount1000}}
}

// DateTimeValue returns a "date_time" parameter shown as fallback.
func DateTimeValue(fallback string) Parameter {
	return Parameter{Type: paramDateTime, DateTime: &DateTime{FallbackValue: fallback}}
}

// ImageLink returns an "image" parameter for the public http(s) URL link.
func ImageLink(link string) Parameter {
	return Parameter{Type: paramImage, Image: &Media{Link: link}}
}

// ImageID returns an "image" parameter for media uploaded to WhatsApp.
func ImageID(id string) Parameter { return Parameter{Type: paramImage, Image: &Media{ID: id}} }

// VideoLink returns a "video" parameter for the public http(s) URL link.
func VideoLink(link string) Parameter {
	return Parameter{Type: paramVideo, Video: &Media{Link: link}}
}

// VideoID returns a "video" parameter for media uploaded to WhatsApp.
func VideoID(id string) Parameter { return Parameter{Type: paramVideo, Video: &Media{ID: id}} }

// DocumentLink returns a "document" parameter for the public http(s) URL
// link, shown with filename (which may be empty).
func DocumentLink(link, filename string) Parameter {
	return Parameter{Type: paramDocument, Document: &Media{Link: link, Filename: filename}}
}

// DocumentID returns a "document" parameter for media uploaded to WhatsApp,
// shown with filename (which may be empty).
func DocumentID(id, filename string) Parameter {
	return Parameter{Type: paramDocument, Document: &Media{ID: id, Filename: filename}}
}

// LocationValue returns a "location" parameter for a LOCATION header.
func LocationValue(latitude, longitude float64, name, address string) Parameter {
	return Parameter{Type: paramLocation, Location: &Location{Latitude: latitude, Longitude: longitude, Name: name, Address: address}}
}

// Header returns the HEADER component with these parameters: the values of
// a TEXT header's placeholders, or the one media or location parameter.
func Header(params ...Parameter) Component {
	return Component{Type: componentHeader, Parameters: params}
}

// HeaderText returns the HEADER component of a TEXT header with one
// positional placeholder.
func HeaderText(s string) Component { return Header(Text(s)) }

// HeaderImage returns the HEADER component of an IMAGE header showing the
// image at link.
func HeaderImage(link string) Component { return Header(ImageLink(link)) }

// HeaderVideo returns the HEADER component of a VIDEO header showing the
// video at link.
func HeaderVideo(link string) Component { return Header(VideoLink(link)) }

// HeaderDocument returns the HEADER component of a DOCUMENT header showing
// the document at link as filename.
func HeaderDocument(link, filename string) Component {
	return Header(DocumentLink(link, filename))
}

// HeaderLocation returns the HEADER component of a LOCATION header.
func HeaderLocation(latitude, longitude float64, name, address string) Component {
	return Header(LocationValue(latitude, longitude, name, address))
}

// Body returns the BODY component with these parameters, in placeholder
// order for a POSITIONAL template ({{1}} first).
func Body(params ...Parameter) Component {
	return Component{Type: componentBody, Parameters: params}
}

// buttonComponent returns a BUTTON component for the button at index.
func buttonComponent(subType string, index int, params ...Parameter) Component {
	return Component{Type: componentButton, SubType: subType, Index: &index, Parameters: params}
}

// URLButton returns the BUTTON component giving the URL button at index
// (0-based, in the template's button order) the text appended to its URL in
// place of {{1}}. It is also how the code of an authentication template's
// OTP (copy-code or one-tap) button is sent.
func URLButton(index int, suffix string) Component {
	return buttonComponent(subTypeURL, index, Text(suffix))
}

// QuickReplyButton returns the BUTTON component giving the quick-reply
// button at index the payload that comes back when the user taps it.
func QuickReplyButton(index int, payload string) Component {
	return buttonComponent(subTypeQuickReply, index, Parameter{Type: paramPayload, Payload: payload})
}

// CopyCodeButton returns the BUTTON component giving the copy-code button
// at index the coupon code copied when the user taps it.
func CopyCodeButton(index int, code string) Component {
	return buttonComponent(subTypeCopyCode, index, Parameter{Type: paramCouponCode, CouponCode: code})
}

// FlowButton returns the BUTTON component giving the FLOW button at index
// its flow token and the data of the flow's first screen (data may be nil).
func FlowButton(index int, token string, data map[string]any) Component {
	return buttonComponent(subTypeFlow, index, Parameter{Type: paramAction, Action: &Action{FlowToken: token, FlowActionData: data}})
}

// CatalogButton returns the BUTTON component of a catalog template's
// button at index, showing the product with this retailer ID as thumbnail.
func CatalogButton(index int, thumbnailRetailerID string) Component {
	return buttonComponent(subTypeCatalog, index, Parameter{Type: paramAction, Action: &Action{ThumbnailProductRetailerID: thumbnailRetailerID}})
}
