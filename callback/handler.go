// Package callback receives the callbacks Crisp POSTs after each accepted
// template send: Handler is an http.Handler that authenticates, size-caps,
// parses and deduplicates them before calling your HandlerFunc, and Tracker
// lets code that sent a template wait for its outcome.
package callback

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/crispwa/crispwa"
)

// HandlerFunc handles one parsed callback. Returning an error makes the
// Handler answer 500, so that the delivery can be made again; returning nil
// answers 200 and (with deduplication on) marks the request_id as handled.
type HandlerFunc func(ctx context.Context, ev *crispwa.CallbackEvent) error

// Handler is an http.Handler for Crisp's template-send callbacks. It answers:
//
//   - 405 (with Allow: POST) to anything but POST;
//   - 401 when WithToken is set and the request does not carry the token;
//   - 413 to a body over the size cap;
//   - 400 to a body that is not a callback (see crispwa.ParseCallback);
//   - 200 without calling the HandlerFunc for a request_id it already handled
//     successfully (deduplication, on by default);
//   - 500 when the HandlerFunc returns an error (the request_id is not
//     remembered, so a redelivery reaches the HandlerFunc again);
//   - 200 otherwise.
//
// Concurrent deliveries of the same request_id do not run the HandlerFunc
// twice: the later ones wait for the first one's outcome, and run the
// HandlerFunc themselves only if it failed. A Handler is safe for concurrent
// use. It does not persist anything.
type Handler struct {
	fn       HandlerFunc
	cfg      config
	tokenSum [sha256.Size]byte

	mu       sync.Mutex
	seen     *lru.Cache[string, struct{}] // nil: deduplication off
	inflight map[string]chan struct{}     // request_id -> closed when its handling ends
}

// NewHandler returns a Handler that calls fn for each new callback. A nil fn
// accepts every valid callback without doing anything.
func NewHandler(fn HandlerFunc, opts ...Option) *Handler {
	h := &Handler{fn: fn, cfg: config{maxBody: DefaultMaxBodyBytes, dedup: DefaultDedup}, inflight: map[string]chan struct{}{}}
	for _, o := range opts {
		if o != nil {
			o(&h.cfg)
		}
	}
	if h.fn == nil {
		h.fn = func(context.Context, *crispwa.CallbackEvent) error { return nil }
	}
	h.tokenSum = sha256.Sum256([]byte(h.cfg.token))
	if h.cfg.dedup > 0 {
		h.seen, _ = lru.New[string, struct{}](h.cfg.dedup) // only fails for a size <= 0
	}
	return h
}

// ServeHTTP handles one delivery; see Handler for the answers.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.reject(r, w, http.StatusMethodNotAllowed, slog.LevelDebug, "method not allowed", "")
		return
	}
	if !h.authorized(r) {
		h.reject(r, w, http.StatusUnauthorized, slog.LevelWarn, "missing or wrong token", "")
		return
	}
	if r.ContentLength > h.cfg.maxBody {
		h.reject(r, w, http.StatusRequestEntityTooLarge, slog.LevelWarn, "body too large", "")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.reject(r, w, http.StatusRequestEntityTooLarge, slog.LevelWarn, "body too large", "")
			return
		}
		h.reject(r, w, http.StatusBadRequest, slog.LevelWarn, "reading body: "+err.Error(), "")
		return
	}
	ev, err := crispwa.ParseCallback(body)
	if err != nil {
		h.reject(r, w, http.StatusBadRequest, slog.LevelWarn, err.Error(), "")
		return
	}
	done, release, err := h.claim(r.Context(), ev.RequestID)
	switch {
	case err != nil: // the client went away while another delivery was handled
		h.reject(r, w, http.StatusServiceUnavailable, slog.LevelDebug, "cancelled while waiting: "+err.Error(), ev.RequestID)
		return
	case done:
		h.log(r, slog.LevelDebug, "duplicate callback ignored", http.StatusOK, ev.RequestID)
		writeStatus(w, http.StatusOK, "duplicate")
		return
	}
	ok := false
	defer func() { release(ok) }() // also on a panic in fn, so that waiters go on
	if err := h.fn(r.Context(), ev); err != nil {
		h.reject(r, w, http.StatusInternalServerError, slog.LevelWarn, "handler failed: "+err.Error(), ev.RequestID)
		return
	}
	ok = true
	writeStatus(w, http.StatusOK, "ok")
}

// claim makes this delivery the one that handles id. done is true when id
// was already handled successfully. Otherwise release must be called with
// the outcome. A delivery of an id being handled elsewhere waits for it.
func (h *Handler) claim(ctx context.Context, id string) (done bool, release func(ok bool), err error) {
	if h.seen == nil {
		return false, func(bool) {}, nil
	}
	for {
		h.mu.Lock()
		if h.seen.Contains(id) {
			h.mu.Unlock()
			return true, nil, nil
		}
		busy, ok := h.inflight[id]
		if !ok {
			ch := make(chan struct{})
			h.inflight[id] = ch
			h.mu.Unlock()
			return false, func(success bool) {
				h.mu.Lock()
				delete(h.inflight, id)
				if success {
					h.seen.Add(id, struct{}{})
				}
				h.mu.Unlock()
				close(ch)
			}, nil
		}
		h.mu.Unlock()
		select {
		case <-busy:
		case <-ctx.Done():
			return false, nil, ctx.Err()
		}
	}
}

// authorized checks the token in the query or the Basic password, in
// constant time (hashes of equal length are compared).
func (h *Handler) authorized(r *http.Request) bool {
	if h.cfg.token == "" {
		return true
	}
	candidates := []string{r.URL.Query().Get("token")}
	if _, pass, ok := r.BasicAuth(); ok {
		candidates = append(candidates, pass)
	}
	match := 0
	for _, c := range candidates {
		sum := sha256.Sum256([]byte(c))
		match |= subtle.ConstantTimeCompare(sum[:], h.tokenSum[:])
	}
	return match == 1
}

func (h *Handler) reject(r *http.Request, w http.ResponseWriter, status int, level slog.Level, why, requestID string) {
	h.log(r, level, "callback rejected: "+why, status, requestID)
	writeStatus(w, status, http.StatusText(status))
}

func (h *Handler) log(r *http.Request, level slog.Level, msg string, status int, requestID string) {
	if h.cfg.logger == nil {
		return
	}
	attrs := []slog.Attr{slog.Int("status", status), slog.String("remote", r.RemoteAddr)}
	if requestID != "" {
		attrs = append(attrs, slog.String("request_id", requestID))
	}
	h.cfg.logger.LogAttrs(r.Context(), level, "crispwa/callback: "+msg, attrs...)
}

func writeStatus(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, text+"\n")
}
