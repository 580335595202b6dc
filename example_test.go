package crispwa_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/crispwatest"
)

// orderUpdate is the template the examples send.
func orderUpdate() crispwa.Template {
	return crispwa.Template{
		Name: "order_update", Language: "en_US", Status: "APPROVED", Category: "UTILITY",
		Components: []crispwa.TemplateComponent{{Type: "BODY", Text: "Hi {{1}}, your order {{2}} has shipped."}},
	}
}

func ExampleNewClient() {
	client, err := crispwa.NewClient("8c842203-7ed8-4e29-a608-7cf78a7d2fcc", crispwa.Credentials{
		Identifier: "c5a0b1f2-identifier",
		Key:        "the-secret-key",
	}, crispwa.WithUserAgent("acme-shop/2.1"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client) // never prints the key
	// Output: crispwa.Client{websiteID:"8c842203-7ed8-4e29-a608-7cf78a7d2fcc", baseURL:"https://plugins.crisp.chat/urn:crisp.im:whatsapp:0/wa/api/"}
}

func ExampleNewClientFromEnv() {
	// Reads CRISP_WEBSITE_ID, CRISP_WHATSAPP_IDENTIFIER, CRISP_WHATSAPP_KEY
	// and optionally CRISP_WHATSAPP_BASE_URL.
	client, err := crispwa.NewClientFromEnv()
	if err != nil {
		fmt.Println(errors.Is(err, crispwa.ErrInvalidRequest))
		return
	}
	_ = client
}

func ExampleTemplatesService_All() {
	fake := crispwatest.NewServer() // in production: crispwa.NewClient(...)
	defer fake.Close()
	fake.AddTemplate(orderUpdate())
	fake.AddTemplate(crispwa.Template{Name: "welcome", Language: "fr", Status: "PENDING", Category: "MARKETING"})
	client := fake.Client()

	ctx := context.Background()
	for tpl, err := range client.Templates.All(ctx, &crispwa.ListTemplatesOptions{Limit: 1}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(tpl.Name, tpl.Language, tpl.Status)
	}
	// Output:
	// order_update en_US APPROVED
	// welcome fr PENDING
}

func ExampleTemplatesService_List() {
	fake := crispwatest.NewServer()
	defer fake.Close()
	fake.AddTemplate(orderUpdate())
	client := fake.Client()

	page, err := client.Templates.List(context.Background(), &crispwa.ListTemplatesOptions{ApprovedOnly: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(page.Templates), page.Templates[0].Name, page.Next == "")
	// Output: 1 order_update true
}

func ExampleTemplatesService_Get() {
	fake := crispwatest.NewServer()
	defer fake.Close()
	fake.AddTemplate(orderUpdate())
	client := fake.Client()

	tpl, err := client.Templates.Get(context.Background(), "order_update", "en_US")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tpl.Components[0].Text)

	_, err = client.Templates.Get(context.Background(), "order_update", "de")
	fmt.Println(errors.Is(err, crispwa.ErrNotFound))
	// Output:
	// Hi {{1}}, your order {{2}} has shipped.
	// true
}

func ExampleTemplatesService_Send() {
	fake := crispwatest.NewServer()
	defer fake.Close()
	fake.AddTemplate(orderUpdate())
	client := fake.Client()

	res, err := client.Templates.Send(context.Background(), &crispwa.SendTemplateRequest{
		From: "+33100000000",
		To:   "+33612345678",
		Template: crispwa.MessageTemplate{
			Name:       "order_update",
			Language:   "en_US",
			Components: []crispwa.Component{crispwa.Body(crispwa.Text("John"), crispwa.Text("A-1029"))},
		},
		// "note" (Crisp's default) records the send as a note; "text" would
		// need the components' Text.
		Options: &crispwa.CrispOptions{Type: crispwa.CrispTypeNote, NewSession: true},
	})
	if err != nil {
		log.Fatal(err)
	}
	// Accepted, not yet delivered: the callback with this request_id says.
	fmt.Println(res.RequestID != "", len(fake.Sends()))
	// Output: true 1
}

// Errors are tested with errors.Is against the sentinels, and errors.As
// gives the details of an API answer.
func Example_errorHandling() {
	fake := crispwatest.NewServer()
	defer fake.Close()
	client := fake.Client()
	ctx := context.Background()
	req := &crispwa.SendTemplateRequest{
		From:     "+33100000000",
		To:       "+33612345678",
		Template: crispwa.MessageTemplate{Name: "order_update", Language: "en_US"},
	}

	// Refused locally, before any request.
	bad := *req
	bad.To = "06 12 34 56 78"
	_, err := client.Templates.Send(ctx, &bad)
	var ve *crispwa.ValidationError
	fmt.Println(errors.Is(err, crispwa.ErrInvalidRequest), errors.As(err, &ve) && ve.Field == "to_number")

	// A 5xx on a send is ambiguous: Crisp may have accepted it. The SDK
	// does not retry; reconcile (e.g. through the callback) before resending.
	fake.FailNext(http.StatusBadGateway, "upstream_error")
	_, err = client.Templates.Send(ctx, req)
	var apiErr *crispwa.APIError
	fmt.Println(errors.Is(err, crispwa.ErrSendOutcomeUnknown), errors.Is(err, crispwa.ErrServer),
		errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadGateway)

	// A definite refusal is not ambiguous.
	fake.FailNext(http.StatusUnauthorized, "unauthorized")
	_, err = client.Templates.Send(ctx, req)
	fmt.Println(errors.Is(err, crispwa.ErrUnauthorized), errors.Is(err, crispwa.ErrSendOutcomeUnknown))
	// Output:
	// true true
	// true true true
	// true false
}
