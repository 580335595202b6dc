package crispwatest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/crispwa/crispwa"
)

// outcome is what became of an accepted send.
type outcome int

const (
	outcomeWaiting outcome = iota // WithManualOutcomes: waits for Deliver or Fail
	outcomeSent                   // the success callback
	outcomeFailed                 // the failure callback
)

// cbState is where the callback of a decided send stands.
type cbState int

const (
	cbOff       cbState = iota // no callback URL when the outcome was decided (or the server was closing)
	cbPosting                  // first post in flight
	cbRetrying                 // a post failed; another one is coming
	cbDelivered                // the receiver answered 2xx
	cbFailed                   // every attempt failed, or the receiver refused it (4xx)
)

// attempt is one callback post.
type attempt struct {
	at     time.Time
	took   time.Duration
	status int    // the HTTP status the receiver answered; 0 when it did not answer
	err    string // why there was no answer; never the URL (it may carry a token)
	answer string // the start of the receiver's answer body
}

// maxAnswerKept caps the part of a receiver's answer kept for the inbox.
const maxAnswerKept = 1 << 10

// record is one accepted send and what became of it.
type record struct {
	requestID string
	body      []byte    // the request body as received: decoded afresh by Sends
	send      *wireSend // the same, as the fake's rules read it
	at        time.Time
	verdict   string // why the fake's rules say WhatsApp would refuse it; "" if they do not
	outcome   outcome
	reason    string // the failure callback's message
	class     string // how crispwa classifies reason
	noAnswer  bool   // accepted, then the connection was dropped (DropNextSends)
	cb        cbState
	cbBody    []byte // the callback posted
	attempts  []attempt
	ver       int64 // s.seq at its last change
}

// delivery is one callback to post, with its redeliveries.
type delivery struct {
	rec  *record
	url  string
	body []byte
}

// Errors of Deliver and Fail.
var (
	// ErrUnknownRequest means no accepted send has this request_id.
	ErrUnknownRequest = errors.New("crispwatest: no accepted send has this request_id")
	// ErrOutcomeDecided means the send's outcome was already decided: by an
	// earlier Deliver or Fail, or at once because the server was not created
	// with WithManualOutcomes.
	ErrOutcomeDecided = errors.New("crispwatest: the outcome of this send is already decided")
	// ErrClosed means the server is closed.
	ErrClosed = errors.New("crispwatest: the server is closed")
)

// Deliver decides that the send with this request_id went out: the fake
// posts the success callback (request_id, crisp_fingerprint,
// whatsapp_message_id, session_id) to the callback URL set now, whatever
// the fake's own rules say about the send. It is for servers created with
// WithManualOutcomes; it returns an error wrapping ErrUnknownRequest,
// ErrOutcomeDecided or ErrClosed when it cannot.
func (s *Server) Deliver(requestID string) error {
	return s.decide(requestID, true, "")
}

// Fail decides that the send with this request_id was not sent: the fake
// posts the failure callback {"error":true,"reason":"template_not_sent",
// "data":{"request_id":...,"message":reason}}. To look like WhatsApp's own
// failures, start reason with Meta's code, e.g. "(#131026) Message
// undeliverable". It returns the errors Deliver returns, and one when
// reason is empty.
func (s *Server) Fail(requestID, reason string) error {
	if reason == "" {
		return fmt.Errorf("crispwatest: Fail %s: the reason is empty", requestID)
	}
	return s.decide(requestID, false, reason)
}

func (s *Server) decide(requestID string, ok bool, reason string) error {
	s.mu.Lock()
	rec := s.byID[requestID]
	var err error
	switch {
	case s.closed:
		err = ErrClosed
	case rec == nil:
		err = ErrUnknownRequest
	case rec.outcome != outcomeWaiting:
		err = ErrOutcomeDecided
	}
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("crispwatest: request_id %q: %w", requestID, err)
	}
	d := s.decideLocked(rec, ok, reason)
	s.mu.Unlock()
	if d != nil {
		go s.deliver(d)
	}
	return nil
}

// decideLocked sets the outcome of rec and returns the delivery of its
// callback, or nil when there is none to post. When it returns a delivery,
// the caller must run s.deliver on it. s.mu must be held.
func (s *Server) decideLocked(rec *record, ok bool, reason string) *delivery {
	if ok {
		rec.outcome = outcomeSent
	} else {
		rec.outcome, rec.reason = outcomeFailed, reason
		if f := (&crispwa.CallbackEvent{RequestID: rec.requestID, Error: true, Reason: reason}).Failure(); f != nil {
			rec.class = string(f.Class)
		}
	}
	rec.ver = s.bumpLocked()
	if s.callbackURL == "" || s.closed {
		rec.cb = cbOff
		return nil
	}
	rec.cb = cbPosting
	rec.cbBody = callbackBody(rec)
	s.cbWG.Add(1) // under s.mu while !s.closed: never after Close's Wait started
	return &delivery{rec: rec, url: s.callbackURL, body: rec.cbBody}
}

