// Package inbox serves the inbox page and the JSON API of the fake Crisp
// API ("crispwa fake" and every crispwatest.Server): each accepted send
// rendered as the customer sees it on WhatsApp, with its outcome and every
// callback delivery, paged on the server with a total, searchable and
// filtered; a thread per recipient; a detail view with the raw request,
// answer and callbacks; outcome buttons in manual mode; the API's fault
// controls; and a templates view showing each placeholder.
//
// It is server-rendered with html/template (so every value is escaped) plus
// a little plain JavaScript, all embedded: no build step. The fake's state
// comes through the Backend interface, which package crispwatest
// implements; the records (Message, Filter, Page) are the ones crispwatest
// users get through Go.
package inbox

import (
	"encoding/json"
	"fmt"
	"time"
)

// Backend is the fake the page shows and controls.
type Backend interface {
	// Messages returns the kept messages that match f, newest first: the
	// total that match and the page f.Offset, f.Limit of them.
	Messages(f Filter) Page
	// Message returns the kept message with this request_id.
	Message(requestID string) (Message, bool)
	// Since returns the kept messages changed after version since, newest
	// first.
	Since(since int64) []Message
	// State returns the fault state and the counts.
	State() State
	// Changed returns a channel closed at the next change.
	Changed() <-chan struct{}
	// Done is closed when the fake closes: event streams end.
	Done() <-chan struct{}
	// Templates returns the fake's templates, with their placeholders.
	Templates() []TemplateView
	Deliver(requestID string) error
	Fail(requestID, reason string) error
	// Clear forgets every kept message and returns how many there were.
	Clear() int
	FailNext(status int, reason string)
	RateLimitFor(d, retryAfter time.Duration)
	SetLatency(d time.Duration)
	DropNextSends(n int, accepted bool)
}

// Statuses of a message: what became of the send.
const (
	StatusWaiting = "waiting" // waits for Deliver or Fail (manual outcomes)
	StatusSent    = "sent"    // the success callback
	StatusFailed  = "failed"  // the failure callback
)

// Filter selects messages. Every field set must match; the zero Filter
// matches every message.
type Filter struct {
	// Query matches, ignoring case, a part of the request_id, the
	// recipient, the sender, the template name, the failure reason or the
	// request's JSON (the parameter values).
	Query string
	// To matches the recipient's digits: "+33 6 12 34 56 78" matches
	// "+33612345678".
	To string
	// Template is a template name, ignoring case.
	Template string
	// Status is "waiting", "sent" or "failed".
	Status string
	// Class is a failure class as crispwa classifies the reason
	// (crispwa.FailureClass): recipient, template, retry_later, account or
	// unknown.
	Class string
	// RequestID is one exact request_id.
	RequestID string
	// After and Before bound the time the send was accepted (After
	// inclusive, Before exclusive); zero means no bound.
	After, Before time.Time
	// Offset skips that many of the matching messages, newest first; Limit
	// caps how many are returned (0: all of them).
	Offset, Limit int
}

// IsZero reports whether f selects every message (paging aside).
func (f Filter) IsZero() bool {
	f.Offset, f.Limit = 0, 0
	return f == Filter{}
}

// Page is one page of the messages a Filter selects.
type Page struct {
	// Total is how many kept messages match the filter, on every page.
	Total int `json:"total"`
	// Kept is how many messages the fake keeps in all.
	Kept int `json:"kept"`
	// Dropped is how many of the oldest messages the fake forgot to stay
	// under its cap (see crispwatest.WithMaxMessages), since the start or
	// the last clear.
	Dropped int64 `json:"dropped"`
	// Messages are the page's messages, newest first.
	Messages []Message `json:"messages"`
}

// Message is one accepted send and what became of it.
type Message struct {
	RequestID string    `json:"request_id"`
	To        string    `json:"to"`
	From      string    `json:"from"`
	Template  string    `json:"template"`
	Language  string    `json:"language"`
	SentAt    time.Time `json:"sent_at"`
	// Status is "waiting", "sent" or "failed".
	Status string `json:"status"`
	// Reason is the failure callback's message, e.g. "(#131026) Message
	// undeliverable".
	Reason string `json:"reason,omitempty"`
	// FailureClass is how crispwa classifies Reason
	// (crispwa.CallbackEvent.Failure): recipient, template, retry_later,
	// account or unknown.
	FailureClass string `json:"failure_class,omitempty"`
	// Verdict says why the fake's rules say WhatsApp would refuse the send;
	// empty when they do not.
	Verdict string `json:"verdict,omitempty"`
	// KnownTemplate reports whether the fake has the template.
	KnownTemplate bool `json:"known_template"`
	// Rendered is the message as WhatsApp shows it.
	Rendered Card `json:"rendered"`
	// Request is the send's JSON body as received; Answer is what the fake
	// answered (null when it dropped the connection instead).
	Request json.RawMessage `json:"request"`
	Answer  json.RawMessage `json:"answer"`
	// Callback is where the callback stands: "off" (none posted: no
	// callback URL, or the outcome is not decided), "posting", "retrying",
	// "delivered" (the receiver answered 2xx) or "failed".
	Callback string `json:"callback"`
	// CallbackBody is the callback's JSON, once the outcome is decided and
	// a callback URL was set.
	CallbackBody json.RawMessage `json:"callback_body,omitempty"`
	// Deliveries are the callback's posts, oldest first.
	Deliveries []Delivery `json:"deliveries"`
	// Version orders the changes the page follows.
	Version int64 `json:"-"`
}

