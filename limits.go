package crispwa

// Limits on parameter values that the WhatsApp documentation gives for
// template sends, each counted in characters (Unicode code points). The
// sources were read through the search corpus; where only a mirror or a
// library repeating Meta's text was available, that is said. Limits we
// could not find documented (a URL button's suffix, a quick-reply payload,
// a location's name and address) are not checked: a local check that
// refuses what the API accepts would be worse than no check.
const (
	// maxHeaderTextParam: a text parameter of a HEADER component.
	// Meta, "Template components" (text header: "Maximum 60 characters"),
	// https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates/components
	// as mirrored at https://support.chatarchitect.com/books/meta-whatsapp/page/template-components-developer-documentation;
	// whatsapp-api-js, which mirrors the send-time parameter object
	// (https://whatsappapijs.web.app/classes/messages.HeaderParameter.html):
	// "For text parameter, the character limit is 60".
	maxHeaderTextParam = 60
	// maxBodyTextParam and maxBodyOnlyTextParam: a text parameter of the
	// BODY component. whatsapp-api-js, mirroring Meta's parameter object
	// (https://secreto31126.github.io/whatsapp-api-js/6.1.0/classes/messages.BodyParameter.html):
	// "the character limit is 32768 if only one BodyComponent is used for the
	// Template, else it's 1024". The SDK applies 32768 when the message's
	// only component is its BODY.
	maxBodyTextParam     = 1024
	maxBodyOnlyTextParam = 32768
	// maxCouponCode: the coupon_code of a copy-code button. Meta, "Coupon
	// code templates" (updated Dec 3, 2025), copy code button example code:
	// "Code to be copied to device clipboard when tapped. Maximum 20
	// characters." (https://developers.facebook.com/docs/whatsapp/templates/marketing-templates/coupon-templates,
	// mirrored at https://whatsapp-docs.kap.so/documentation/whatsapp/templates/marketing-templates/coupon-templates);
	// and for the send, "The coupon code to be copied when the customer
	// taps the button. Only accepting alphanumeric characters."
	// (https://developers.secure.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates/coupon-templates).
	// Older pages say 15 ("Codes are limited to 15 characters",
	// https://docs.360dialog.com/docs/waba-messaging/template-messaging/coupon-code-templates);
	// the SDK follows Meta's current, looser figure.
	maxCouponCode = 20
	// maxOTPCode: the one-time code sent to an authentication template's OTP
	// button. "The code length cannot exceed 15 characters."
	// (https://helpdocs.ycloud.com/help-center/whatsapp-basics/message-templates/authentication-message-templates,
	// restating Meta's authentication templates page).
	maxOTPCode = 15
)

// maxOfferCode: the coupon code of a limited-time-offer template's
// copy-code button. Meta, "Limited-time offer templates": copy code
// button example, "Maximum 15 characters."
// (https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates/limited-time-offer-templates).
const maxOfferCode = 15
