package crispwatest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/crispwa/crispwa"
)

// basePath is the path prefix the fake serves under, the same as the real
// API's (see crispwa.DefaultBaseURL), so that path joining is exercised the
// way it is in production.
const basePath = "/urn:crisp.im:whatsapp:0/wa/api/"

// Server is a fake Crisp WhatsApp plugin API listening on 127.0.0.1. Create
// it with NewServer and stop it with Close. All methods are safe for
// concurrent use, also while requests are being served.
//
// Server does not persist anything and does not deliver messages: an
// accepted send is only recorded (see Sends) and, when a callback URL is
// set, answered with a simulated callback. Its inbox page, at the root of
// the server's address (URL without the API path), shows every accepted
// send as the customer would see it on WhatsApp; "crispwa fake" serves the
// same page.
type Server struct {
	// URL is the base URL of the fake API, to give crispwa.WithBaseURL (or
	// CRISP_WHATSAPP_BASE_URL). It is plain http on 127.0.0.1, which the SDK
	// allows for loopback hosts.
	URL string
	// WebsiteID is the website the fake serves; requests for any other
	// website ID get 404. NewServer picks a random UUID.
	WebsiteID string
	// Credentials are the only identifier/key pair the fake accepts; other
	// requests get 401. NewServer picks random ones.
	Credentials crispwa.Credentials

	cfg  config
	srv  *httptest.Server
	auth string // expected Authorization header value

	// stop is cancelled by Close: it cuts SetLatency delays and redelivery
	// backoffs short, and ends the inbox's event streams.
	stop       context.Context
	cancelStop context.CancelFunc

	cbClient *http.Client   // posts callbacks; its own transport, closed by Close
	cbWG     sync.WaitGroup // callbacks in flight

	mu          sync.Mutex
	closed      bool // Close has started: no callback starts any more
	done        bool // Close has finished: no callback is in flight
	templates   []storedTemplate
	nextID      int64
	records     []*record // oldest first
	byID        map[string]*record
	dropped     int64 // records forgotten at the WithMaxMessages cap
	clearedVer  int64 // s.seq at the last Clear
	callbackURL string
	cbErrors    []error
	delivered   int // callbacks answered 2xx, for WaitCallbacks
	// seq counts the changes the inbox shows; changed is closed (and
	// replaced) at each change.
	seq        int64
	faultsVer  int64
	changed    chan struct{}
	failNext   []failure // FIFO of FailNext answers
	rateLimitN int
	// stormUntil and stormRetryAfter are RateLimitFor's storm.
	stormUntil      time.Time
	stormRetryAfter time.Duration
	retryAfter      time.Duration
	dropN           int
	dropAccept      bool
	latency         time.Duration
}

// storedTemplate is a template as the fake serves it, with its JSON
// encoding computed once.
type storedTemplate struct {
	t    crispwa.Template
	json json.RawMessage
}

// failure is one queued FailNext answer.
type failure struct {
	status int
	reason string
}

// defaultCallbackTimeout bounds each callback POST unless
// WithCallbackTimeout says otherwise, so that Close never waits longer than
// this for a receiver that does not answer.
const defaultCallbackTimeout = 10 * time.Second

// NewServer starts a fake API on a random loopback port (or the listener
// of WithListener), with a random website ID (a UUID) and random
// credentials, no templates unless WithTemplates gives some, and no
// callback URL. Like httptest.NewServer, it panics if it cannot listen. Call
// Close when done.
func NewServer(opts ...Option) *Server {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o.apply(&cfg)
		}
	}
	s := &Server{
		WebsiteID: uuid.NewString(),
		Credentials: crispwa.Credentials{
			Identifier: uuid.NewString(),
			Key:        randomHex(32),
		},
		cfg:      cfg,
		nextID:   1_000_000_000_000_000,
		byID:     map[string]*record{},
		changed:  make(chan struct{}),
		cbClient: &http.Client{Transport: &http.Transport{}, Timeout: cfg.callbackTimeout},
	}
	s.cbClient.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	s.auth = basicAuth(s.Credentials)
	s.stop, s.cancelStop = context.WithCancel(context.Background())
	for _, t := range cfg.templates {
		s.AddTemplate(t)
	}
	inbox := s.inboxHandler()
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, basePath) {
			s.serveHTTP(w, r)
			return
		}
		inbox.ServeHTTP(w, r)
	})
	if cfg.listener != nil {
		s.srv = httptest.NewUnstartedServer(mux)
		_ = s.srv.Listener.Close()
		s.srv.Listener = cfg.listener
		s.srv.Start()
	} else {
		s.srv = httptest.NewServer(mux)
	}
	s.URL = s.srv.URL + basePath
	return s
}

