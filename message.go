package crispwa

// SendTemplateRequest is one template send: which template, from which of
// the website's WhatsApp numbers, to which phone number, and how Crisp should
// record it in the inbox. Phone numbers carry their country code ("+33 6 12
// 34 56 78", "0033612345678" and "33612345678" are accepted) and must be
// valid for their country; Send puts them on the wire in canonical +E.164
// form (see NormalizePhone, which also reads national numbers).
type SendTemplateRequest struct {
	From     string          `json:"from_number"`
	To       string          `json:"to_number"`
	Template MessageTemplate `json:"message_template"`
	Options  *CrispOptions   `json:"crisp_options,omitempty"`
}

// MessageTemplate names the template to send and fills its parameters.
type MessageTemplate struct {
	Name       string      `json:"name"`
	Language   string      `json:"language"`
	Components []Component `json:"components,omitempty"`
}

// Component is one component of a send: its Type (ComponentHeader,
// ComponentBody, ComponentFooter, ComponentButton, ComponentCarousel,
// ComponentLimitedTimeOffer), the Parameters filling the template's
// placeholders, and Text, what the Crisp inbox shows for it. A BUTTON
// component also has SubType and (except a voice-call button) Index; a
// CAROUSEL component has Cards.
//
// Template.Build fills Text with the template's text rendered with the
// values; without Text on any component the inbox shows only the
// template's name and language.
type Component struct {
	Type       string      `json:"type"`               // HEADER, BODY, FOOTER, BUTTON, CAROUSEL, LIMITED_TIME_OFFER
	SubType    string      `json:"sub_type,omitempty"` // quick_reply, url, copy_code, flow, catalog, ...
	Index      *int        `json:"index,omitempty"`
	Parameters []Parameter `json:"parameters,omitempty"`
	// Text is what the Crisp inbox shows for this component: the header,
	// body, footer or button text as the customer reads it.
	Text string `json:"text,omitempty"`
	// Format is a HEADER's format as the template has it (TEXT, IMAGE,
	// VIDEO, DOCUMENT, LOCATION, PRODUCT), for the inbox. Optional.
	Format string `json:"format,omitempty"`
	// Cards are a CAROUSEL component's cards, one per template card.
	Cards []Card `json:"cards,omitempty"`
}

// Card is one card of a carousel send: its index (0-based, in the
// template's card order) and its HEADER, BODY and BUTTON components.
type Card struct {
	CardIndex  int         `json:"card_index"`
	Components []Component `json:"components"`
}

// CrispOptions says how Crisp records the send in the inbox.
type CrispOptions struct {
	Type        string     `json:"type,omitempty"` // "note" (Crisp's default) or "text"
	NewSession  bool       `json:"new_session"`
	AutoResolve bool       `json:"auto_resolve,omitempty"`
	User        *CrispUser `json:"user,omitempty"`
}

// CrispUser assigns the conversation to a Crisp operator.
type CrispUser struct {
	UserID string `json:"user_id"`
}

// SendResult is Crisp's acknowledgement of a send. It means the send was
// accepted for processing, not that the message reached the phone: the
// callback with the same RequestID says that.
type SendResult struct {
	RequestID string `json:"request_id"`
}
