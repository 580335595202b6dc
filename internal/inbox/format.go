package inbox

import (
	"html"
	"html/template"
	"regexp"
	"strings"
	"sync"
)

// WhatsApp's inline formatting: *bold*, _italic_, ~strike~, each opening
// after the start, a space or punctuation, around text that neither starts
// nor ends with a space and stays on one line. They are compiled on first
// use, not at start-up.
var (
	waBold   = lazyRegexp(`(^|[\s\p{P}])\*([^\s*](?:[^*\n]*?[^\s*])?)\*`)
	waItalic = lazyRegexp(`(^|[\s\p{P}])_([^\s_](?:[^_\n]*?[^\s_])?)_`)
	waStrike = lazyRegexp(`(^|[\s\p{P}])~([^\s~](?:[^~\n]*?[^\s~])?)~`)
	// placeholder is a template's {{1}} or {{name}}, once escaped.
	placeholder = lazyRegexp(`\{\{\s*[A-Za-z0-9_]+\s*\}\}`)
)

// lazyRegexp returns a function compiling expr once, on its first call.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// formatWhatsApp renders text the way WhatsApp does: ```monospace```
// blocks, *bold*, _italic_ and ~strike~. It is safe for any text: the
// text is escaped first, and only the fixed tags <code>, <b>, <i> and <s>
// are added around parts of the escaped text. With placeholders, each
// {{1}} or {{name}} is marked too (the templates view).
func formatWhatsApp(text string, placeholders bool) template.HTML {
	var b strings.Builder
	parts := strings.Split(text, "```")
	for i, p := range parts {
		esc := html.EscapeString(p)
		if i%2 == 1 && i < len(parts)-1 { // inside a ``` block closed later
			if placeholders {
				esc = placeholder().ReplaceAllString(esc, `<span class="ph">$0</span>`)
			}
			b.WriteString("<code class=\"mono\">" + esc + "</code>")
			continue
		}
		if i%2 == 1 { // an unclosed ```: literal
			b.WriteString("```")
		}
		esc = waBold().ReplaceAllString(esc, "$1<b>$2</b>")
		esc = waItalic().ReplaceAllString(esc, "$1<i>$2</i>")
		esc = waStrike().ReplaceAllString(esc, "$1<s>$2</s>")
		if placeholders {
			esc = placeholder().ReplaceAllString(esc, `<span class="ph">$0</span>`)
		}
		b.WriteString(esc)
	}
	return template.HTML(b.String()) // #nosec: built from escaped text and fixed tags only
}
