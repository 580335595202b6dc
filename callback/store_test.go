package callback

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
)

// failingStore is a Store whose every call fails, as one whose Redis is down.
type failingStore struct{ calls atomic.Int64 }

var errStoreDown = errors.New("store down")

func (f *failingStore) Claim(context.Context, string) (string, ClaimResult, error) {
	f.calls.Add(1)
	return "", 0, errStoreDown
}
func (f *failingStore) Confirm(context.Context, string, string) error { return errStoreDown }
func (f *failingStore) Release(context.Context, string, string) error { return errStoreDown }
func (f *failingStore) Publish(context.Context, *crispwa.CallbackEvent) error {
	return errStoreDown
}
func (f *failingStore) Await(context.Context, string) (*crispwa.CallbackEvent, error) {
	return nil, errStoreDown
}

// confirmFails claims in memory but cannot record the outcome.
type confirmFails struct {
	*memDedup
	failingStore
}

func (c *confirmFails) Claim(ctx context.Context, id string) (string, ClaimResult, error) {
	return c.memDedup.Claim(ctx, id)
}
func (c *confirmFails) Confirm(context.Context, string, string) error { return errStoreDown }
func (c *confirmFails) Release(context.Context, string, string) error { return errStoreDown }

func TestHandlerStoreDownAnswers503WithoutFn(t *testing.T) {
	var calls atomic.Int64
	store := &failingStore{}
	logs := newLogSignal()
	h := NewHandler(func(context.Context, *crispwa.CallbackEvent) error { calls.Add(1); return nil },
		WithStore(store), WithLogger(logs.logger()))
	assert.Equal(t, http.StatusServiceUnavailable, post(h, "/", okBody).Code)
	assert.Zero(t, calls.Load(), "fn never runs without its claim")
	assert.Contains(t, logs.wait(t, "store unavailable"), "store down")

	tr := NewTracker(WithTrackerStore(store))
	_, err := tr.Wait(context.Background(), "req-1")
	assert.ErrorIs(t, err, errStoreDown)
	assert.ErrorIs(t, tr.Handle(context.Background(), event("a")), errStoreDown, "the Handler then answers 500: Crisp delivers again")
}

func TestHandlerOutcomeNotRecordedIsLogged(t *testing.T) {
	logs := newLogSignal()
	fail := atomic.Bool{}
	h := NewHandler(func(context.Context, *crispwa.CallbackEvent) error {
		if fail.Load() {
			return errors.New("fn failed")
		}
		return nil
	}, WithStore(&confirmFails{memDedup: newMemDedup(10)}), WithLogger(logs.logger()))
	assert.Equal(t, http.StatusOK, post(h, "/", okBody).Code, "fn ran: the answer is 200 even if the store could not record it")
	require.Contains(t, logs.wait(t, "not recorded as handled"), "request_id=req-1")
	fail.Store(true)
	assert.Equal(t, http.StatusInternalServerError, post(h, "/", `{"request_id":"other"}`).Code)
	assert.Contains(t, logs.wait(t, "claim not released"), "request_id=other")
}
