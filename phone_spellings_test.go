package crispwa

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// phoneSpellings are real-world spellings of phone numbers, as people and
// systems hold them (typed, copied from a web page, a spreadsheet, a vCard
// or a WhatsApp webhook), with the number WhatsApp reaches.
var phoneSpellings = []struct {
	name, in, region, want string
}{
	// Plain forms.
	{"E.164", "+33612345678", "", "+33612345678"},
	{"spaced", "+33 6 12 34 56 78", "", "+33612345678"},
	{"00 prefix", "0033 6 12 34 56 78", "", "+33612345678"},
	{"national", "06 12 34 56 78", "FR", "+33612345678"},
	{"trunk zero in brackets", "+33 (0)6 12 34 56 78", "", "+33612345678"},
	{"dots", "+33 6.12.34.56.78", "", "+33612345678"},
	{"US brackets", "+1 (202) 555-0143", "", "+12025550143"},
	{"US national dots", "202.555.0143", "US", "+12025550143"},
	{"UK mobile", "07911 123456", "GB", "+447911123456"},
	{"Spain", "+34 612 34 56 78", "", "+34612345678"},
	{"Germany mobile", "+49 1512 3456789", "", "+4915123456789"},
	{"India", "+91 98765 43210", "", "+919876543210"},
	{"Brazil mobile", "+55 11 91234-5678", "", "+5511912345678"},
	{"Brazil national", "(11) 91234-5678", "BR", "+5511912345678"},
	{"Argentina mobile", "+54 9 11 2345-6789", "", "+5491123456789"},
	// Mexico: WhatsApp's own webhooks and chats show 521…; WhatsApp
	// reaches +52 without the 1. Old national prefixes 044/045/01.
	{"Mexico 521 webhook form", "5215512345678", "", "+525512345678"},
	{"Mexico +52 1", "+52 1 55 1234 5678", "", "+525512345678"},
	{"Mexico +521", "+521 55 1234 5678", "", "+525512345678"},
	{"Mexico without the 1", "+52 55 1234 5678", "", "+525512345678"},
	{"Mexico 044 mobile prefix", "044 55 1234 5678", "MX", "+525512345678"},
	{"Mexico 045 mobile prefix", "045 55 1234 5678", "MX", "+525512345678"},
	{"Mexico 01 long-distance prefix", "01 55 1234 5678", "MX", "+525512345678"},
	{"Mexico national mobile 1", "1 55 1234 5678", "MX", "+525512345678"},
	// Digits of other scripts.
	{"Arabic-Indic digits", "+٩٦٦ ٥٠ ١٢٣ ٤٥٦٧", "", "+966501234567"},
	{"Extended Arabic-Indic digits", "+۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹", "", "+989123456789"},
	{"Devanagari digits", "+९१ ९८७६५ ४३२१०", "", "+919876543210"},
	{"Bengali digits", "+৮৮০ ১৭১২-৩৪৫৬৭৮", "", "+8801712345678"},
	{"full-width digits and plus", "＋３３ ６ １２ ３４ ５６ ７８", "", "+33612345678"},
	{"full-width digits, ASCII plus", "+８１ ９０-１２３４-５６７８", "", "+819012345678"},
	// Spaces and dashes from web pages and spreadsheets.
	{"no-break spaces", "+33\u00a06\u00a012\u00a034\u00a056\u00a078", "", "+33612345678"},
	{"narrow no-break space", "+33\u202f6\u202f12\u202f34\u202f56\u202f78", "", "+33612345678"},
	{"ideographic space", "+81\u300090\u30001234\u30005678", "", "+819012345678"},
	{"full-width brackets", "+1 （202） 555-0143", "", "+12025550143"},
	{"figure space", "+33\u20076\u200712\u200734\u200756\u200778", "", "+33612345678"},
	{"non-breaking hyphen", "+1 202\u2011555\u20110143", "", "+12025550143"},
	{"en dashes", "202\u2013555\u20130143", "US", "+12025550143"},
	{"em dashes", "+1\u2014202\u2014555\u20140143", "", "+12025550143"},
	{"minus signs", "+44\u22127911\u2212123456", "", "+447911123456"},
	{"left-to-right marks around", "\u200e+33 6 12 34 56 78\u200e", "", "+33612345678"},
	{"tab and blanks around", "  +33 6 12 34 56 78\t", "", "+33612345678"},
	// Links and extensions.
	{"tel link", "tel:+33612345678", "", "+33612345678"},
	{"tel link with dashes", "tel:+1-202-555-0143", "", "+12025550143"},
	{"tel link with slashes", "tel://+33612345678", "", "+33612345678"},
	{"TEL link upper case", "TEL:+44 7911 123456", "", "+447911123456"},
	{"tel link with ext parameter", "tel:+1-202-555-0143;ext=123", "", "+12025550143"},
	{"ext.", "+1 202 555 0143 ext. 123", "", "+12025550143"},
	{"ext", "+1 202 555 0143 ext 9", "", "+12025550143"},
	{"extension", "+1 202 555 0143 extension 5", "", "+12025550143"},
	{"x", "+1 202-555-0143 x12", "", "+12025550143"},
	{"hash", "+1 (202) 555-0143 #123", "", "+12025550143"},
	// International prefix after the plus.
	{"+00", "+0033 6 12 34 56 78", "", "+33612345678"},
	{"+00 UK", "+0044 7911 123456", "", "+447911123456"},
}

// TestNormalizePhoneSpellings: every real-world spelling gives the number
// WhatsApp reaches.
func TestNormalizePhoneSpellings(t *testing.T) {
	require.GreaterOrEqual(t, len(phoneSpellings), 42)
	for _, tt := range phoneSpellings {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizePhone(tt.in, tt.region)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