// Close stops the server: it cuts SetLatency delays and redelivery waits
// short, ends the inbox page's event streams, waits for the requests being
// served and for the callback posts in flight (each bounded by the callback
// timeout), and closes the connections of clients made by Client. No
// goroutine of the fake is left running afterwards. Sends still waiting
// for Deliver or Fail are never called back. Close is idempotent.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()

	s.cancelStop()
	s.srv.Close() // waits for handlers
	s.cbWG.Wait()
	s.cbClient.CloseIdleConnections()
	s.mu.Lock()
	s.done = true
	s.bumpLocked()
	s.mu.Unlock()
}

// bumpLocked records a change the inbox page and WaitCallbacks must see.
// s.mu must be held.
func (s *Server) bumpLocked() int64 {
	s.seq++
	close(s.changed)
	s.changed = make(chan struct{})
	return s.seq
}

// NewClient returns a client wired to the fake: its website ID, credentials,
// base URL and an HTTP client whose connections Close closes. It also sets
// short retry waits (1ms to 50ms) so that retried failures do not slow tests
// down; note that a Retry-After longer than the maximum wait makes the SDK
// fail at once with ErrRateLimited rather than wait. opts are applied after
// these defaults, so they win.
func (s *Server) NewClient(opts ...crispwa.Option) (*crispwa.Client, error) {
	base := []crispwa.Option{
		crispwa.WithBaseURL(s.URL),
		crispwa.WithHTTPClient(s.srv.Client()),
		crispwa.WithRetryWait(time.Millisecond, 50*time.Millisecond),
	}
	return crispwa.NewClient(s.WebsiteID, s.Credentials, append(base, opts...)...)
}

// Client is NewClient for tests: it panics if an option is invalid, the way
// httptest.NewServer panics when it cannot listen. Use NewClient to get the
// error instead.
func (s *Server) Client(opts ...crispwa.Option) *crispwa.Client {
	c, err := s.NewClient(opts...)
	if err != nil {
		panic(fmt.Sprintf("crispwatest: Client: %v", err))
	}
	return c
}

// AddTemplate adds t to the templates the fake lists, after the ones already
// there, or replaces the template with the same name and language. The fake
// keeps a deep copy: changing t afterwards has no effect. A template without
// an ID gets a numeric one. Templates are listed in the order they were
// added; Status decides whether a send of it succeeds (only APPROVED does).
func (s *Server) AddTemplate(t crispwa.Template) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.ID == "" {
		t.ID = strconv.FormatInt(s.nextID, 10)
		s.nextID++
	}
	t.Raw = nil
	b, err := json.Marshal(t)
	if err != nil { // a Template holds only plain data: cannot happen
		return
	}
	var cp crispwa.Template
	_ = json.Unmarshal(b, &cp) // the deep copy
	cp.Raw = nil
	st := storedTemplate{t: cp, json: b}
	s.bumpLocked()
	for i := range s.templates {
		if s.templates[i].t.Name == t.Name && s.templates[i].t.Language == t.Language {
			s.templates[i] = st
			return
		}
	}
	s.templates = append(s.templates, st)
}

// SetCallbackURL sets the URL the fake POSTs a callback to after each
// accepted send (include ?token=... if the receiver requires one). An empty
// URL turns callbacks off, which is the default. A callback goes to the
// URL set when the send's outcome is decided: at once for an accepted send,
// or at Deliver or Fail with WithManualOutcomes. Outcomes decided before
// the call are not called back.
func (s *Server) SetCallbackURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callbackURL = u
}

// Sends returns the accepted sends, oldest first, as the fake decoded them
// from the wire. The result is a fresh deep copy on each call: changing it
// does not affect the fake. Refused, rate-limited and dropped-unaccepted
// sends are not included, nor those forgotten by Clear or past
// WithMaxMessages.
func (s *Server) Sends() []crispwa.SendTemplateRequest {
	recs := s.snapshot()
	out := make([]crispwa.SendTemplateRequest, len(recs))
	for i, r := range recs {
		_ = json.Unmarshal(r.body, &out[i]) // re-encoded by us: always valid
	}
	return out
}

// RequestIDs returns the request_id answered to each accepted send, in the
// same order as Sends.
func (s *Server) RequestIDs() []string {
	recs := s.snapshot()
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.requestID
	}
	return out
}

// SendCount returns the number of accepted (recorded) sends, the length of
// Sends without copying them.
func (s *Server) SendCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.records)
}

// CallbackErrors returns the failed callback posts so far, one error per
// failed attempt (redeliveries included): a receiver that could not be
// reached, did not answer in time, or answered a non-2xx status. The
// errors never contain the callback URL, which may carry a token. It is
// meant for debugging a test whose callback never arrived.
func (s *Server) CallbackErrors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.cbErrors...)
}

// snapshot returns the request_ids and bodies of the accepted sends.
func (s *Server) snapshot() []record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]record, len(s.records))
	for i, r := range s.records {
		out[i] = record{requestID: r.requestID, body: r.body}
	}
	return out
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }
