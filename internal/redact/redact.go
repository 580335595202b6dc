// Package redact masks personal data before it reaches logs or output.
package redact

// Phone masks a phone number for logs: it keeps the first four and the last
// four characters and replaces the rest with '*' ("+33612345678" becomes
// "+336****5678"). Numbers too short to mask meaningfully become "****".
func Phone(s string) string {
	if len(s) < 10 {
		return "****"
	}
	return s[:4] + "****" + s[len(s)-4:]
}
