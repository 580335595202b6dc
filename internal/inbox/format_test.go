package inbox

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFormatWhatsApp(t *testing.T) {
	tests := []struct {
		in, want     string
		placeholders bool
	}{
		{in: "plain", want: "plain"},
		{in: "*bold* and _italic_ and ~gone~", want: "<b>bold</b> and <i>italic</i> and <s>gone</s>"},
		{in: "*a* *b*", want: "<b>a</b> <b>b</b>"},
		{in: "a*b*c 2 * 3 * 4", want: "a*b*c 2 * 3 * 4"},
		{in: "* not bold*", want: "* not bold*"},
		{in: "snake_case_name", want: "snake_case_name"},
		{in: "(*in parens*)", want: "(<b>in parens</b>)"},
		{in: "```x *y*```", want: `<code class="mono">x *y*</code>`},
		{in: "```unclosed *y*", want: "```unclosed <b>y</b>"},
		{in: "*<script>alert(1)</script>*", want: "<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>"},
		{in: "<b onmouseover=x>", want: "&lt;b onmouseover=x&gt;"},
		{in: "```</code><script>```", want: `<code class="mono">&lt;/code&gt;&lt;script&gt;</code>`},
		{in: `*"quoted"*`, want: "<b>&#34;quoted&#34;</b>"},
		{in: "*two\nlines*", want: "*two\nlines*"},
		{in: "Hi {{1}}, see you {{ date }}", want: `Hi <span class="ph">{{1}}</span>, see you <span class="ph">{{ date }}</span>`, placeholders: true},
		{in: "Hi {{1}}", want: "Hi {{1}}"},
		{in: "Code: ```{{2}}```", want: `Code: <code class="mono"><span class="ph">{{2}}</span></code>`, placeholders: true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, string(formatWhatsApp(tt.in, tt.placeholders)), tt.in)
	}
}
