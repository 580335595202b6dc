package crispwa_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/crispwatest"
)

// exampleOrderTemplate is what Templates.Get returns for a typical utility
// template: an image header, a body with two placeholders, a URL button.
func exampleOrderTemplate() *crispwa.Template {
	return &crispwa.Template{
		Name: "order_update", Language: "en", Status: "APPROVED",
		Components: []crispwa.TemplateComponent{
			{Type: "HEADER", Format: "IMAGE"},
			{Type: "BODY", Text: "Hi {{1}}, your order {{2}} has shipped."},
			{Type: "BUTTONS", Buttons: []crispwa.TemplateButton{
				{Type: "URL", Text: "Track", URL: "https://example.com/track/{{1}}"},
				{Type: "QUICK_REPLY", Text: "Stop"},
			}},
		},
	}
}

// Check a send against its template before it costs a request: every
// mismatch comes back at once.
func ExampleTemplate_Check() {
	tmpl := exampleOrderTemplate()
	msg := crispwa.MessageTemplate{
		Name:     "order_update",
		Language: "en",
		Components: []crispwa.Component{
			crispwa.Header(crispwa.Text("Your order")),  // the header is an IMAGE
			crispwa.Body(crispwa.Text("John")),          // {{2}} is missing
			crispwa.QuickReplyButton(2, "STOP"),         // there is no button 2
			crispwa.CopyCodeButton(0, "SAVE10-OFF-NOW"), // button 0 is a URL button
		},
	}
	err := tmpl.Check(msg)
	fmt.Println(errors.Is(err, crispwa.ErrInvalidRequest))
	fmt.Println(err)
	// Output:
	// true
	// crispwa: invalid request: header.parameters[0]: the template's header is IMAGE: it takes an image parameter, not "text"
	// crispwa: invalid request: body: the template's body has 2 placeholders ({{1}}, {{2}}); the message gives 1 parameter
	// crispwa: invalid request: button[2]: index 2: the template has 2 buttons (index 0 to 1)
	// crispwa: invalid request: button[0].sub_type: is "copy_code"; the template's URL button "Track" needs "url"
	// crispwa: invalid request: button[0].parameters[0]: the template's URL button "Track" takes a text parameter, not "coupon_code"
}

