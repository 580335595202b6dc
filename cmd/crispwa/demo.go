package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/crispwatest"
	"github.com/crispwa/crispwa/internal/redact"
)

// demoTimeout bounds the whole demo; it normally takes milliseconds.
const demoTimeout = 10 * time.Second

const demoAbout = `Runs the whole flow against an in-process fake of the Crisp API
(package crispwatest) and a local callback receiver, both on 127.0.0.1:
list the templates, send one, wait for its callback, and show what happens
with a template that is not approved. No network, no credentials.`

func runDemo(ctx context.Context, e *cmdEnv, args []string) int {
	fs := newFlagSet("demo", "", demoAbout)
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	ctx, cancel := context.WithTimeout(ctx, demoTimeout)
	defer cancel()
	if err := demo(ctx, e.stdout, e.observer); err != nil {
		return failure(e, "demo", err)
	}
	return exitOK
}

func demo(ctx context.Context, out io.Writer, obs *crispwa.Observer) error {
	const from, to = "+33100000000", "+33612345678"

	api := crispwatest.NewServer()
	defer api.Close()
	for _, t := range crispwatest.SampleTemplates() {
		api.AddTemplate(t)
	}
	callbacks, err := startWaiter("127.0.0.1:0", "", obs)
	if err != nil {
		return err
	}
	defer callbacks.close()
	api.SetCallbackURL("http://" + callbacks.addr + "/crisp/callback")
	client := api.Client(crispwa.WithObserver(obs))

	fmt.Fprintln(out, "crispwa demo: the whole flow against an in-process fake Crisp API (no network, no credentials)")
	fmt.Fprintf(out, "\n1. Fake Crisp API on %s\n   callback receiver on http://%s/crisp/callback\n", api.URL, callbacks.addr)

	fmt.Fprintln(out, "\n2. List the templates (Templates.All):")
	var list []*crispwa.Template
	for t, err := range client.Templates.All(ctx, nil) {
		if err != nil {
			return err
		}
		list = append(list, t)
	}
	printTemplates(indent(out), list)

	fmt.Fprintf(out, "\n3. Send \"order_update\" to %s, built from the template and checked (Template.Build, Templates.SendChecked):\n", redact.Phone(to))
	tmpl, err := client.Templates.Get(ctx, "order_update", "en_US")
	if err != nil {
		return err
	}
	values := crispwa.TemplateValues{Body: []string{"Alice", "#1042"}, Buttons: map[int]string{0: "1042"}}
	msg, err := tmpl.Build(values)
	if err != nil {
		return err
	}
	preview, err := tmpl.Render(values)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "   The customer will read (Template.Render):")
	fmt.Fprintln(indent(out), sanitizeLines(preview))
	if err := demoSend(ctx, out, callbacks, func() (*crispwa.SendResult, error) {
		return client.Templates.SendChecked(ctx, &crispwa.SendTemplateRequest{From: from, To: to, Template: msg})
	}); err != nil {
		return err
	}

	fmt.Fprintln(out, "\n4. Send \"spring_sale\", which is still PENDING:")
	pending := &crispwa.SendTemplateRequest{From: from, To: to,
		Template: crispwa.MessageTemplate{Name: "spring_sale", Language: "en_US"}}
	_, err = client.Templates.SendChecked(ctx, pending)
	if !errors.Is(err, crispwa.ErrInvalidRequest) {
		return fmt.Errorf("SendChecked should have refused a PENDING template, got %v", err)
	}
	fmt.Fprintf(out, "   SendChecked refuses it before sending anything: %v\n", err)
	fmt.Fprintln(out, "   Templates.Send (unchecked) gets it accepted; the callback then says why it was not sent:")
	if err := demoSend(ctx, out, callbacks, func() (*crispwa.SendResult, error) {
		return client.Templates.Send(ctx, pending)
	}); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nDone. Next: set CRISP_WEBSITE_ID, CRISP_WHATSAPP_IDENTIFIER and CRISP_WHATSAPP_KEY and run 'crispwa templates' (from a clone, install the command first: go install ./cmd/crispwa).")
	return nil
}

// demoSend makes one send, prints its request_id, waits for its callback and
// prints the outcome.
func demoSend(ctx context.Context, out io.Writer, callbacks *waiter, send func() (*crispwa.SendResult, error)) error {
	res, err := send()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   accepted: request_id %s\n", res.RequestID)
	ev, err := callbacks.wait(ctx, res.RequestID)
	if err != nil {
		return fmt.Errorf("waiting for the callback of %s: %w", res.RequestID, err)
	}
	fmt.Fprint(out, "   callback: ")
	printOutcome(out, ev)
	return nil
}

// indent returns a writer that prefixes every non-empty line written to w
// with three spaces.
func indent(w io.Writer) io.Writer { return &indenter{w: w, bol: true} }

type indenter struct {
	w   io.Writer
	bol bool // at the beginning of a line
}

func (i *indenter) Write(p []byte) (int, error) {
	for n, b := range p {
		if i.bol && b != '\n' {
			if _, err := io.WriteString(i.w, "   "); err != nil {
				return n, err
			}
		}
		if _, err := i.w.Write([]byte{b}); err != nil {
			return n, err
		}
		i.bol = b == '\n'
	}
	return len(p), nil
}
