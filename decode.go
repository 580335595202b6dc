package crispwa

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Decoding a send (a Component, a Parameter's values) is lenient where
// Meta's own documentation is: a button's "index" (and a card's
// "card_index") written as a string ("0"), a "flow_token" written as a
// number, an "expiration_time_ms" or "ttl_minutes" written as a string.
// Encoding stays what Crisp expects: integers, and a string token. A field
// that cannot decode is a *ValidationError naming it, e.g.
// `component.index: is "first"; want an integer (0, or "0" as Meta's
// examples write it)`.

// UnmarshalJSON reads a component whose "index" is a JSON integer or a
// string holding one, as Meta's examples write it.
func (c *Component) UnmarshalJSON(b []byte) error {
	type plain Component // no methods: no recursion
	var w struct {
		plain
		Index json.RawMessage `json:"index"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return decodeError("component", err)
	}
	*c = Component(w.plain)
	c.Index = nil
	if isJSONValue(w.Index) {
		n, err := lenientInt("component.index", w.Index)
		if err != nil {
			return err
		}
		c.Index = &n
	}
	return nil
}

// UnmarshalJSON reads a carousel card whose "card_index" is a JSON integer
// or a string holding one.
func (cd *Card) UnmarshalJSON(b []byte) error {
	type plain Card
	var w struct {
		plain
		CardIndex json.RawMessage `json:"card_index"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return decodeError("card", err)
	}
	*cd = Card(w.plain)
	if isJSONValue(w.CardIndex) {
		n, err := lenientInt("card.card_index", w.CardIndex)
		if err != nil {
			return err
		}
		cd.CardIndex = n
	}
	return nil
}

// UnmarshalJSON reads an action whose "flow_token" is a JSON string or a
// number (kept as its digits: 123 reads as "123").
func (a *Action) UnmarshalJSON(b []byte) error {
	type plain Action
	var w struct {
		plain
		FlowToken json.RawMessage `json:"flow_token"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return decodeError("action", err)
	}
	*a = Action(w.plain)
	a.FlowToken = ""
	if isJSONValue(w.FlowToken) {
		var s string
		if json.Unmarshal(w.FlowToken, &s) == nil {
			a.FlowToken = s
		} else if num, ok := jsonNumber(w.FlowToken); ok {
			a.FlowToken = num
		} else {
			return &ValidationError{Field: "action.flow_token", Reason: fmt.Sprintf("is %s; want a string (or a number)", snippet(w.FlowToken))}
		}
	}
	return nil
}

// UnmarshalJSON reads an offer whose "expiration_time_ms" is a JSON
// integer or a string holding one.
func (o *LimitedTimeOffer) UnmarshalJSON(b []byte) error {
	var w struct {
		ExpirationTimeMS json.RawMessage `json:"expiration_time_ms"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return decodeError("limited_time_offer", err)
	}
	*o = LimitedTimeOffer{}
	if isJSONValue(w.ExpirationTimeMS) {
		n, err := lenientInt64("limited_time_offer.expiration_time_ms", w.ExpirationTimeMS)
		if err != nil {
			return err
		}
		o.ExpirationTimeMS = n
	}
	return nil
}

// UnmarshalJSON reads a parameter, naming the field that cannot decode;
// "ttl_minutes" may be a string holding an integer.
func (p *Parameter) UnmarshalJSON(b []byte) error {
	type plain Parameter
	var w struct {
		plain
		TTLMinutes json.RawMessage `json:"ttl_minutes"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return decodeError("parameter", err)
	}
	*p = Parameter(w.plain)
	p.TTLMinutes = 0
	if isJSONValue(w.TTLMinutes) {
		n, err := lenientInt("parameter.ttl_minutes", w.TTLMinutes)
		if err != nil {
			return err
		}
		p.TTLMinutes = n
	}
	return nil
}

// isJSONValue reports whether raw holds a value other than null.
func isJSONValue(raw json.RawMessage) bool {
	return len(raw) > 0 && !bytes.Equal(raw, []byte("null"))
}

// lenientInt reads a JSON integer, or a string holding one ("0").
func lenientInt(field string, raw json.RawMessage) (int, error) {
	n, err := lenientInt64(field, raw)
	if err != nil {
		return 0, err
	}
	if int64(int(n)) != n {
		return 0, &ValidationError{Field: field, Reason: fmt.Sprintf("is %s; out of range", snippet(raw))}
	}
	return int(n), nil
}

func lenientInt64(field string, raw json.RawMessage) (int64, error) {
	text := string(raw)
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			text = strings.TrimSpace(s)
		}
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, &ValidationError{Field: field, Reason: fmt.Sprintf("is %s; want an integer (0, or \"0\" as Meta's examples write it)", snippet(raw))}
	}
	return n, nil
}

// jsonNumber returns the text of a JSON number.
func jsonNumber(raw json.RawMessage) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return "", false
	}
	n, ok := v.(json.Number)
	return n.String(), ok
}

// decodeError turns a json error inside what (a component, a parameter)
// into a *ValidationError naming the field, keeping one already named.
func decodeError(what string, err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return err
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := what
		for _, part := range strings.Split(te.Field, ".") {
			if part != "" && part != "plain" { // "plain": the embedded alias of UnmarshalJSON
				field += "." + part
			}
		}
		return &ValidationError{Field: field, Reason: fmt.Sprintf("is a JSON %s; want %s", te.Value, jsonKind(te.Type.String()))}
	}
	return &ValidationError{Field: what, Reason: "cannot decode: " + err.Error()}
}

// jsonKind names the JSON a Go type reads.
func jsonKind(goType string) string {
	switch {
	case goType == "string":
		return "a string"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "an integer"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	}
	return "an object"
}

// snippet quotes a JSON value for an error message, shortened.
func snippet(raw json.RawMessage) string {
	return truncate(string(raw))
}
