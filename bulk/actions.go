package bulk

import (
	"errors"
	"fmt"
	"time"

	"github.com/crispwa/crispwa"
)

// Action is what a campaign does about a failed send, decided by the
// failure's class (crispwa.FailureClass). The Runner acts on it, and so may
// any other campaign engine (package riverbulk does): ActionFor is the one
// place the rule is written.
type Action int

// The actions, from the failure classes.
const (
	// ActionNone: record the failure, nothing more (FailureUnknown, or no
	// failure).
	ActionNone Action = iota
	// ActionSuppress: put the recipient on the suppression list; no later
	// campaign sends to it (FailureRecipient).
	ActionSuppress
	// ActionPauseTemplate: send none of the remaining jobs of that template
	// and language in this campaign (FailureTemplate); fix the template,
	// then run the campaign again.
	ActionPauseTemplate
	// ActionRetryLater: send the job again once Failure.RetryAfter has
	// passed (FailureRetryLater), within the run when the wait fits, else in
	// a later Retry.
	ActionRetryLater
	// ActionStop: stop the campaign at once, in every runner sharing it
	// (FailureAccount): every other send would fail the same way.
	ActionStop
)

// String returns the action's name: "none", "suppress", "pause_template",
// "retry_later" or "stop".
func (a Action) String() string {
	switch a {
	case ActionNone:
		return "none"
	case ActionSuppress:
		return "suppress"
	case ActionPauseTemplate:
		return "pause_template"
	case ActionRetryLater:
		return "retry_later"
	case ActionStop:
		return "stop"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// ActionFor returns what to do about a failure (nil: ActionNone).
func ActionFor(f *crispwa.Failure) Action {
	if f == nil {
		return ActionNone
	}
	switch f.Class {
	case crispwa.FailureRecipient:
		return ActionSuppress
	case crispwa.FailureTemplate:
		return ActionPauseTemplate
	case crispwa.FailureRetryLater:
		return ActionRetryLater
	case crispwa.FailureAccount:
		return ActionStop
	}
	return ActionNone
}

// DefaultRetryAfter is the wait before resending a retry-later failure
// whose Failure.RetryAfter is unknown.
const DefaultRetryAfter = time.Minute

// RetryDelay returns how long to wait before resending after f: its
// RetryAfter, or DefaultRetryAfter when it gives none.
func RetryDelay(f *crispwa.Failure) time.Duration {
	if f != nil && f.RetryAfter > 0 {
		return f.RetryAfter
	}
	return DefaultRetryAfter
}

// RefusalFailure classifies a synchronous refusal, the error of a Send that
// Crisp answered with an error: credentials refused (HTTP 401 or 403) are
// FailureAccount, and a refusal whose reason carries a WhatsApp error code
// or message is classified as a callback's would be. It returns nil for a
// nil error, an outcome that is unknown (crispwa.ErrSendOutcomeUnknown:
// nothing to act on, the message may have gone out), a rate limit (the
// client's retries handle it) and a refusal it cannot classify.
func RefusalFailure(err error) *crispwa.Failure {
	if err == nil || errors.Is(err, crispwa.ErrSendOutcomeUnknown) || errors.Is(err, crispwa.ErrRateLimited) {
		return nil
	}
	var apiErr *crispwa.APIError
	if !errors.As(err, &apiErr) {
		return nil
	}
	if errors.Is(err, crispwa.ErrUnauthorized) {
		return &crispwa.Failure{Class: crispwa.FailureAccount, Message: "credentials refused (HTTP " + fmt.Sprint(apiErr.StatusCode) + ")"}
	}
	if apiErr.Reason == "" {
		return nil
	}
	f := (&crispwa.CallbackEvent{Error: true, Reason: apiErr.Reason}).Failure()
	if f == nil || f.Class == crispwa.FailureUnknown {
		return nil
	}
	return f
}
