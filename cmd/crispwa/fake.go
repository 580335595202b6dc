package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/crispwatest"
)

const fakeAbout = `Serves a fake of the Crisp WhatsApp plugin API (package crispwatest) on
ADDR, and on the same address the inbox page: every message sent, newest
first, rendered as the customer sees it on WhatsApp, with its callback,
updated live, paged, searchable, with a thread per recipient and a JSON
API under /api/v1/ (see docs/fake.md). It keeps the newest N messages
(--max-messages) and counts the older ones it drops. It starts with the
sample templates, or those in FILE (JSON as the API lists them, e.g. the
output of 'crispwa templates --all --json'). It prints the CRISP_*
variables to export so that your service or 'crispwa send' talks to it.
Callbacks a receiver answers with a 5xx, a timeout or a dropped
connection are redelivered up to 3 more times (after 1s, 2s, 4s: the
fake's model; Crisp does not publish its own). No network beyond
loopback, no credentials to create. Stops on Ctrl-C.`

// fakeMaxMessages is the default of --max-messages: about 20 MB of sends.
const fakeMaxMessages = 10_000

// fakeMaxTemplatesFile caps --templates FILE.
const fakeMaxTemplatesFile = 10 << 20

// Redelivery of the command's callbacks: 4 posts in all, 1s, 2s, 4s apart.
const (
	fakeCallbackAttempts = 4
	fakeCallbackBackoff  = time.Second
)

func runFake(ctx context.Context, e *cmdEnv, args []string) int {
	fs := newFlagSet("fake", "[--addr ADDR] [--callback-url URL] [--templates FILE] [--manual] [--max-messages N]", fakeAbout)
	addr := fs.String("addr", "127.0.0.1:8025", "the loopback `ADDR` to serve the API and the page on")
	cbURL := fs.String("callback-url", "", "POST each send's callback to `URL` (your service's callback endpoint, with its ?token=)")
	file := fs.String("templates", "", "start with the templates in `FILE` instead of the samples")
	manual := fs.Bool("manual", false, "each send waits for a click on deliver or fail on the page")
	maxMessages := fs.Int("max-messages", fakeMaxMessages, "keep the newest `N` messages; older ones are dropped and counted")
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	if *maxMessages < 1 {
		return usageError(e, "fake", "--max-messages must be at least 1")
	}
	if err := loopbackAddr(*addr); err != nil {
		return usageError(e, "fake", err.Error())
	}
	if *cbURL != "" {
		if u, err := url.Parse(*cbURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageError(e, "fake", "--callback-url must be an http(s) URL")
		}
	}
	templates := crispwatest.SampleTemplates()
	if *file != "" {
		var err error
		if templates, err = readTemplates(*file); err != nil {
			return failure(e, "fake", err)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return failure(e, "fake", err)
	}
	opts := []crispwatest.Option{
		crispwatest.WithListener(ln),
		crispwatest.WithTemplates(templates...),
		crispwatest.WithRedelivery(fakeCallbackAttempts, fakeCallbackBackoff),
		crispwatest.WithMaxMessages(*maxMessages),
	}
	if *manual {
		opts = append(opts, crispwatest.WithManualOutcomes())
	}
	srv := crispwatest.NewServer(opts...)
	defer srv.Close()
	srv.SetCallbackURL(*cbURL)

	fmt.Fprintf(e.stdout, "export %s=%s\n", crispwa.EnvWebsiteID, srv.WebsiteID)
	fmt.Fprintf(e.stdout, "export %s=%s\n", crispwa.EnvIdentifier, srv.Credentials.Identifier)
	fmt.Fprintf(e.stdout, "export %s=%s\n", crispwa.EnvKey, srv.Credentials.Key)
	fmt.Fprintf(e.stdout, "export %s=%s\n", crispwa.EnvBaseURL, srv.URL)
	page := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(e.stderr, "crispwa fake: %d template(s); inbox page: %s (Ctrl-C to stop)\n", len(templates), page)
	if *cbURL == "" {
		fmt.Fprintln(e.stderr, "crispwa fake: no --callback-url: sends are shown but no callback is posted")
	}
	<-ctx.Done()
	fmt.Fprintln(e.stderr, "crispwa fake: stopping")
	return exitOK
}

// loopbackAddr accepts host:port with a loopback host: the fake and its
// page have no authentication of their own.
func loopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %v", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--addr %q: the host must be a loopback address (127.0.0.1, ::1 or localhost)", addr)
	}
	return nil
}

// readTemplates reads templates as the API lists them: a JSON array, an
// object {"templates":[...]}, or the whole envelope
// {"error":false,"data":{"templates":[...]}}.
func readTemplates(name string) ([]crispwa.Template, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, fakeMaxTemplatesFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > fakeMaxTemplatesFile {
		return nil, fmt.Errorf("%s: larger than %d MiB", name, fakeMaxTemplatesFile>>20)
	}
	b = bytes.TrimSpace(b)
	var ts []crispwa.Template
	if len(b) > 0 && b[0] == '[' {
		err = json.Unmarshal(b, &ts)
	} else {
		var v struct {
			Templates []crispwa.Template `json:"templates"`
			Data      *struct {
				Templates []crispwa.Template `json:"templates"`
			} `json:"data"`
		}
		err = json.Unmarshal(b, &v)
		ts = v.Templates
		if v.Data != nil {
			ts = append(ts, v.Data.Templates...)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: not templates as the API lists them: %w", name, err)
	}
	if len(ts) == 0 {
		return nil, errors.New(name + ": no template in the file")
	}
	for i, t := range ts {
		if strings.TrimSpace(t.Name) == "" || strings.TrimSpace(t.Language) == "" {
			return nil, fmt.Errorf("%s: template %d has no name or no language", name, i+1)
		}
	}
	return ts, nil
}
