// Package crispwa is a client for the Crisp WhatsApp plugin API: list the
// WhatsApp message templates of a Crisp website, send a template to a phone
// number, and parse the callback Crisp posts once the send happened.
//
// A template send costs money and reaches a person's phone, so the client is
// conservative: it validates a send before any network call, retries a send
// only when it certainly did not reach Crisp, and reports every ambiguous
// failure as ErrSendOutcomeUnknown instead of retrying it.
package crispwa

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// DefaultBaseURL is the base URL of Crisp's WhatsApp plugin API.
const DefaultBaseURL = "https://plugins.crisp.chat/urn:crisp.im:whatsapp:0/wa/api/"

// Version is this SDK's version, sent in the User-Agent as "crispwa/<Version>".
const Version = "0.1.0"

// Environment variables read by NewClientFromEnv.
const (
	EnvWebsiteID  = "CRISP_WEBSITE_ID"
	EnvIdentifier = "CRISP_WHATSAPP_IDENTIFIER"
	EnvKey        = "CRISP_WHATSAPP_KEY"
	EnvBaseURL    = "CRISP_WHATSAPP_BASE_URL"
)

// Client talks to the WhatsApp plugin API of one Crisp website. It is safe for
// concurrent use and meant to be created once and shared: it keeps a pool of
// connections alive between calls. Printing a Client never reveals the
// credentials.
type Client struct {
	// Templates lists, gets and sends message templates.
	Templates *TemplatesService

	websiteID string
	base      *url.URL // always ends with "/"
	prefix    string   // base + "website/{escaped id}/": every call's URL starts so
	userAgent string
	logger    *slog.Logger // nil: silent
	retryMax  int
	waitMin   time.Duration
	waitMax   time.Duration
	auth      *authTransport // around the user's (or the default) transport
	// httpBase is the user's client (Timeout, Jar) with the auth transport;
	// each call copies it (see Client.newExchange).
	httpBase     http.Client
	readRedirect func(*http.Request, []*http.Request) error
	phones       *phoneCache // canonical form of the numbers Send has read
	observer     *Observer   // nil: nothing reported (WithObserver)
	urlTemplates *sync.Map   // call path -> Attempt.URLTemplate (observer.go)
}

// NewClient returns a client for the website websiteID, authenticated with
// creds. It makes no network call. It returns an error wrapping
// ErrInvalidRequest when the website ID or credentials are empty or malformed
// or an option is invalid (a base URL that does not parse, or plain http to a
// host that is not loopback).
func NewClient(websiteID string, creds Credentials, opts ...Option) (*Client, error) {
	if err := validateWebsiteID(websiteID); err != nil {
		return nil, err
	}
	if err := creds.validate(); err != nil {
		return nil, err
	}
	s, err := applyOptions(opts)
	if err != nil {
		return nil, err
	}
	base, err := parseBaseURL(s.baseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		websiteID: websiteID,
		base:      base,
		prefix:    base.String() + "website/" + url.PathEscape(websiteID) + "/",
		userAgent: "crispwa/" + Version,
		logger:    s.logger,
		retryMax:  s.maxRetries,
		waitMin:   s.retryWaitMin,
		waitMax:   s.retryWaitMax,
		phones:    newPhoneCache(),
		observer:  s.observer,
	}
	if s.observer != nil {
		c.urlTemplates = new(sync.Map)
	}
	if s.userAgent != "" {
		c.userAgent += " " + s.userAgent
	}
	var userRedirect func(*http.Request, []*http.Request) error
	if s.httpClient != nil {
		c.httpBase = *s.httpClient
		userRedirect = s.httpClient.CheckRedirect
	}
	c.auth = newAuthTransport(creds, base, baseTransport(s.httpClient))
	c.httpBase.Transport = c.auth
	c.readRedirect = readRedirectPolicy(c.auth, userRedirect)
	c.Templates = &TemplatesService{client: c, cache: newTemplateCache(s.templateTTL)}
	return c, nil
}

// NewClientFromEnv is NewClient with the website ID and credentials read from
// CRISP_WEBSITE_ID, CRISP_WHATSAPP_IDENTIFIER and CRISP_WHATSAPP_KEY, and the
// base URL from CRISP_WHATSAPP_BASE_URL when it is set (an explicit
// WithBaseURL in opts wins). Missing variables are one error naming them
// all. It is NewClientFromLookup(os.LookupEnv, opts...).
func NewClientFromEnv(opts ...Option) (*Client, error) {
	return NewClientFromLookup(os.LookupEnv, opts...)
}

