package crispwa

import "strings"

// activeCurrencies are, space-separated, the ISO 4217 codes in use, from the ISO 4217
// maintenance agency's list one (https://www.six-group.com/en/products-services/financial-information/data-standards.html),
// without the precious metals, bond units and test codes (XAU, XDR, XTS,
// XXX, ...), which no price shown to a customer uses. Withdrawn codes
// (HRK, SLL, VEF, ZWL, MRO, STD, ANG, BGN) are left out: a currency
// parameter with one of them is refused by Check.
const activeCurrencies = " AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD " +
	"CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP " +
	"GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF " +
	"KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR " +
	"MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK " +
	"SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU " +
	"UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG "

// isCurrencyCode reports whether s is an active ISO 4217 currency code,
// in capitals as Meta requires ("USD", not "usd").
func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return strings.Contains(activeCurrencies, " "+s+" ")
}
