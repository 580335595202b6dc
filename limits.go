package crispwa

// Limits Meta documents for template parameter values, in characters
// (Unicode code points); sources and what is left unchecked: docs/limits.md.
const (
	// maxHeaderTextParam: a HEADER text parameter.
	// https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates/components
	maxHeaderTextParam = 60
	// maxBodyTextParam: a BODY text parameter; maxBodyOnlyTextParam when
	// the BODY is the message's only component.
	// https://secreto31126.github.io/whatsapp-api-js/6.1.0/classes/messages.BodyParameter.html
	maxBodyTextParam     = 1024
	maxBodyOnlyTextParam = 32768
	// maxCouponCode: a copy-code button's coupon_code.
	// https://developers.facebook.com/docs/whatsapp/templates/marketing-templates/coupon-templates
	maxCouponCode = 20
	// maxOTPCode: an authentication template's one-time code.
	// https://helpdocs.ycloud.com/help-center/whatsapp-basics/message-templates/authentication-message-templates
	maxOTPCode = 15
	// maxOfferCode: a limited-time offer's copy-code button code.
	// https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates/limited-time-offer-templates
	maxOfferCode = 15
	// maxConsecutiveSpaces: a text parameter has no new-line or tab and at
	// most 4 consecutive spaces (error 132018, "Param text cannot have
	// new-line/tab characters or more than 4 consecutive spaces").
	// https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
	maxConsecutiveSpaces = 4
	// maxMPMSections, maxMPMItems, maxMPMSectionTitle: a multi-product
	// button's sections (1 to 10), products across all sections (1 to 30)
	// and section title (24 characters).
	// https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates/mpm-templates
	maxMPMSections     = 10
	maxMPMItems        = 30
	maxMPMSectionTitle = 24
)
