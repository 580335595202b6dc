package crispwa

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRenderOfferEnd: RenderMessage shows when an offer ends only for a
// positive expiration; a zero, negative or missing one shows the offer's
// text alone (never "ends 1970-01-01").
func TestRenderOfferEnd(t *testing.T) {
	tpl := offerTemplate()
	msg := func(offer ...Parameter) MessageTemplate {
		return MessageTemplate{Name: "offer", Language: "en", Components: []Component{
			{Type: ComponentLimitedTimeOffer, Parameters: offer}, Body(Text("X")), CopyCodeButton(0, "X"),
		}}
	}
	lto := func(ms int64) Parameter {
		return Parameter{Type: ParamLimitedTimeOffer, LimitedTimeOffer: &LimitedTimeOffer{ExpirationTimeMS: ms}}
	}
	tests := []struct {
		name string
		m    MessageTemplate
		want string
	}{
		{"1 ms after the epoch", msg(lto(1)), "Expiring offer! (ends 1970-01-01 00:00 UTC)"},
		{"zero", msg(lto(0)), "Expiring offer!"},
		{"negative", msg(lto(-1)), "Expiring offer!"},
		{"no parameter", msg(), "Expiring offer!"},
		{"two parameters", msg(lto(1), lto(1)), "Expiring offer!"},
		{"no object", msg(Parameter{Type: ParamLimitedTimeOffer}), "Expiring offer!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tpl.RenderMessage(tt.m)
			require.NoError(t, err)
			assert.Equal(t, tt.want+"\n\nUse code X\n\n[copy code: X]", out)
		})
	}
}
