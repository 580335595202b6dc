package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
)

const listenAbout = `Receives the callbacks Crisp posts after each accepted send and prints one
JSON line per callback on stdout: request_id, error, reason, the delivery
identifiers and the raw body. It is meant for checking the callback URL
configured in the Crisp plugin settings (expose the address with a tunnel).
Every callback is printed, duplicates included; every delivery refused (a
wrong token, not a callback, not a POST, too large) is printed on stderr
with why. Stops on Ctrl-C.

listen does not call the API: it needs none of the CRISP_* variables.`

// callbackLine is the JSON line printed for one callback: the event's
// fields, and the body as received (which CallbackEvent does not marshal).
type callbackLine struct {
	crispwa.CallbackEvent
	Raw json.RawMessage `json:"raw"`
}

func runListen(ctx context.Context, e *cmdEnv, args []string) int {
	fs := newFlagSet("listen", "[--addr ADDR] [--token T]", listenAbout)
	addr := fs.String("addr", ":8080", "the `ADDR` to listen on")
	token := fs.String("token", "", "require this token (?token= or the Basic password) on each callback")
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	var mu sync.Mutex // one line at a time
	print := func(_ context.Context, ev *crispwa.CallbackEvent) error {
		line, err := json.Marshal(callbackLine{CallbackEvent: *ev, Raw: ev.Raw})
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		_, err = fmt.Fprintf(e.stdout, "%s\n", escapeTerminalControls(line))
		return err
	}
	refused := &refusalLog{print: func(s string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(e.stderr, s)
	}}
	srv, err := serveCallbacks(*addr, callbackHandler(print, *token, refused.add, callback.WithDedup(0), callback.WithObserver(e.observer)))
	if err != nil {
		return failure(e, "listen", err)
	}
	fmt.Fprintf(e.stderr, "listening on %s (Ctrl-C to stop)\n", srv.addr)
	select {
	case err := <-srv.served:
		return failure(e, "listen", err)
	case <-ctx.Done():
	}
	srv.close()
	return exitOK
}

// escapeTerminalControls rewrites, in JSON text, the characters a terminal
// may obey that encoding/json leaves as they are (DEL and the C1 controls,
// U+0080 to U+009F, such as the one-character CSI) as \u escapes. Outside
// strings JSON has no such characters, so the result is the same JSON.
func escapeTerminalControls(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			if out == nil {
				out = append(make([]byte, 0, len(b)+16), b[:i]...)
			}
			out = fmt.Appendf(out, `\u%04x`, r)
		} else if out != nil {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	if out == nil {
		return b
	}
	return out
}
