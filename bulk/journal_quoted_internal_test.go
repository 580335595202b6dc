package bulk

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// quotedByteByByte is quoted as first written, one byte at a time: the
// reference the word-at-a-time scan must agree with.
func quotedByteByByte(p []byte) (s, rest []byte, ok bool) {
	if len(p) == 0 || p[0] != '"' {
		return nil, nil, false
	}
	ascii := true
	for i := 1; i < len(p); i++ {
		switch c := p[i]; {
		case c == '"':
			s = p[1:i]
			if !ascii && !utf8.Valid(s) {
				return nil, nil, false
			}
			return s, p[i+1:], true
		case c == '\\' || c < 0x20:
			return nil, nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, nil, false
}

// Every special byte (control, backslash, quote, non-ASCII, invalid UTF-8)
// at every position of strings around the 8-byte words, and random ones:
// the scan answers as the byte-by-byte reference does.
func TestQuotedMatchesByteByByte(t *testing.T) {
	specials := []byte{0x00, 0x01, 0x1f, 0x20, '\\', '"', 0x7f, 0x80, 0xc3, 0xa9, 0xff, 'a'}
	check := func(p []byte) {
		t.Helper()
		s1, r1, ok1 := quoted(p)
		s2, r2, ok2 := quotedByteByByte(p)
		if ok1 != ok2 || !bytes.Equal(s1, s2) || !bytes.Equal(r1, r2) {
			t.Fatalf("quoted(%q) = %q, %q, %v; byte by byte: %q, %q, %v", p, s1, r1, ok1, s2, r2, ok2)
		}
	}
	for n := 0; n <= 25; n++ {
		for pos := 0; pos < n; pos++ {
			for _, c := range specials {
				body := bytes.Repeat([]byte{'x'}, n)
				body[pos] = c
				check(append(append([]byte{'"'}, body...), '"', ','))
				check(append([]byte{'"'}, body...)) // no closing quote
			}
		}
	}
	check([]byte(`"é+336"`))
	check([]byte("\"\xc3\""))
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		p := make([]byte, 1+rng.IntN(40))
		p[0] = '"'
		for i := 1; i < len(p); i++ {
			if rng.IntN(6) == 0 {
				p[i] = specials[rng.IntN(len(specials))]
			} else {
				p[i] = byte(0x20 + rng.IntN(0x5f))
			}
		}
		check(p)
	}
}
