package inbox

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

// ErrUnknown and ErrDecided are what a Backend's Deliver and Fail wrap
// when the request_id is unknown or its outcome already decided; the API
// answers them 404 and 409.
var (
	ErrUnknown = errors.New("no kept message has this request_id")
	ErrDecided = errors.New("the outcome of this message is already decided")
)

// maxAPIBody caps the body of an API request.
const maxAPIBody = 16 << 10

// api adds the JSON API's routes to mux:
//
//	GET    /api/v1/messages                       ?q, to, template, status, class, request_id, after, before, limit, offset
//	GET    /api/v1/messages/{request_id}
//	POST   /api/v1/messages/{request_id}/deliver
//	POST   /api/v1/messages/{request_id}/fail     {"reason": "(#131026) Message undeliverable"}
//	DELETE /api/v1/messages
//
// Every answer is JSON; an error is {"error": "..."} with a 4xx status.
func (h *handler) api(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/messages", h.apiList)
	mux.HandleFunc("DELETE /api/v1/messages", h.apiClear)
	mux.HandleFunc("GET /api/v1/messages/{id}", h.apiGet)
	mux.HandleFunc("POST /api/v1/messages/{id}/deliver", h.apiDeliver)
	mux.HandleFunc("POST /api/v1/messages/{id}/fail", h.apiFail)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "no such route: see docs/fake.md, \"JSON API\"")
	})
}

func (h *handler) apiList(w http.ResponseWriter, r *http.Request) {
	f, err := ParseFilter(r.URL.Query(), apiDefaultSize, apiMaxSize)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	p := h.b.Messages(f)
	if p.Messages == nil {
		p.Messages = []Message{}
	}
	writeJSON(w, http.StatusOK, p)
}

func (h *handler) apiGet(w http.ResponseWriter, r *http.Request) {
	m, ok := h.b.Message(r.PathValue("id"))
	if !ok {
		apiError(w, http.StatusNotFound, ErrUnknown.Error())
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (h *handler) apiDeliver(w http.ResponseWriter, r *http.Request) {
	if _, ok := readJSON(w, r, nil); !ok {
		return
	}
	h.decided(w, r.PathValue("id"), h.b.Deliver(r.PathValue("id")))
}

func (h *handler) apiFail(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Reason string `json:"reason"`
	}
	present, ok := readJSON(w, r, &body)
	if !ok {
		return
	}
	if !present || strings.TrimSpace(body.Reason) == "" {
		apiError(w, http.StatusBadRequest, `the body must be {"reason": "..."}, e.g. "(#131026) Message undeliverable"`)
		return
	}
	h.decided(w, r.PathValue("id"), h.b.Fail(r.PathValue("id"), body.Reason))
}

// decided answers a Deliver or Fail: the message as it is now, or the
// error.
func (h *handler) decided(w http.ResponseWriter, id string, err error) {
	switch {
	case errors.Is(err, ErrUnknown):
		apiError(w, http.StatusNotFound, ErrUnknown.Error())
	case errors.Is(err, ErrDecided):
		apiError(w, http.StatusConflict, ErrDecided.Error())
	case err != nil:
		apiError(w, http.StatusServiceUnavailable, err.Error())
	default:
		m, _ := h.b.Message(id)
		writeJSON(w, http.StatusOK, m)
	}
}

func (h *handler) apiClear(w http.ResponseWriter, r *http.Request) {
	if _, ok := readJSON(w, r, nil); !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"deleted": h.b.Clear()})
}

// readJSON reads a request's JSON body into v (none expected when v is
// nil). A body, or a Content-Type, must be application/json: a cross-site
// form cannot send that. present reports whether there was a body.
func readJSON(w http.ResponseWriter, r *http.Request, v any) (present, ok bool) {
	ct := r.Header.Get("Content-Type")
	if ct != "" || r.ContentLength > 0 {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			apiError(w, http.StatusUnsupportedMediaType, "a request with a body must be Content-Type: application/json")
			return false, false
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAPIBody))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return false, true
		}
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			apiError(w, http.StatusRequestEntityTooLarge, "the body is larger than 16 KiB")
			return false, false
		}
		apiError(w, http.StatusBadRequest, "the body is not JSON: "+err.Error())
		return false, false
	}
	if v == nil {
		return true, true
	}
	if err := json.Unmarshal(raw, v); err != nil {
		apiError(w, http.StatusBadRequest, "the body: "+err.Error())
		return true, false
	}
	return true, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func apiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
