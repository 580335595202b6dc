package crispwa

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"
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
		} else if why := textParamProblem(p.Text); why != "" {
			c.add(field+".text", "%s: WhatsApp refuses a text parameter with a new-line or tab character or more than %d consecutive spaces (error 132018); "+
				"put line breaks in the template's own text, or replace them with a space", why, maxConsecutiveSpaces)
		}
	case ParamCurrency:
		want = "currency"
		if cur := p.Currency; cur != nil {
			if cur.FallbackValue == "" {
				c.add(field+".currency.fallback_value", "is empty")
			}
			if !isCurrencyCode(cur.Code) {
				c.add(field+".currency.code", "is %q, not an active ISO 4217 currency code: give one in capitals, e.g. \"USD\", \"EUR\" or \"INR\"", cur.Code)
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
		if pr := p.Product; pr != nil {
			if pr.ProductRetailerID == "" {
				c.add(field+".product.product_retailer_id", "is empty")
			}
			if pr.CatalogID == "" {
				c.add(field+".product.catalog_id", "is empty: a product header names the ID of the catalog connected to the WhatsApp account, with its product_retailer_id")
			}
		}
	case ParamLimitedTimeOffer:
		want = "limited_time_offer"
		switch o := p.LimitedTimeOffer; {
		case o == nil:
		case o.ExpirationTimeMS <= 0:
			c.add(field+".limited_time_offer.expiration_time_ms", "is %d; want the offer's end in milliseconds since the Unix epoch", o.ExpirationTimeMS)
		case o.ExpirationTimeMS <= time.Now().UnixMilli():
			c.add(field+".limited_time_offer.expiration_time_ms", "is %s, already past: the offer would arrive expired; give a time in the future",
				time.UnixMilli(o.ExpirationTimeMS).UTC().Format(time.RFC3339))
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

// isAlphanumeric reports whether s has only letters and digits.
func isAlphanumeric(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// textParamProblem says why WhatsApp would refuse s as a text parameter
// (Meta's error 132018, "Param text cannot have new-line/tab characters or
// more than 4 consecutive spaces"), or "" when it would not.
func textParamProblem(s string) string {
	if i := strings.IndexAny(s, "\n\r\t"); i >= 0 {
		what := "a new-line"
		if s[i] == '\t' {
			what = "a tab"
		}
		return fmt.Sprintf("has %s at byte %d", what, i)
	}
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			run = 0
			continue
		}
		if run++; run > maxConsecutiveSpaces {
			return fmt.Sprintf("has more than %d consecutive spaces at byte %d", maxConsecutiveSpaces, i-maxConsecutiveSpaces)
		}
	}
	return ""
}
