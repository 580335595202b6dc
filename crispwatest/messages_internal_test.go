package crispwatest

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestContainsFold(t *testing.T) {
	tests := []struct {
		s, q string
		want bool
	}{
		{"", "", true},
		{"abc", "", true},
		{"", "a", false},
		{"Hello Alice", "alice", true},
		{"HELLO ALICE", "alice", true},
		{"hello alic", "alice", false},
		{"aaaAAb", "aab", true},
		{"AaAaAaAb", "aab", true},
		{"ABCD", "bcd", true},
		{"ABC", "abcd", false},
		{"x+33612345678", "+336", true},
		{"Émile", "émile", true},
		{"Émile", "mile", true},
	}
	for _, tt := range tests {
		if got := containsFold([]byte(tt.s), []byte(tt.q)); got != tt.want {
			t.Errorf("containsFold(%q, %q) = %v, want %v", tt.s, tt.q, got, tt.want)
		}
	}
	// Against the obvious implementation, on random ASCII strings.
	r := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "aAbB+1"[r.IntN(6)]
		}
		return string(b)
	}
	for range 20000 {
		s, q := word(r.IntN(12)), strings.ToLower(word(1+r.IntN(4)))
		if got, want := containsFold([]byte(s), []byte(q)), strings.Contains(strings.ToLower(s), q); got != want {
			t.Fatalf("containsFold(%q, %q) = %v, want %v", s, q, got, want)
		}
	}
}
