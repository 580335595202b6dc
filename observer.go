package crispwa

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/crispwa/crispwa/internal/redact"
)

// Observer receives the events of a send's life, from the call to its
// callback, so that a team can watch the SDK in production: package
// crispwaotel turns them into OpenTelemetry traces and metrics, and any
// other telemetry can be wired the same way. Give it to a Client with
// WithObserver, to a callback.Handler with callback.WithObserver, to a
// callback.Tracker with callback.WithTrackerObserver and to a bulk Runner
// with bulk.WithObserver.
//
// Every field is optional: a nil field is not called, and a nil *Observer
// (the default) costs nothing. Like net/http/httptrace.ClientTrace, fields
// may be added in later versions; set them by name. The hooks run on the
// goroutine making the call, possibly on many at once: they must be quick,
// safe for concurrent use, and must not keep the values they are given
// beyond the call (an Err may be kept). They never see a credential, a
// request body or a full phone number.
type Observer struct {
	// SendStart is called when Templates.Send begins, before the request
	// is validated. The context it returns is the one the send runs under
	// (the attempts' hooks and SendDone get it): return ctx, or a child of
	// it carrying, say, a span. A nil return keeps ctx.
	SendStart func(ctx context.Context, s SendInfo) context.Context
	// SendDone is called once when Templates.Send returns, with what it
	// returned, under the context SendStart returned.
	SendDone func(ctx context.Context, s SendDone)

	// AttemptStart is called before each HTTP attempt of a call (a send,
	// or a page of List, All or Get). The context it returns is the
	// attempt's (the request carries it); a nil return keeps ctx.
	AttemptStart func(ctx context.Context, a Attempt) context.Context
	// RequestHeader is called after AttemptStart with the attempt's
	// context and an empty header: the fields set in h are added to the
	// attempt's request (to propagate a trace context, for example).
	// Fields the SDK sets itself (Authorization, Accept, Content-Type,
	// Content-Length, Host, User-Agent) are never replaced.
	RequestHeader func(ctx context.Context, h http.Header)
	// AttemptDone is called when an attempt started with AttemptStart has
	// its answer (the status line and headers) or its error, with the
	// SDK's verdict on it, under the attempt's context.
	AttemptDone func(ctx context.Context, a AttemptDone)
	// Retry is called when the SDK decided to make another attempt, before
	// it waits, under the call's context.
	Retry func(ctx context.Context, r Retry)

	// CallbackStart is called by a callback.Handler for a delivery that
	// parsed as a callback, before it is deduplicated and handed to the
	// HandlerFunc. The context it returns is the one the HandlerFunc and
	// CallbackDone get; a nil return keeps ctx.
	CallbackStart func(ctx context.Context, ev *CallbackEvent) context.Context
	// CallbackDone is called once per delivery a callback.Handler
	// answers, refused ones included, under CallbackStart's context (or
	// the request's, when the delivery was refused before it parsed).
	CallbackDone func(ctx context.Context, d CallbackDone)

	// WaitStart is called by a callback.Tracker (WithTrackerObserver) when
	// Wait begins to wait for requestID's callback. The context it returns
	// is the one WaitDone gets; a nil return keeps ctx.
	WaitStart func(ctx context.Context, requestID string) context.Context
	// WaitDone is called once when that Wait returns, with what it
	// returned.
	WaitDone func(ctx context.Context, w WaitDone)

	// CampaignOutcome is called by a bulk Runner (or another campaign
	// engine) each time it records the outcome of one recipient's send.
	CampaignOutcome func(ctx context.Context, o CampaignOutcome)
}

// SendInfo describes a send without its values.
type SendInfo struct {
	Template string // the template's name
	Language string // the template's language code
	To       string // the recipient as given, masked: "+336****5678"
}

// SendDone is what a send ended with.
type SendDone struct {
	SendInfo
	Outcome   SendOutcome
	RequestID string // Crisp's request_id when accepted
	Err       error  // nil when accepted
	Duration  time.Duration
}

