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

// WithTrackerObserver makes the Tracker report each Wait to o: WaitStart
// when it begins, WaitDone with what it returned (see crispwa.Observer).
// Package crispwaotel's TrackerOption gives one that makes a span and a
// metric of each wait. Nil, the default, reports nothing.
func WithTrackerObserver(o *crispwa.Observer) TrackerOption {
	return trackerOption(func(c *trackerConfig) error {
		c.observer = o
		return nil
	})
}

// observeWait is wait between the Observer's hooks.
func (t *Tracker) observeWait(ctx context.Context, requestID string) (*crispwa.CallbackEvent, error) {
	o := t.obs
	start := time.Now()
	if o.WaitStart != nil && ctx != nil {
		if c := o.WaitStart(ctx, requestID); c != nil {
			ctx = c
		}
	}
	ev, err := t.wait(ctx, requestID)
	if o.WaitDone != nil && ctx != nil {
		d := crispwa.WaitDone{RequestID: requestID, Event: ev, Err: err, Duration: time.Since(start)}
		var timeout *WaitTimeoutError
		switch {
		case errors.As(err, &timeout):
			d.Result = crispwa.WaitTimeout
		case err != nil || ev == nil:
			d.Result = crispwa.WaitError
		case ev.Succeeded():
			d.Result = crispwa.WaitDelivered
		default:
			d.Result = crispwa.WaitFailed
		}
		o.WaitDone(ctx, d)
	}
	return ev, err
}

// serveObserved is serve between the Observer's hooks. What serve learns
// of the delivery is kept in the statusWriter it writes to.
func (h *Handler) serveObserved(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w, start: time.Now()}
	h.serve(sw, r)
	if h.obs.CallbackDone == nil {
		return
	}
	ctx := sw.ctx
	if ctx == nil {
		ctx = r.Context()
	}
	d := crispwa.CallbackDone{Event: sw.ev, Status: sw.status, Start: sw.start, Duration: time.Since(sw.start)}
	switch {
	case sw.status >= 500:
		d.Result = crispwa.CallbackFailed
	case sw.status >= 400:
		d.Result = crispwa.CallbackRefused
	case sw.duplicate:
		d.Result = crispwa.CallbackDuplicate
	default:
		d.Result = crispwa.CallbackHandled
	}
	if sw.why != "" {
		d.Err = errors.New(sw.why)
	}
	h.obs.CallbackDone(ctx, d)
}

// observeStart calls CallbackStart for ev and returns r with its context.
func (h *Handler) observeStart(w http.ResponseWriter, r *http.Request, ev *crispwa.CallbackEvent) *http.Request {
	sw, ok := w.(*statusWriter)
	if !ok {
		return r
	}
	sw.ev = ev
	if h.obs.CallbackStart == nil {
		return r
	}
	ctx := h.obs.CallbackStart(r.Context(), ev)
	if ctx == nil {
		return r
	}
	sw.ctx = ctx
	return r.WithContext(ctx)
}

// noteDuplicate records that the delivery was a duplicate.
func (h *Handler) noteDuplicate(w http.ResponseWriter) {
	if sw, ok := w.(*statusWriter); ok {
		sw.duplicate = true
	}
}

// noteWhy records why the delivery was refused or failed.
func (h *Handler) noteWhy(w http.ResponseWriter, why string) {
	if sw, ok := w.(*statusWriter); ok {
		sw.why = why
	}
}

// statusWriter is the ResponseWriter of an observed delivery: it remembers
// the status answered, and what serve learnt of the delivery.
type statusWriter struct {
	http.ResponseWriter
	status int

	start     time.Time
	ctx       context.Context // CallbackStart's; nil before the delivery parsed
	ev        *crispwa.CallbackEvent
	duplicate bool
	why       string // why it was refused or failed
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

// handlerObserver is o when it has a callback hook, else nil: a Handler
// then does what it does unobserved.
func handlerObserver(o *crispwa.Observer) *crispwa.Observer {
	if o == nil || o.CallbackStart == nil && o.CallbackDone == nil {
		return nil
	}
	return o
}

// trackerObserver is o when it has a wait hook, else nil: a Tracker then
// does what it does unobserved.
func trackerObserver(o *crispwa.Observer) *crispwa.Observer {
	if o == nil || o.WaitStart == nil && o.WaitDone == nil {
		return nil
	}
	return o
}
