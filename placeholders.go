package crispwa

import (
	"strconv"
	"strings"
)

// This file is the bottom of the template layer: finding placeholders in a
// template text and filling them with a send's parameters. Check, Build
// and Render all use it; it uses none of them.

// placeholders lists the parameters a template text asks for, in the order a
// send must give them.
//
// For a POSITIONAL template they are "1".."n", where n is the highest
// {{n}} in the text (Meta numbers positional placeholders from 1 without
// gaps, and a send gives one parameter per number). For a NAMED template they
// are the distinct {{name}} placeholders in order of first appearance; a
// name is a lowercase letter or underscore followed by lowercase letters,
// digits and underscores. Braces that do not form a placeholder of the
// template's format are literal text and ask for nothing.
func placeholders(text string, named bool) []string {
	var out []string
	seen := map[string]bool{}
	maxN := 0
	scanPlaceholders(text, named, func(_, _ int, inner string) {
		if named {
			if !seen[inner] {
				seen[inner] = true
				out = append(out, inner)
			}
			return
		}
		// isPlaceholderNumber bounds the number: no overflow.
		n, _ := strconv.Atoi(inner)
		maxN = max(maxN, n)
	})
	if named {
		return out
	}
	out = make([]string, maxN)
	for k := range out {
		out[k] = strconv.Itoa(k + 1)
	}
	return out
}

// scanPlaceholders calls fn for every placeholder of text, in order, with
// its byte range (braces included) and its name or number. A placeholder
// is the innermost "{{...}}": the last "{{" before the first "}}", so
// "{{{1}}}" and "{{ {{1}}" both hold {{1}}; braces that do not form a
// placeholder of the template's format are literal text.
func scanPlaceholders(text string, named bool, fn func(start, end int, inner string)) {
	off := 0
	for {
		rest := text[off:]
		j := strings.Index(rest, "}}")
		if j < 0 {
			return
		}
		if i := strings.LastIndex(rest[:j], "{{"); i >= 0 {
			inner := rest[i+2 : j]
			if (named && isPlaceholderName(inner)) || (!named && isPlaceholderNumber(inner)) {
				fn(off+i, off+j+2, inner)
			}
		}
		off += j + 2
	}
}

// maxPlaceholderNumber bounds the positional placeholders the SDK
// recognises, so that a hostile template text cannot make it allocate
// without bound. Real templates have a few dozen at most.
const maxPlaceholderNumber = 1000

// isPlaceholderNumber reports whether s is a positional placeholder number:
// decimal digits without a leading zero, 1..maxPlaceholderNumber.
func isPlaceholderNumber(s string) bool {
	if s == "" || len(s) > 4 || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	n, _ := strconv.Atoi(s)
	return n <= maxPlaceholderNumber
}

// isPlaceholderName reports whether s is a named placeholder: a lowercase
// letter or underscore, then lowercase letters, digits or underscores.
func isPlaceholderName(s string) bool {
	if s == "" || len(s) > 512 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c == '_':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// renderer fills a template's placeholders with a send's parameters.
type renderer struct{ named bool }

// paramValue is what the customer reads for a placeholder's parameter.
func paramValue(p Parameter) string {
	switch p.Type {
	case ParamCurrency:
		if p.Currency != nil {
			return p.Currency.FallbackValue
		}
	case ParamDateTime:
		if p.DateTime != nil {
			return p.DateTime.FallbackValue
		}
	}
	return p.Text
}

// fill replaces the placeholders of text with the parameters' values:
// {{n}} by the n-th parameter (POSITIONAL), {{name}} by the parameter of
// that name (NAMED). ok is false when a placeholder has no value.
func (r renderer) fill(text string, params []Parameter) (out string, ok bool) {
	var b strings.Builder
	last := 0
	ok = true
	scanPlaceholders(text, r.named, func(start, end int, inner string) {
		val, found := r.value(inner, params)
		if !found {
			ok = false
			return
		}
		b.WriteString(text[last:start])
		b.WriteString(val)
		last = end
	})
	if last == 0 {
		return text, ok
	}
	b.WriteString(text[last:])
	return b.String(), ok
}

func (r renderer) value(inner string, params []Parameter) (string, bool) {
	if r.named {
		for _, p := range params {
			if p.ParameterName == inner {
				return paramValue(p), true
			}
		}
		return "", false
	}
	n, _ := strconv.Atoi(inner)
	if n < 1 || n > len(params) {
		return "", false
	}
	return paramValue(params[n-1]), true
}
