package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/crispwa/crispwa"
)

const doctorAbout = `Checks what a campaign needs, one thing at a time, and says how to fix
each problem: the CRISP_* variables; the credentials and the website ID (one
templates list call); with --template and --language, that the template
exists in that language and is APPROVED; with --callback-url, that a test
callback (with --token, added as ?token=) posted to it is accepted, as
Crisp's would be (it carries a request_id no send has, and says no message
was sent); with --redis or --store, that Redis answers a PING and that
PostgreSQL accepts a connection. Nothing is sent to anyone.

Exit status: 0 every check passed; 1 some check failed; 2 bad usage, or the
CRISP_* variables are missing or wrong.`

// doctorTimeout bounds each check.
const doctorTimeout = 10 * time.Second

// check is the outcome of one doctor check.
type check struct {
	name   string
	ok     bool
	skip   bool   // not configured: not checked
	config bool   // a configuration problem (exit 2)
	detail string // what was found
	fix    string // how to fix it, when it failed
}

func runDoctor(ctx context.Context, e *cmdEnv, args []string) int {
	fs := newFlagSet("doctor", "[--template NAME --language CODE] [--callback-url URL [--token T]] [--redis ADDR] [--store URL]", doctorAbout)
	template := fs.String("template", "", "check that this template exists (with --language) and is APPROVED")
	language := fs.String("language", "", "the template's language, e.g. en_US")
	callbackURL := fs.String("callback-url", "", "post a test callback to `URL` (the callback URL configured in the Crisp plugin)")
	token := fs.String("token", "", "with --callback-url: the token the callback handler wants (added as ?token=)")
	redisAddr := fs.String("redis", "", "check that Redis answers at `ADDR` (host:port, or a redis:// URL)")
	store := fs.String("store", "", "check that the PostgreSQL database at `URL` (postgres://...) accepts a connection")
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	switch {
	case (*template == "") != (*language == ""):
		return usageError(e, "doctor", "give --template and --language together")
	case *token != "" && *callbackURL == "":
		return usageError(e, "doctor", "--token is only used with --callback-url")
	}
	var checks []check
	add := func(c check) {
		checks = append(checks, c)
		printCheck(e.stdout, c)
	}
	client, err := clientFromEnv(e.getenv)
	if err != nil {
		add(check{name: "environment", config: true, detail: message(err),
			fix: "export " + crispwa.EnvWebsiteID + ", " + crispwa.EnvIdentifier + " and " + crispwa.EnvKey + " (the plugin's settings in Crisp; 'crispwa fake' prints a set for a local fake)"})
	} else {
		add(check{name: "environment", ok: true, detail: "the CRISP_* variables are set; API " + client.BaseURL()})
		for _, c := range checkAPI(ctx, client, *template, *language) {
			add(c)
		}
	}
	if *callbackURL != "" {
		add(checkCallback(ctx, *callbackURL, *token))
	}
	if *redisAddr != "" {
		add(checkRedis(ctx, *redisAddr))
	}
	if *store != "" {
		add(checkPostgres(ctx, *store))
	}
	var failed, config int
	for _, c := range checks {
		if !c.ok && !c.skip {
			failed++
			if c.config {
				config++
			}
		}
	}
	switch {
	case failed == 0:
		fmt.Fprintf(e.stdout, "\nall %d check(s) passed\n", len(checks))
		return exitOK
	case config > 0:
		fmt.Fprintf(e.stdout, "\n%d of %d check(s) failed: fix them as said, then run 'crispwa doctor' again\n", failed, len(checks))
		return exitUsage
	}
	fmt.Fprintf(e.stdout, "\n%d of %d check(s) failed: fix them as said, then run 'crispwa doctor' again\n", failed, len(checks))
	return exitFailure
}

// printCheck prints one check: ok, FAIL (with its fix) or skip.
func printCheck(w io.Writer, c check) {
	mark := "ok  "
	switch {
	case c.skip:
		mark = "skip"
	case !c.ok:
		mark = "FAIL"
	}
	fmt.Fprintf(w, "%s  %s: %s\n", mark, c.name, c.detail)
	if !c.ok && !c.skip && c.fix != "" {
		fmt.Fprintf(w, "      fix: %s\n", c.fix)
	}
}

// checkAPI checks the credentials and the website with one list call, then
// the template when one is named.
func checkAPI(ctx context.Context, client *crispwa.Client, name, language string) []check {
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	_, err := client.Templates.List(ctx, &crispwa.ListTemplatesOptions{Limit: 1})
	var apiErr *crispwa.APIError
	switch {
	case errors.Is(err, crispwa.ErrUnauthorized):
		return []check{{name: "credentials", config: true, detail: explainMessage(err),
			fix: "copy the identifier and key again from the WhatsApp plugin's settings in Crisp into " + crispwa.EnvIdentifier + " and " + crispwa.EnvKey},
			{name: "website", skip: true, detail: "not checked: the credentials were refused"}}
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound:
		return []check{{name: "credentials", ok: true, detail: "accepted"},
			{name: "website", config: true, detail: fmt.Sprintf("website %s not found (HTTP 404 on its templates list)", client.WebsiteID()),
				fix: "set " + crispwa.EnvWebsiteID + " to the website ID in the Crisp dashboard's URL (app.crisp.chat/website/ID/...)"}}
	case err != nil:
		return []check{{name: "credentials", detail: explainMessage(err),
			fix: "check that " + client.BaseURL() + " is reachable from here (proxy, firewall, " + crispwa.EnvBaseURL + ")"}}
	}
	out := []check{{name: "credentials", ok: true, detail: "accepted (one templates list call)"},
		{name: "website", ok: true, detail: client.WebsiteID() + " found (its templates list answered)"}}
	if name == "" {
		return append(out, check{name: "template", skip: true, detail: "not checked (give --template and --language)"})
	}
	t, err := getTemplate(ctx, client, name, language)
	what := fmt.Sprintf("template %q (%s)", name, language)
	switch {
	case err != nil:
		return append(out, check{name: what, config: true, detail: explainMessage(err),
			fix: "create or fix the template in WhatsApp Manager, or name the campaign's template and language as 'crispwa templates' lists them"})
	case !isApproved(t):
		return append(out, check{name: what, detail: fmt.Sprintf("is %s, not APPROVED: WhatsApp refuses every send", serverText(t.Status)),
			fix: "wait for WhatsApp's review, or fix and resubmit the template in WhatsApp Manager"})
	}
	return append(out, check{name: what, ok: true, detail: "APPROVED"})
}

