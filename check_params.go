package crispwa

import (
	"math"
	"net/url"
	"slices"
	"unicode"
)

// checkShape checks that a parameter's fields agree with its Type and that
// its value is well-formed. named allows parameter_name (header and body
// placeholders only).
func (c *tmplChecker) checkShape(field string, p Parameter, named bool) {
	set := setFields(p)
	want := ""
	switch p.Type {
	case ParamText:
		want = "text"
		if p.Text == "" {
			c.add(field+".text", "is empty")
		}
	case ParamCurrency:
		want = "currency"
		if cur := p.Currency; cur != nil {
			if cur.FallbackValue == "" {
				c.add(field+".currency.fallback_value", "is empty")
			}
			if !isCurrencyCode(cur.Code) {
				c.add(field+".currency.code", "is %q; want an ISO 4217 code of three capital letters, e.g. \"USD\"", cur.Code)
			}
		}
	case ParamDateTime:
		want = "date_time"
		if p.DateTime != nil && p.DateTime.FallbackValue == "" {
			c.add(field+".date_time.fallback_value", "is empty")
		}
	case ParamImage, ParamVideo, ParamDocument:
		want = p.Type
		c.checkMedia(field+"."+p.Type, p.Type, mediaOf(p))
	case ParamLocation:
		want = "location"
		if l := p.Location; l != nil {
			if math.IsNaN(l.Latitude) || l.Latitude < -90 || l.Latitude > 90 {
				c.add(field+".location.latitude", "is %v; want -90 to 90", l.Latitude)
			}
			if math.IsNaN(l.Longitude) || l.Longitude < -180 || l.Longitude > 180 {
				c.add(field+".location.longitude", "is %v; want -180 to 180", l.Longitude)
			}
		}
	case ParamPayload:
		want = "payload"
		if p.Payload == "" {
			c.add(field+".payload", "is empty")
		}
	case ParamCouponCode:
		want = "coupon_code"
		if p.CouponCode == "" {
			c.add(field+".coupon_code", "is empty")
		}
	case ParamAction:
		want = "action"
	case ParamProduct:
		want = "product"
		if pr := p.Product; pr != nil && pr.ProductRetailerID == "" {
			c.add(field+".product.product_retailer_id", "is empty")
		}
	case ParamLimitedTimeOffer:
		want = "limited_time_offer"
		if o := p.LimitedTimeOffer; o != nil && o.ExpirationTimeMS <= 0 {
			c.add(field+".limited_time_offer.expiration_time_ms", "is %d; want the offer's end in milliseconds since the Unix epoch", o.ExpirationTimeMS)
		}
	case ParamTapTarget:
		want = "tap_target_configuration"
	case ParamTTLMinutes:
		want = "ttl_minutes"
		if p.TTLMinutes <= 0 {
			c.add(field+".ttl_minutes", "is %d; want a positive number of minutes", p.TTLMinutes)
		}
	case "":
		c.add(field+".type", "is empty")
		return
	default:
		c.add(field+".type", "unknown parameter type %q", p.Type)
		return
	}
	// Empty strings were reported above; a missing object is reported here.
	if isObjectKind(p.Type) && !slices.Contains(set, want) {
		c.add(field+"."+want, "is missing: a %q parameter needs it", p.Type)
	}
	for _, f := range set {
		if f != want {
			c.add(field+"."+f, "is set on a %q parameter; only %q belongs there", p.Type, want)
		}
	}
	if p.ParameterName != "" {
		if !named {
			c.add(field+".parameter_name", "only header and body placeholders have names")
		} else if !isPlaceholderName(p.ParameterName) {
			c.add(field+".parameter_name", "is %q; a placeholder name is lowercase letters, digits and underscores", p.ParameterName)
		}
	}
}

// checkMedia checks an image, video or document value.
func (c *tmplChecker) checkMedia(field, kind string, m *Media) {
	if m == nil {
		return // reported as missing by checkShape
	}
	switch {
	case m.ID == "" && m.Link == "":
		c.add(field, "needs a link or an id")
	case m.ID != "" && m.Link != "":
		c.add(field, "has both a link and an id; give one")
	case m.Link != "":
		u, err := url.Parse(m.Link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			c.add(field+".link", "must be an absolute http(s) URL")
		}
	}
	if m.Filename != "" && kind != ParamDocument {
		c.add(field+".filename", "only documents have a file name")
	}
}

// setFields lists the typed value fields set on p, by JSON name.
func setFields(p Parameter) []string {
	var out []string
	add := func(ok bool, name string) {
		if ok {
			out = append(out, name)
		}
	}
	add(p.Text != "", "text")
	add(p.Currency != nil, "currency")
	add(p.DateTime != nil, "date_time")
	add(p.Image != nil, "image")
	add(p.Video != nil, "video")
	add(p.Document != nil, "document")
	add(p.Location != nil, "location")
	add(p.Payload != "", "payload")
	add(p.CouponCode != "", "coupon_code")
	add(p.Action != nil, "action")
	add(p.Product != nil, "product")
	add(p.LimitedTimeOffer != nil, "limited_time_offer")
	add(p.TTLMinutes != 0, "ttl_minutes")
	add(p.TapTargetConfiguration != nil, "tap_target_configuration")
	return out
}

func mediaOf(p Parameter) *Media {
	switch p.Type {
	case ParamImage:
		return p.Image
	case ParamVideo:
		return p.Video
	case ParamDocument:
		return p.Document
	}
	return nil
}

// isObjectKind reports whether a parameter of this type carries its value
// in an object (currency, media, location, action) rather than a string.
func isObjectKind(typ string) bool {
	switch typ {
	case ParamText, ParamPayload, ParamCouponCode, ParamTTLMinutes:
		return false
	}
	return true
}

// isCurrencyCode reports whether s looks like an ISO 4217 code.
func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// isAlphanumeric reports whether s has only letters and digits.
func isAlphanumeric(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}
