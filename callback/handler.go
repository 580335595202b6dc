// Package callback receives the callbacks Crisp POSTs after each accepted
// template send: Handler is an http.Handler that authenticates, size-caps,
// parses and deduplicates them before calling your HandlerFunc, and Tracker
// lets code that sent a template wait for its outcome. Both keep their state
// in memory, or in a Store shared by several replicas (package redisstore).
package callback

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crispwa/crispwa"
)

// HandlerFunc handles one parsed callback. Returning an error makes the
// Handler answer 500, so that the delivery can be made again; returning nil
// answers 200 and (with deduplication on) marks the request_id as handled.
type HandlerFunc func(ctx context.Context, ev *crispwa.CallbackEvent) error

// Handler is an http.Handler for Crisp's template-send callbacks. It answers:
//
//   - 405 (with Allow: POST) to anything but POST;
//   - 401 when WithToken is set and the request does not carry the token
//     (to every request when the token given is empty);
//   - 413 to a body over the size cap;
//   - 400 to a body that is not a callback (see crispwa.ParseCallback), or
//     whose request_id is longer than MaxRequestIDBytes;
//   - 200 without calling the HandlerFunc for a request_id it already handled
//     successfully (deduplication, on by default);
//   - 500 when the HandlerFunc returns an error or panics (the panic is
//     recovered and logged; the request_id is not remembered, so a
//     redelivery reaches the HandlerFunc again);
//   - 503 when the Store (WithStore) fails, or when the delivery gave up
//     waiting for a concurrent delivery of the same request_id: the
//     HandlerFunc is not called, and Crisp can deliver again;
//   - 200 otherwise.
//
// With a Store (WithStore), a successful delivery is answered 200 before
// the request_id is recorded as handled in the Store: the sender does not
// wait for that second round trip, and a concurrent delivery of the same
// request_id still waits for it.
//
// Stats counts the answers by outcome and the refusals by cause, so that a
// misconfiguration (a wrong token, a forgotten callback URL) shows even
// without a logger; Tracker.Watch puts them in Wait's timeout error.
//
// Concurrent deliveries of the same request_id do not run the HandlerFunc
// twice: the later ones wait (up to MaxClaimWait) for the first one's
// outcome, and run the HandlerFunc themselves only if it failed. A Handler
// is safe for concurrent use. Its formatted (%v, %+v, %#v) and JSON forms
// never show the token.
type Handler struct {
	fn       HandlerFunc
	maxBody  int64
	auth     authMode
	tokenSum [sha256.Size]byte
	dedup    dedupStore // nil: deduplication off
	inMemory bool       // dedup is the in-memory one: recording an outcome costs nothing
	logger   *slog.Logger
	counts   *counts           // a pointer: a Handler value can be formatted (Format)
	obs      *crispwa.Observer // nil: nothing reported (observer.go)
}

// counts are a Handler's Stats, counted as deliveries are answered.
type counts struct {
	handled, duplicates, failed atomic.Int64
	refused                     [numCauses]atomic.Int64
}

// cause is why a delivery was refused before the HandlerFunc.
type cause int

const (
	causeNotPost cause = iota
	causeNoToken
	causeBadToken
	causeTooLarge
	causeMalformed
	causeUnavailable
	numCauses
)

// Stats counts what a Handler answered since NewHandler: the deliveries it
// handled, answered as duplicates, whose HandlerFunc failed, and those it
// refused before the HandlerFunc, by cause. Every delivery is counted in
// exactly one of them.
type Stats struct {
	Handled    int64 // the HandlerFunc returned nil: 200
	Duplicates int64 // already handled: 200 without calling the HandlerFunc
	Failed     int64 // the HandlerFunc returned an error or panicked: 500
	Refused    Refusals
}

// Refusals counts the deliveries a Handler refused before calling the
// HandlerFunc, by cause.
type Refusals struct {
	NotPost     int64 // 405: not a POST
	NoToken     int64 // 401: WithToken was given an empty token, so every delivery is refused
	BadToken    int64 // 401: the token is missing or wrong
	TooLarge    int64 // 413: the body is over the size cap
	Malformed   int64 // 400: not a callback, a request_id too long, or a body that could not be read
	Unavailable int64 // 503: the Store failed, or a concurrent delivery held the request_id too long
}

