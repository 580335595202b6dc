package crispwa

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Credentials is the identifier/key token pair generated in the WhatsApp
// plugin's "API Tokens" settings. Key is a secret: String, GoString, LogValue
// and every fmt verb print it as "[redacted]". Identifier is shown, as it is
// not sufficient on its own to authenticate.
type Credentials struct {
	Identifier string
	Key        string
}

const redacted = "[redacted]"

// String returns the credentials with the key redacted.
func (c Credentials) String() string {
	return fmt.Sprintf("crispwa.Credentials{Identifier:%q, Key:%s}", c.Identifier, redacted)
}

// GoString returns the same as String, so that %#v never reveals the key.
func (c Credentials) GoString() string { return c.String() }

// Format implements fmt.Formatter so that every verb (%v, %+v, %#v, %s, %q,
// %x, ...) prints the redacted form.
func (c Credentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// MarshalJSON implements json.Marshaler with the key redacted, so that
// json.Marshal of Credentials, or of a struct holding them (slog's JSON
// handler does that), never reveals it: {"identifier":"...","key":"[redacted]"}.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Identifier string `json:"identifier"`
		Key        string `json:"key"`
	}{c.Identifier, redacted})
}

// LogValue implements slog.LogValuer: the key never reaches a log record.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("identifier", c.Identifier), slog.String("key", redacted))
}

// validate reports missing parts without echoing any of them.
func (c Credentials) validate() error {
	if strings.TrimSpace(c.Identifier) == "" {
		return invalid("credentials.identifier", "is empty")
	}
	if strings.TrimSpace(c.Key) == "" {
		return invalid("credentials.key", "is empty")
	}
	if strings.ContainsAny(c.Identifier, ":\r\n") {
		return invalid("credentials.identifier", "contains ':' or a line break")
	}
	return nil
}

// authTransport adds HTTP Basic authentication to requests for the configured
// API origin (scheme and host) and to no other: a redirect to another host,
// or a downgrade to plain http, goes out without the token. It deliberately
// does not implement CloseIdleConnections (see newHTTPClient).
type authTransport struct {
	// header returns "Basic base64(identifier:key)". A func, because fmt
	// prints a func as an address: no formatting path can reach the token.
	header func() string
	// secrets returns every spelling of the credentials a server could echo
	// back (the header value, its base64 token, identifier:key, the key),
	// longest first, for scrub. A func for the same reason as header.
	secrets func() []string
	scheme  string
	host    string // lower-cased host[:port] of the API
	next    http.RoundTripper
}

func newAuthTransport(creds Credentials, base *url.URL, next http.RoundTripper) *authTransport {
	token := base64.StdEncoding.EncodeToString([]byte(creds.Identifier + ":" + creds.Key))
	value := "Basic " + token
	secrets := echoedForms(token, creds.Identifier+":"+creds.Key, creds.Key)
	return &authTransport{
		header:  func() string { return value },
		secrets: func() []string { return secrets },
		scheme:  base.Scheme,
		host:    strings.ToLower(base.Host),
		next:    next,
	}
}

// scrubError returns err with every echoed spelling of the credentials
// removed from its text: an *APIError's Reason is scrubbed in place by
// decode; any other error whose text carries one (a transport error quoting
// a URL a server redirected to, say) is wrapped so that Error prints the
// scrubbed text, while errors.Is and errors.As still see the cause.
func (t *authTransport) scrubError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := t.scrub(msg); clean != msg {
		return &scrubbedError{msg: clean, err: err}
	}
	return err
}

// scrubbedError is an error whose text had credentials removed.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// echoedForms lists the spellings of the secrets a server or proxy may echo
// in an error text: each as is, URL-escaped, and (for the base64 token)
// without its padding, longest first so that a longer form is replaced
// whole before a shorter one inside it. A form shorter than
// minScrubbedLen is left out: Crisp's keys are long random strings, and
// scrubbing a two-letter test key would mangle every word holding it.
func echoedForms(secrets ...string) []string {
	var forms []string
	seen := map[string]bool{}
	add := func(s string) {
		if len(s) >= minScrubbedLen && !seen[s] {
			seen[s] = true
			forms = append(forms, s)
		}
	}
	for _, s := range secrets {
		add(s)
		add(url.QueryEscape(s))
		add(url.PathEscape(s))
		add(strings.TrimRight(s, "="))
	}
	slices.SortStableFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return forms
}

// minScrubbedLen is the shortest secret spelling scrub looks for.
const minScrubbedLen = 6

// scrub replaces every echoed spelling of the credentials in s (text from a
// server: an error reason) with "[redacted]". The identifier alone is not a
// secret and stays.
func (t *authTransport) scrub(s string) string {
	for _, secret := range t.secrets() {
		if strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, redacted)
		}
	}
	return s
}

// RoundTrip makes sure the Authorization header is exactly ours when the
// request targets the API origin, and absent otherwise. A RoundTripper must
// not modify its input, so the request is cloned only when the header has to
// change; the client's own requests already carry it (see Client.do), so the
// common path costs nothing.
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	allowed := t.allowed(req.URL)
	got := req.Header.Values("Authorization")
	if (allowed && len(got) == 1 && got[0] == t.header()) || (!allowed && len(got) == 0) {
		return t.next.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	if allowed {
		r.Header.Set("Authorization", t.header())
	} else {
		r.Header.Del("Authorization")
	}
	return t.next.RoundTrip(r)
}

// allowed reports whether a request to u may carry the credentials: same
// origin as the API, over https or to loopback.
func (t *authTransport) allowed(u *url.URL) bool {
	return t.sameOrigin(u) && (u.Scheme == "https" || isLoopback(u.Hostname()))
}

// sameOrigin reports whether u has the API's scheme and host[:port].
func (t *authTransport) sameOrigin(u *url.URL) bool {
	return u.Scheme == t.scheme && strings.ToLower(u.Host) == t.host
}

// String keeps the token out of any accidental print of the transport.
func (t *authTransport) String() string {
	return "crispwa.authTransport{" + t.scheme + "://" + t.host + "}"
}

// Format implements fmt.Formatter with the redacted form for every verb.
func (t *authTransport) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(t.String())) }

// isLoopback reports whether host (without port) is a loopback name or address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