// NewClientFromLookup is NewClientFromEnv reading the variables through
// lookup instead of the process environment (a configuration map, a secret
// store, a test): lookup returns a variable's value and whether it is set.
// A variable set to blanks counts as missing. When any of the three required
// variables is missing, the error wraps ErrInvalidRequest and names every
// missing one (never a value). A nil lookup is an error.
func NewClientFromLookup(lookup func(name string) (string, bool), opts ...Option) (*Client, error) {
	if lookup == nil {
		return nil, invalid("lookup", "nil lookup function")
	}
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	vals := map[string]string{}
	var missing []string
	for _, name := range []string{EnvWebsiteID, EnvIdentifier, EnvKey} {
		if vals[name] = get(name); vals[name] == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("crispwa: environment variable(s) not set: %s: %w", strings.Join(missing, ", "), ErrInvalidRequest)
	}
	if u := get(EnvBaseURL); u != "" {
		opts = append([]Option{WithBaseURL(u)}, opts...)
	}
	return NewClient(vals[EnvWebsiteID], Credentials{Identifier: vals[EnvIdentifier], Key: vals[EnvKey]}, opts...)
}

// WebsiteID returns the Crisp website this client works on.
func (c *Client) WebsiteID() string { return c.websiteID }

// BaseURL returns the API base URL this client sends requests to (with a
// trailing slash).
func (c *Client) BaseURL() string { return c.base.String() }

// CloseIdleConnections closes the idle connections of the client's transport.
// The client stays usable. Call it when you are done with a client whose
// transport you do not otherwise control.
func (c *Client) CloseIdleConnections() {
	if ci, ok := c.auth.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// String describes the client without its credentials.
func (c Client) String() string {
	base := ""
	if c.base != nil {
		base = c.base.String()
	}
	return fmt.Sprintf("crispwa.Client{websiteID:%q, baseURL:%q}", c.websiteID, base)
}

// Format implements fmt.Formatter so that every verb prints String's
// credential-free form.
func (c Client) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// validateWebsiteID keeps the website ID a single, harmless path segment.
func validateWebsiteID(id string) error {
	if strings.TrimSpace(id) == "" {
		return invalid("website_id", "is empty")
	}
	if id == "." || id == ".." {
		return invalid("website_id", "must not be a dot segment")
	}
	for _, r := range id {
		if r <= 0x20 || r == 0x7f || strings.ContainsRune(`/\?#%`, r) {
			return invalid("website_id", "must be a single path segment (no '/', '\\', '?', '#', '%%', spaces or control characters)")
		}
	}
	return nil
}

// parseBaseURL checks the base URL rules and returns it with a trailing slash.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		// Not echoed: url.Error quotes the whole URL, password included.
		return nil, invalid("base_url", "does not parse as a URL")
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, invalid("base_url", "scheme must be https, got %q", u.Scheme)
	case u.Host == "" || u.Hostname() == "":
		return nil, invalid("base_url", "has no host")
	case u.User != nil:
		return nil, invalid("base_url", "must not carry user information; use Credentials")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, invalid("base_url", "must not have a query or fragment")
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return nil, invalid("base_url", "plain http is only allowed to a loopback host, got %q", u.Hostname())
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u, nil
}

// baseTransport is the transport every attempt ends in: the user's client's
// (http.DefaultTransport when it has none), or ours without WithHTTPClient.
// The SDK wraps it (authentication, per-attempt rules) and never hands it
// to retryablehttp, which would call CloseIdleConnections on every give-up
// and empty the pool shared by all concurrent calls.
func baseTransport(user *http.Client) http.RoundTripper {
	switch {
	case user == nil:
		return defaultTransport()
	case user.Transport == nil:
		return http.DefaultTransport
	}
	return user.Transport
}

// defaultMaxConnsPerHost bounds the connections the default transport opens
// to the API. More concurrent calls than this queue for a free connection
// instead of dialing more (Go's transport otherwise over-dials a little under
// bursts). Use WithHTTPClient for another limit.
const defaultMaxConnsPerHost = 64

// defaultTransport is tuned for many concurrent sends to one host: every
// connection it opens can stay idle in the pool (so bursts reuse them
// instead of opening new ones), at most defaultMaxConnsPerHost of them, and
// bounded dial, TLS and header waits so that a stuck network fails instead
// of hanging.
func defaultTransport() *http.Transport {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   defaultMaxConnsPerHost,
		MaxConnsPerHost:       defaultMaxConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}