// Build fills a fetched template from plain values, so that nobody counts
// placeholders by hand.
func ExampleTemplate_Build() {
	tmpl := exampleOrderTemplate() // in real code: client.Templates.Get(ctx, "order_update", "en")
	img := crispwa.ImageLink("https://example.com/parcel.jpg")
	msg, err := tmpl.Build(crispwa.TemplateValues{
		HeaderMedia: &img,
		Body:        []string{"John", "A-1029"},
		Buttons:     map[int]string{0: "A-1029"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := json.Marshal(msg)
	fmt.Println(string(b))

	_, err = tmpl.Build(crispwa.TemplateValues{Body: []string{"John"}})
	for _, v := range crispwa.ValidationErrors(err) {
		fmt.Printf("%s: %s\n", v.Field, v.Reason)
	}
	// Output:
	// {"name":"order_update","language":"en","components":[{"type":"HEADER","parameters":[{"type":"image","image":{"link":"https://example.com/parcel.jpg"}}],"format":"IMAGE"},{"type":"BODY","parameters":[{"type":"text","text":"John"},{"type":"text","text":"A-1029"}],"text":"Hi John, your order A-1029 has shipped."},{"type":"BUTTON","sub_type":"url","index":0,"parameters":[{"type":"text","text":"A-1029"}],"text":"Track"}]}
	// header: the template's header is IMAGE: give HeaderMedia (an image parameter)
	// body: the template's body has 2 placeholders ({{1}}, {{2}}); got 1 value
	// button[0]: the template's URL button "Track" needs a value in Buttons[0]
}

// SendChecked gets the template (cached for 5 minutes by default), checks
// the send, and only then sends it. A mismatch makes no send request.
func ExampleTemplatesService_SendChecked() {
	sends := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var data any
		switch {
		case strings.HasSuffix(r.URL.Path, "/templates"):
			data = map[string]any{"templates": []*crispwa.Template{exampleOrderTemplate()}}
		case strings.HasSuffix(r.URL.Path, "/template/send"):
			sends++
			data = map[string]string{"request_id": "8b1c2f5e"}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"error": false, "reason": "ok", "data": data})
	}))
	defer srv.Close()
	client, err := crispwa.NewClient("my-website-id", crispwa.Credentials{Identifier: "id", Key: "key"},
		crispwa.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	req := &crispwa.SendTemplateRequest{
		From: "+33100000000",
		To:   "+33612345678",
		Template: crispwa.MessageTemplate{
			Name:     "order_update",
			Language: "en",
			Components: []crispwa.Component{
				crispwa.HeaderImage("https://example.com/parcel.jpg"),
				crispwa.Body(crispwa.Text("John")), // {{2}} is missing
				crispwa.URLButton(0, "A-1029"),
			},
		},
	}
	_, err = client.Templates.SendChecked(ctx, req)
	fmt.Println(err, "| sends:", sends)

	req.Template.Components[1] = crispwa.Body(crispwa.Text("John"), crispwa.Text("A-1029"))
	res, err := client.Templates.SendChecked(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("accepted:", res.RequestID, "| sends:", sends)
	// Output:
	// crispwa: invalid request: body: the template's body has 2 placeholders ({{1}}, {{2}}); the message gives 1 parameter | sends: 0
	// accepted: 8b1c2f5e | sends: 1
}

// Render shows the message as the customer reads it, for a preview or a
// dry run; Build fills the same text into the components for the inbox.
func ExampleTemplate_Render() {
	tpl := crispwatest.SampleTemplates()[0] // "order_update"
	text, err := tpl.Render(crispwa.TemplateValues{
		Body:    []string{"John", "A-1029"},
		Buttons: map[int]string{0: "A-1029"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(text)
	// Output:
	// Order update
	//
	// Hi John, your order A-1029 has shipped.
	//
	// Reply STOP to unsubscribe
	//
	// [Track my order: https://example.com/track/A-1029]
}

// One person written several ways is one canonical number.
func ExampleNormalizePhone() {
	for _, n := range []string{"+33 6 12 34 56 78", "0033612345678", "33612345678"} {
		e164, _ := crispwa.NormalizePhone(n, "")
		fmt.Println(e164)
	}
	e164, _ := crispwa.NormalizePhone("06 12 34 56 78", "FR")
	fmt.Println(e164)
	_, err := crispwa.NormalizePhone("06 12 34 56 78", "")
	fmt.Println(err)
	// Output:
	// +33612345678
	// +33612345678
	// +33612345678
	// +33612345678
	// crispwa: invalid request: number: has no country code and no default region is given: write it as +<country code><number>
}

// Failure turns a failed callback into something a program can act on.
func ExampleCallbackEvent_Failure() {
	ev, err := crispwa.ParseCallback([]byte(`{"error":true,"reason":"template_not_sent","data":{"request_id":"r-1",` +
		`"message":"This message was not delivered to maintain healthy ecosystem engagement. (code 131049)"}}`))
	if err != nil {
		log.Fatal(err)
	}
	f := ev.Failure()
	fmt.Println(f.Code, f.Class, f.RetryAfter)
	// Output: 131049 retry_later 24h0m0s
}

// An authentication template's one-time code fills its body and its
// copy-code button; Render shows Meta's fixed texts with the code.
func ExampleTemplate_Render_authentication() {
	tpl := &crispwa.Template{
		Name: "login_code", Language: "en_US", Status: crispwa.StatusApproved, Category: crispwa.CategoryAuthentication,
		Components: []crispwa.TemplateComponent{
			{Type: "BODY", AddSecurityRecommendation: true},
			{Type: "FOOTER", CodeExpirationMinutes: 10},
			{Type: "BUTTONS", Buttons: []crispwa.TemplateButton{{Type: "OTP", OTPType: "COPY_CODE", Text: "Copy code"}}},
		},
	}
	text, err := tpl.Render(crispwa.TemplateValues{Code: "482913"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(text)
	// Output:
	// 482913 is your verification code. For your security, do not share this code.
	//
	// This code expires in 10 minutes.
	//
	// [Copy code: 482913]
}

// OrderDetailsButton carries a payments template's order; Check verifies
// that it adds up.
func ExampleOrderDetailsButton() {
	tpl := &crispwa.Template{Name: "order_pay", Language: "en", Status: crispwa.StatusApproved,
		Components: []crispwa.TemplateComponent{
			{Type: "BODY", Text: "Your order is ready to pay."},
			{Type: "BUTTONS", Buttons: []crispwa.TemplateButton{{Type: "ORDER_DETAILS", Text: "Review and Pay"}}},
		}}
	order := &crispwa.OrderDetails{
		ReferenceID: "order-0001", Type: crispwa.OrderDigitalGoods, Currency: "INR",
		PaymentSettings: []crispwa.PaymentSetting{{Type: "payment_link", PaymentLink: &crispwa.PaymentLink{URI: "https://pay.example/order-0001"}}},
		TotalAmount:     crispwa.Money(25000), // 250.00
		Order: &crispwa.Order{
			Status:   "pending",
			Items:    []crispwa.OrderItem{{Name: "E-book", Amount: crispwa.Money(25000), Quantity: 1}},
			Subtotal: crispwa.Money(25000),
			Tax:      crispwa.Money(0),
		},
	}
	m := crispwa.MessageTemplate{Name: "order_pay", Language: "en", Components: []crispwa.Component{crispwa.OrderDetailsButton(0, order)}}
	fmt.Println(tpl.Check(m))
	// Output:
	// <nil>
}
