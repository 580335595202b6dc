package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/crispwa/crispwa"
)

// sendFlags are the send command's flags.
type sendFlags struct {
	to, from, name, language string
	params, headers          []string
	buttons                  map[int]string
	typ                      string
	newSession, autoResolve  bool
	noCheck, wait, dryRun    bool
	listen, token            string
	timeout                  time.Duration
	loc                      location
	region                   string
	output                   string
}

const sendAbout = `Sends one template message and prints the request_id Crisp answers.

By default it fetches the template, fills it from the --param, --header and
--button values (Template.Build) and sends it with Templates.SendChecked, so
that a wrong parameter count is refused before anything is sent. --param
values fill the body's {{1}}, {{2}}, ... in order; for a NAMED template give
them as name=value. --header fills a TEXT header the same way; for an IMAGE,
VIDEO or DOCUMENT header it is the media's link, and a LOCATION header takes
--latitude and --longitude (and optionally --location-name and
--location-address). With --no-check the --param values are sent as the
body's text parameters as they are, without fetching the template.

A send is accepted, not delivered: with --wait the command also listens for
Crisp's callback on --listen (the callback URL configured in the plugin must
reach it) and prints the outcome; it exits 1 when the template was not sent,
and 3 when no callback was accepted in time (saying whether deliveries came
and were refused, or none came).

` + exitCodesHelp

func runSend(ctx context.Context, e *cmdEnv, args []string) int {
	f := sendFlags{buttons: map[int]string{}}
	fs := newFlagSet("send", "--to NUMBER --from NUMBER --template NAME --language CODE [--param VALUE]... [flags]", sendAbout)
	fs.StringVar(&f.to, "to", "", "recipient phone number, e.g. +33612345678 (required)")
	fs.StringVar(&f.from, "from", "", "the website's WhatsApp number to send from (required)")
	fs.StringVar(&f.name, "template", "", "template name (required)")
	fs.StringVar(&f.language, "language", "", "template language, e.g. en_US (required)")
	fs.Func("param", "a body value, repeatable: in order for {{1}}, {{2}}...; `name=value` for a NAMED template", func(v string) error {
		f.params = append(f.params, v)
		return nil
	})
	fs.Func("header", "a TEXT header value, repeatable, in order (name=value for a NAMED template); the media's `LINK` for an IMAGE, VIDEO or DOCUMENT header", func(v string) error {
		f.headers = append(f.headers, v)
		return nil
	})
	fs.StringVar(&f.loc.latitude, "latitude", "", "a LOCATION header's latitude")
	fs.StringVar(&f.loc.longitude, "longitude", "", "a LOCATION header's longitude")
	fs.StringVar(&f.loc.name, "location-name", "", "a LOCATION header's place name (optional)")
	fs.StringVar(&f.loc.address, "location-address", "", "a LOCATION header's address (optional)")
	fs.Func("button", "`INDEX=VALUE`: a button's URL suffix, coupon code or payload, repeatable (index from 0)", func(v string) error {
		i, val, ok := strings.Cut(v, "=")
		n, err := strconv.Atoi(i)
		if !ok || err != nil || n < 0 {
			return errors.New("want INDEX=VALUE with INDEX >= 0")
		}
		f.buttons[n] = val
		return nil
	})
	fs.StringVar(&f.typ, "type", "", "how Crisp records the message: note (Crisp's default) or text")
	fs.BoolVar(&f.newSession, "new-session", false, "open a new Crisp conversation")
	fs.BoolVar(&f.autoResolve, "auto-resolve", false, "mark the conversation resolved")
	fs.BoolVar(&f.noCheck, "no-check", false, "send the --param values as they are, without fetching and checking the template")
	fs.BoolVar(&f.dryRun, "dry-run", false, "build and check the message and print it as the customer will read it; send nothing")
	fs.BoolVar(&f.wait, "wait", false, "wait for the callback (needs --listen)")
	fs.StringVar(&f.listen, "listen", "", "with --wait: the `ADDR` to receive the callback on, e.g. :8080")
	fs.StringVar(&f.token, "token", "", "with --wait: require this token (?token= or Basic password) on the callback")
	fs.DurationVar(&f.timeout, "timeout", time.Minute, "give up after this long, waiting included")
	fs.StringVar(&f.region, "region", "", "read national numbers (without a country code) as numbers of this country, e.g. FR")
	fs.StringVar(&f.output, "output", outputText, "`FORMAT` of the result on stdout: text, or json (one object: request_id, and with --wait the outcome)")
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	if msg := f.validate(); msg != "" {
		return usageError(e, "send", msg)
	}

	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	client, err := clientFromEnv(e.getenv, crispwa.WithObserver(e.observer))
	if err != nil {
		return failure(e, "send", err)
	}
	if f.dryRun {
		return dryRunSend(ctx, e, client, &f)
	}
	var w *waiter
	if f.wait { // listen before sending, so that no callback is missed
		if w, err = startWaiter(f.listen, f.token, e.observer); err != nil {
			return failure(e, "send", err)
		}
		defer w.close()
		fmt.Fprintf(e.stderr, "listening for the callback on %s\n", w.addr)
	}
	res, err := send(ctx, client, &f)
	if err != nil {
		return failure(e, "send", err)
	}
	if f.output == outputText {
		fmt.Fprintf(e.stdout, "request_id: %s\n", serverText(res.RequestID))
	}
	to, _ := canonicalPhone("--to", f.to, f.region) // it was read already, to send
	result := sendResult{RequestID: res.RequestID, To: to, Outcome: "accepted"}
	if w == nil {
		return f.printJSON(e, &result, exitOK)
	}
	ev, err := w.wait(ctx, res.RequestID)
	if err != nil {
		// Accepted, but whether it went out is not known.
		fmt.Fprintf(e.stderr, "crispwa send: %s\n", message(err))
		result.Outcome, result.Reason = "unknown", message(err)
		return f.printJSON(e, &result, exitUnknown)
	}
	if f.output == outputJSON {
		result.Outcome, result.WhatsAppMessageID, result.SessionID = "sent", ev.WhatsAppMessageID, ev.SessionID
		if !ev.Succeeded() {
			result.Outcome, result.Reason = "not_sent", ev.Reason
			if fl := ev.Failure(); fl != nil {
				result.Class, result.Code = string(fl.Class), fl.Code
			}
			return f.printJSON(e, &result, exitFailure)
		}
		return f.printJSON(e, &result, exitOK)
	}
	printOutcome(e.stdout, ev)
	if !ev.Succeeded() {
		return exitFailure
	}
	return exitOK
}

