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
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed web
var webFS embed.FS

// pages are the inbox's HTML templates, parsed on first use: a command
// that never serves the inbox (crispwa --help, send) does not pay for it
// at start-up.
var pages = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Funcs(template.FuncMap{
		"clock":    func(t time.Time) string { return t.Format("15:04:05") },
		"hm":       func(t time.Time) string { return t.Format("15:04") },
		"stamp":    func(t time.Time) string { return t.Format("2006-01-02 15:04:05.000") },
		"failures": func() []Failure { return Failures },
		"classes":  func() []string { return Classes },
		"lower":    strings.ToLower,
		"wa":       func(s string) template.HTML { return formatWhatsApp(s, false) },
		"waTmpl":   func(s string) template.HTML { return formatWhatsApp(s, true) },
		"pretty":   prettyJSON,
		"thread":   func(to string) string { return "/to/" + url.PathEscape(to) },
		"detail":   func(id string) string { return "/message/" + url.PathEscape(id) },
		"num":      thousands,
		"inc":      func(i int) int { return i + 1 },
		"bubble": func(c Card, m any) bubble {
			b := bubble{Card: c}
			if msg, ok := m.(Message); ok {
				b.Msg = &msg
			}
			return b
		},
	}).ParseFS(webFS, "web/*.html"))
})

// bubble is a card with, for a sent message, its time and ticks.
type bubble struct {
	Card
	Msg *Message // nil in the templates view
}

// maxFormBytes caps an action's form.
const maxFormBytes = 4 << 10

