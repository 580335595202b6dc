// Command await_delivery sends a template message and waits for the
// callback in which Crisp reports whether it was sent.
//
//	go run ./examples/await_delivery -to +33612345678 -from +33100000000 \
//	    -listen :8080 -template order_update -language en_US -button 1042 Alice '#1042'
//
// Against the real API (CRISP_WEBSITE_ID, CRISP_WHATSAPP_IDENTIFIER and
// CRISP_WHATSAPP_KEY set), the callback URL configured in the Crisp plugin
// settings must reach -listen (through a tunnel, for instance). Without
// those variables it runs against an in-process fake API (package
// crispwatest) that posts the callback to the local listener, so that
// `go run ./examples/await_delivery` works on a fresh machine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/examples/internal/offline"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "await_delivery:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	to := flag.String("to", "", "recipient phone number, e.g. +33612345678")
	from := flag.String("from", "", "your WhatsApp business number connected to Crisp")
	name := flag.String("template", "order_update", "template name")
	language := flag.String("language", "en_US", "template language")
	button := flag.String("button", "", "value of the first button's placeholder, if it has one")
	listen := flag.String("listen", ":8080", "address to receive Crisp's callback on")
	timeout := flag.Duration("timeout", 2*time.Minute, "how long to wait for the callback")
	flag.Parse()
	body := flag.Args()

	// 1. Receive callbacks before sending, so that none is missed.
	if offline.Enabled() {
		*listen = "127.0.0.1:0" // the fake calls back this listener
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	tracker := callback.NewTracker()
	handler := callback.NewHandler(tracker.Handle)
	tracker.Watch(handler) // a Wait that times out then says whether callbacks came and were refused
	receiver := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 15 * time.Second, WriteTimeout: 45 * time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 64 << 10}
	go func() { _ = receiver.Serve(ln) }()
	defer receiver.Close()

	// 2. A client for the real API: crispwa.NewClientFromEnv() in your code.
	// Without CRISP_WEBSITE_ID, a client for a fake that calls back our
	// listener, and sample values.
	client, fake, done, err := offline.Client("http://" + ln.Addr().String() + "/")
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

	// 3. Send.
	tmpl, err := client.Templates.Get(ctx, *name, *language)
	if err != nil {
		return err
	}
	values := crispwa.TemplateValues{Body: body}
	if *button != "" {
		values.Buttons = map[int]string{0: *button}
	}
	msg, err := tmpl.Build(values)
	if err != nil {
		return err
	}
	res, err := client.Templates.Send(ctx, &crispwa.SendTemplateRequest{From: *from, To: *to, Template: msg})
	if err != nil {
		return err // ErrSendOutcomeUnknown: check the conversation before sending again
	}
	fmt.Println("accepted, request_id:", res.RequestID)

	// 4. Wait for its callback.
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	fmt.Fprintln(os.Stderr, "waiting for the callback on", ln.Addr())
	ev, err := tracker.Wait(ctx, res.RequestID)
	if err != nil {
		return fmt.Errorf("no callback for %s: %w", res.RequestID, err)
	}
	if !ev.Succeeded() {
		return fmt.Errorf("not sent: %s", ev.Reason)
	}
	fmt.Printf("sent: whatsapp_message_id=%s session_id=%s\n", ev.WhatsAppMessageID, ev.SessionID)
	return nil
}
