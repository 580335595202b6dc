package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/crispwa/crispwa/callback"
)

// callbackServer serves a callback handler on a local address in the
// background, until close.
type callbackServer struct {
	addr   string // the address actually listened on
	srv    *http.Server
	served chan error // Serve's error, once it returned
}

// Limits of the callback listener (listen, bulk --listen, wait): a sender
// must send its headers within callbackHeaderTimeout and its whole request
// within callbackReadTimeout, so that a client trickling bytes holds a
// connection that long at most (the handler refuses a wrong token before
// reading the body, and closes that connection at once).
const (
	callbackHeaderTimeout = 5 * time.Second
	callbackReadTimeout   = 15 * time.Second
	callbackWriteTimeout  = 45 * time.Second // beyond callback.MaxClaimWait: a redelivery may wait that long
	callbackIdleTimeout   = 60 * time.Second
	callbackMaxHeader     = 64 << 10
)

// serveCallbacks listens on addr (":0" picks a port) and serves h there.
func serveCallbacks(addr string, h http.Handler) (*callbackServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening for callbacks: %w", err)
	}
	s := &callbackServer{
		addr: ln.Addr().String(),
		srv: &http.Server{Handler: h, ReadHeaderTimeout: callbackHeaderTimeout, ReadTimeout: callbackReadTimeout,
			WriteTimeout: callbackWriteTimeout, IdleTimeout: callbackIdleTimeout, MaxHeaderBytes: callbackMaxHeader},
		served: make(chan error, 1),
	}
	go func() { s.served <- s.srv.Serve(ln) }()
	return s, nil
}

// close stops listening, lets the callbacks being handled finish (5s at
// most) and waits for the server goroutine.
func (s *callbackServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
	}
	<-s.served
}

// callbackHandler is callback.NewHandler(fn) with the token, if any, and the
// given options; every delivery it refuses is given to refused.
func callbackHandler(fn callback.HandlerFunc, token string, refused func(refusal), opts ...callback.Option) http.Handler {
	if token != "" {
		opts = append(opts, callback.WithToken(token))
	}
	return watchRefusals(callback.NewHandler(fn, opts...), refused)
}

// refusal is a delivery the callback handler refused, and why.
type refusal struct {
	status int
	from   string // the sender's address
	why    string
}

func (r refusal) String() string {
	return fmt.Sprintf("refused a delivery from %s: HTTP %d, %s", r.from, r.status, r.why)
}

// refusalReasons says, per status the callback handler answers, why it
// refused a delivery.
var refusalReasons = map[int]string{
	http.StatusUnauthorized:          "wrong or missing token (the callback URL must carry ?token=, or the Basic password)",
	http.StatusBadRequest:            "not a Crisp callback (unreadable JSON, or no request_id)",
	http.StatusMethodNotAllowed:      "not a POST",
	http.StatusRequestEntityTooLarge: "body over the size limit",
	http.StatusUnsupportedMediaType:  "not JSON",
}

// watchRefusals calls report for every answer of h that is not a 2xx.
func watchRefusals(h http.Handler, report func(refusal)) http.Handler {
	if report == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		if rec.status >= 200 && rec.status < 300 {
			return
		}
		why, ok := refusalReasons[rec.status]
		if !ok {
			why = strings.ToLower(http.StatusText(rec.status))
		}
		if body := strings.TrimSpace(rec.body.String()); body != "" {
			why += ": " + serverText(body)
		}
		report(refusal{status: rec.status, from: r.RemoteAddr, why: why})
	})
}

// statusRecorder keeps the status and the start of the body of an answer.
type statusRecorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the server's ResponseWriter.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) Write(p []byte) (int, error) {
	if room := 200 - s.body.Len(); room > 0 {
		s.body.Write(p[:min(room, len(p))])
	}
	return s.ResponseWriter.Write(p)
}

// refusalLog prints each refusal on a writer, one line at a time, and
// remembers the count and the last one.
type refusalLog struct {
	mu    sync.Mutex
	print func(string) // nil: count only
	n     int
	last  refusal
}

func (l *refusalLog) add(r refusal) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	l.last = r
	if l.print != nil {
		l.print(r.String())
	}
}

func (l *refusalLog) state() (int, refusal) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n, l.last
}
