package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
)

const listenAbout = `Receives the callbacks Crisp posts after each accepted send and prints one
JSON line per callback on stdout: request_id, error, reason, the delivery
identifiers and the raw body. It is meant for checking the callback URL
configured in the Crisp plugin settings (expose the address with a tunnel).
Every callback is printed, duplicates included. Stops on Ctrl-C.`

// callbackLine is the JSON line printed for one callback.
type callbackLine struct {
	RequestID         string          `json:"request_id"`
	Error             bool            `json:"error"`
	Reason            string          `json:"reason,omitempty"`
	CrispFingerprint  int64           `json:"crisp_fingerprint,omitempty"`
	WhatsAppMessageID string          `json:"whatsapp_message_id,omitempty"`
	SessionID         string          `json:"session_id,omitempty"`
	Raw               json.RawMessage `json:"raw"`
}

func runListen(ctx context.Context, e *cmdEnv, args []string) int {
	fs := newFlagSet("listen", "[--addr ADDR] [--token T]", listenAbout)
	addr := fs.String("addr", ":8080", "the `ADDR` to listen on")
	token := fs.String("token", "", "require this token (?token= or the Basic password) on each callback")
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return failure(e, "listen", err)
	}
	var mu sync.Mutex // one line at a time
	enc := json.NewEncoder(e.stdout)
	print := func(_ context.Context, ev *crispwa.CallbackEvent) error {
		mu.Lock()
		defer mu.Unlock()
		return enc.Encode(callbackLine{
			RequestID: ev.RequestID, Error: ev.Error, Reason: ev.Reason,
			CrispFingerprint: ev.CrispFingerprint, WhatsAppMessageID: ev.WhatsAppMessageID,
			SessionID: ev.SessionID, Raw: ev.Raw,
		})
	}
	opts := []callback.Option{callback.WithDedup(0)}
	if *token != "" {
		opts = append(opts, callback.WithToken(*token))
	}
	srv := &http.Server{Handler: callback.NewHandler(print, opts...), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(e.stderr, "listening on %s (Ctrl-C to stop)\n", ln.Addr())

	select {
	case err := <-served:
		return failure(e, "listen", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return failure(e, "listen", err)
	}
	return exitOK
}
