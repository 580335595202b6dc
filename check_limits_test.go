package crispwa

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckLimitBoundaries: each documented limit passes exactly at its
// maximum and fails one above (issue 22: the boundaries were untested).
func TestCheckLimitBoundaries(t *testing.T) {
	code := func(n int) string { return strings.Repeat("A", n) }
	otp := &Template{Name: "otp", Language: "en", Status: StatusApproved, Category: CategoryAuthentication,
		Components: []TemplateComponent{{Type: "BODY"}, {Type: "BUTTONS", Buttons: []TemplateButton{{Type: "OTP", OTPType: "COPY_CODE"}}}}}
	otpMsg := func(n int) MessageTemplate {
		return MessageTemplate{Name: "otp", Language: "en", Components: []Component{Body(Text(code(n))), URLButton(0, code(n))}}
	}
	offerMsg := func(n int) MessageTemplate {
		return MessageTemplate{Name: "offer", Language: "en", Components: []Component{
			LimitedTimeOfferComponent(time.Now().Add(time.Hour)), Body(Text("x")), CopyCodeButton(0, code(n))}}
	}
	loc := func(lat, lon float64) MessageTemplate { return ckMediaMessage(LocationValue(lat, lon, "", "")) }
	tests := []struct {
		name string
		tpl  *Template
		msg  MessageTemplate
		want string // "" = passes
	}{
		{"coupon 20", ckOrderTemplate(), ckReplace(ckOrderMessage(), 4, CopyCodeButton(3, code(20))), ""},
		{"coupon 21", ckOrderTemplate(), ckReplace(ckOrderMessage(), 4, CopyCodeButton(3, code(21))), "is 21 characters; the template's COPY_CODE button \"Copy code\" takes at most 20"},
		{"otp 15", otp, otpMsg(15), ""},
		{"otp 16", otp, otpMsg(16), "button[0].parameters[0]: is 16 characters; the template's OTP button takes at most 15"},
		{"offer code 15", offerTemplate(), offerMsg(15), ""},
		{"offer code 16", offerTemplate(), offerMsg(16), "button[0].parameters[0]: is 16 characters; the template's COPY_CODE button takes at most 15"},
		{"latitude 90", ckMediaTemplate("LOCATION"), loc(90, 0), ""},
		{"latitude -90", ckMediaTemplate("LOCATION"), loc(-90, 0), ""},
		{"latitude above 90", ckMediaTemplate("LOCATION"), loc(math.Nextafter(90, 91), 0), "location.latitude: is 90.00000000000001; want -90 to 90"},
		{"latitude below -90", ckMediaTemplate("LOCATION"), loc(math.Nextafter(-90, -91), 0), "location.latitude: is -90.00000000000001"},
		{"latitude NaN", ckMediaTemplate("LOCATION"), loc(math.NaN(), 0), "location.latitude: is NaN; want -90 to 90"},
		{"longitude 180", ckMediaTemplate("LOCATION"), loc(0, 180), ""},
		{"longitude -180", ckMediaTemplate("LOCATION"), loc(0, -180), ""},
		{"longitude above 180", ckMediaTemplate("LOCATION"), loc(0, math.Nextafter(180, 181)), "location.longitude: is 180.00000000000003; want -180 to 180"},
		{"longitude below -180", ckMediaTemplate("LOCATION"), loc(0, math.Nextafter(-180, -181)), "location.longitude: is -180.00000000000003"},
		{"longitude NaN", ckMediaTemplate("LOCATION"), loc(0, math.NaN()), "location.longitude: is NaN"},
		{"header text 60", ckOrderTemplate(), ckReplace(ckOrderMessage(), 0, HeaderText(code(60))), ""},
		{"body text 1024", ckOrderTemplate(), ckReplace(ckOrderMessage(), 1, Body(Text(code(1024)), Text("x"))), ""},
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
