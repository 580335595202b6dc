package main

import (
	"strings"
	"unicode"
)

// Caps on text printed to the terminal.
const (
	// maxServerText caps one piece of text from the server (a reason, a
	// template name) in runes.
	maxServerText = 200
	// maxMessage caps one error message line in runes.
	maxMessage = 1000
)

// sanitize makes s safe to print on a terminal: invalid UTF-8, control
// characters (escape sequences, line breaks, tabs, the C1 controls) and
// bidirectional overrides become '?', and s is cut to maxRunes runes with
// an ellipsis. Every text the command prints that the server or a file
// provided goes through it.
func sanitize(s string, maxRunes int) string {
	var b strings.Builder
	n := 0
	for _, r := range strings.ToValidUTF8(s, "?") {
		if n == maxRunes {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// serverText is sanitize with the cap for one piece of server text.
func serverText(s string) string { return sanitize(s, maxServerText) }
