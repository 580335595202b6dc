package crispwa

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckParamValueEdges: the values Check refuses at their first
// position or lowest bound (issue 22: the boundaries were untested).
func TestCheckParamValueEdges(t *testing.T) {
	voice := realworldTemplate(t, "meta_wa_voice_call")
	voice.Status = StatusApproved
	voiceMsg := func(ps ...Parameter) MessageTemplate {
		return MessageTemplate{Name: voice.Name, Language: voice.Language, Components: []Component{
			{Type: ComponentButton, SubType: SubTypeVoiceCall, Parameters: ps}}}
	}
	body := func(text string) MessageTemplate {
		return ckReplace(ckOrderMessage(), 1, Body(Text(text), Text("x")))
	}
	tests := []struct {
		name string
		tpl  *Template
		msg  MessageTemplate
		want string // "" = passes
	}{
		{"ttl_minutes 1", voice, voiceMsg(Parameter{Type: ParamTTLMinutes, TTLMinutes: 1}), ""},
		{"ttl_minutes 0", voice, voiceMsg(Parameter{Type: ParamTTLMinutes}), "button[voice_call].parameters[0].ttl_minutes: is 0; want a positive number of minutes"},
		{"ttl_minutes -1", voice, voiceMsg(Parameter{Type: ParamTTLMinutes, TTLMinutes: -1}), "ttl_minutes: is -1"},
		{"new-line at byte 0", ckOrderTemplate(), body("\nJohn"), "body.parameters[0].text: has a new-line at byte 0"},
		{"tab at byte 0", ckOrderTemplate(), body("\tJohn"), "body.parameters[0].text: has a tab at byte 0"},
		{"new-line last", ckOrderTemplate(), body("John\r"), "has a new-line at byte 4"},
		{"4 spaces", ckOrderTemplate(), body("a    b"), ""},
		{"5 spaces", ckOrderTemplate(), body("a     b"), "has more than 4 consecutive spaces at byte 1"},
		{"5 leading spaces", ckOrderTemplate(), body("     b"), "has more than 4 consecutive spaces at byte 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.tpl.Check(tt.msg)
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
