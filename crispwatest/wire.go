package crispwatest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// wireSend is a send request as the fake reads it: its own decoding, with
// Crisp's and Meta's field names, independent of the SDK's types so that a
// mistake in those shows up as a refusal instead of being read back the
// same way.
type wireSend struct {
	From     *string       `json:"from_number"`
	To       *string       `json:"to_number"`
	Template *wireTemplate `json:"message_template"`
	Options  *wireOptions  `json:"crisp_options"`
}

type wireTemplate struct {
	Name       string          `json:"name"`
	Language   string          `json:"language"`
	Components []wireComponent `json:"components"`
}

type wireComponent struct {
	Type       string          `json:"type"`
	SubType    string          `json:"sub_type"`
	Index      json.RawMessage `json:"index"` // Meta's examples send "0"; an integer is accepted too
	Parameters []wireParam     `json:"parameters"`
}

type wireParam struct {
	Type          string        `json:"type"`
	Text          *string       `json:"text"`
	ParameterName string        `json:"parameter_name"`
	Currency      *wireCurrency `json:"currency"`
	DateTime      *struct {
		FallbackValue string `json:"fallback_value"`
	} `json:"date_time"`
	Image      *wireMedia      `json:"image"`
	Video      *wireMedia      `json:"video"`
	Document   *wireMedia      `json:"document"`
	Location   *wireLocation   `json:"location"`
	Payload    *string         `json:"payload"`
	CouponCode *string         `json:"coupon_code"`
	Action     json.RawMessage `json:"action"`
	// Product, LimitedTimeOffer, TTLMinutes and TapTargets are only
	// checked for presence.
	Product          json.RawMessage `json:"product"`
	LimitedTimeOffer json.RawMessage `json:"limited_time_offer"`
	TTLMinutes       json.RawMessage `json:"ttl_minutes"`
	TapTargets       json.RawMessage `json:"tap_target_configuration"`
}

type wireCurrency struct {
	FallbackValue string       `json:"fallback_value"`
	Code          string       `json:"code"`
	Amount1000    *json.Number `json:"amount_1000"`
}

type wireMedia struct {
	ID       string `json:"id"`
	Link     string `json:"link"`
	Filename string `json:"filename"`
}

type wireLocation struct {
	Latitude  json.RawMessage `json:"latitude"` // a number, or a numeric string as in Meta's examples
	Longitude json.RawMessage `json:"longitude"`
	Name      string          `json:"name"`
	Address   string          `json:"address"`
}

// coordinate reads a latitude or longitude: a JSON number or a string
// holding one. ok is false when it is absent or neither.
func coordinate(raw json.RawMessage) (float64, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw = json.RawMessage(s)
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		return 0, false
	}
	return f, true
}

type wireOptions struct {
	Type string `json:"type"`
	User *struct {
		UserID string `json:"user_id"`
	} `json:"user"`
}

// decodeSend reads a send body: exactly one JSON object of the right shape.
func decodeSend(body []byte) (*wireSend, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var req *wireSend
	if err := dec.Decode(&req); err != nil {
		return nil, fmt.Errorf("malformed JSON body: %v", err)
	}
	if dec.More() {
		return nil, errors.New("malformed JSON body: data after the object")
	}
	if req == nil {
		return nil, errors.New("body must be a JSON object")
	}
	return req, nil
}

// index reads a button component's index: an integer or a string of
// digits. ok is false when it is absent or neither.
func (c wireComponent) index() (int, bool) {
	raw := bytes.TrimSpace(c.Index)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false
	}
	var s string
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
	} else {
		s = string(raw)
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// value is what a parameter shows in the text: its text, or the fallback
// of a currency or date_time.
func (p wireParam) value() (string, bool) {
	switch {
	case p.Text != nil:
		return *p.Text, true
	case p.Currency != nil:
		return p.Currency.FallbackValue, true
	case p.DateTime != nil:
		return p.DateTime.FallbackValue, true
	}
	return "", false
}

// media returns the media object of an image, video or document
// parameter.
func (p wireParam) media() *wireMedia {
	switch p.Type {
	case "image":
		return p.Image
	case "video":
		return p.Video
	case "document":
		return p.Document
	}
	return nil
}
