package crispwa

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// maxResponseBytes caps every response body the SDK reads. Template pages
// are the largest legitimate answers and stay far below it.
const maxResponseBytes = 4 << 20

// errResponseTooLarge reports a response body over maxResponseBytes.
var errResponseTooLarge = fmt.Errorf("crispwa: response body exceeds %d bytes", maxResponseBytes)

// envelope is Crisp's answer wrapper: {"error":bool,"reason":"...","data":{...}}.
type envelope struct {
	Error  bool            `json:"error"`
	Reason string          `json:"reason"`
	Data   json.RawMessage `json:"data"`
}

// callKind selects the retry policy and failure classification of a call.
type callKind int

const (
	kindRead callKind = iota // idempotent: retried on transient failures
	kindSend                 // not idempotent: retried only when certainly not sent
)

// call describes one API call relative to the website's path.
type call struct {
	kind   callKind
	method string
	path   string     // relative to base + "website/{id}/", e.g. "templates"
	query  url.Values // may be nil
	body   any        // JSON-encoded when non-nil
}

// do runs a call and decodes the envelope's data into out (when non-nil).
// Reads return an *APIError or a transport error; sends additionally wrap
// every ambiguous failure in ErrSendOutcomeUnknown.
func (c *Client) do(ctx context.Context, cl call, out any) error {
	if ctx == nil {
		return invalid("ctx", "nil context")
	}
	u := c.prefix + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var body []byte
	if cl.body != nil {
		var err error
		if body, err = json.Marshal(cl.body); err != nil {
			return fmt.Errorf("crispwa: encoding request: %w", err)
		}
	}
	// Sends need to know, per attempt, whether the request can have left;
	// reads only need the attempt number, and only for logging.
	var st *attempt
	switch {
	case cl.kind == kindSend:
		ctx, st = withAttempt(ctx)
	case c.logger != nil:
		ctx, st = withAttemptCounter(ctx)
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, cl.method, u, body)
	if err != nil {
		return fmt.Errorf("crispwa: building request: %w", err)
	}
	req.Header.Set("Authorization", c.auth.header()) // checked again per hop by authTransport
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rc := c.reads
	if cl.kind == kindSend {
		rc = c.sends
	}
	resp, err := rc.Do(req)
	if err != nil {
		return c.transportFailure(ctx, cl, st, err)
	}
	defer resp.Body.Close()
	return c.decode(cl, req.URL.Path, resp, out)
}

// transportFailure classifies a call that got no HTTP answer.
func (c *Client) transportFailure(ctx context.Context, cl call, st *attempt, err error) error {
	if cl.kind == kindSend && !st.certainlyNotSent() {
		return outcomeUnknown(fmt.Errorf("after %d attempt(s): %w", st.count(), err))
	}
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		err = errors.Join(ctxErr, err)
	}
	return fmt.Errorf("crispwa: %s %s: %w", cl.method, cl.path, err)
}

// decode reads a response (through the size cap) and turns it into out or an
// error.
func (c *Client) decode(cl call, path string, resp *http.Response, out any) error {
	raw, readErr := readCapped(resp)
	var env envelope
	decodeErr := readErr
	if decodeErr == nil {
		decodeErr = json.Unmarshal(raw, &env)
	}
	// The error, built only when the answer is one.
	apiError := func() *APIError {
		e := &APIError{StatusCode: resp.StatusCode, Method: cl.method, Path: path}
		if d, ok := retryAfter(resp); ok {
			e.RetryAfter = d
		}
		if decodeErr == nil {
			e.Reason = env.Reason
		}
		return e
	}

	switch {
	case !isSuccess(resp.StatusCode):
		apiErr := apiError()
		if cl.kind == kindSend && sendAmbiguousStatus(resp.StatusCode) {
			return outcomeUnknown(apiErr)
		}
		return apiErr
	case decodeErr != nil:
		err := fmt.Errorf("crispwa: %s %s: HTTP %d with unreadable body: %w", cl.method, path, resp.StatusCode, decodeErr)
		if cl.kind == kindSend {
			return outcomeUnknown(err)
		}
		return err
	case env.Error:
		return apiError()
	case out == nil:
		return nil
	}
	if len(env.Data) == 0 || bytes.Equal(env.Data, []byte("null")) {
		err := fmt.Errorf("crispwa: %s %s: HTTP %d without data", cl.method, path, resp.StatusCode)
		if cl.kind == kindSend {
			return outcomeUnknown(err)
		}
		return err
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		err = fmt.Errorf("crispwa: %s %s: malformed data: %w", cl.method, path, err)
		if cl.kind == kindSend {
			return outcomeUnknown(err)
		}
		return err
	}
	return nil
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

// sendAmbiguousStatus reports the non-2xx statuses after which a send may
// still have been accepted: anything but a definite 4xx refusal (408 means
// the server gave up reading, which a proxy may say after forwarding).
func sendAmbiguousStatus(status int) bool {
	return status < 400 || status >= 500 || status == http.StatusRequestTimeout
}

// attemptTransport marks the start of each HTTP attempt for the send
// classification and logs one debug record per attempt: method, path,
// status or error, attempt number and duration. Never a header or a body.
type attemptTransport struct {
	next   http.RoundTripper
	logger *slog.Logger
}

func (t *attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	st := attemptFrom(req.Context())
	var n int
	if req.Response != nil { // a redirect hop inside the same attempt
		st.markRedirect()
		n = st.count()
	} else {
		n = st.begin()
	}
	if t.logger == nil || !t.logger.Enabled(req.Context(), slog.LevelDebug) {
		return t.next.RoundTrip(req)
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("path", req.URL.Path),
		slog.Int("attempt", n),
		slog.Duration("duration", time.Since(start)),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	} else {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	t.logger.LogAttrs(req.Context(), slog.LevelDebug, "crispwa: http attempt", attrs...)
	return resp, err
}