// callbackBody is the callback Crisp would post for rec's outcome.
func callbackBody(rec *record) []byte {
	var v any
	if rec.outcome == outcomeFailed {
		v = map[string]any{
			"error":  true,
			"reason": "template_not_sent",
			"data":   map[string]any{"request_id": rec.requestID, "message": rec.reason},
		}
	} else {
		v = map[string]any{
			"error":  false,
			"reason": "dispatched",
			"data": map[string]any{
				"request_id":          rec.requestID,
				"crisp_fingerprint":   fingerprint(),
				"whatsapp_message_id": "wamid." + base64.StdEncoding.EncodeToString(randomBytes(24)),
				"session_id":          "session_" + uuid.NewString(),
			},
		}
	}
	b, _ := json.Marshal(v) // plain maps of strings and numbers
	return b
}

// deliver posts d's callback, with redeliveries, and records each attempt.
func (s *Server) deliver(d *delivery) {
	defer s.cbWG.Done()
	backoff := s.cfg.backoff
	for i := range s.cfg.attempts {
		if i > 0 {
			if s.stop.Err() != nil || !s.wait(context.Background(), backoff) {
				break // Close: no redelivery starts any more
			}
			backoff = min(2*backoff, time.Hour)
		}
		a, retry := s.postCallback(d.url, d.body)
		s.mu.Lock()
		d.rec.attempts = append(d.rec.attempts, a)
		switch {
		case a.status >= 200 && a.status <= 299:
			d.rec.cb = cbDelivered
			s.delivered++
		case retry && i+1 < s.cfg.attempts:
			d.rec.cb = cbRetrying
		default:
			d.rec.cb = cbFailed
		}
		if a.err != "" || d.rec.cb != cbDelivered {
			s.cbErrors = append(s.cbErrors, fmt.Errorf("crispwatest: callback for %s: %s", d.rec.requestID, a.describe()))
		}
		d.rec.ver = s.bumpLocked()
		state := d.rec.cb
		s.mu.Unlock()
		if state != cbRetrying {
			return
		}
	}
	s.mu.Lock()
	if d.rec.cb == cbRetrying { // cut short by Close
		d.rec.cb = cbFailed
		d.rec.ver = s.bumpLocked()
	}
	s.mu.Unlock()
}

// postCallback posts body to u once. retry reports whether the fake's
// redelivery model posts again after this answer: after a 5xx, a 429, a
// timeout or a failed connection.
func (s *Server) postCallback(u string, body []byte) (a attempt, retry bool) {
	a.at = time.Now()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		a.err = "invalid callback URL"
		return a, false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "crispwatest-callback")
	resp, err := s.cbClient.Do(req)
	defer func() { a.took = time.Since(a.at) }()
	if err != nil {
		a.err = "connection failed"
		var uerr *url.Error
		if errors.As(err, &uerr) {
			if uerr.Timeout() {
				a.err = fmt.Sprintf("no answer within %v", s.cfg.callbackTimeout)
			} else {
				a.err = "connection failed: " + uerr.Err.Error() // without the URL and its token
			}
		}
		return a, true
	}
	defer resp.Body.Close()
	var answer bytes.Buffer
	_, _ = io.Copy(&answer, io.LimitReader(resp.Body, maxAnswerKept))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	a.answer = strings.ToValidUTF8(answer.String(), "\uFFFD")
	a.status = resp.StatusCode
	return a, resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
}

// describe says what happened to one attempt, for people.
func (a attempt) describe() string {
	if a.err != "" {
		return a.err
	}
	return fmt.Sprintf("receiver answered HTTP %d", a.status)
}

// WaitCallbacks blocks until n callbacks in all, since the server started,
// were answered with a 2xx by their receiver (a redelivered callback counts
// once, when it succeeds). It returns nil at once if that many already
// were; an error wrapping ctx.Err() if ctx ends first; and an error
// wrapping ErrClosed once the server is closed and no callback can arrive
// any more. It does not poll.
func (s *Server) WaitCallbacks(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, done, changed := s.delivered, s.done, s.changed
		s.mu.Unlock()
		switch {
		case got >= n:
			return nil
		case done:
			return fmt.Errorf("crispwatest: %d of %d callbacks answered 2xx: %w", got, n, ErrClosed)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("crispwatest: %d of %d callbacks answered 2xx: %w", got, n, ctx.Err())
		}
	}
}

// fingerprint returns a random positive int64, like Crisp's message
// fingerprints.
func fingerprint() int64 {
	n, _ := rand.Int(rand.Reader, big.NewInt(1<<53)) // stays exact in JSON numbers
	return n.Int64() + 1
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}
