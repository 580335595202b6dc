package crispwatest

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/crispwa/crispwa"
)

// maxBodyBytes caps a request body, as a real API front end would.
const maxBodyBytes = 1 << 20

// Page sizes of the templates listing.
const (
	defaultPageSize = 10
	maxPageSize     = 100
)

// serveHTTP routes one request: faults first, then authentication, website
// and route.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	f := s.takeFault()
	if !s.wait(r.Context(), f.latency) {
		dropConnection(w) // the client gave up, or the fake is closing
		return
	}
	switch {
	case f.fail != nil:
		writeEnvelope(w, f.fail.status, true, f.fail.reason, struct{}{})
		return
	case f.rateLimit:
		if f.retryAfter > 0 {
			secs := int64(math.Ceil(f.retryAfter.Seconds()))
			w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		}
		writeEnvelope(w, http.StatusTooManyRequests, true, "rate_limited", struct{}{})
		return
	}

	if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte(s.auth)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="Crisp WhatsApp plugin"`)
		writeEnvelope(w, http.StatusUnauthorized, true, "unauthorized", struct{}{})
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, basePath+"website/")
	if !ok {
		writeEnvelope(w, http.StatusNotFound, true, "not_found", struct{}{})
		return
	}
	website, route, _ := strings.Cut(rest, "/")
	if website != s.WebsiteID {
		writeEnvelope(w, http.StatusNotFound, true, "not_found", struct{}{})
		return
	}
	switch route {
	case "templates":
		if !allowMethod(w, r, http.MethodGet) {
			return
		}
		s.listTemplates(w, r)
	case "template/send":
		if !allowMethod(w, r, http.MethodPost) {
			return
		}
		s.send(w, r)
	default:
		writeEnvelope(w, http.StatusNotFound, true, "not_found", struct{}{})
	}
}

func allowMethod(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method {
		return true
	}
	w.Header().Set("Allow", method)
	writeEnvelope(w, http.StatusMethodNotAllowed, true, "method_not_allowed", struct{}{})
	return false
}

// listTemplates serves one page of the filtered templates. The cursor is
// the opaque encoding of the last template ID of the previous page, so it
// stays valid when templates are added.
func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := defaultPageSize
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			invalidData(w, "limit must be a positive integer")
			return
		}
		limit = min(n, maxPageSize)
	}
	approved, err1 := parseBool(q.Get("filter_approved"))
	noSamples, err2 := parseBool(q.Get("filter_no_samples"))
	if err := errors.Join(err1, err2); err != nil {
		invalidData(w, err.Error())
		return
	}

	s.mu.Lock()
	var matched []storedTemplate
	for _, t := range s.templates {
		if approved && t.t.Status != crispwa.StatusApproved {
			continue
		}
		if noSamples && hasSamples(t.t) {
			continue
		}
		matched = append(matched, t)
	}
	s.mu.Unlock()

	start := 0
	if after := q.Get("after"); after != "" {
		id, err := base64.RawURLEncoding.DecodeString(after)
		i := indexOfID(matched, string(id))
		if err != nil || i < 0 {
			invalidData(w, "after is not a valid paging cursor")
			return
		}
		start = i + 1
	}
	end := min(start+limit, len(matched))
	page := struct {
		Templates  []json.RawMessage `json:"templates"`
		PagingNext string            `json:"paging_next,omitempty"`
	}{Templates: []json.RawMessage{}}
	for _, t := range matched[start:end] {
		page.Templates = append(page.Templates, t.json)
	}
	if end < len(matched) {
		page.PagingNext = base64.RawURLEncoding.EncodeToString([]byte(matched[end-1].t.ID))
	}
	writeEnvelope(w, http.StatusOK, false, "resolved", page)
}

func indexOfID(ts []storedTemplate, id string) int {
	for i, t := range ts {
		if t.t.ID == id {
			return i
		}
	}
	return -1
}

func parseBool(v string) (bool, error) {
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%q is not a boolean", v)
	}
	return b, nil
}

// hasSamples reports whether a template carries sample values.
func hasSamples(t crispwa.Template) bool {
	for _, c := range t.Components {
		if c.Example != nil {
			return true
		}
		for _, b := range c.Buttons {
			if len(b.Example) > 0 {
				return true
			}
		}
	}
	return false
}

// send validates and records one template send and fires its callback.
func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeEnvelope(w, http.StatusRequestEntityTooLarge, true, "payload_too_large", struct{}{})
			return
		}
		dropConnection(w)
		return
	}
	req, verr := decodeSend(body)
	if verr == nil {
		if why := refusal(req); why != "" {
			verr = errors.New(why)
		}
	}
	drop, accepted := s.takeDrop()
	if drop {
		if accepted && verr == nil {
			s.accept(req, body, false)
		}
		dropConnection(w)
		return
	}
	if verr != nil {
		invalidData(w, verr.Error())
		return
	}
	id := s.accept(req, body, true)
	writeEnvelope(w, http.StatusOK, false, "dispatched", map[string]string{"request_id": id})
}

// accept records a send under a fresh request_id (answered reports
// whether the fake answers it, or drops the connection) and, unless
// outcomes are manual, decides its outcome with the fake's rules and posts
// its callback: in the background, or before returning with
// WithEarlyCallbacks. Past WithMaxMessages, the oldest record is dropped.
func (s *Server) accept(req *wireSend, body []byte, answered bool) string {
	id := uuid.NewString()
	var compact bytes.Buffer
	_ = json.Compact(&compact, body) // decoded already: valid JSON
	s.mu.Lock()
	tmpl := s.templateLocked(req.Template.Name, req.Template.Language)
	rec := &record{requestID: id, body: compact.Bytes(), send: req, at: time.Now(), verdict: verdict(req, tmpl), noAnswer: !answered}
	s.keepLocked(rec)
	rec.ver = s.bumpLocked()
	var d *delivery
	if !s.cfg.manual {
		d = s.decideLocked(rec, rec.verdict == "", rec.verdict)
	}
	s.mu.Unlock()
	switch {
	case d == nil:
	case s.cfg.early:
		s.deliver(d)
	default:
		go s.deliver(d)
	}
	return id
}

func invalidData(w http.ResponseWriter, message string) {
	writeEnvelope(w, http.StatusBadRequest, true, "invalid_data", map[string]string{"message": message})
}

// writeEnvelope answers {"error":isErr,"reason":reason,"data":data}.
func writeEnvelope(w http.ResponseWriter, status int, isErr bool, reason string, data any) {
	b, err := json.Marshal(struct {
		Error  bool   `json:"error"`
		Reason string `json:"reason"`
		Data   any    `json:"data"`
	}{isErr, reason, data})
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":true,"reason":"internal_error","data":{}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func basicAuth(c crispwa.Credentials) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.Identifier+":"+c.Key))
}
