package crispwa

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// CallbackEvent is the outcome of one accepted send, as Crisp reports it in
// the callback it POSTs to the URL configured in the plugin settings.
type CallbackEvent struct {
	// RequestID is the request_id that Templates.Send returned.
	RequestID string `json:"request_id"`
	// Error is true when Crisp reports that the template was not sent.
	Error bool `json:"error"`
	// Reason says why the template was not sent (the human message when
	// there is one, else Crisp's reason code). It may be set on success too
	// (the envelope's reason).
	Reason string `json:"reason,omitempty"`
	// CrispFingerprint identifies the message in the Crisp conversation.
	CrispFingerprint int64 `json:"crisp_fingerprint,omitempty"`
	// WhatsAppMessageID is the WhatsApp ("wamid.") message ID, on success.
	WhatsAppMessageID string `json:"whatsapp_message_id,omitempty"`
	// SessionID is the Crisp conversation the message went to, on success.
	SessionID string `json:"session_id,omitempty"`
	// Raw is the callback body exactly as received.
	Raw json.RawMessage `json:"-"`
}

// Succeeded reports whether the template was sent: no error, and a WhatsApp
// message ID. It does not mean the phone displayed it (WhatsApp delivery and
// read receipts are not part of this callback).
func (e *CallbackEvent) Succeeded() bool {
	return e != nil && !e.Error && e.WhatsAppMessageID != ""
}

// ErrInvalidCallback reports a callback body that is not a JSON object with a
// non-empty request_id, or whose fields have the wrong types.
var ErrInvalidCallback = errors.New("crispwa: invalid callback")

// callbackFields are the fields a callback may carry, at the top level (a
// flat object) or under "data" (the Crisp envelope).
type callbackFields struct {
	Error             boolish     `json:"error"`
	Reason            string      `json:"reason"`
	Message           string      `json:"message"`
	RequestID         string      `json:"request_id"`
	CrispFingerprint  fingerprint `json:"crisp_fingerprint"`
	WhatsAppMessageID string      `json:"whatsapp_message_id"`
	SessionID         string      `json:"session_id"`
}

// callbackWire is a whole callback body: the envelope's fields and its
// "data" object, decoded in one pass.
type callbackWire struct {
	callbackFields
	Data *callbackFields `json:"data"`
}

// ParseCallback parses a callback body. It accepts both the Crisp envelope
// {"error":bool,"reason":"...","data":{...}} and a flat object with the same
// fields; fields under "data" win over top-level ones. It returns an error
// wrapping ErrInvalidCallback for anything that is not a JSON object with a
// non-empty string request_id, or whose fields have the wrong types; it never
// returns (nil, nil). It does not limit the body's size: read it through a
// cap (the callback package's Handler does).
func ParseCallback(body []byte) (*CallbackEvent, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalidCallback)
	}
	var top callbackWire
	if err := json.Unmarshal(trimmed, &top); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidCallback, err)
	}
	data := top.Data
	if data == nil {
		data = &callbackFields{}
	}
	ev := &CallbackEvent{
		Error:             bool(top.Error) || bool(data.Error),
		Reason:            firstNonEmpty(data.Message, top.Message, data.Reason, top.Reason),
		CrispFingerprint:  int64(data.CrispFingerprint),
		WhatsAppMessageID: firstNonEmpty(data.WhatsAppMessageID, top.WhatsAppMessageID),
		SessionID:         firstNonEmpty(data.SessionID, top.SessionID),
		RequestID:         firstNonEmpty(data.RequestID, top.RequestID),
		Raw:               append(json.RawMessage(nil), body...),
	}
	if ev.CrispFingerprint == 0 {
		ev.CrispFingerprint = int64(top.CrispFingerprint)
	}
	if ev.RequestID == "" {
		return nil, fmt.Errorf("%w: no request_id", ErrInvalidCallback)
	}
	return ev, nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// fingerprint accepts a JSON integer or a string holding one.
type fingerprint int64

func (f *fingerprint) UnmarshalJSON(b []byte) error {
	s, err := unquote(b)
	if err != nil || s == "" || s == "null" && b[0] != '"' {
		return err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return errors.New("crisp_fingerprint is not an integer")
	}
	*f = fingerprint(n)
	return nil
}

// unquote returns the text of a JSON string, or b itself for any other JSON
// value. Strings without escapes (the usual case) are not decoded again.
func unquote(b []byte) (string, error) {
	if len(b) < 2 || b[0] != '"' {
		return string(b), nil
	}
	if bytes.IndexByte(b, '\\') < 0 {
		return string(b[1 : len(b)-1]), nil
	}
	var s string
	err := json.Unmarshal(b, &s)
	return s, err
}

// boolish accepts a JSON boolean; a non-empty string (some gateways send the
// error as text) also counts as true.
type boolish bool

func (f *boolish) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null":
		return nil
	case "true":
		*f = true
		return nil
	case "false":
		*f = false
		return nil
	}
	if len(b) == 0 || b[0] != '"' {
		return errors.New("error is not a boolean")
	}
	s, err := unquote(b)
	if err != nil {
		return err
	}
	*f = s != "" && s != "false"
	return nil
}
