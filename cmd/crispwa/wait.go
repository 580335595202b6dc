package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
)

// waiter receives callbacks on a local address and hands them out by
// request_id (a callback.Tracker behind a callback.Handler).
type waiter struct {
	addr    string // the address actually listened on
	tracker *callback.Tracker
	srv     *http.Server
	done    chan struct{} // closed when Serve returned
}

// startWaiter listens on addr (":0" picks a port) and serves callbacks in
// the background until close. With a token, callbacks must carry it.
func startWaiter(addr, token string) (*waiter, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening for callbacks: %w", err)
	}
	tr := callback.NewTracker()
	var opts []callback.Option
	if token != "" {
		opts = append(opts, callback.WithToken(token))
	}
	w := &waiter{
		addr:    ln.Addr().String(),
		tracker: tr,
		srv:     &http.Server{Handler: callback.NewHandler(tr.Handle, opts...), ReadHeaderTimeout: 10 * time.Second},
		done:    make(chan struct{}),
	}
	go func() {
		defer close(w.done)
		_ = w.srv.Serve(ln) // ends with ErrServerClosed on close
	}()
	return w, nil
}

// wait returns the callback for requestID, or ctx's error.
func (w *waiter) wait(ctx context.Context, requestID string) (*crispwa.CallbackEvent, error) {
	return w.tracker.Wait(ctx, requestID)
}

// close stops the listener, lets callbacks being handled finish (5s at
// most), and waits for the server goroutine.
func (w *waiter) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.srv.Shutdown(ctx); err != nil {
		_ = w.srv.Close()
	}
	<-w.done
}

// printOutcome says in one line what the callback reported.
func printOutcome(out io.Writer, ev *crispwa.CallbackEvent) {
	if ev.Succeeded() {
		fmt.Fprintf(out, "sent: whatsapp_message_id=%s session_id=%s crisp_fingerprint=%d\n",
			ev.WhatsAppMessageID, ev.SessionID, ev.CrispFingerprint)
		return
	}
	fmt.Fprintf(out, "not sent: %s\n", ev.Reason)
}
