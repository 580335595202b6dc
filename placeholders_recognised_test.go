package crispwa

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPositionalPlaceholderNumbers: which {{...}} a POSITIONAL template's
// text asks a value for. Every digit counts ('0' and '9' included), the
// bound 1000 is a placeholder and 1001 is not; anything else is literal
// text and asks for nothing.
func TestPositionalPlaceholderNumbers(t *testing.T) {
	tests := []struct {
		inner string
		want  int // the body asks for {{1}}..{{want}}; 0 = literal text
	}{
		{"1", 1}, {"9", 9}, {"10", 10}, {"19", 19}, {"90", 90}, {"1000", 1000},
		{"1001", 0}, {"9999", 0}, {"10000", 0}, {"0", 0}, {"01", 0},
		{"1a", 0}, {"a1", 0}, {"-1", 0}, {"1/", 0}, {"1:", 0}, {"", 0}, {" 1", 0},
	}
	for _, tt := range tests {
		t.Run(tt.inner, func(t *testing.T) {
			tpl := &Template{Name: "n", Language: "en", Status: StatusApproved,
				Components: []TemplateComponent{{Type: "BODY", Text: "Hi {{" + tt.inner + "}}!"}}}
			_, body := tpl.Placeholders()
			require.Len(t, body, tt.want)
			if tt.want > 0 {
				assert.Equal(t, "1", body[0])
				assert.Equal(t, strconv.Itoa(tt.want), body[tt.want-1])
				return
			}
			// Literal text: Render shows it as is, without values.
			out, err := tpl.Render(TemplateValues{})
			require.NoError(t, err)
			assert.Equal(t, "Hi {{"+tt.inner+"}}!", out)
		})
	}
}

// TestNamedPlaceholderLength: a name of 512 bytes is a placeholder, one of
// 513 is literal text.
func TestNamedPlaceholderLength(t *testing.T) {
	for _, n := range []int{1, 511, 512, 513, 600} {
		name := strings.Repeat("a", n)
		tpl := &Template{Name: "n", Language: "en", Status: StatusApproved, ParameterFormat: ParameterFormatNamed,
			Components: []TemplateComponent{{Type: "BODY", Text: "Hi {{" + name + "}}"}}}
		_, body := tpl.Placeholders()
		if n <= 512 {
			assert.Equal(t, []string{name}, body, "length %d", n)
		} else {
			assert.Empty(t, body, "length %d", n)
		}
	}
}

// TestPlaceholderScanAfterClosingBraces: a "}}" with no placeholder before
// it (at the start of the text, or right after a placeholder) does not end
// the scan: the placeholders after it still ask for values and are filled.
func TestPlaceholderScanAfterClosingBraces(t *testing.T) {
	tests := []struct {
		text   string
		values []string
		want   string
	}{
		{"}}{{1}}", []string{"A"}, "}}A"},
		{"{{1}}}}{{2}}", []string{"A", "B"}, "A}}B"},
		{"}}}}x{{1}} {{2}}", []string{"A", "B"}, "}}}}xA B"},
		{"{{{1}}}", []string{"A"}, "{A}"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			tpl := &Template{Name: "n", Language: "en", Status: StatusApproved,
				Components: []TemplateComponent{{Type: "BODY", Text: tt.text}}}
			_, body := tpl.Placeholders()
			assert.Len(t, body, len(tt.values))
			out, err := tpl.Render(TemplateValues{Body: tt.values})
			require.NoError(t, err)
			assert.Equal(t, tt.want, out)
		})
	}
}