// explainMessage is explain's message alone.
func explainMessage(err error) string {
	msg, _ := explain(err)
	return msg
}

// checkCallback posts a test callback to u, with the token, and reports
// the answer.
func checkCallback(ctx context.Context, u, token string) check {
	name := "callback URL"
	parsed, err := url.Parse(u)
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
		return check{name: name, config: true, detail: fmt.Sprintf("%q is not an http(s) URL", sanitize(u, maxServerText)),
			fix: "give the URL configured in the Crisp plugin, e.g. https://example.com/crisp/callback?token=..."}
	}
	if token != "" {
		q := parsed.Query()
		q.Set("token", token)
		parsed.RawQuery = q.Encode()
	}
	shown := redactURL(parsed)
	hasToken := parsed.Query().Get("token") != "" || parsed.User != nil
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	body, _ := json.Marshal(map[string]any{"error": true, "reason": "template_not_sent",
		"data": map[string]any{"request_id": "crispwa-doctor-" + hex.EncodeToString(id),
			"message": "crispwa doctor: a test callback; no message was sent"}})
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, parsed.String(), bytes.NewReader(body))
	if err != nil {
		return check{name: name, config: true, detail: message(err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "crispwa-doctor")
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // without the URL and its token
		}
		return check{name: name, detail: fmt.Sprintf("POST %s: no answer: %s", shown, sanitize(err.Error(), maxMessage)),
			fix: "start the service that receives the callbacks, and check the URL is reachable from the internet (Crisp posts from its servers)"}
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	answer := fmt.Sprintf("POST %s: HTTP %d", shown, resp.StatusCode)
	if t := strings.TrimSpace(string(text)); t != "" {
		answer += " " + sanitize(t, 120)
	}
	c := check{name: name, detail: answer}
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		c.ok = true
		c.detail += " (the test callback was accepted)"
		if !hasToken {
			c.detail += "; warning: no token in the URL, anybody can post callbacks to it"
		}
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		c.fix = "the token differs: give the handler's token with --token (callback.WithToken), and put the same in the URL set in the Crisp plugin (?token=...); an unset environment variable gives an empty token"
	case code == http.StatusNotFound || code == http.StatusMethodNotAllowed:
		c.fix = "no callback handler at this path: give the path your service mounts callback.NewHandler on"
	case code >= 300 && code < 400:
		c.fix = fmt.Sprintf("the URL redirects (to %s): Crisp does not follow redirects with the body; give the final URL", sanitize(resp.Header.Get("Location"), 120))
	case code == http.StatusBadRequest || code == http.StatusRequestEntityTooLarge || code == http.StatusUnsupportedMediaType:
		c.fix = "the receiver refused the callback's body: is it a crispwa callback handler?"
	default:
		c.fix = "the receiver failed: see its logs"
	}
	return c
}

// redactURL returns u with its token and password hidden.
func redactURL(u *url.URL) string {
	c := *u
	if q := c.Query(); q.Get("token") != "" {
		q.Set("token", "xxxxx")
		c.RawQuery = q.Encode()
	}
	return sanitize(c.Redacted(), maxServerText)
}

// checkRedis pings Redis at addr.
func checkRedis(ctx context.Context, addr string) check {
	opts := &redis.Options{Addr: addr}
	if strings.Contains(addr, "://") {
		o, err := redis.ParseURL(addr)
		if err != nil {
			return check{name: "Redis", config: true, detail: "--redis is not host:port or a redis:// URL", fix: "give --redis HOST:PORT, e.g. 127.0.0.1:6379"}
		}
		opts = o
	}
	opts.DialTimeout, opts.ReadTimeout, opts.MaxRetries = doctorTimeout, doctorTimeout, -1
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return check{name: "Redis", detail: fmt.Sprintf("%s: %s", opts.Addr, redactSecret(err.Error(), opts.Password)),
			fix: "start Redis, or give the address the campaigns use (--redis HOST:PORT); a password goes in a redis:// URL"}
	}
	return check{name: "Redis", ok: true, detail: opts.Addr + " answers PING"}
}

// checkPostgres connects to the database at dsn and pings it.
func checkPostgres(ctx context.Context, dsn string) check {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return check{name: "PostgreSQL", config: true, detail: "--store is not a PostgreSQL URL",
			fix: "give --store postgres://USER:PASSWORD@HOST:PORT/DATABASE"}
	}
	where := fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		err = conn.Ping(ctx)
		_ = conn.Close(context.Background())
	}
	if err != nil {
		return check{name: "PostgreSQL", detail: where + ": " + sanitize(redactSecret(err.Error(), cfg.Password), maxMessage),
			fix: "start PostgreSQL, create the database, or fix the user and password in --store"}
	}
	return check{name: "PostgreSQL", ok: true, detail: where + " accepts a connection"}
}

// redactSecret hides secret in s.
func redactSecret(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "xxxxx")
}
