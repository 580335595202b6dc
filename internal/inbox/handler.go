package inbox

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

//go:embed web
var webFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"clock":    func(t time.Time) string { return t.Format("15:04:05") },
	"failures": func() []Failure { return Failures },
	"lower":    strings.ToLower,
}).ParseFS(webFS, "web/*.html"))

// maxFormBytes caps an action's form.
const maxFormBytes = 4 << 10

// Handler serves the page for b: GET / (the inbox), GET /templates, GET
// /events (the Server-Sent Events stream), POST /action (the buttons) and
// GET /static/. It answers only requests whose Host is a loopback address
// or localhost (against DNS rebinding), and POST /action only with the
// X-Crispwa-Inbox header that the page's script sets (against cross-site
// forms).
func Handler(b Backend) http.Handler {
	static, _ := fs.Sub(webFS, "web/static") // embedded: cannot fail
	mux := http.NewServeMux()
	h := &handler{b: b}
	mux.HandleFunc("GET /{$}", h.inbox)
	mux.HandleFunc("GET /templates", h.templates)
	mux.HandleFunc("GET /events", h.events)
	mux.HandleFunc("POST /action", h.action)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopbackHost(r.Host) {
			http.Error(w, "the inbox answers on a loopback address only", http.StatusForbidden)
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'")
		mux.ServeHTTP(w, r)
	})
}

type handler struct{ b Backend }

func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// maxShown is how many messages the page shows at load, newest first;
// live updates add to them.
const maxShown = 300

func (h *handler) inbox(w http.ResponseWriter, r *http.Request) {
	st := h.b.State(0)
	hidden := max(len(st.Messages)-maxShown, 0)
	st.Messages = st.Messages[:len(st.Messages)-hidden]
	h.render(w, "inbox.html", struct {
		State
		Hidden int
	}{st, hidden})
}

func (h *handler) templates(w http.ResponseWriter, r *http.Request) {
	h.render(w, "templates.html", h.b.Templates())
}

func (h *handler) render(w http.ResponseWriter, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "rendering the page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// events streams each change as an event: "send" with a message's card
// (re-sent whole at each change), "faults" with the fault panel. A client
// resumes from Last-Event-ID, or from ?since= (the page's version).
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64) // 0 (everything) when absent
	if v, err := strconv.ParseInt(r.Header.Get("Last-Event-ID"), 10, 64); err == nil {
		since = v
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = fmt.Fprint(w, ": crispwa inbox\n\n")
	flusher.Flush()
	for {
		changed := h.b.Changed()
		st := h.b.State(since)
		for i := len(st.Messages) - 1; i >= 0; i-- { // oldest first: the page prepends
			m := st.Messages[i]
			if err := writeEvent(w, "send", m.Version, m.RequestID, "message", m); err != nil {
				return
			}
		}
		if st.FaultsVersion > since {
			if err := writeEvent(w, "faults", st.Version, "", "faults-state", st); err != nil {
				return
			}
		}
		since = st.Version
		flusher.Flush()
		select {
		case <-changed:
		case <-r.Context().Done():
			return
		case <-h.b.Done():
			return
		}
	}
}

// writeEvent renders the template tmpl with data and writes it as one
// event whose data is the JSON {"id":id,"html":...}.
func writeEvent(w http.ResponseWriter, event string, version int64, id, tmpl string, data any) error {
	var html bytes.Buffer
	if err := pages.ExecuteTemplate(&html, tmpl, data); err != nil {
		return err
	}
	payload, err := json.Marshal(map[string]string{"id": id, "html": html.String()})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", version, event, payload)
	return err
}

// action runs one button of the page.
func (h *handler) action(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Crispwa-Inbox") != "1" {
		http.Error(w, "missing X-Crispwa-Inbox header", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
		return
	}
	f := r.PostForm
	var err error
	switch f.Get("action") {
	case "deliver":
		err = h.b.Deliver(f.Get("id"))
	case "fail":
		var fl Failure
		if fl, err = failure(f.Get("code")); err == nil {
			err = h.b.Fail(f.Get("id"), fl.Reason())
		}
	case "fail-next":
		var status int
		if status, err = intIn(f.Get("status"), 400, 599); err == nil {
			h.b.FailNext(status, reasonFor(status))
		}
	case "storm":
		var secs, retry int
		if secs, err = intIn(f.Get("seconds"), 0, 3600); err == nil {
			if retry, err = intIn(f.Get("retry_after"), 0, 3600); err == nil {
				h.b.RateLimitFor(time.Duration(secs)*time.Second, time.Duration(retry)*time.Second)
			}
		}
	case "latency":
		var ms int
		if ms, err = intIn(f.Get("ms"), 0, 60000); err == nil {
			h.b.SetLatency(time.Duration(ms) * time.Millisecond)
		}
	case "drop-next":
		h.b.DropNextSends(1, f.Get("accepted") != "")
	default:
		err = fmt.Errorf("unknown action %q", f.Get("action"))
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func failure(code string) (Failure, error) {
	for _, f := range Failures {
		if strconv.Itoa(f.Code) == code {
			return f, nil
		}
	}
	return Failure{}, fmt.Errorf("unknown failure code %q", code)
}

func intIn(s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%q is not a number from %d to %d", s, lo, hi)
	}
	return n, nil
}

// reasonFor is the Crisp error reason of a FailNext status.
func reasonFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid_data"
	case http.StatusUnauthorized, http.StatusForbidden:
		return "unauthorized"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusTooManyRequests:
		return "rate_limited"
	}
	if status >= 500 {
		return "server_error"
	}
	return "error"
}
