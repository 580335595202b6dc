// Command send_template sends one WhatsApp template message through Crisp
// and prints the request_id Crisp answers.
//
//	go run ./examples/send_template -to +33612345678 -from +33100000000 \
//	    -template order_update -language en_US -button 1042 Alice '#1042'
//
// The arguments after the flags fill the body's {{1}}, {{2}}, ...; -button
// fills the first button's placeholder (a URL suffix, for instance).
//
// With CRISP_WEBSITE_ID, CRISP_WHATSAPP_IDENTIFIER and CRISP_WHATSAPP_KEY
// set it really sends (it costs money and reaches a phone); without them it
// sends to an in-process fake API (package crispwatest) with sample
// templates and sample values, so that `go run ./examples/send_template`
// works on a fresh machine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/examples/internal/offline"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "send_template:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	to := flag.String("to", "", "recipient phone number, e.g. +33612345678")
	from := flag.String("from", "", "your WhatsApp business number connected to Crisp")
	name := flag.String("template", "order_update", "template name")
	language := flag.String("language", "en_US", "template language")
	button := flag.String("button", "", "value of the first button's placeholder, if it has one")
	flag.Parse()
	body := flag.Args()

	// Your code: client, err := crispwa.NewClientFromEnv(). Without
	// CRISP_WEBSITE_ID, offline.Client returns a fake's client instead, and
	// sample values fill the flags left empty.
	client, fake, done, err := offline.Client("")
	if err != nil {
		return err
	}
	defer done()
	if fake != nil {
		offline.FillSample(*name, to, from, &body, button)
	}
	if *to == "" || *from == "" {
		return errors.New("-to and -from are required")
	}

	tmpl, err := client.Templates.Get(ctx, *name, *language)
	if err != nil {
		return err
	}
	values := crispwa.TemplateValues{Body: body}
	if *button != "" {
		values.Buttons = map[int]string{0: *button}
	}
	msg, err := tmpl.Build(values) // every mismatch with the template at once
	if err != nil {
		return err
	}
	res, err := client.Templates.Send(ctx, &crispwa.SendTemplateRequest{From: *from, To: *to, Template: msg})
	if errors.Is(err, crispwa.ErrSendOutcomeUnknown) {
		return fmt.Errorf("%w\nCrisp may have sent it: check the conversation before sending again", err)
	}
	if err != nil {
		return err
	}
	fmt.Println("accepted, request_id:", res.RequestID)
	return nil
}
