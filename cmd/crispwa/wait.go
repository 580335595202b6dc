package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
)

// waiter receives callbacks on a local address and hands them out by
// request_id (a callback.Tracker behind a callback.Handler), counting the
// deliveries it refuses.
type waiter struct {
	*callbackServer
	tracker *callback.Tracker
	refused refusalLog
}

// startWaiter listens on addr (":0" picks a port) and serves callbacks in
// the background until close. With a token, callbacks must carry it. The
// Handler and the Tracker report to obs (--otel's; nil: none).
func startWaiter(addr, token string, obs *crispwa.Observer) (*waiter, error) {
	w := &waiter{tracker: callback.NewTracker(callback.WithTrackerObserver(obs))}
	srv, err := serveCallbacks(addr, callbackHandler(w.tracker.Handle, token, w.refused.add, callback.WithObserver(obs)))
	if err != nil {
		return nil, err
	}
	w.callbackServer = srv
	return w, nil
}

// wait returns the callback for requestID. When ctx ends first, the error
// says whether deliveries came and were refused, or none came.
func (w *waiter) wait(ctx context.Context, requestID string) (*crispwa.CallbackEvent, error) {
	ev, err := w.tracker.Wait(ctx, requestID)
	if err == nil {
		return ev, nil
	}
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return nil, err
	}
	n, last := w.refused.state()
	if n > 0 {
		return nil, fmt.Errorf("no callback for %s accepted: %d deliver%s refused, the last one %s", requestID, n, plural(n, "y was", "ies were"), last)
	}
	return nil, fmt.Errorf("no callback for %s arrived on %s: check that the callback URL in the Crisp plugin settings reaches this address", requestID, w.addr)
}

// plural returns one or many by n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// printOutcome says in one line what the callback reported.
func printOutcome(out io.Writer, ev *crispwa.CallbackEvent) {
	if ev.Succeeded() {
		fmt.Fprintf(out, "sent: whatsapp_message_id=%s session_id=%s crisp_fingerprint=%d\n",
			serverText(ev.WhatsAppMessageID), serverText(ev.SessionID), ev.CrispFingerprint)
		return
	}
	fmt.Fprintf(out, "not sent: %s\n", serverText(ev.Reason))
}