// SendOutcome says what became of a send, in one word.
type SendOutcome string

// Outcomes of a send.
const (
	// OutcomeAccepted: Crisp accepted the send and gave its request_id.
	OutcomeAccepted SendOutcome = "accepted"
	// OutcomeRejected: Crisp answered and refused it (invalid request,
	// authentication, not found, an unfollowed redirect): fix, then resend.
	OutcomeRejected SendOutcome = "rejected"
	// OutcomeUnknown: it may have been accepted (ErrSendOutcomeUnknown): do
	// not resend blindly.
	OutcomeUnknown SendOutcome = "unknown"
	// OutcomeNotSent: it certainly did not reach Crisp, or Crisp did not
	// process it: refused before any request (validation, a cancelled
	// context), no connection, or rate-limited after the retries ran out.
	// Sending again is safe.
	OutcomeNotSent SendOutcome = "not_sent"
)

// SendOutcomeOf classifies the error Templates.Send (or SendChecked, or
// SendCheckedWith) returned: nil is OutcomeAccepted.
func SendOutcomeOf(err error) SendOutcome {
	switch {
	case err == nil:
		return OutcomeAccepted
	case errors.Is(err, ErrSendOutcomeUnknown):
		return OutcomeUnknown
	}
	if apiErr, ok := errors.AsType[*APIError](err); ok && !isRateLimit(apiErr.StatusCode) {
		return OutcomeRejected
	}
	return OutcomeNotSent
}

// Attempt describes one HTTP attempt of a call.
type Attempt struct {
	Number        int    // 1 for the first attempt of the call
	Send          bool   // the call is a template send (else a read)
	Method        string // "GET", "POST"
	URLTemplate   string // the URL's path with the website ID as "{website_id}"
	ServerAddress string // the API's host name
	ServerPort    int
}

// AttemptDone is what an attempt ended with.
type AttemptDone struct {
	Attempt
	StatusCode int   // the answer's status; 0 when there was none
	Err        error // the transport error; nil when the server answered
	Verdict    AttemptVerdict
	Duration   time.Duration
}

// AttemptVerdict is what one attempt tells about its request.
type AttemptVerdict string

// Verdicts on an attempt.
const (
	// VerdictAnswered: the server answered (other than 420/429).
	VerdictAnswered AttemptVerdict = "answered"
	// VerdictNotSent: the request certainly was not processed (no
	// connection was obtained for it, or a 420/429 answer).
	VerdictNotSent AttemptVerdict = "not_sent"
	// VerdictUnknown: no answer, and the request may have reached the
	// server.
	VerdictUnknown AttemptVerdict = "unknown"
)

// Retry describes the SDK's decision to make another attempt.
type Retry struct {
	Attempt int         // the number of the attempt that just ended
	Reason  RetryReason // why it is tried again
	Wait    time.Duration
}

// RetryReason says why an attempt is tried again.
type RetryReason string

// Reasons for a retry.
const (
	RetryRateLimited  RetryReason = "rate_limited"  // HTTP 429 or 420: Wait honours Retry-After
	RetryNoConnection RetryReason = "no_connection" // no connection was obtained: nothing was sent
	RetryServerError  RetryReason = "server_error"  // a read answered 5xx or 408
	RetryTransport    RetryReason = "transport"     // a read failed on the network
)

// CallbackDone is what a callback.Handler answered to one delivery.
type CallbackDone struct {
	// Event is the parsed callback; nil when the delivery was refused
	// before it parsed.
	Event  *CallbackEvent
	Result CallbackResult
	Status int   // the HTTP status answered
	Err    error // why it was refused or failed; nil when handled
	Start  time.Time
	// Duration is from the delivery's arrival to its answer.
	Duration time.Duration
}

// CallbackResult is how a callback.Handler dealt with a delivery.
type CallbackResult string

