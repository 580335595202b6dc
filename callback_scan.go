package crispwa

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// scanCallback reads a callback body (a JSON object, surrounding space
// trimmed) in one pass: it checks that the whole body is valid JSON, by
// the grammar and nesting limit encoding/json applies, and hands the raw
// value of each known field to that field's reader (UnmarshalJSON), into
// top for the top level and into data for the "data" object. Keys are
// matched as encoding/json matches them to struct fields: exactly, or else
// case-insensitively; a later field replaces an earlier one; a "data" that
// is not an object is ignored. It decodes what encoding/json.Unmarshal into
// the envelope would, without its reflection and without its second scan
// (callback_scan_test.go compares the two on every seed and under fuzzing).
func scanCallback(b []byte, top, data *callbackFields) error {
	s := callbackScanner{b: b}
	if err := s.object(top, data, 1); err != nil {
		return err
	}
	s.space()
	if s.i < len(s.b) {
		return s.unexpected("after top-level value")
	}
	return nil
}

// maxJSONDepth is encoding/json's nesting limit: an object or array nested
// deeper is refused.
const maxJSONDepth = 10000

// callbackScanner is a position in a body being scanned.
type callbackScanner struct {
	b []byte
	i int
}

var errJSONEnd = errors.New("unexpected end of JSON input")

func (s *callbackScanner) unexpected(context string) error {
	if s.i >= len(s.b) {
		return errJSONEnd
	}
	return fmt.Errorf("invalid character %s %s (offset %d)", strconv.QuoteRune(rune(s.b[s.i])), context, s.i)
}

// space skips JSON whitespace.
func (s *callbackScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next is the byte at the position, or 0 at the end.
func (s *callbackScanner) next() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// object scans the object at the position (its '{'), at nesting depth.
// With f, each known key's value goes to f's reader; with data too (the top
// level), a "data" object is read into data. With f nil, the object is only
// checked.
func (s *callbackScanner) object(f, data *callbackFields, depth int) error {
	if depth > maxJSONDepth {
		return errors.New("exceeded max depth")
	}
	s.i++ // '{'
	s.space()
	if s.next() == '}' {
		s.i++
		return nil
	}
	for {
		if s.next() != '"' {
			return s.unexpected("looking for beginning of object key string")
		}
		start := s.i
		escaped, err := s.str()
		if err != nil {
			return err
		}
		key := s.b[start:s.i]
		s.space()
		if s.next() != ':' {
			return s.unexpected("after object key")
		}
		s.i++
		s.space()
		field := fieldNone
		if f != nil {
			field = lookupField(key, escaped, data != nil)
		}
		switch {
		case field == fieldData && s.next() == '{':
			err = s.object(data, nil, depth+1)
		case field > fieldNone:
			v := s.i
			if err = s.value(depth + 1); err == nil {
				err = f.read(field, s.b[v:s.i])
			}
		default: // unknown, or a "data" that is not an object: ignored
			err = s.value(depth + 1)
		}
		if err != nil {
			return err
		}
		s.space()
		switch s.next() {
		case ',':
			s.i++
			s.space()
		case '}':
			s.i++
			return nil
		default:
			return s.unexpected("after object key:value pair")
		}
	}
}

// array checks the array at the position (its '[').
func (s *callbackScanner) array(depth int) error {
	if depth > maxJSONDepth {
		return errors.New("exceeded max depth")
	}
	s.i++ // '['
	s.space()
	if s.next() == ']' {
		s.i++
		return nil
	}
	for {
		if err := s.value(depth + 1); err != nil {
			return err
		}
		s.space()
		switch s.next() {
		case ',':
			s.i++
			s.space()
		case ']':
			s.i++
			return nil
		default:
			return s.unexpected("after array element")
		}
	}
}

// value checks the value at the position; an object or array in it is at
// nesting depth.
func (s *callbackScanner) value(depth int) error {
	switch c := s.next(); {
	case c == '{':
		return s.object(nil, nil, depth)
	case c == '[':
		return s.array(depth)
	case c == '"':
		_, err := s.str()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	}
	return s.unexpected("looking for beginning of value")
}

func (s *callbackScanner) literal(word string) error {
	for k := 0; k < len(word); k++ {
		if s.next() != word[k] {
			return s.unexpected("in literal " + word)
		}
		s.i++
	}
	return nil
}

// number checks a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *callbackScanner) number() error {
	if s.next() == '-' {
		s.i++
	}
	switch c := s.next(); {
	case c == '0':
		s.i++
	case '1' <= c && c <= '9':
		s.digits()
	default:
		return s.unexpected("in numeric literal")
	}
	if s.next() == '.' {
		s.i++
		if !isDigit(s.next()) {
			return s.unexpected("after decimal point in numeric literal")
		}
		s.digits()
	}
	if c := s.next(); c == 'e' || c == 'E' {
		s.i++
		if c := s.next(); c == '+' || c == '-' {
			s.i++
		}
		if !isDigit(s.next()) {
			return s.unexpected("in exponent of numeric literal")
		}
		s.digits()
	}
	return nil
}

