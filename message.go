package crispwa

// SendTemplateRequest is one template send: which template, from which of
// the website's WhatsApp numbers, to which phone number, and how Crisp should
// record it in the inbox. Phone numbers are digits with an optional leading
// '+' (8 to 15 digits, E.164 without spaces).
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

// Component fills the parameters of one template component. Type is HEADER,
// BODY or BUTTON; a BUTTON component also has SubType and Index.
type Component struct {
	Type       string      `json:"type"`               // HEADER, BODY, BUTTON
	SubType    string      `json:"sub_type,omitempty"` // quick_reply, url, copy_code, flow, catalog, ...
	Index      *int        `json:"index,omitempty"`
	Parameters []Parameter `json:"parameters,omitempty"`
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
