package crispwa

import (
	"strconv"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/nyaruka/phonenumbers"
)

// maxPhoneInput caps the text NormalizePhone reads: a phone number with
// generous formatting is far shorter.
const maxPhoneInput = 64

// NormalizePhone returns number in canonical "+E.164" form (for example
// "+33612345678"), so that one person written several ways is one
// recipient. Spaces, dots, dashes, slashes and brackets are ignored; "+33...",
// "0033..." and "33..." all carry the country code. defaultRegion (ISO 3166
// alpha-2, e.g. "FR") reads a national number such as "06 12 34 56 78"; ""
// means the number must carry its country code.
//
// The error is a *ValidationError wrapping ErrInvalidRequest that says why:
// not a phone number, no country code and no default region, or not a valid
// number for its country (libphonenumber's metadata). It never repeats the
// number itself.
func NormalizePhone(number, defaultRegion string) (string, error) {
	e164, reason := normalizePhone(number, defaultRegion)
	if reason != "" {
		return "", &ValidationError{Field: "number", Reason: reason}
	}
	return e164, nil
}

// normalizePhone is NormalizePhone without the error value: it returns the
// canonical number, or "" and the reason it is refused (Validate puts the
// reason on the request's own field).
func normalizePhone(number, defaultRegion string) (e164, reason string) {
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if region != "" && phonenumbers.GetCountryCodeForRegion(region) == 0 {
		return "", "unknown default region " + quoteShort(defaultRegion) + ": want an ISO 3166 alpha-2 code such as \"FR\""
	}
	digits, plus, ok := phoneDigits(number)
	switch {
	case !ok:
		return "", "is not a phone number: want digits with an optional leading '+' (spaces, dots, dashes, slashes and brackets are ignored)"
	case len(digits) < 3:
		return "", "is not a phone number: too short"
	}
	if !plus && strings.HasPrefix(digits, "00") { // international call prefix
		digits, plus = digits[2:], true
	}
	var candidates []string
	switch {
	case plus:
		candidates = []string{"+" + digits}
	case region == "" && digits[0] == '0':
		return "", "has no country code and no default region is given: write it as +<country code><number>"
	case region == "":
		candidates = []string{"+" + digits}
	case digits[0] == '0':
		candidates = []string{digits} // national, with its trunk prefix
	default:
		// National without trunk prefix, or country code without '+':
		// the one valid for its country wins, national first.
		candidates = []string{digits, "+" + digits}
	}
	reason = "is not a valid phone number"
	for _, c := range candidates {
		num, err := phonenumbers.Parse(c, region)
		if err != nil {
			continue
		}
		if phonenumbers.IsValidNumber(num) {
			return phonenumbers.Format(num, phonenumbers.E164), ""
		}
		if r := phonenumbers.GetRegionCodeForCountryCode(int(num.GetCountryCode())); r != "" && r != "ZZ" {
			reason = "is not a valid phone number for its country (" + r + ")"
		}
	}
	return "", reason
}

// phoneDigits strips the formatting a person may type around a number. ok
// is false when anything but digits, one leading '+' and separators appear.
func phoneDigits(s string) (digits string, plus, ok bool) {
	if len(s) > maxPhoneInput {
		return "", false, false
	}
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "+") {
		plus, s = true, s[1:]
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == ' ', c == '-', c == '.', c == '(', c == ')', c == '/', c == '\t':
		default:
			return "", false, false
		}
	}
	return b.String(), plus, b.Len() > 0
}

// quoteShort quotes s for an error message, cut to a few characters so
// that untrusted input cannot flood it.
func quoteShort(s string) string {
	const max = 8
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strconv.Quote(s)
}

// normalizeE164 reads a number that must carry its country code, as Send
// requires.
func normalizeE164(number string) (e164, reason string) { return normalizePhone(number, "") }

// phoneCacheSize bounds a client's phoneCache: at most this many numbers of
// at most maxPhoneInput bytes each (about 0.5 MiB).
const phoneCacheSize = 4096

// phoneCache remembers the canonical form of valid numbers a client has
// read. Parsing one with libphonenumber's metadata costs about 12 µs and 50
// allocations; a business sends from one number, and often to the same
// customers again, so Send parses each number once. Refused numbers are
// not cached: their reason is computed again.
type phoneCache struct {
	known *lru.Cache[string, string]
}

func newPhoneCache() *phoneCache {
	known, err := lru.New[string, string](phoneCacheSize)
	if err != nil { // only for a size < 1
		panic("crispwa: phone cache: " + err.Error())
	}
	return &phoneCache{known: known}
}

// normalize is normalizeE164 through the cache.
func (c *phoneCache) normalize(number string) (e164, reason string) {
	if e164, ok := c.known.Get(number); ok {
		return e164, ""
	}
	if e164, reason = normalizeE164(number); reason == "" {
		c.known.Add(number, e164)
	}
	return e164, reason
}
