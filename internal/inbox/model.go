// Package inbox serves the inbox page of the fake Crisp API ("crispwa fake"
// and every crispwatest.Server): each accepted send rendered as the
// customer sees it on WhatsApp, newest first, with its outcome and callback
// state, updated live with Server-Sent Events; outcome buttons in manual
// mode; the API's fault controls; and a templates view.
//
// It is server-rendered with html/template (so every value is escaped) plus
// a little plain JavaScript, all embedded: no build step. The fake's state
// comes through the Backend interface, which package crispwatest
// implements.
package inbox

import (
	"fmt"
	"time"
)

// Backend is the fake the page shows and controls.
type Backend interface {
	// State returns the sends changed since version since (all of them for
	// 0), newest first, with the fault state and the current version.
	State(since int64) State
	// Changed returns a channel closed at the next change.
	Changed() <-chan struct{}
	// Done is closed when the fake closes: event streams end.
	Done() <-chan struct{}
	// Templates returns the fake's templates, rendered with their example
	// values.
	Templates() []TemplateView
	Deliver(requestID string) error
	Fail(requestID, reason string) error
	FailNext(status int, reason string)
	RateLimitFor(d, retryAfter time.Duration)
	SetLatency(d time.Duration)
	DropNextSends(n int, accepted bool)
}

// State is a snapshot of the fake.
type State struct {
	Messages      []Message
	Faults        Faults
	FaultsVersion int64 // the version of the fault state's last change
	Version       int64
	Manual        bool   // sends wait for Deliver or Fail
	CallbackURL   string // "" when callbacks are off; shown without its query
}

// Faults is the fault state of the fake API.
type Faults struct {
	FailNext   []string // queued answers, "500 server_error"
	RateLimitN int
	StormUntil time.Time
	Latency    time.Duration
	DropN      int
}

// Message is one accepted send and what became of it.
type Message struct {
	RequestID string
	To, From  string
	Template  string
	Language  string
	At        time.Time
	Card      Card
	Known     bool   // the fake has this template
	Verdict   string // why the fake's rules say WhatsApp would refuse it
	Outcome   string // "waiting", "sent" or "failed"
	Reason    string // the failure callback's message
	// FailureClass is how crispwa classifies Reason
	// (crispwa.CallbackEvent.Failure): recipient, template, retry_later,
	// account or unknown.
	FailureClass string
	Callback     string // "off", "posting", "retrying", "delivered" or "failed"
	Attempts     []Attempt
	Version      int64
}

// Attempt is one post of a callback.
type Attempt struct {
	At     time.Time
	Status int    // the HTTP status the receiver answered; 0 for none
	Err    string // why there was no answer
}

// Card is a message as WhatsApp renders it.
type Card struct {
	HeaderKind string // "", TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION
	HeaderText string
	MediaLink  string // an IMAGE, VIDEO or DOCUMENT link or media ID: shown, never fetched
	MediaName  string // a document's file name, a location's name
	Location   string // "latitude, longitude" and the address
	Body       string
	Footer     string
	Buttons    []Button
}

// Button is one button under a message.
type Button struct {
	Kind   string // QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, ...
	Text   string
	Detail string // the URL, phone number or code, when there is one
}

// TemplateView is one template rendered with its example values.
type TemplateView struct {
	Name, Language, Status, Category string
	Card                             Card
}

// Failure is a WhatsApp error the page offers for "fail".
type Failure struct {
	Code int
	Text string
}

// Reason is the failure callback's message: Meta's code and English text,
// the way WhatsApp's errors read ("(#131026) Message undeliverable").
func (f Failure) Reason() string { return fmt.Sprintf("(#%d) %s", f.Code, f.Text) }

// Failures are the common WhatsApp errors of a template send.
var Failures = []Failure{
	{131026, "Message undeliverable"},
	{131049, "This message was not delivered to maintain healthy ecosystem engagement"},
	{131050, "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business"},
	{132000, "Number of parameters does not match the expected number of params"},
	{132001, "Template name does not exist in the translation"},
	{132012, "Parameter format does not match format in the created template"},
	{132015, "Template is paused"},
	{131056, "(Business Account, Consumer Account) pair rate limit hit"},
	{130429, "Rate limit hit"},
	{131042, "Business eligibility payment issue"},
	{131031, "Business Account locked"},
	{131000, "Something went wrong"},
}

// CallbackSummary says where the callback stands, with the receiver's
// last HTTP status and the redeliveries.
func (m Message) CallbackSummary() string {
	last := ""
	if n := len(m.Attempts); n > 0 {
		a := m.Attempts[n-1]
		if a.Err != "" {
			last = a.Err
		} else {
			last = fmt.Sprintf("HTTP %d", a.Status)
		}
		switch n {
		case 1:
		case 2:
			last += ", after 1 redelivery"
		default:
			last += fmt.Sprintf(", after %d redeliveries", n-1)
		}
	}
	switch m.Callback {
	case "off":
		if m.Outcome == "waiting" {
			return "pending: waiting for deliver or fail"
		}
		return "not posted: no callback URL"
	case "posting":
		return "pending"
	case "retrying":
		return "pending: redelivering after " + last
	case "delivered":
		return "delivered: " + last
	case "failed":
		return "failed: " + last
	}
	return m.Callback
}