// Total is the number of refused deliveries.
func (r Refusals) Total() int64 {
	return r.NotPost + r.NoToken + r.BadToken + r.TooLarge + r.Malformed + r.Unavailable
}

// Received is the number of deliveries the Handler answered.
func (s Stats) Received() int64 { return s.Handled + s.Duplicates + s.Failed + s.Refused.Total() }

func (s Stats) add(o Stats) Stats {
	r, q := s.Refused, o.Refused
	return Stats{Handled: s.Handled + o.Handled, Duplicates: s.Duplicates + o.Duplicates, Failed: s.Failed + o.Failed,
		Refused: Refusals{NotPost: r.NotPost + q.NotPost, NoToken: r.NoToken + q.NoToken, BadToken: r.BadToken + q.BadToken,
			TooLarge: r.TooLarge + q.TooLarge, Malformed: r.Malformed + q.Malformed, Unavailable: r.Unavailable + q.Unavailable}}
}

// Stats returns the Handler's counts so far. It is safe to call at any
// time, from any goroutine (for metrics, a health check, a test).
func (h *Handler) Stats() Stats {
	c := h.counts
	return Stats{Handled: c.handled.Load(), Duplicates: c.duplicates.Load(), Failed: c.failed.Load(),
		Refused: Refusals{
			NotPost: c.refused[causeNotPost].Load(), NoToken: c.refused[causeNoToken].Load(),
			BadToken: c.refused[causeBadToken].Load(), TooLarge: c.refused[causeTooLarge].Load(),
			Malformed: c.refused[causeMalformed].Load(), Unavailable: c.refused[causeUnavailable].Load(),
		}}
}

// refusals say how a Handler answers and logs each cause, and whether the
// body is still unread then.
var refusals = [numCauses]struct {
	status     int
	level      slog.Level
	bodyUnread bool
}{
	causeNotPost:     {http.StatusMethodNotAllowed, slog.LevelDebug, true},
	causeNoToken:     {http.StatusUnauthorized, slog.LevelError, true},
	causeBadToken:    {http.StatusUnauthorized, slog.LevelWarn, true},
	causeTooLarge:    {http.StatusRequestEntityTooLarge, slog.LevelWarn, true},
	causeMalformed:   {http.StatusBadRequest, slog.LevelWarn, false},
	causeUnavailable: {http.StatusServiceUnavailable, slog.LevelWarn, false},
}

type authMode int

const (
	authNone  authMode = iota // WithToken not given
	authToken                 // the token is required
	authEmpty                 // WithToken("") given: refuse everything
)

// MaxClaimWait is how long a delivery waits for a concurrent delivery of the
// same request_id (on this replica or, with a Store, on another) before it
// is answered 503.
const MaxClaimWait = 30 * time.Second

// NewHandler returns a Handler that calls fn for each new callback. A nil fn
// accepts every valid callback without doing anything. It panics, naming
// the option, when an option is given an invalid value (see Option).
func NewHandler(fn HandlerFunc, opts ...Option) *Handler {
	cfg := handlerConfig{maxBody: DefaultMaxBodyBytes, dedup: DefaultDedup}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.applyHandler(&cfg); err != nil {
			panic(err.Error())
		}
	}
	h := &Handler{fn: fn, maxBody: cfg.maxBody, logger: cfg.logger, counts: &counts{}, obs: handlerObserver(cfg.observer)}
	if h.fn == nil {
		h.fn = func(context.Context, *crispwa.CallbackEvent) error { return nil }
	}
	switch {
	case cfg.tokenSet && cfg.token == "":
		h.auth = authEmpty
	case cfg.tokenSet:
		h.auth = authToken
		h.tokenSum = sha256.Sum256([]byte(cfg.token))
	}
	switch {
	case cfg.dedup == 0:
	case cfg.store != nil:
		h.dedup = cfg.store
	default:
		h.dedup = newMemDedup(cfg.dedup)
		h.inMemory = true
	}
	return h
}

