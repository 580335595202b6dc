package crispwa

import (
	"strconv"
	"strings"
	"unicode"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/nyaruka/phonenumbers"
)

// maxPhoneInput caps the text NormalizePhone reads, in bytes: a phone
// number with generous formatting, an extension and full-width digits (3
// bytes each) is shorter.
const maxPhoneInput = 128

// NormalizePhone returns number in canonical "+E.164" form (for example
// "+33612345678"), so that one person written several ways is one
// recipient, and the form WhatsApp reaches. defaultRegion (ISO 3166
// alpha-2, e.g. "FR") reads a national number such as "06 12 34 56 78"; ""
// means the number must carry its country code.
//
// It reads numbers as people and systems hold them: "+33...", "0033...",
// "+0033..." and "33..." all carry the country code; spaces (also no-break
// and narrow ones), dots, dashes (also non-breaking hyphens, en and em
// dashes, minus signs), slashes and brackets are ignored; Arabic-Indic,
// Extended Arabic-Indic (Persian), Devanagari and full-width digits count as
// digits; a "tel:" link is read, and an extension ("ext. 123", "x12",
// "#123", ";ext=123") is dropped. Mexico's mobile "+52 1 …" form (what
// WhatsApp's own webhooks show) gives +52 without the 1, and the old
// national prefixes 044, 045 and 01 are dropped. Letters are refused.
//
// The error is a *ValidationError wrapping ErrInvalidRequest that says why:
// not a phone number, no country code and no default region, a Brazilian
// mobile missing its ninth digit, or not a valid number for its country
// (libphonenumber's metadata). It never repeats the number itself.
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
		return "", "is not a phone number: want digits with an optional leading '+' (spaces, dots, dashes, slashes, brackets, a tel: prefix and an extension are ignored; letters are not)"
	case len(digits) < 3:
		return "", "is not a phone number: too short"
	}
	if strings.HasPrefix(digits, "00") { // international call prefix, also after a '+'
		digits, plus = digits[2:], true
	}
	if region == "MX" && !plus {
		digits = mexicoNational(digits)
	}
	var candidates []string
	switch {
	case plus:
		candidates = []string{"+" + mexicoInternational(digits)}
	case region == "" && digits[0] == '0':
		return "", "has no country code and no default region is given: write it as +<country code><number>"
	case region == "":
		candidates = []string{"+" + mexicoInternational(digits)}
	case digits[0] == '0':
		candidates = []string{digits} // national, with its trunk prefix
	default:
		// National without trunk prefix, or country code without '+':
		// the one valid for its country wins, national first.
		candidates = []string{digits, "+" + mexicoInternational(digits)}
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
		if brazilMissingNinthDigit(num) {
			return "", brazilNinthDigitReason
		}
		if r := phonenumbers.GetRegionCodeForCountryCode(int(num.GetCountryCode())); r != "" && r != "ZZ" {
			reason = "is not a valid phone number for its country (" + r + ")"
		}
	}
	return "", reason
}

// mexicoInternational drops the "1" of Mexico's old mobile form: "52 1"
// followed by the 10-digit number, which WhatsApp's webhooks and chats
// still show, is +52 and the 10 digits (since 2019 the 1 is not dialled,
// and WhatsApp reaches the number without it). Other numbers are returned
// as they are.
func mexicoInternational(digits string) string {
	if len(digits) == 13 && strings.HasPrefix(digits, "521") {
		return "52" + digits[3:]
	}
	return digits
}

// mexicoNational drops the prefixes Mexico's national numbers were dialled
// with before 2019: 044 and 045 (mobile, local and long distance), 01 (long
// distance) and the mobile 1, each before the 10-digit number.
func mexicoNational(digits string) string {
	switch {
	case len(digits) == 13 && (strings.HasPrefix(digits, "044") || strings.HasPrefix(digits, "045")):
		return digits[3:]
	case len(digits) == 12 && strings.HasPrefix(digits, "01"):
		return digits[2:]
	case len(digits) == 11 && digits[0] == '1':
		return digits[1:]
	}
	return digits
}

// brazilNinthDigitReason explains the refusal of a Brazilian mobile number
// written without its ninth digit.
const brazilNinthDigitReason = "is a Brazilian mobile number without its ninth digit: since 2016 every Brazilian mobile number has 9 digits after the 2-digit area code, the first being 9; add a 9 after the area code (+55 AA 9XXXX-XXXX)"

