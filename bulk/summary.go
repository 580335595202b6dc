package bulk

import (
	"errors"
	"fmt"
	"time"

	"github.com/crispwa/crispwa"
)

// Progress is a snapshot of a running campaign, given to the WithProgress
// function. Its counts are this run's only: a resumed campaign does not
// count the jobs an earlier run settled.
type Progress struct {
	// ToSend is how many jobs this run sends: the valid ones, less those the
	// journal records as already accepted (or unknown, without
	// WithRetryUnknown, or due for a retry later), less those found on the
	// suppression list or of a paused template as the run goes (so it may
	// shrink), plus the retry-later jobs resent within the run.
	ToSend int
	// Done is how many of them have an outcome: Accepted + Rejected + Unknown.
	Done      int
	Accepted  int
	Rejected  int
	Unknown   int
	Remaining int // ToSend - Done, never below 0
	// Skipped counts the jobs of this run not sent because their recipient
	// is suppressed or their template paused (they are not in ToSend).
	Skipped int
	// Rate is the sends finished per second, smoothed (an exponentially
	// weighted moving average over about the last 10 seconds), so that a
	// pause brings it down gradually and the ETA does not jump; 0 before the
	// first send finishes. Limit is the current rate limit (+Inf when none),
	// lowered after a rate-limit answer.
	Rate  float64
	Limit float64
	// ETA is the expected time to finish Remaining at the smaller of Rate
	// and Limit, plus what remains of a pause; 0 when unknown (no rate yet)
	// or when nothing remains.
	ETA time.Duration
	// PausedUntil is, during a rate-limit pause, when sends resume (zero
	// when not paused): say "paused: rate-limited until ...".
	PausedUntil time.Time
	// RateLimited counts the rate-limit answers (429/420) seen so far.
	RateLimited int
	Elapsed     time.Duration // since Run started
	// InFlight is how many sends have left (their "sending" record is
	// written) and have no answer yet; each is counted in Done once
	// answered.
	InFlight int
	// Stopping is true once Run's context has ended (or WithAbort's channel
	// was closed): no new send starts, the sends in flight are being waited
	// for (up to the WithDrainTimeout). The progress function is called at
	// once when that happens.
	Stopping bool
}

// JobError is a job that was not sent, or not accepted: its key and why.
type JobError struct {
	Key string // the job's Key
	// Index is the job's position in the slice given to Run.
	Index int
	Err   error // why it was not sent or not accepted
}

// Error returns "key: error".
func (e *JobError) Error() string { return fmt.Sprintf("%s: %v", e.Key, e.Err) }

// Unwrap returns Err, so that errors.Is and errors.As see the SDK's errors.
func (e *JobError) Unwrap() error { return e.Err }

// Summary is the outcome of Run.
type Summary struct {
	Jobs int // jobs given to Run
	// Invalid are the jobs refused before any send (a bad request, a
	// mismatch with the template, a duplicate key): none of them was sent.
	Invalid []*JobError
	// AlreadySent counts the jobs skipped because the journal records them
	// as accepted by an earlier run.
	AlreadySent int
	// SkippedUnknown are the keys skipped because an earlier run left their
	// outcome unknown (see WithRetryUnknown).
	SkippedUnknown []string
	// Accepted counts this run's sends that Crisp accepted.
	Accepted int
	// Rejected are this run's sends that Crisp refused or that certainly did
	// not reach it; a later run sends them again.
	Rejected []*JobError
	// Unknown are this run's sends whose outcome is unknown; a later run
	// does not send them again unless WithRetryUnknown.
	Unknown []*JobError
	// NotSent counts the jobs this run did not get to (it was cancelled).
	NotSent int
	// Delivered and Failed count, over all the jobs' keys, the callbacks the
	// journal has recorded; AwaitingCallback the accepted keys without one.
	Delivered        int
	Failed           int
	AwaitingCallback int
	// Failures counts the failed callbacks by class (crispwa.FailureClass:
	// recipient, template, retry_later, account, unknown).
	Failures map[crispwa.FailureClass]int
	// Suppress are the keys whose callback (or refusal) says the recipient
	// cannot or will not receive the message (crispwa.FailureRecipient): do
	// not send to them again, in this campaign or the next. With
	// WithSuppressions, they are added to that list.
	Suppress []string
	// Suppressed counts the jobs not sent because their recipient is on the
	// WithSuppressions list.
	Suppressed int
	// PausedTemplates are the templates this run stopped sending after a
	// template-class failure (crispwa.FailureTemplate), each with the
	// number of its jobs left unsent; a later run sends them.
	PausedTemplates []*TemplatePause
	// RetryLater are the keys whose send failed with a retry-later class
	// and whose wait did not end within the run: Runner.Retry sends them
	// once due.
	RetryLater []RetryDue
	// Retried counts the retry-later jobs this run sent again (within the
	// run, or as a Runner.Retry).
	Retried     int
	RateLimited int           // rate-limit answers seen
	Duration    time.Duration // how long Run took
}