// ServeHTTP handles one delivery; see Handler for the answers.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.obs != nil {
		h.serveObserved(w, r)
		return
	}
	h.serve(w, r)
}

// serve is ServeHTTP without the Observer.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.reject(r, w, causeNotPost, "method not allowed", "")
		return
	}
	switch h.auth {
	case authEmpty:
		h.reject(r, w, causeNoToken, "WithToken was given an empty token: every delivery is refused", "")
		return
	case authToken:
		if !h.authorized(r) {
			h.reject(r, w, causeBadToken, "missing or wrong token", "")
			return
		}
	}
	body, c, why := h.readBody(w, r)
	if why != "" {
		dropBody(w)
		h.reject(r, w, c, why, "")
		return
	}
	ev, err := crispwa.ParseCallback(body.b)
	body.free() // ParseCallback keeps copies only
	if err != nil {
		h.reject(r, w, causeMalformed, err.Error(), "")
		return
	}
	if len(ev.RequestID) > MaxRequestIDBytes {
		h.reject(r, w, causeMalformed, fmt.Sprintf("request_id longer than %d bytes", MaxRequestIDBytes), "")
		return
	}
	if h.obs != nil {
		r = h.observeStart(w, r, ev)
	}
	if h.dedup == nil {
		h.finish(r, w, ev, h.call(r.Context(), ev))
		return
	}
	token, err := h.claim(r, ev.RequestID)
	switch {
	case errors.Is(err, errHandled):
		h.counts.duplicates.Add(1)
		h.log(r, slog.LevelDebug, "duplicate callback ignored", http.StatusOK, ev.RequestID)
		h.noteDuplicate(w)
		writeStatus(w, http.StatusOK, "duplicate")
		return
	case err != nil:
		h.reject(r, w, causeUnavailable, err.Error(), ev.RequestID)
		return
	}
	fnErr := h.call(r.Context(), ev)
	ctx := r.Context()
	if !h.inMemory { // the outcome is recorded even when the sender went away meanwhile
		ctx = context.WithoutCancel(ctx)
	}
	if fnErr != nil {
		if err := h.dedup.Release(ctx, ev.RequestID, token); err != nil {
			h.log(r, slog.LevelWarn, "claim not released (it lapses with its TTL): "+err.Error(), http.StatusInternalServerError, ev.RequestID)
		}
		h.finish(r, w, ev, fnErr)
		return
	}
	if !h.inMemory {
		// The HandlerFunc did its work: answer now, and record the request_id
		// as handled in the Store after (concurrent deliveries wait for it).
		h.finish(r, w, ev, nil)
		_ = http.NewResponseController(w).Flush()
	}
	if err := h.dedup.Confirm(ctx, ev.RequestID, token); err != nil {
		h.log(r, slog.LevelWarn, "handled, but not recorded as handled (a redelivery may run the HandlerFunc again): "+err.Error(), http.StatusOK, ev.RequestID)
	}
	if h.inMemory {
		h.finish(r, w, ev, nil)
	}
}

// readBody reads the body through the size cap; on failure it returns the
// cause of the refusal and why.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) (body, cause, string) {
	if r.ContentLength > h.maxBody {
		return body{}, causeTooLarge, "body too large"
	}
	if r.ContentLength > 0 {
		// net/http ends the body at its Content-Length: one exact read, into
		// a pooled buffer when the body is small.
		b := newBody(int(r.ContentLength))
		if _, err := io.ReadFull(r.Body, b.b); err != nil {
			b.free()
			return body{}, causeMalformed, "reading body: " + err.Error()
		}
		return b, 0, ""
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, h.maxBody)); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return body{}, causeTooLarge, "body too large"
		}
		return body{}, causeMalformed, "reading body: " + err.Error()
	}
	return body{b: buf.Bytes()}, 0, ""
}

// body is a delivery's body as read; free gives its buffer back to the
// pool, once nothing refers to it any more.
type body struct {
	b      []byte
	pooled *[]byte
}