// sendResult is what "crispwa send --output json" prints.
type sendResult struct {
	RequestID string `json:"request_id"`
	To        string `json:"to"`
	// Outcome is "accepted" (without --wait), then with --wait "sent",
	// "not_sent" (Reason, Class and Code say why) or "unknown".
	Outcome           string `json:"outcome"`
	Reason            string `json:"reason,omitempty"`
	Class             string `json:"class,omitempty"`
	Code              int    `json:"code,omitempty"`
	WhatsAppMessageID string `json:"whatsapp_message_id,omitempty"`
	SessionID         string `json:"session_id,omitempty"`
}

// printJSON prints r with --output json, and returns code.
func (f *sendFlags) printJSON(e *cmdEnv, r *sendResult, code int) int {
	if f.output == outputJSON {
		if err := writeJSON(e.stdout, r); err != nil {
			return failure(e, "send", err)
		}
	}
	return code
}

// validate returns a usage problem, or "".
func (f *sendFlags) validate() string {
	if msg := checkOutput(f.output); msg != "" {
		return msg
	}
	if msg := missingFlags([2]string{"--to", f.to}, [2]string{"--from", f.from}, [2]string{"--template", f.name}, [2]string{"--language", f.language}); msg != "" {
		return msg
	}
	switch {
	case f.typ != "" && f.typ != "note" && f.typ != "text":
		return fmt.Sprintf("--type must be note or text, got %q", f.typ)
	case f.wait && f.listen == "":
		return "--wait needs --listen ADDR"
	case !f.wait && (f.listen != "" || f.token != ""):
		return "--listen and --token are only used with --wait"
	case f.dryRun && (f.noCheck || f.wait):
		return "--dry-run needs the template check and sends nothing to wait for: drop --no-check and --wait"
	case f.noCheck && (len(f.headers) > 0 || len(f.buttons) > 0 || f.loc.given()):
		return "--header, --button and the location flags need the template check; drop --no-check"
	case f.timeout <= 0:
		return "--timeout must be positive"
	}
	return checkRegion(f.region)
}

