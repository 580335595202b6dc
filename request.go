package crispwa

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxResponseBytes caps every response body the SDK reads. Template pages
// are the largest legitimate answers and stay far below it.
const maxResponseBytes = 4 << 20

// errResponseTooLarge reports a response body over maxResponseBytes.
var errResponseTooLarge = fmt.Errorf("crispwa: response body exceeds %d bytes", maxResponseBytes)

// envelope is Crisp's answer wrapper: {"error":bool,"reason":"...","data":{...}},
// decoded in one pass; Data is nil when "data" is absent or null.
type envelope[T any] struct {
	Error  bool   `json:"error"`
	Reason string `json:"reason"`
	Data   *T     `json:"data"`
}

// call describes one API call relative to the website's path.
type call struct {
	kind   callKind
	method string
	path   string     // relative to base + "website/{id}/", e.g. "templates"
	query  url.Values // may be nil
	body   any        // JSON-encoded when non-nil
}

// do runs a call (its attempts: see attempt.go) and decodes the envelope's
// data. Reads return an *APIError or a transport error; sends additionally
// wrap every ambiguous failure in ErrSendOutcomeUnknown.
func do[T any](ctx context.Context, c *Client, cl call) (*T, error) {
	if ctx == nil {
		return nil, invalid("ctx", "nil context")
	}
	u := c.prefix + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var body []byte
	if cl.body != nil {
		var err error
		if body, err = json.Marshal(cl.body); err != nil {
			return nil, fmt.Errorf("crispwa: encoding request: %w", err)
		}
	}
	x := c.newExchange(cl.kind)
	resp, err := x.run(ctx, cl.method, u, cl.path, body)
	if err != nil {
		if resp != nil { // a refused redirect hands back a closed response too
			_ = resp.Body.Close()
		}
		return nil, c.auth.scrubError(transportFailure(ctx, cl, x, err))
	}
	defer resp.Body.Close()
	data, err := decode[T](cl, x.urlPath, resp, c.auth.scrub)
	return data, c.auth.scrubError(err)
}

// transportFailure classifies a call that got no HTTP answer: a send is
// unknown unless its last attempt certainly was not processed.
func transportFailure(ctx context.Context, cl call, x *exchange, err error) error {
	if cl.kind == kindSend && x.judged != notSent {
		return outcomeUnknown(fmt.Errorf("crispwa: %s %s: after %d attempt(s): %w", cl.method, cl.path, x.attempts(), err))
	}
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		err = errors.Join(ctxErr, err)
	}
	return fmt.Errorf("crispwa: %s %s: %w", cl.method, cl.path, err)
}

// decode reads a response (through the size cap) and turns it into the
// envelope's data or an error.
// scrub removes echoed credentials from the server's reason.
func decode[T any](cl call, path string, resp *http.Response, scrub func(string) string) (*T, error) {
	raw, err := readCapped(resp)
	var env envelope[T]
	if err == nil {
		err = unmarshalEnvelope(raw, &env)
	}
	envelopeRead := err == nil || dataTypeError(err)
	// failed wraps a failure of a send that may have been accepted.
	failed := func(e error) error {
		if cl.kind == kindSend {
			return outcomeUnknown(e)
		}
		return e
	}
	apiError := func() *APIError {
		e := &APIError{StatusCode: resp.StatusCode, Method: cl.method, Path: path}
		if d, ok := retryAfter(resp); ok {
			e.RetryAfter = d
		}
		if envelopeRead {
			e.Reason = cleanReason(scrub(env.Reason))
		}
		return e
	}
	switch {
	case !isSuccess(resp.StatusCode):
		if sendStatusUnknown(resp.StatusCode) {
			return nil, failed(apiError())
		}
		return nil, apiError()
	case !envelopeRead:
		return nil, failed(fmt.Errorf("crispwa: %s %s: HTTP %d with unreadable body: %w", cl.method, path, resp.StatusCode, err))
	case env.Error:
		return nil, apiError()
	case err != nil:
		return nil, failed(fmt.Errorf("crispwa: %s %s: malformed data: %w", cl.method, path, err))
	case env.Data == nil:
		return nil, failed(fmt.Errorf("crispwa: %s %s: HTTP %d without data", cl.method, path, resp.StatusCode))
	}
	return env.Data, nil
}

// maxReasonBytes caps the server's reason kept in an APIError: real reasons
// are short words ("invalid_data"); a page of HTML or an echoed request is
// not kept whole.
const maxReasonBytes = 512

// cleanReason makes the server's reason safe to print: line breaks and
// tabs become spaces, other control characters (a terminal's escape
// sequences) and bidirectional-override characters become '?', invalid
// UTF-8 is replaced, and it is cut to maxReasonBytes (on a character
// boundary).
func cleanReason(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r):
			return '?'
		}
		return r
	}, s)
	if len(s) > maxReasonBytes {
		cut := maxReasonBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// unmarshalEnvelope decodes an answer's envelope: a templates page through
// its one-pass decoder (templates_decode.go), every other answer with
// json.Unmarshal.
func unmarshalEnvelope[T any](raw []byte, env *envelope[T]) error {
	if page, ok := any(env).(*envelope[templatesData]); ok {
		return decodeTemplatesEnvelope(raw, page)
	}
	return json.Unmarshal(raw, env)
}

// dataTypeError reports a JSON type error inside "data" only: the
// envelope's "error" and "reason" were still read.
func dataTypeError(err error) bool {
	var typeErr *json.UnmarshalTypeError
	return errors.As(err, &typeErr) && (typeErr.Field == "data" || strings.HasPrefix(typeErr.Field, "data."))
}

// readCapped reads the whole body, refusing more than maxResponseBytes.
func readCapped(resp *http.Response) ([]byte, error) {
	if n := resp.ContentLength; n > 0 && n <= maxResponseBytes {
		// The usual case: one exact read, then a check that nothing follows.
		b := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, b); err != nil {
			return nil, err
		}
		var one [1]byte
		if m, _ := resp.Body.Read(one[:]); m > 0 {
			return nil, errResponseTooLarge // more than announced: a broken server
		}
		return b, nil
	}
	var buf bytes.Buffer
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err == nil && buf.Len() > maxResponseBytes {
		err = errResponseTooLarge
	}
	return buf.Bytes(), err
}

// sendStatusUnknown reports the non-2xx statuses after which a send may
// still have been accepted: 408 (the server gave up reading, which a proxy
// may say after forwarding) and 5xx. A 3xx (a redirect the SDK does not
// follow) and the other 4xx are answers of a server that did not process
// the send: definite refusals.
func sendStatusUnknown(status int) bool {
	return status < 300 || status >= 500 || status == http.StatusRequestTimeout
}