// maxPooledBody is the largest body read into a pooled buffer; a callback
// is a few hundred bytes.
const maxPooledBody = 16 << 10

// bodyBuffers are the read buffers of bodies up to maxPooledBody.
var bodyBuffers = sync.Pool{New: func() any { return new([]byte) }}

func newBody(n int) body {
	if n > maxPooledBody {
		return body{b: make([]byte, n)}
	}
	p := bodyBuffers.Get().(*[]byte)
	if cap(*p) < n {
		*p = make([]byte, n, max(n, 1024))
	}
	return body{b: (*p)[:n], pooled: p}
}

func (b body) free() {
	if b.pooled != nil {
		bodyBuffers.Put(b.pooled)
	}
}

// errHandled is claim's answer for a request_id already handled.
var errHandled = errors.New("already handled")

// claim makes this delivery the one that handles id, and returns the claim's
// token; errHandled when id was already handled. While another delivery
// holds the claim, it waits (polling with a growing interval) for that one
// to confirm or release it, up to MaxClaimWait.
func (h *Handler) claim(r *http.Request, id string) (string, error) {
	ctx := r.Context()
	interval := time.Millisecond
	for waiting := false; ; waiting = true {
		token, res, err := h.dedup.Claim(ctx, id)
		switch {
		case err != nil && ctx.Err() != nil:
			return "", fmt.Errorf("gave up waiting for a concurrent delivery: %w", ctx.Err())
		case err != nil:
			return "", fmt.Errorf("store unavailable: %w", err)
		case res == ClaimHandled:
			return "", errHandled
		case res == ClaimAcquired:
			return token, nil
		}
		if !waiting { // the deadline only when needed: a timer per delivery costs
			h.log(r, slog.LevelDebug, "waiting for a concurrent delivery of the same request_id", 0, id)
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, MaxClaimWait)
			defer cancel()
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", fmt.Errorf("gave up waiting for a concurrent delivery: %w", ctx.Err())
		case <-t.C:
		}
		interval = min(2*interval, 100*time.Millisecond)
	}
}

// call runs the HandlerFunc; a panic in it becomes an error.
func (h *Handler) call(ctx context.Context, ev *crispwa.CallbackEvent) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return h.fn(ctx, ev)
}

type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// finish answers according to the HandlerFunc's outcome.
func (h *Handler) finish(r *http.Request, w http.ResponseWriter, ev *crispwa.CallbackEvent, fnErr error) {
	if fnErr == nil {
		h.counts.handled.Add(1)
		writeAnswer(w, http.StatusOK, answerOK)
		return
	}
	var p *panicError
	switch {
	case errors.As(fnErr, &p):
		h.counts.failed.Add(1)
		if h.logger != nil {
			h.logger.LogAttrs(r.Context(), slog.LevelError, "crispwa/callback: handler panicked",
				slog.Int("status", http.StatusInternalServerError), slog.String("request_id", ev.RequestID),
				slog.String("panic", fmt.Sprint(p.value)), slog.String("stack", string(p.stack)))
		}
		h.noteWhy(w, fnErr.Error())
		writeStatus(w, http.StatusInternalServerError, http.StatusText(http.StatusInternalServerError))
	default:
		h.counts.failed.Add(1)
		h.noteWhy(w, "handler failed: "+fnErr.Error())
		h.log(r, slog.LevelWarn, "handler failed: "+fnErr.Error(), http.StatusInternalServerError, ev.RequestID)
		writeStatus(w, http.StatusInternalServerError, http.StatusText(http.StatusInternalServerError))
	}
}

// authorized checks the token in the query or the Basic password, in
// constant time (hashes of equal length are compared).
func (h *Handler) authorized(r *http.Request) bool {
	match := 0
	if token, ok := queryToken(r.URL.RawQuery); ok {
		sum := sha256.Sum256([]byte(token))
		match |= subtle.ConstantTimeCompare(sum[:], h.tokenSum[:])
	}
	if _, pass, ok := r.BasicAuth(); ok {
		sum := sha256.Sum256([]byte(pass))
		match |= subtle.ConstantTimeCompare(sum[:], h.tokenSum[:])
	}
	return match == 1
}

