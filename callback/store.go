package callback

import (
	"context"

	"github.com/crispwa/crispwa"
)

// Store is where a Handler keeps its deduplication claims and a Tracker its
// delivered events, when they must be shared by several replicas of a
// service (WithStore, WithTrackerStore). Package redisstore implements it
// on Redis; without a Store, both keep their state in memory.
//
// Every method must be safe for concurrent use, honour ctx, and return an
// error (rather than a guess) when the state cannot be read or written.
type Store interface {
	// Claim asks to handle requestID. It returns ClaimAcquired with a token
	// when the caller now holds the claim and must end it with Confirm or
	// Release; ClaimHandled when a delivery of requestID was already
	// confirmed (and not yet forgotten); ClaimBusy when another delivery
	// holds the claim now. A claim that is neither confirmed nor released
	// (its holder died) must lapse after a while, so that a redelivery can
	// claim it again.
	Claim(ctx context.Context, requestID string) (token string, res ClaimResult, err error)
	// Confirm records requestID as handled, if token still holds its claim.
	Confirm(ctx context.Context, requestID, token string) error
	// Release drops the claim on requestID, if token still holds it, so
	// that a redelivery is handled again.
	Release(ctx context.Context, requestID, token string) error
	// Publish records ev for a while and wakes every Await for its
	// request_id, wherever it runs. A later event for the same request_id
	// replaces the earlier one.
	Publish(ctx context.Context, ev *crispwa.CallbackEvent) error
	// Await returns the event published for requestID, waiting for it if it
	// has not been published yet, until ctx ends. An event published at any
	// moment after Await is called must be returned.
	Await(ctx context.Context, requestID string) (*crispwa.CallbackEvent, error)
}

// ClaimResult is what Store.Claim found.
type ClaimResult int

// Results of Store.Claim.
const (
	// ClaimAcquired: the caller holds the claim.
	ClaimAcquired ClaimResult = iota + 1
	// ClaimHandled: the request_id was already handled successfully.
	ClaimHandled
	// ClaimBusy: another delivery holds the claim now.
	ClaimBusy
)

// dedupStore is the part of Store a Handler uses.
type dedupStore interface {
	Claim(ctx context.Context, requestID string) (string, ClaimResult, error)
	Confirm(ctx context.Context, requestID, token string) error
	Release(ctx context.Context, requestID, token string) error
}

// eventStore is the part of Store a Tracker uses.
type eventStore interface {
	Publish(ctx context.Context, ev *crispwa.CallbackEvent) error
	Await(ctx context.Context, requestID string) (*crispwa.CallbackEvent, error)
}
