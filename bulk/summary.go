package bulk

import (
	"errors"
	"fmt"
	"time"

	"github.com/crispwa/crispwa"
)

// Progress is a snapshot of a running campaign, given to the WithProgress
// function.
type Progress struct {
	// ToSend is how many jobs this run sends: the valid ones, less those the
	// journal records as already accepted (or unknown, without
	// WithRetryUnknown).
	ToSend int
	// Done is how many of them have an outcome: Accepted + Rejected + Unknown.
	Done      int
	Accepted  int
	Rejected  int
	Unknown   int
	Remaining int // ToSend - Done
	// Rate is the sends finished per second since the previous report;
	// Limit is the current rate limit (+Inf when none), lowered after a
	// rate-limit answer.
	Rate  float64
	Limit float64
	// RateLimited counts the rate-limit answers (429/420) seen so far.
	RateLimited int
	Elapsed     time.Duration // since Run started
	// InFlight is how many sends have left and have no answer yet.
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
	// Suppress are the keys whose callback says the recipient cannot or
	// will not receive the message (crispwa.FailureRecipient): do not send
	// to them again, in this campaign or the next.
	Suppress    []string
	RateLimited int           // rate-limit answers seen
	Duration    time.Duration // how long Run took
}

// OK reports whether every job is accepted: in this run or an earlier one.
func (s *Summary) OK() bool {
	return len(s.Invalid) == 0 && len(s.SkippedUnknown) == 0 && len(s.Rejected) == 0 &&
		len(s.Unknown) == 0 && s.NotSent == 0
}

// ErrAborted is Run's error when the WithAbort channel was closed: the
// sends in flight were cut short and are recorded as unknown.
var ErrAborted = errors.New("bulk: run aborted: the sends in flight were cut short")

// StoppedError is Run's error when Crisp refused the credentials (HTTP 401
// or 403): the campaign stopped at once, since every other send would be
// refused too. errors.Is(err, crispwa.ErrUnauthorized) holds. The jobs sent
// when it happened are in Summary.Rejected, the others in NotSent; re-run
// the campaign once the credentials are fixed.
type StoppedError struct {
	Err error // the send's error
}

// Error says why the campaign stopped.
func (e *StoppedError) Error() string {
	return "bulk: campaign stopped, credentials rejected: " + e.Err.Error()
}

// Unwrap returns Err.
func (e *StoppedError) Unwrap() error { return e.Err }
