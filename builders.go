package crispwa

import "time"

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

// Text returns a "text" parameter for a positional placeholder ({{1}}, ...).
func Text(s string) Parameter { return Parameter{Type: ParamText, Text: s} }

// NamedText returns a "text" parameter for the placeholder {{name}} of a
// NAMED template; name is given without braces.
func NamedText(name, s string) Parameter {
	return Parameter{Type: ParamText, Text: s, ParameterName: name}
}

// CurrencyValue returns a "currency" parameter: WhatsApp shows fallback;
// code is the ISO 4217 code and amount1000 the amount times 1000.
func CurrencyValue(fallback, code string, amount1000 int64) Parameter {
	return Parameter{Type: ParamCurrency, Currency: &Currency{FallbackValue: fallback, Code: code, Amount1000: amount1000}}
}

// DateTimeValue returns a "date_time" parameter shown as fallback.
func DateTimeValue(fallback string) Parameter {
	return Parameter{Type: ParamDateTime, DateTime: &DateTime{FallbackValue: fallback}}
}

// ImageLink returns an "image" parameter for the public http(s) URL link.
func ImageLink(link string) Parameter {
	return Parameter{Type: ParamImage, Image: &Media{Link: link}}
}

// ImageID returns an "image" parameter for media uploaded to WhatsApp.
func ImageID(id string) Parameter { return Parameter{Type: ParamImage, Image: &Media{ID: id}} }

// VideoLink returns a "video" parameter for the public http(s) URL link.
func VideoLink(link string) Parameter {
	return Parameter{Type: ParamVideo, Video: &Media{Link: link}}
}

// VideoID returns a "video" parameter for media uploaded to WhatsApp.
func VideoID(id string) Parameter { return Parameter{Type: ParamVideo, Video: &Media{ID: id}} }

// DocumentLink returns a "document" parameter for the public http(s) URL
// link, shown with filename (which may be empty).
func DocumentLink(link, filename string) Parameter {
	return Parameter{Type: ParamDocument, Document: &Media{Link: link, Filename: filename}}
}

// DocumentID returns a "document" parameter for media uploaded to WhatsApp,
// shown with filename (which may be empty).
func DocumentID(id, filename string) Parameter {
	return Parameter{Type: ParamDocument, Document: &Media{ID: id, Filename: filename}}
}

// LocationValue returns a "location" parameter for a LOCATION header.
func LocationValue(latitude, longitude float64, name, address string) Parameter {
	return Parameter{Type: ParamLocation, Location: &Location{Latitude: latitude, Longitude: longitude, Name: name, Address: address}}
}

// Header returns the HEADER component with these parameters: the values of
// a TEXT header's placeholders, or the one media or location parameter.
func Header(params ...Parameter) Component {
	return Component{Type: ComponentHeader, Parameters: params}
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
	return Component{Type: ComponentBody, Parameters: params}
}

// buttonComponent returns a BUTTON component for the button at index.
func buttonComponent(subType string, index int, params ...Parameter) Component {
	return Component{Type: ComponentButton, SubType: subType, Index: &index, Parameters: params}
}

// URLButton returns the BUTTON component giving the URL button at index
// (0-based, in the template's button order) the text appended to its URL in
// place of {{1}}. It is also how the code of an authentication template's
// OTP (copy-code or one-tap) button is sent.
func URLButton(index int, suffix string) Component {
	return buttonComponent(SubTypeURL, index, Text(suffix))
}

// QuickReplyButton returns the BUTTON component giving the quick-reply
// button at index the payload that comes back when the user taps it.
func QuickReplyButton(index int, payload string) Component {
	return buttonComponent(SubTypeQuickReply, index, Parameter{Type: ParamPayload, Payload: payload})
}

// CopyCodeButton returns the BUTTON component giving the copy-code button
// at index the coupon code copied when the user taps it.
func CopyCodeButton(index int, code string) Component {
	return buttonComponent(SubTypeCopyCode, index, Parameter{Type: ParamCouponCode, CouponCode: code})
}

// FlowButton returns the BUTTON component giving the FLOW button at index
// its flow token and the data of the flow's first screen (data may be nil).
func FlowButton(index int, token string, data map[string]any) Component {
	return buttonComponent(SubTypeFlow, index, Parameter{Type: ParamAction, Action: &Action{FlowToken: token, FlowActionData: data}})
}

// CatalogButton returns the BUTTON component of a catalog template's
// button at index, showing the product with this retailer ID as thumbnail.
func CatalogButton(index int, thumbnailRetailerID string) Component {
	return buttonComponent(SubTypeCatalog, index, Parameter{Type: ParamAction, Action: &Action{ThumbnailProductRetailerID: thumbnailRetailerID}})
}

// ProductValue returns a "product" parameter: the catalog item shown in a
// PRODUCT header (a single-product template or a product carousel card).
func ProductValue(catalogID, retailerID string) Parameter {
	return Parameter{Type: ParamProduct, Product: &Product{CatalogID: catalogID, ProductRetailerID: retailerID}}
}

// HeaderProduct returns the HEADER component of a PRODUCT header.
func HeaderProduct(catalogID, retailerID string) Component {
	return Header(ProductValue(catalogID, retailerID))
}

// MPMButton returns the BUTTON component of a multi-product template's
// button at index: the thumbnail product and the product sections shown.
func MPMButton(index int, thumbnailRetailerID string, sections ...ProductSection) Component {
	return buttonComponent(SubTypeMPM, index, Parameter{Type: ParamAction, Action: &Action{ThumbnailProductRetailerID: thumbnailRetailerID, Sections: sections}})
}

// VoiceCallButton returns the BUTTON component of a voice-call button (it
// has no index): how many minutes the call button stays active (0 leaves
// WhatsApp's default) and the payload of the call (may be empty).
func VoiceCallButton(ttlMinutes int, payload string) Component {
	c := Component{Type: ComponentButton, SubType: SubTypeVoiceCall}
	if ttlMinutes > 0 {
		c.Parameters = append(c.Parameters, Parameter{Type: ParamTTLMinutes, TTLMinutes: ttlMinutes})
	}
	if payload != "" {
		c.Parameters = append(c.Parameters, Parameter{Type: ParamPayload, Payload: payload})
	}
	return c
}

// LimitedTimeOfferComponent returns the LIMITED_TIME_OFFER component of a
// limited-time-offer template: when the offer expires.
func LimitedTimeOfferComponent(expires time.Time) Component {
	return Component{Type: ComponentLimitedTimeOffer, Parameters: []Parameter{{
		Type: ParamLimitedTimeOffer, LimitedTimeOffer: &LimitedTimeOffer{ExpirationTimeMS: expires.UnixMilli()},
	}}}
}

// CarouselCard returns the card at index (0-based, in the template's card
// order) with its HEADER, BODY and BUTTON components.
func CarouselCard(index int, components ...Component) Card {
	return Card{CardIndex: index, Components: components}
}

// Carousel returns the CAROUSEL component with these cards.
func Carousel(cards ...Card) Component {
	return Component{Type: ComponentCarousel, Cards: cards}
}
