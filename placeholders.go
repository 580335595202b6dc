package crispwa

import (
	"strconv"
	"strings"
)

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