// Delivery is one post of a callback to the receiver.
type Delivery struct {
	At time.Time `json:"at"`
	// DurationMS is how long the receiver took to answer, in milliseconds.
	DurationMS float64 `json:"duration_ms"`
	// Status is the HTTP status the receiver answered; 0 for none.
	Status int `json:"status,omitempty"`
	// Error says why there was no answer ("no answer within 10s",
	// "connection failed: ...").
	Error string `json:"error,omitempty"`
	// Answer is the start of the receiver's answer body (at most 1 KiB).
	Answer string `json:"answer,omitempty"`
}

// State is the fake's fault state and counts.
type State struct {
	Faults        Faults
	FaultsVersion int64 // the version of the fault state's last change
	Version       int64
	Manual        bool   // sends wait for Deliver or Fail
	CallbackURL   string // "" when callbacks are off; shown without its query
	Kept          int
	Dropped       int64
	MaxMessages   int   // 0: no cap
	Cleared       int64 // the version of the last Clear
}

// Faults is the fault state of the fake API.
type Faults struct {
	FailNext   []string // queued answers, "500 server_error"
	RateLimitN int
	StormUntil time.Time
	Latency    time.Duration
	DropN      int
}

// Card is a message as WhatsApp renders it.
type Card struct {
	HeaderKind string   `json:"header_kind,omitempty"` // "", TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION
	HeaderText string   `json:"header_text,omitempty"`
	MediaLink  string   `json:"media_link,omitempty"` // an IMAGE, VIDEO or DOCUMENT link or media ID: shown, never fetched
	MediaName  string   `json:"media_name,omitempty"` // a document's file name, a location's name
	Location   string   `json:"location,omitempty"`   // "latitude, longitude" and the address
	Body       string   `json:"body"`
	Footer     string   `json:"footer,omitempty"`
	Buttons    []Button `json:"buttons,omitempty"`
}

// Button is one button under a message.
type Button struct {
	Kind   string `json:"kind"` // QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, ...
	Text   string `json:"text"`
	Detail string `json:"detail,omitempty"` // the URL, phone number or code, when there is one
}

// TemplateView is one template with its placeholders ({{1}}, {{name}}) in
// place.
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

// OutcomeSummary says what became of the send, for people.
func (m Message) OutcomeSummary() string {
	switch m.Status {
	case StatusWaiting:
		return "waiting for deliver or fail"
	case StatusSent:
		return "sent"
	}
	s := "not sent: " + m.Reason
	if m.FailureClass != "" {
		s += " (" + m.FailureClass + ")"
	}
	return s
}

// CallbackSummary says what happened to the callback, in a sentence that
// cannot be read as the send's outcome: "callback posted, your server
// answered 200".
func (m Message) CallbackSummary() string {
	n := len(m.Deliveries)
	last := ""
	if n > 0 {
		if a := m.Deliveries[n-1]; a.Error != "" {
			last = "no answer (" + a.Error + ")"
		} else {
			last = fmt.Sprintf("your server answered %d", a.Status)
		}
	}
	tries := ""
	if n > 1 {
		tries = fmt.Sprintf(" (attempt %d)", n)
	}
	switch m.Callback {
	case "off":
		if m.Status == StatusWaiting {
			return "no callback yet: the send waits for deliver or fail"
		}
		return "no callback posted: no callback URL was set"
	case "posting":
		return "posting the callback to your server"
	case "retrying":
		return "callback posted, " + last + tries + "; posting it again"
	case "delivered":
		return "callback posted, " + last + tries
	case "failed":
		if n > 0 && m.Deliveries[n-1].Error == "" && m.Deliveries[n-1].Status < 500 && m.Deliveries[n-1].Status != 429 {
			return "callback posted, your server refused it with " + fmt.Sprint(m.Deliveries[n-1].Status) + tries
		}
		if n == 0 {
			return "callback not posted: the fake closed"
		}
		return "callback not delivered: " + last + tries + "; gave up"
	}
	return m.Callback
}

// Ticks is the mark WhatsApp shows on a bubble: a clock while waiting, two
// ticks once sent, a warning sign when it failed.
func (m Message) Ticks() string {
	switch m.Status {
	case StatusSent:
		return "✓✓"
	case StatusFailed:
		return "!"
	}
	return "◷"
}