// Handler serves the fake's page and JSON API for b:
//
//   - GET / (the inbox: every kept message, newest first, paged, searched
//     and filtered), GET /to/{number} (the thread of one recipient), GET
//     /message/{request_id} (one message with its raw request, answer and
//     callback deliveries), GET /templates, GET /events (Server-Sent
//     Events), POST /action (the page's buttons), GET /static/;
//   - the JSON API under /api/v1/ (see api.go).
//
// It answers only requests whose Host is a loopback address or localhost
// (against DNS rebinding); it refuses a state change a browser marks as
// coming from another site (Origin, Sec-Fetch-Site); POST /action needs
// the X-Crispwa-Inbox header that the page's script sets, and the API's
// requests with a body need Content-Type application/json, which a
// cross-site form cannot send.
func Handler(b Backend) http.Handler {
	static, _ := fs.Sub(webFS, "web/static") // embedded: cannot fail
	mux := http.NewServeMux()
	h := &handler{b: b}
	mux.HandleFunc("GET /{$}", h.inbox)
	mux.HandleFunc("GET /to/{number}", h.thread)
	mux.HandleFunc("GET /message/{id}", h.detail)
	mux.HandleFunc("GET /templates", h.templates)
	mux.HandleFunc("GET /events", h.events)
	mux.HandleFunc("POST /action", h.action)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	h.api(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopbackHost(r.Host) {
			http.Error(w, "the inbox answers on a loopback address only", http.StatusForbidden)
			return
		}
		if (r.Method != http.MethodGet && r.Method != http.MethodHead || strings.HasPrefix(r.URL.Path, "/api/")) && !sameSite(r) {
			http.Error(w, "cross-site request refused", http.StatusForbidden)
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
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

// sameSite reports whether a browser's request comes from the fake's own
// page (or from no page: curl, a test): Sec-Fetch-Site, when a browser
// sets it, must be same-origin or none, and Origin, when set, must be the
// fake's own address.
func sameSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host == r.Host
}

// listPage is the inbox view.
type listPage struct {
	State
	Page
	Filter    Filter
	Err       string
	First     int // 1-based index of the first message shown
	Last      int
	Prev      string // the links to the newer and older pages, "" at an end
	Next      string
	Live      bool // page one without a filter: new messages are prepended
	Filtered  bool // a filter beside the search is set: the filters are open
	Templates []string
}

func (h *handler) inbox(w http.ResponseWriter, r *http.Request) {
	p := listPage{State: h.b.State()}
	f, err := ParseFilter(r.URL.Query(), pageSize, 200)
	if err != nil {
		p.Err = err.Error()
		w.WriteHeader(http.StatusBadRequest)
		f = Filter{Limit: pageSize}
	}
	p.Filter = f
	p.Page = h.b.Messages(f)
	p.Live = f.IsZero() && f.Offset == 0
	others := f
	others.Query = ""
	p.Filtered = !others.IsZero()
	if n := len(p.Messages); n > 0 {
		p.First, p.Last = f.Offset+1, f.Offset+n
	}
	if f.Offset > 0 {
		p.Prev = pageLink("/", f.Values(), max(f.Offset-f.Limit, 0), f.Limit)
	}
	if f.Offset+len(p.Messages) < p.Total {
		p.Next = pageLink("/", f.Values(), f.Offset+f.Limit, f.Limit)
	}
	for _, t := range h.b.Templates() {
		if !slices.Contains(p.Templates, t.Name) {
			p.Templates = append(p.Templates, t.Name)
		}
	}
	h.render(w, "inbox.html", p)
}

func pageLink(path string, v url.Values, offset, limit int) string {
	if offset > 0 {
		v.Set("offset", strconv.Itoa(offset))
	}
	if limit != pageSize && limit != threadSize {
		v.Set("limit", strconv.Itoa(limit))
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// threadPage is the conversation with one recipient, oldest first.
type threadPage struct {
	State
	To       string
	Total    int
	Messages []Message // oldest first
	Older    string
	Newer    string
	Live     bool
}

func (h *handler) thread(w http.ResponseWriter, r *http.Request) {
	to := r.PathValue("number")
	offset, err := intParam("offset", r.URL.Query().Get("offset"), 0, 1<<31-1, 0)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	pg := h.b.Messages(Filter{To: to, Offset: offset, Limit: threadSize})
	p := threadPage{State: h.b.State(), To: to, Total: pg.Total, Live: offset == 0}
	p.Messages = slices.Clone(pg.Messages)
	slices.Reverse(p.Messages)
	base := "/to/" + url.PathEscape(to)
	if offset+len(pg.Messages) < pg.Total {
		p.Older = pageLink(base, url.Values{}, offset+threadSize, threadSize)
	}
	if offset > 0 {
		p.Newer = pageLink(base, url.Values{}, max(offset-threadSize, 0), threadSize)
	}
	h.render(w, "thread.html", p)
}

// detailPage is one message with everything the fake knows of it.
type detailPage struct {
	State
	Message
	Found bool
	ID    string
}

func (h *handler) detail(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	m, ok := h.b.Message(id)
	if !ok {
		w.WriteHeader(http.StatusNotFound)
	}
	h.render(w, "detail.html", detailPage{State: h.b.State(), Message: m, Found: ok, ID: id})
}

func (h *handler) templates(w http.ResponseWriter, r *http.Request) {
	h.render(w, "templates.html", h.b.Templates())
}

func (h *handler) render(w http.ResponseWriter, name string, data any) {
	var buf bytes.Buffer
	if err := pages().ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "rendering the page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// events streams each change as an event: "send" with a message's card
// for the inbox and its row for the thread (re-sent whole at each change),
// "faults" with the fault panel, "clear" when the messages were cleared. A
// client resumes from Last-Event-ID, or from ?since= (the page's version).
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
		st := h.b.State()
		if st.Cleared > since {
			if err := writeEvent(w, "clear", st.Version, map[string]any{}); err != nil {
				return
			}
		}
		msgs := h.b.Since(since)
		for i := len(msgs) - 1; i >= 0; i-- { // oldest first: the page prepends
			m := msgs[i]
			card, err1 := execute("message", m)
			row, err2 := execute("row", m)
			if err1 != nil || err2 != nil {
				return
			}
			if err := writeEvent(w, "send", m.Version, map[string]any{
				"id": m.RequestID, "to": Digits(m.To), "html": card, "row": row, "kept": st.Kept, "dropped": st.Dropped,
			}); err != nil {
				return
			}
		}
		if st.FaultsVersion > since {
			html, err := execute("faults-state", st)
			if err != nil || writeEvent(w, "faults", st.Version, map[string]any{"html": html}) != nil {
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

func execute(tmpl string, data any) (string, error) {
	var b bytes.Buffer
	err := pages().ExecuteTemplate(&b, tmpl, data)
	return b.String(), err
}

// writeEvent writes one event whose data is data as JSON.
func writeEvent(w http.ResponseWriter, event string, version int64, data any) error {
	payload, err := json.Marshal(data)
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
	case "clear":
		h.b.Clear()
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

// prettyJSON indents a JSON document for the detail view; "" for none.
func prettyJSON(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

// thousands writes n with thin separators: 10,000.
func thousands(n any) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
