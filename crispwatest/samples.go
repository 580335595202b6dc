package crispwatest

import "github.com/crispwa/crispwa"

// SampleTemplates returns four realistic templates, all in en_US, built
// afresh on each call (changing them affects nothing else):
//
//   - "order_update": APPROVED, UTILITY, positional. TEXT header "Order
//     update", body "Hi {{1}}, your order {{2}} has shipped." and a URL
//     button "https://example.com/track/{{1}}".
//   - "appointment_reminder": APPROVED, UTILITY, NAMED. Body "Hello
//     {{name}}, see you on {{date}} at {{place}}."
//   - "spring_sale": PENDING, MARKETING, no placeholder and no samples:
//     sending it is accepted, then fails in the callback.
//   - "new_arrivals": APPROVED, MARKETING, positional, with an IMAGE header,
//     body "{{1}}, our new collection is here." and a quick-reply button.
//
// A new Server starts with no templates; add these with AddTemplate.
func SampleTemplates() []crispwa.Template {
	return []crispwa.Template{
		{
			Name:            "order_update",
			Language:        "en_US",
			Status:          crispwa.StatusApproved,
			Category:        "UTILITY",
			ParameterFormat: crispwa.ParameterFormatPositional,
			Components: []crispwa.TemplateComponent{
				{Type: "HEADER", Format: "TEXT", Text: "Order update"},
				{
					Type:    "BODY",
					Text:    "Hi {{1}}, your order {{2}} has shipped.",
					Example: &crispwa.TemplateExample{BodyText: [][]string{{"Alice", "#1042"}}},
				},
				{Type: "FOOTER", Text: "Reply STOP to unsubscribe"},
				{Type: "BUTTONS", Buttons: []crispwa.TemplateButton{{
					Type:    "URL",
					Text:    "Track my order",
					URL:     "https://example.com/track/{{1}}",
					Example: []string{"https://example.com/track/1042"},
				}}},
			},
		},
		{
			Name:            "appointment_reminder",
			Language:        "en_US",
			Status:          crispwa.StatusApproved,
			Category:        "UTILITY",
			ParameterFormat: crispwa.ParameterFormatNamed,
			Components: []crispwa.TemplateComponent{
				{
					Type: "BODY",
					Text: "Hello {{name}}, see you on {{date}} at {{place}}.",
					Example: &crispwa.TemplateExample{BodyTextNamedParams: []crispwa.NamedParamExample{
						{ParamName: "name", Example: "Alice"},
						{ParamName: "date", Example: "May 4"},
						{ParamName: "place", Example: "12 High Street"},
					}},
				},
			},
		},
		{
			Name:            "spring_sale",
			Language:        "en_US",
			Status:          "PENDING",
			Category:        "MARKETING",
			ParameterFormat: crispwa.ParameterFormatPositional,
			Components: []crispwa.TemplateComponent{
				{Type: "BODY", Text: "Spring sale: 20% off everything until Sunday."},
			},
		},
		{
			Name:            "new_arrivals",
			Language:        "en_US",
			Status:          crispwa.StatusApproved,
			Category:        "MARKETING",
			ParameterFormat: crispwa.ParameterFormatPositional,
			Components: []crispwa.TemplateComponent{
				{
					Type:    "HEADER",
					Format:  "IMAGE",
					Example: &crispwa.TemplateExample{HeaderHandle: []string{"https://example.com/img/new-arrivals.jpg"}},
				},
				{
					Type:    "BODY",
					Text:    "{{1}}, our new collection is here.",
					Example: &crispwa.TemplateExample{BodyText: [][]string{{"Alice"}}},
				},
				{Type: "BUTTONS", Buttons: []crispwa.TemplateButton{{Type: "QUICK_REPLY", Text: "Stop promotions"}}},
			},
		},
	}
}