func (s *callbackScanner) digits() {
	for isDigit(s.next()) {
		s.i++
	}
}

// str checks the string at the position (its '"') and reports whether it
// holds an escape. Like encoding/json, it refuses control characters and
// malformed escapes, and lets any other byte through.
func (s *callbackScanner) str() (escaped bool, err error) {
	s.i++ // '"'
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return escaped, nil
		case c == '\\':
			escaped = true
			s.i++
			switch s.next() {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				s.i++
				for range 4 {
					if !isHex(s.next()) {
						return false, s.unexpected("in \\u hexadecimal character escape")
					}
					s.i++
				}
			default:
				return false, s.unexpected("in string escape code")
			}
		case c < 0x20:
			return false, s.unexpected("in string literal")
		default:
			s.i++
		}
	}
	return false, errJSONEnd
}

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// callbackField names a field of callbackFields (fieldNone: an unknown
// key; fieldData: the "data" object).
type callbackField int

const (
	fieldData callbackField = iota - 1
	fieldNone
	fieldError
	fieldReason
	fieldMessage
	fieldRequestID
	fieldCrispFingerprint
	fieldWhatsAppMessageID
	fieldSessionID
)

// read hands a raw value to the reader of field. (A switch rather than an
// interface: f stays on the caller's stack.)
func (f *callbackFields) read(field callbackField, raw []byte) error {
	switch field {
	case fieldError:
		return f.Error.UnmarshalJSON(raw)
	case fieldReason:
		return f.Reason.UnmarshalJSON(raw)
	case fieldMessage:
		return f.Message.UnmarshalJSON(raw)
	case fieldRequestID:
		return f.RequestID.UnmarshalJSON(raw)
	case fieldCrispFingerprint:
		return f.CrispFingerprint.UnmarshalJSON(raw)
	case fieldWhatsAppMessageID:
		return f.WhatsAppMessageID.UnmarshalJSON(raw)
	case fieldSessionID:
		return f.SessionID.UnmarshalJSON(raw)
	}
	return nil
}

// lookupField returns the field a key (quoted, as in the body) names;
// "data" only when withData. Like encoding/json, it decodes an escaped
// key, tries the exact name, then the name folded for case.
func lookupField(quoted []byte, escaped, withData bool) callbackField {
	key := quoted[1 : len(quoted)-1]
	if escaped {
		var k string
		if json.Unmarshal(quoted, &k) != nil { // cannot fail: str checked it
			return fieldNone
		}
		key = []byte(k)
	}
	if field := fieldNamed(string(key), withData); field != fieldNone {
		return field
	}
	var folded [32]byte // most keys fit: no allocation
	return fieldNamed(string(foldKey(folded[:0], key)), withData)
}

// fieldNamed is the field with this exact name, or (folded) its upper-case
// form.
func fieldNamed(name string, withData bool) callbackField {
	switch name {
	case "error", "ERROR":
		return fieldError
	case "reason", "REASON":
		return fieldReason
	case "message", "MESSAGE":
		return fieldMessage
	case "request_id", "REQUEST_ID":
		return fieldRequestID
	case "crisp_fingerprint", "CRISP_FINGERPRINT":
		return fieldCrispFingerprint
	case "whatsapp_message_id", "WHATSAPP_MESSAGE_ID":
		return fieldWhatsAppMessageID
	case "session_id", "SESSION_ID":
		return fieldSessionID
	case "data", "DATA":
		if withData {
			return fieldData
		}
	}
	return fieldNone
}

// foldKey folds a key for case as encoding/json does before matching it to
// a field's name: ASCII letters to upper case, any other character to the
// smallest of its case-fold set (so "ſ" reads as "S" and the Kelvin sign
// as "K"), appended to out. Only the exact names and these folded forms
// match.
func foldKey(out, in []byte) []byte {
	for i := 0; i < len(in); {
		if c := in[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(in[i:])
		out = utf8.AppendRune(out, foldRune(r))
		i += n
	}
	return out
}

// foldRune is the smallest rune of r's case-fold set.
func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}