// TemplatePause is a template that a campaign stopped sending after a
// template-class failure.
type TemplatePause struct {
	Name, Language string
	// Reason is the failure that paused it ("template (#132015): ... is
	// paused").
	Reason string
	// Skipped counts the jobs of that template the run did not send.
	Skipped int
}

// RetryDue is a job to send again once Due has passed (a retry-later
// failure: a marketing cap, a pair rate limit...).
type RetryDue struct {
	Key string
	Due time.Time
}

// OK reports whether every job is accepted: in this run or an earlier one.
func (s *Summary) OK() bool {
	return len(s.Invalid) == 0 && len(s.SkippedUnknown) == 0 && len(s.Rejected) == 0 &&
		len(s.Unknown) == 0 && s.NotSent == 0 && len(s.PausedTemplates) == 0 && len(s.RetryLater) == 0
}

// ErrAborted is Run's error when the WithAbort channel was closed: the
// sends in flight were cut short and are recorded as unknown.
var ErrAborted = errors.New("bulk: run aborted: the sends in flight were cut short")

// StoppedError is Run's error when the campaign stopped at once on an
// account-class failure (ActionStop), since every other send would fail
// too: Crisp refused the credentials (HTTP 401 or 403; errors.Is(err,
// crispwa.ErrUnauthorized) holds), a send or a callback said the WhatsApp
// account is locked, blocked or unpaid, or another runner sharing the
// RateStore (a Stopper) saw such a failure. The jobs sent when it happened
// are in Summary.Rejected (or accepted), the others in NotSent; re-run the
// campaign once the account is fixed. The command exits 4.
type StoppedError struct {
	// Class is crispwa.FailureAccount.
	Class crispwa.FailureClass
	// Code is WhatsApp's error code, when the failure carried one (131031
	// for a locked account), else 0.
	Code int
	// Reason says what happened, sanitised: the failure's message, or the
	// reason another runner gave to Stop.
	Reason string
	// Remote is true when another runner stopped the campaign (through the
	// RateStore's Stop).
	Remote bool
	// Err is the send's error, for a synchronous refusal (nil for a
	// callback's failure or a remote stop).
	Err error
}

// Error says why the campaign stopped.
func (e *StoppedError) Error() string {
	switch {
	case e.Err != nil && errors.Is(e.Err, crispwa.ErrUnauthorized):
		return "bulk: campaign stopped, credentials rejected: " + e.Err.Error()
	case e.Remote:
		return "bulk: campaign stopped by another runner: " + e.Reason
	case e.Code != 0:
		return fmt.Sprintf("bulk: campaign stopped, WhatsApp account failure (#%d): %s", e.Code, e.Reason)
	case e.Err != nil:
		return "bulk: campaign stopped, WhatsApp account failure: " + e.Err.Error()
	}
	return "bulk: campaign stopped, WhatsApp account failure: " + e.Reason
}

// Unwrap returns Err.
func (e *StoppedError) Unwrap() error { return e.Err }