// Results of a delivery.
const (
	CallbackHandled   CallbackResult = "handled"   // the HandlerFunc ran and succeeded (200)
	CallbackDuplicate CallbackResult = "duplicate" // already handled: answered 200 without running it
	CallbackRefused   CallbackResult = "refused"   // 4xx: wrong method, token, size or body
	CallbackFailed    CallbackResult = "failed"    // 5xx: the HandlerFunc failed, or the Store did
)

// WaitDone is what a callback.Tracker's Wait returned.
type WaitDone struct {
	RequestID string
	Result    WaitResult
	// Event is the callback Wait returned; nil unless Result is
	// WaitDelivered or WaitFailed.
	Event    *CallbackEvent
	Err      error // Wait's error; nil when it returned an event
	Duration time.Duration
}

// WaitResult is how a Tracker's Wait ended.
type WaitResult string

// Results of a Wait.
const (
	WaitDelivered WaitResult = "delivered" // the callback came and reports the message delivered
	WaitFailed    WaitResult = "failed"    // the callback came and reports the send failed
	WaitTimeout   WaitResult = "timeout"   // the context ended first (a *callback.WaitTimeoutError)
	WaitError     WaitResult = "error"     // the Tracker's Store failed
)

// CampaignOutcome is the outcome of one recipient of a campaign.
type CampaignOutcome struct {
	// Campaign names the campaign when the engine has a name for it;
	// it is never an attribute of a metric.
	Campaign string
	Outcome  SendOutcome
	// WasUnknown is true when this recipient's previous outcome was
	// unknown and this one replaces it (it was resolved or retried).
	WasUnknown bool
}

// WithObserver makes the client report its sends and HTTP attempts to o
// (see Observer). Nil, or no WithObserver at all, reports nothing. A later
// WithObserver replaces an earlier one.
func WithObserver(o *Observer) Option {
	return optionFunc(func(s *settings) error {
		s.observer = o
		return nil
	})
}

// observesSends reports whether the client's Observer has a send hook: a
// send without one does nothing more than an unobserved one.
func (c *Client) observesSends() bool {
	o := c.observer
	return o != nil && (o.SendStart != nil || o.SendDone != nil)
}

// attemptObserver is the client's Observer when it has an attempt or retry
// hook, else nil: a call without one does nothing more than an unobserved
// one.
func (c *Client) attemptObserver() *Observer {
	o := c.observer
	if o == nil || o.AttemptStart == nil && o.AttemptDone == nil && o.RequestHeader == nil && o.Retry == nil {
		return nil
	}
	return o
}

// urlTemplate is Attempt.URLTemplate of the calls to path, built once per
// path (a client calls a couple).
func (c *Client) urlTemplate(path string) string {
	if c.urlTemplates == nil {
		return c.base.Path + "website/{website_id}/" + path
	}
	if t, ok := c.urlTemplates.Load(path); ok {
		return t.(string)
	}
	t := c.base.Path + "website/{website_id}/" + path
	c.urlTemplates.Store(path, t)
	return t
}

// observeSend runs send between the observer's SendStart and SendDone.
func (c *Client) observeSend(ctx context.Context, req *SendTemplateRequest, send func(context.Context, *SendTemplateRequest) (*SendResult, error)) (*SendResult, error) {
	o := c.observer
	var info SendInfo
	if req != nil {
		info = SendInfo{Template: req.Template.Name, Language: req.Template.Language, To: redact.Phone(req.To)}
	}
	start := time.Now()
	if o.SendStart != nil && ctx != nil {
		if c := o.SendStart(ctx, info); c != nil {
			ctx = c
		}
	}
	res, err := send(ctx, req)
	if o.SendDone != nil && ctx != nil {
		d := SendDone{SendInfo: info, Outcome: SendOutcomeOf(err), Err: err, Duration: time.Since(start)}
		if res != nil {
			d.RequestID = res.RequestID
		}
		o.SendDone(ctx, d)
	}
	return res, err
}
