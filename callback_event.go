package crispwa

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
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
// non-empty string request_id.
var ErrInvalidCallback = errors.New("crispwa: invalid callback")

// maxCallbackReason caps a reason built from a JSON object or array (its
// compact JSON), so that an odd callback cannot carry megabytes of reason.
const maxCallbackReason = 1024

// callbackFields are the fields a callback may carry, at the top level (a
// flat object) or under "data" (the Crisp envelope). Each field reads what
// it can of any JSON value, so that one odd field never makes a callback
// that carries a request_id unrecordable (Crisp would redeliver it for
// ever, and the outcome would be lost).
type callbackFields struct {
	Error             errorField
	Reason            reasonText
	Message           reasonText
	RequestID         idText
	CrispFingerprint  fingerprint
	WhatsAppMessageID idText
	SessionID         idText
}

// ParseCallback parses a callback body. It accepts both the Crisp envelope
// {"error":bool,"reason":"...","data":{...}} and a flat object with the same
// fields; fields under "data" win over top-level ones. It reads what it can
// of fields of an unexpected type rather than refusing the callback:
// "error" counts as true when it is true, a non-zero number, a non-empty
// string other than "false", or an object or array (an error object's
// message becomes the reason when there is no other); a "reason" or
// "message" given as an object becomes its message (with its code, as
// "(code N)"), or else its compact JSON, capped; a crisp_fingerprint that
// is not an integer is 0; an ID that is not a string is empty; a "data"
// that is not an object is ignored. Raw always keeps the body as received.
// It returns an error wrapping ErrInvalidCallback only for a body that is
// not a JSON object, or without a non-empty string request_id; it never
// returns (nil, nil). It does not limit the body's size: read it through a
// cap (the callback package's Handler does).
func ParseCallback(body []byte) (*CallbackEvent, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalidCallback)
	}
	var top, data callbackFields
	if err := scanCallback(trimmed, &top, &data); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidCallback, err)
	}
	ev := &CallbackEvent{
		Error: top.Error.truth || data.Error.truth,
		Reason: firstNonEmpty(string(data.Message), string(top.Message), string(data.Reason), string(top.Reason),
			data.Error.text, top.Error.text),
		CrispFingerprint:  int64(data.CrispFingerprint),
		WhatsAppMessageID: firstNonEmpty(string(data.WhatsAppMessageID), string(top.WhatsAppMessageID)),
		SessionID:         firstNonEmpty(string(data.SessionID), string(top.SessionID)),
		RequestID:         firstNonEmpty(string(data.RequestID), string(top.RequestID)),
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

// fingerprint accepts a JSON integer or a string holding one; anything
// else reads as 0 (unknown).
type fingerprint int64

func (f *fingerprint) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] != '"' { // a number, read without a copy
		if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
			*f = fingerprint(n)
		}
		return nil
	}
	s, err := unquote(b)
	if err != nil {
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*f = fingerprint(n)
	}
	return nil
}

// idText accepts a JSON string; any other value reads as "" (absent).
type idText string

func (t *idText) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		s, err := unquote(b)
		if err == nil {
			*t = idText(s)
		}
	}
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

// errorField reads a callback's "error" the way a JavaScript sender means
// it: true, a non-zero number, a non-empty string other than "false", an
// object or an array is an error. A string other than "true", or an error
// object's message, is kept as text for the reason.
type errorField struct {
	truth bool
	text  string
}

func (f *errorField) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case 'n': // null
	case 't':
		f.truth = true
	case 'f':
		f.truth = false
	case '"':
		s, err := unquote(b)
		if err != nil {
			return nil
		}
		f.truth = s != "" && s != "false"
		if s != "true" && s != "false" {
			f.text = capReason(s)
		}
	case '{', '[':
		f.truth = true
		if b[0] == '{' {
			f.text = objectReason(b)
		}
	default: // a number
		n, err := strconv.ParseFloat(string(b), 64)
		f.truth = err == nil && n != 0
	}
	return nil
}

// reasonText reads a callback's "reason" or "message": a string as is, a
// number as its digits, an object as its message (see objectReason), an
// array as its compact JSON; true, false and null as "".
type reasonText string

func (t *reasonText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		if s, err := unquote(b); err == nil {
			*t = reasonText(s)
		}
	case '{':
		*t = reasonText(objectReason(b))
	case '[':
		*t = reasonText(compactReason(b))
	case 't', 'f', 'n':
	default:
		*t = reasonText(b)
	}
	return nil
}

// objectReason turns a reason given as a JSON object into text: its first
// text field (message, text, title, details, description, reason, or
// error_data.details) followed by its code as "(code N)", or "code N"
// alone, or else the object's compact JSON; capped at maxCallbackReason.
func objectReason(b []byte) string {
	var obj struct {
		Message     json.RawMessage `json:"message"`
		Text        json.RawMessage `json:"text"`
		Title       json.RawMessage `json:"title"`
		Details     json.RawMessage `json:"details"`
		Description json.RawMessage `json:"description"`
		Reason      json.RawMessage `json:"reason"`
		ErrorData   struct {
			Details json.RawMessage `json:"details"`
		} `json:"error_data"`
		Code json.RawMessage `json:"code"`
	}
	if json.Unmarshal(b, &obj) != nil {
		return compactReason(b)
	}
	var text string
	for _, raw := range []json.RawMessage{obj.Message, obj.Text, obj.Title, obj.Details, obj.Description, obj.Reason, obj.ErrorData.Details} {
		if len(raw) > 0 && raw[0] == '"' {
			if s, err := unquote(raw); err == nil && strings.TrimSpace(s) != "" {
				text = s
				break
			}
		}
	}
	code, _ := unquote(obj.Code)
	if code != "" && (len(code) > 12 || strings.Trim(code, "0123456789") != "") {
		code = ""
	}
	switch {
	case text != "" && code != "" && !strings.Contains(text, code):
		return capReason(text + " (code " + code + ")")
	case text != "":
		return capReason(text)
	case code != "":
		return "code " + code
	}
	return compactReason(b)
}

// compactReason is the compact JSON of b, capped.
func compactReason(b []byte) string {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return ""
	}
	return capReason(out.String())
}

// capReason cuts s to maxCallbackReason bytes on a character boundary.
func capReason(s string) string {
	if len(s) <= maxCallbackReason {
		return s
	}
	cut := maxCallbackReason
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