// brazilMissingNinthDigit reports a Brazilian number of 10 national digits
// whose subscriber part starts like a mobile (6 to 9) and that is a valid
// mobile number once a 9 is put after the area code: a mobile number
// written in its pre-2016 form.
func brazilMissingNinthDigit(num *phonenumbers.PhoneNumber) bool {
	if num.GetCountryCode() != 55 {
		return false
	}
	nsn := phonenumbers.GetNationalSignificantNumber(num)
	if len(nsn) != 10 || nsn[2] < '6' || nsn[2] > '9' {
		return false
	}
	fixed, err := phonenumbers.Parse("+55"+nsn[:2]+"9"+nsn[2:], "")
	return err == nil && phonenumbers.IsValidNumber(fixed) && phonenumbers.GetNumberType(fixed) == phonenumbers.MOBILE
}

// phoneDigits strips the formatting a person or a system may put around a
// number: it reads digits of other scripts as ASCII digits, a "tel:"
// prefix, an extension, and the separators of phoneRune. ok is false when
// anything else appears (letters, a second '+', a '+' inside).
func phoneDigits(s string) (digits string, plus, ok bool) {
	if len(s) > maxPhoneInput {
		return "", false, false
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch c := phoneRune(r); c {
		case dropRune:
		case ' ':
			if b.Len() > 0 && !strings.HasSuffix(b.String(), " ") {
				b.WriteByte(' ')
			}
		default:
			b.WriteRune(c)
		}
	}
	t := strings.TrimSpace(b.String())
	if len(t) >= 4 && strings.EqualFold(t[:4], "tel:") {
		t = strings.TrimLeft(t[4:], "/ ")           // also "tel://"
		if i := strings.IndexByte(t, ';'); i >= 0 { // RFC 3966 parameters: ext=, isub=, phone-context=
			t = t[:i]
		}
	}
	t = cutExtension(t)
	if strings.HasPrefix(t, "+") {
		plus, t = true, t[1:]
	}
	var d strings.Builder
	d.Grow(len(t))
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c >= '0' && c <= '9':
			d.WriteByte(c)
		case c == ' ', c == '-', c == '.', c == '(', c == ')', c == '/':
		default:
			return "", false, false
		}
	}
	return d.String(), plus, d.Len() > 0
}

// phoneRune maps one character of a phone number to what phoneDigits
// reads: a digit of another script (Arabic-Indic, Extended Arabic-Indic,
// Devanagari, Bengali, full-width) to its ASCII digit, a full-width plus or
// bracket to its ASCII form, any space or tab to ' ', a dash of any kind
// to '-', a bidi mark or zero-width character (copied from right-to-left
// text) to dropRune; anything else is returned as it is.
func phoneRune(r rune) rune {
	for _, zero := range [...]rune{'\u0660', '\u06f0', '\u0966', '\u09e6', '\uff10'} {
		if r >= zero && r <= zero+9 {
			return '0' + (r - zero)
		}
	}
	switch r {
	case '\uff0b':
		return '+'
	case '\uff08':
		return '('
	case '\uff09':
		return ')'
	case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\ufe63', '\uff0d':
		return '-'
	case '\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u2060', '\ufeff', '\u061c':
		return dropRune
	}
	if (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
		return dropRune
	}
	if unicode.IsSpace(r) {
		return ' '
	}
	return r
}

// dropRune is what phoneRune returns for a character phoneDigits drops.
const dropRune = -1

// cutExtension drops an extension after a number: "ext. 123", "ext 9",
// "extension 5", "x12", "#123" (the marker, optional blanks, '.' or ':',
// then digits to the end). Text without one is returned as it is.
func cutExtension(t string) string {
	lower := strings.ToLower(t)
	for i := 1; i < len(lower); i++ {
		if !strings.ContainsAny(lower[:i], "0123456789") {
			continue
		}
		for _, marker := range [...]string{"extension", "ext.", "ext", "x", "#"} {
			if !strings.HasPrefix(lower[i:], marker) {
				continue
			}
			rest := strings.TrimLeft(lower[i+len(marker):], " .:")
			if rest != "" && strings.Trim(rest, "0123456789") == "" {
				return strings.TrimSpace(t[:i])
			}
		}
	}
	return t
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
// at most maxPhoneInput bytes each (about 1 MiB at worst).
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
