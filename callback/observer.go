package callback

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/crispwa/crispwa"
)

// WithObserver makes the Handler report each delivery to o: CallbackStart
// once a delivery parsed as a callback (its context is the HandlerFunc's),
// and CallbackDone with what the Handler answered, refusals included (see
// crispwa.Observer). Package crispwaotel's HandlerOption gives one that
// makes traces and metrics. Nil, the default, reports nothing.
func WithObserver(o *crispwa.Observer) Option {
	return handlerOption(func(c *handlerConfig) error {
		c.observer = o
		return nil
	})
}

// observedKey is the context key of the delivery being observed.
type observedKey struct{}

// observed is what the Handler learnt of one delivery, for CallbackDone.
type observed struct {
	ctx       context.Context // CallbackStart's; nil before the delivery parsed
	ev        *crispwa.CallbackEvent
	duplicate bool
	why       string // why it was refused or failed
}

// serveObserved is serve between the Observer's hooks.
func (h *Handler) serveObserved(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	st := &observed{}
	sw := &statusWriter{ResponseWriter: w}
	h.serve(sw, r.WithContext(context.WithValue(r.Context(), observedKey{}, st)))
	if h.obs.CallbackDone == nil {
		return
	}
	ctx := st.ctx
	if ctx == nil {
		ctx = r.Context()
	}
	d := crispwa.CallbackDone{Event: st.ev, Status: sw.status, Start: start, Duration: time.Since(start)}
	switch {
	case sw.status >= 500:
		d.Result = crispwa.CallbackFailed
	case sw.status >= 400:
		d.Result = crispwa.CallbackRefused
	case st.duplicate:
		d.Result = crispwa.CallbackDuplicate
	default:
		d.Result = crispwa.CallbackHandled
	}
	if st.why != "" {
		d.Err = errors.New(st.why)
	}
	h.obs.CallbackDone(ctx, d)
}

// observeStart calls CallbackStart for ev and returns r with its context.
func (h *Handler) observeStart(r *http.Request, ev *crispwa.CallbackEvent) *http.Request {
	st, _ := r.Context().Value(observedKey{}).(*observed)
	if st == nil {
		return r
	}
	st.ev = ev
	st.ctx = r.Context()
	if h.obs.CallbackStart != nil {
		if ctx := h.obs.CallbackStart(st.ctx, ev); ctx != nil {
			st.ctx = ctx
		}
	}
	return r.WithContext(st.ctx)
}

// noteDuplicate records that the delivery was a duplicate.
func (h *Handler) noteDuplicate(r *http.Request) {
	if h.obs == nil {
		return
	}
	if st, ok := r.Context().Value(observedKey{}).(*observed); ok {
		st.duplicate = true
	}
}

// noteWhy records why the delivery was refused or failed.
func (h *Handler) noteWhy(r *http.Request, why string) {
	if h.obs == nil {
		return
	}
	if st, ok := r.Context().Value(observedKey{}).(*observed); ok {
		st.why = why
	}
}

// statusWriter remembers the status the Handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
