package crispwa

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The client's phone cache answers exactly what normalizeE164 answers, and
// keeps only numbers that are valid.
func TestPhoneCache(t *testing.T) {
	tests := []struct {
		number string
		cached bool
	}{
		{"+33 6 12 34 56 78", true},
		{"0033612345678", true},
		{"0612345678", false},       // no country code
		{"+33 1", false},            // too short for France
		{"not a number", false},     // not digits
		{"+33 6 12 34 56 78", true}, // again: answered from the cache
	}
	c := newPhoneCache()
	for _, tt := range tests {
		wantE164, wantReason := normalizeE164(tt.number)
		gotE164, gotReason := c.normalize(tt.number)
		assert.Equal(t, wantE164, gotE164, tt.number)
		assert.Equal(t, wantReason, gotReason, tt.number)
		assert.Equal(t, tt.cached, c.known.Contains(tt.number), tt.number)
	}
	assert.Equal(t, 2, c.known.Len(), "one entry per valid spelling")
}

func BenchmarkPhoneCache(b *testing.B) {
	c := newPhoneCache()
	b.Run("hit", func(b *testing.B) {
		for b.Loop() {
			c.normalize("+33612345678")
		}
	})
	b.Run("miss", func(b *testing.B) {
		for b.Loop() {
			normalizeE164("+33612345678")
		}
	})
}