// send builds the request and sends it, checked against the template unless
// --no-check.
func send(ctx context.Context, client *crispwa.Client, f *sendFlags) (*crispwa.SendResult, error) {
	req, t, _, err := prepare(ctx, client, f)
	switch {
	case err != nil:
		return nil, err
	case t == nil: // --no-check
		return client.Templates.Send(ctx, req)
	}
	return client.Templates.SendCheckedWith(ctx, t, req) // one GET, one POST
}

// dryRunSend builds and checks the message and prints it as the customer
// will read it (Template.Render), without sending it.
func dryRunSend(ctx context.Context, e *cmdEnv, client *crispwa.Client, f *sendFlags) int {
	req, t, values, err := prepare(ctx, client, f)
	if err == nil {
		err = req.Validate()
	}
	if err == nil {
		err = t.Check(req.Template)
	}
	var text string
	if err == nil {
		text, err = t.Render(values)
	}
	if err != nil {
		return failure(e, "send", err)
	}
	fmt.Fprintf(e.stdout, "dry run: nothing sent. To %s, from %s, template %q (%s):\n\n%s\n",
		req.To, req.From, serverText(t.Name), serverText(t.Language), sanitizeLines(text))
	return exitOK
}

// sanitizeLines is sanitize line by line, for a multi-line text.
func sanitizeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = sanitize(l, maxMessage)
	}
	return strings.Join(lines, "\n")
}

// prepare builds the request from the flags: with the template (fetched
// and used to build the message) and its values, unless --no-check.
func prepare(ctx context.Context, client *crispwa.Client, f *sendFlags) (*crispwa.SendTemplateRequest, *crispwa.Template, crispwa.TemplateValues, error) {
	var values crispwa.TemplateValues
	to, err := canonicalPhone("--to", f.to, f.region)
	if err != nil {
		return nil, nil, values, err
	}
	from, err := canonicalPhone("--from", f.from, f.region)
	if err != nil {
		return nil, nil, values, err
	}
	req := &crispwa.SendTemplateRequest{From: from, To: to}
	if f.typ != "" || f.newSession || f.autoResolve {
		req.Options = &crispwa.CrispOptions{Type: f.typ, NewSession: f.newSession, AutoResolve: f.autoResolve}
	}
	if f.noCheck {
		req.Template = crispwa.MessageTemplate{Name: f.name, Language: f.language}
		if len(f.params) > 0 {
			body := crispwa.Component{Type: "BODY"}
			for _, p := range f.params {
				body.Parameters = append(body.Parameters, crispwa.Parameter{Type: "text", Text: p})
			}
			req.Template.Components = []crispwa.Component{body}
		}
		return req, nil, values, nil
	}
	t, err := getTemplate(ctx, client, f.name, f.language)
	if err != nil {
		return nil, nil, values, err
	}
	if values, err = f.values(t); err != nil {
		return nil, nil, values, err
	}
	if req.Template, err = t.Build(values); err != nil {
		return nil, nil, values, err
	}
	return req, t, values, nil
}

// values maps the flags onto the template: positional values, or name=value
// pairs for a NAMED template.
func (f *sendFlags) values(t *crispwa.Template) (crispwa.TemplateValues, error) {
	v := crispwa.TemplateValues{Buttons: f.buttons}
	if err := headerValue(t, &v, f.headers, f.loc); err != nil {
		return v, err
	}
	if !strings.EqualFold(t.ParameterFormat, crispwa.ParameterFormatNamed) {
		v.Body = f.params
		return v, nil
	}
	texts := v.Header // a TEXT header's name=value pairs
	v.Header = nil
	v.Named = map[string]string{}
	for _, p := range append(append([]string(nil), texts...), f.params...) {
		name, val, ok := strings.Cut(p, "=")
		if !ok || name == "" {
			return v, fmt.Errorf("template %q is NAMED: give its values as name=value, got %q", serverText(t.Name), p)
		}
		v.Named[name] = val
	}
	return v, nil
}

// getTemplate is Templates.Get, with a helpful error when the template or
// the language does not exist.
func getTemplate(ctx context.Context, client *crispwa.Client, name, language string) (*crispwa.Template, error) {
	t, err := client.Templates.Get(ctx, name, language)
	var apiErr *crispwa.APIError
	if errors.Is(err, crispwa.ErrNotFound) && !errors.As(err, &apiErr) {
		return nil, templateNotFound(ctx, client, name, language)
	}
	return t, err
}