// queryToken returns the first token parameter of a raw query, as
// url.Values.Get would, without building the map.
func queryToken(raw string) (string, bool) {
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(kv, "=")
		if k != "token" {
			continue
		}
		token, err := url.QueryUnescape(v)
		return token, err == nil
	}
	return "", false
}

// Format prints the Handler's settings, never its token, whatever the verb.
func (h Handler) Format(f fmt.State, _ rune) {
	auth := [...]string{authNone: "none", authToken: "token", authEmpty: "empty token: refuse all"}[h.auth]
	dedup := "off"
	switch h.dedup.(type) {
	case nil:
	case *memDedup:
		dedup = "memory"
	default:
		dedup = "store"
	}
	fmt.Fprintf(f, "callback.Handler{auth: %s, maxBody: %d, dedup: %s}", auth, h.maxBody, dedup)
}

// reject counts, logs and answers a delivery refused for c.
func (h *Handler) reject(r *http.Request, w http.ResponseWriter, c cause, why, requestID string) {
	h.counts.refused[c].Add(1)
	h.noteWhy(w, why)
	if refusals[c].bodyUnread {
		dropBody(w)
	}
	status := refusals[c].status
	h.log(r, refusals[c].level, "callback rejected: "+why, status, requestID)
	writeStatus(w, status, http.StatusText(status))
}

func (h *Handler) log(r *http.Request, level slog.Level, msg string, status int, requestID string) {
	if h.logger == nil {
		return
	}
	attrs := make([]slog.Attr, 0, 3)
	if status != 0 {
		attrs = append(attrs, slog.Int("status", status))
	}
	attrs = append(attrs, slog.String("remote", r.RemoteAddr))
	if requestID != "" {
		attrs = append(attrs, slog.String("request_id", requestID))
	}
	h.logger.LogAttrs(r.Context(), level, "crispwa/callback: "+msg, attrs...)
}

// dropBody makes the server close the connection of a delivery refused
// before its body was read (wrong method or token, too large, a read that
// failed) once answered, instead of reading what is left of the body as
// slowly as the sender sends it: the answer goes at once, and a sender
// trickling its body holds no connection.
func dropBody(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	_ = http.NewResponseController(w).SetReadDeadline(time.Now())
}

// Answer headers, shared by every answer (net/http only reads them).
var (
	textPlain = []string{"text/plain; charset=utf-8"}
	noSniff   = []string{"nosniff"}
)

// writeStatus answers status with text. The length is stated, so that an
// answer flushed before the handler returns is complete at once.
func writeStatus(w http.ResponseWriter, status int, text string) {
	a, ok := answers[text]
	if !ok {
		a = newAnswer(text)
	}
	writeAnswer(w, status, a)
}

// answerOK is the answer to a delivery handled.
var answerOK = newAnswer("ok")

// writeAnswer answers status with a.
func writeAnswer(w http.ResponseWriter, status int, a answer) {
	hdr := w.Header()
	hdr["Content-Type"] = textPlain
	hdr["X-Content-Type-Options"] = noSniff
	hdr["Content-Length"] = a.length
	w.WriteHeader(status)
	_, _ = w.Write(a.body)
}

// answer is the body of an answer and its length, made once.
type answer struct {
	body   []byte
	length []string
}

func newAnswer(text string) answer {
	return answer{body: []byte(text + "\n"), length: []string{strconv.Itoa(len(text) + 1)}}
}

// answers are the Handler's answers, by text (net/http only reads them).
var answers = func() map[string]answer {
	m := map[string]answer{"ok": answerOK, "duplicate": newAnswer("duplicate")}
	for _, c := range refusals {
		m[http.StatusText(c.status)] = newAnswer(http.StatusText(c.status))
	}
	m[http.StatusText(http.StatusInternalServerError)] = newAnswer(http.StatusText(http.StatusInternalServerError))
	return m
}()
