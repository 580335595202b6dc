package crispwa

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckCarouselCardIndexes: a card_index outside the template's cards
// names the valid range, and a card given twice leaves the other card
// reported missing.
func TestCheckCarouselCardIndexes(t *testing.T) {
	a, b := ImageLink("https://example.com/a.jpg"), ImageLink("https://example.com/b.jpg")
	tpl := carouselTemplate()
	build := func(t *testing.T) MessageTemplate {
		m, err := tpl.Build(TemplateValues{Body: []string{"Ann"}, Cards: []CardValues{
			{HeaderMedia: &a, Body: []string{"$5"}, Buttons: map[int]string{1: "a"}},
			{HeaderMedia: &b, Body: []string{"$7"}, Buttons: map[int]string{1: "b"}},
		}})
		require.NoError(t, err)
		return m
	}
	tests := []struct {
		name    string
		indexes []int
		want    []string
	}{
		{"index past the last card", []int{0, 5}, []string{"carousel.cards[1].card_index: is 5; the template's cards are 0 to 1"}},
		{"negative index", []int{-1, 1}, []string{"carousel.cards[0].card_index: is -1; the template's cards are 0 to 1"}},
		{"card 0 twice", []int{0, 0}, []string{"card[0]: a second card with card_index 0", "card[1]: the message has no card with card_index 1"}},
		{"card 1 twice", []int{1, 1}, []string{"card[1]: a second card with card_index 1", "card[0]: the message has no card with card_index 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := build(t)
			for i, k := range tt.indexes {
				m.Components[1].Cards[i].CardIndex = k
			}
			var got []string
			for _, is := range ValidationErrors(tpl.Check(m)) {
				got = append(got, is.Field+": "+is.Reason)
			}
			for _, w := range tt.want {
				assert.Contains(t, got, w)
			}
		})
	}
}

// TestCheckWholeURLSuffixExact: a suffix that is exactly a scheme
// ("https://") is refused like a whole URL.
func TestCheckWholeURLSuffixExact(t *testing.T) {
	for _, suffix := range []string{"https://", "http://", "HTTP://", "https://x"} {
		m := ckReplace(ckOrderMessage(), 2, URLButton(0, suffix))
		assert.ErrorContains(t, ckOrderTemplate().Check(m), "button[0].parameters[0].text: is a whole URL ("+strconv.Quote(suffix)+")", suffix)
	}
	for _, suffix := range []string{"https:/", "http:", "h"} {
		m := ckReplace(ckOrderMessage(), 2, URLButton(0, suffix))
		assert.NoError(t, ckOrderTemplate().Check(m), suffix)
	}
}

// TestCheckQuotesTextUpTo80Runes: an error quotes a text of 80 runes
// whole, and cuts a longer one at 80 runes with "...".
func TestCheckQuotesTextUpTo80Runes(t *testing.T) {
	for _, n := range []int{79, 80, 81, 200} {
		text := strings.Repeat("é", n)
		m := ckOrderMessage()
		m.Components = append(m.Components, Component{Type: ComponentFooter, Text: text})
		quoted := text
		if n > 80 {
			quoted = strings.Repeat("é", 80) + "..."
		}
		assert.ErrorContains(t, ckOrderTemplate().Check(m), "footer.text: is "+strconv.Quote(quoted)+" but the template's footer is", "length %d", n)
	}
}
