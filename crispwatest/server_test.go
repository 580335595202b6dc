package crispwatest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/crispwatest"
	"github.com/crispwa/crispwa/internal/testenv"
)

const (
	fromNumber = "+33100000000"
	toNumber   = "+33612345678"
)

// orderUpdate is a valid send of the sample "order_update" template.
func orderUpdate(to string) *crispwa.SendTemplateRequest {
	idx := 0
	return &crispwa.SendTemplateRequest{
		From: fromNumber,
		To:   to,
		Template: crispwa.MessageTemplate{
			Name:     "order_update",
			Language: "en_US",
			Components: []crispwa.Component{
				{Type: "BODY", Parameters: []crispwa.Parameter{{Type: "text", Text: "Alice"}, {Type: "text", Text: "#1042"}}},
				{Type: "BUTTON", SubType: "url", Index: &idx, Parameters: []crispwa.Parameter{{Type: "text", Text: "1042"}}},
			},
		},
		Options: &crispwa.CrispOptions{Type: "note"},
	}
}

func newServer(t *testing.T, opts ...crispwatest.Option) *crispwatest.Server {
	t.Helper()
	s := crispwatest.NewServer(append([]crispwatest.Option{crispwatest.WithTemplates(crispwatest.SampleTemplates()...)}, opts...)...)
	t.Cleanup(s.Close)
	return s
}

// listInFlight starts c.Templates.List and returns once its request is
// written to the server, with a channel that gets the List's error.
func listInFlight(t *testing.T, c *crispwa.Client) <-chan error {
	t.Helper()
	wrote := make(chan struct{})
	var once sync.Once
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { once.Do(func() { close(wrote) }) },
	})
	done := make(chan error, 1)
	go func() {
		_, err := c.Templates.List(ctx, nil)
		done <- err
	}()
	select {
	case <-wrote:
	case err := <-done:
		require.FailNow(t, "the List ended before its request was written", "%v", err)
	}
	return done
}

// rawDo sends a request to the fake's API path with the fake's credentials
// (unless auth is false) and returns the status, headers and decoded envelope.
func rawDo(t *testing.T, s *crispwatest.Server, method, path, body string, auth bool) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, s.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if auth {
		req.SetBasicAuth(s.Credentials.Identifier, s.Credentials.Key)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var env map[string]any
	require.NoError(t, json.Unmarshal(raw, &env), "body %q", raw)
	return resp.StatusCode, resp.Header, env
}

func TestAuthAndRouting(t *testing.T) {
	s := newServer(t)
	site := "website/" + s.WebsiteID
	tests := []struct {
		name         string
		method, path string
		auth         bool
		wantStatus   int
		wantReason   string
	}{
		{"no credentials", http.MethodGet, site + "/templates", false, 401, "unauthorized"},
		{"other website", http.MethodGet, "website/" + uuid.NewString() + "/templates", true, 404, "not_found"},
		{"unknown route", http.MethodGet, site + "/nothing", true, 404, "not_found"},
		{"outside the API", http.MethodGet, "../../../other", true, 404, "not_found"},
		{"GET on send", http.MethodGet, site + "/template/send", true, 405, "method_not_allowed"},
		{"POST on templates", http.MethodPost, site + "/templates", true, 405, "method_not_allowed"},
		{"listing", http.MethodGet, site + "/templates", true, 200, "resolved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, env := rawDo(t, s, tt.method, tt.path, "", tt.auth)
			assert.Equal(t, tt.wantStatus, status)
			assert.Equal(t, tt.wantReason, env["reason"])
			assert.Equal(t, tt.wantStatus != 200, env["error"])
		})
	}

	t.Run("wrong key through the SDK", func(t *testing.T) {
		c, err := crispwa.NewClient(s.WebsiteID, crispwa.Credentials{Identifier: s.Credentials.Identifier, Key: "wrong"},
			crispwa.WithBaseURL(s.URL))
		require.NoError(t, err)
		_, err = c.Templates.List(context.Background(), nil)
		assert.ErrorIs(t, err, crispwa.ErrUnauthorized)
	})
	t.Run("wrong website through the SDK", func(t *testing.T) {
		c, err := crispwa.NewClient("another-site", s.Credentials, crispwa.WithBaseURL(s.URL))
		require.NoError(t, err)
		_, err = c.Templates.List(context.Background(), nil)
		assert.ErrorIs(t, err, crispwa.ErrNotFound)
	})
}

func TestNewServerIsRandomAndLoopback(t *testing.T) {
	a, b := crispwatest.NewServer(), crispwatest.NewServer()
	defer a.Close()
	defer b.Close()
	assert.NotEqual(t, a.WebsiteID, b.WebsiteID)
	assert.NotEqual(t, a.Credentials.Key, b.Credentials.Key)
	assert.True(t, strings.HasPrefix(a.URL, "http://127.0.0.1:"), a.URL)
	assert.NotContains(t, fmt.Sprintf("%v %+v", a.Credentials, a.Credentials), a.Credentials.Key)
	page, err := a.Client().Templates.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Empty(t, page.Templates, "a new server has no templates")
}

func TestPagingAndFilters(t *testing.T) {
	s := crispwatest.NewServer()
	defer s.Close()
	for i := range 23 {
		status := crispwa.StatusApproved
		if i%3 == 0 {
			status = "REJECTED"
		}
		s.AddTemplate(crispwa.Template{Name: fmt.Sprintf("t%02d", i), Language: "en_US", Status: status})
	}
	ctx := context.Background()
	c := s.Client()

	tests := []struct {
		name      string
		opts      crispwa.ListTemplatesOptions
		wantPages []int
	}{
		{"default page size", crispwa.ListTemplatesOptions{}, []int{10, 10, 3}},
		{"limit 7", crispwa.ListTemplatesOptions{Limit: 7}, []int{7, 7, 7, 2}},
		{"limit above the maximum is clamped", crispwa.ListTemplatesOptions{Limit: 1000}, []int{23}},
		{"approved only", crispwa.ListTemplatesOptions{Limit: 10, ApprovedOnly: true}, []int{10, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			var sizes []int
			var names []string
			for range 10 {
				page, err := c.Templates.List(ctx, &opts)
				require.NoError(t, err)
				sizes = append(sizes, len(page.Templates))
				for _, tm := range page.Templates {
					names = append(names, tm.Name)
					if tt.opts.ApprovedOnly {
						assert.Equal(t, crispwa.StatusApproved, tm.Status)
					}
				}
				if page.Next == "" {
					break
				}
				opts.After = page.Next
			}
			assert.Equal(t, tt.wantPages, sizes)
			assert.IsIncreasing(t, names, "in insertion order, no duplicates")
		})
	}

	t.Run("All walks every page", func(t *testing.T) {
		n := 0
		for tm, err := range c.Templates.All(ctx, &crispwa.ListTemplatesOptions{Limit: 4}) {
			require.NoError(t, err)
			require.NotNil(t, tm)
			n++
		}
		assert.Equal(t, 23, n)
	})
	t.Run("a cursor stays valid when templates are added", func(t *testing.T) {
		page, err := c.Templates.List(ctx, &crispwa.ListTemplatesOptions{Limit: 20})
		require.NoError(t, err)
		s.AddTemplate(crispwa.Template{Name: "t99", Language: "en_US", Status: "APPROVED"})
		next, err := c.Templates.List(ctx, &crispwa.ListTemplatesOptions{Limit: 20, After: page.Next})
		require.NoError(t, err)
		require.Len(t, next.Templates, 4)
		assert.Equal(t, "t20", next.Templates[0].Name)
		assert.Equal(t, "t99", next.Templates[3].Name)
	})
	t.Run("bad query parameters", func(t *testing.T) {
		for _, q := range []string{"limit=0", "limit=x", "limit=-1", "after=bm9wZQ", "after=%25%25", "filter_approved=maybe", "filter_no_samples=2"} {
			status, _, env := rawDo(t, s, http.MethodGet, "website/"+s.WebsiteID+"/templates?"+q, "", true)
			assert.Equal(t, 400, status, q)
			assert.Equal(t, "invalid_data", env["reason"], q)
		}
		_, err := c.Templates.List(ctx, &crispwa.ListTemplatesOptions{After: "not-a-cursor"})
		assert.ErrorIs(t, err, crispwa.ErrInvalidRequest)
	})
}

func TestNoSamplesFilterAndSampleTemplates(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	page, err := s.Client().Templates.List(ctx, &crispwa.ListTemplatesOptions{NoSamples: true})
	require.NoError(t, err)
	require.Len(t, page.Templates, 1)
	assert.Equal(t, "spring_sale", page.Templates[0].Name)

	all, err := s.Client().Templates.List(ctx, nil)
	require.NoError(t, err)
	var names []string
	for _, tm := range all.Templates {
		names = append(names, tm.Name+"/"+tm.Status+"/"+tm.ParameterFormat)
		assert.NotEmpty(t, tm.ID)
		assert.NotEmpty(t, tm.Raw, "served as JSON")
	}
	assert.Equal(t, []string{
		"order_update/APPROVED/POSITIONAL",
		"appointment_reminder/APPROVED/NAMED",
		"spring_sale/PENDING/POSITIONAL",
		"new_arrivals/APPROVED/POSITIONAL",
	}, names)
	ou := all.Templates[0]
	assert.Equal(t, "Hi {{1}}, your order {{2}} has shipped.", ou.Components[1].Text)
	assert.Equal(t, "https://example.com/track/{{1}}", ou.Components[3].Buttons[0].URL)
	assert.Equal(t, "IMAGE", all.Templates[3].Components[0].Format)
}

func TestAddTemplateCopiesAndReplaces(t *testing.T) {
	s := crispwatest.NewServer()
	defer s.Close()
	tmpl := crispwatest.SampleTemplates()[0]
	s.AddTemplate(tmpl)
	tmpl.Components[1].Text = "changed by the caller"
	tmpl.Status = "PAUSED"

	c := s.Client()
	got, err := c.Templates.Get(context.Background(), "order_update", "en_US")
	require.NoError(t, err)
	assert.Equal(t, "Hi {{1}}, your order {{2}} has shipped.", got.Components[1].Text)

	s.AddTemplate(tmpl) // same name and language: replaces
	page, err := c.Templates.List(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, page.Templates, 1)
	assert.Equal(t, "PAUSED", page.Templates[0].Status)
}

func TestSendRecordsAndCopies(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	res, err := s.Client().Templates.Send(ctx, orderUpdate(toNumber))
	require.NoError(t, err)
	_, err = uuid.Parse(res.RequestID)
	assert.NoError(t, err, "request_id is a UUID")
	assert.Equal(t, []string{res.RequestID}, s.RequestIDs())
	assert.Equal(t, 1, s.SendCount())

	sends := s.Sends()
	require.Len(t, sends, 1)
	assert.Equal(t, *orderUpdate(toNumber), sends[0])

	// Mutating the copy, deep down, does not reach the server.
	sends[0].Template.Components[0].Parameters[0].Text = "Mallory"
	*sends[0].Template.Components[1].Index = 7
	sends[0].Options.Type = "text"
	assert.Equal(t, *orderUpdate(toNumber), s.Sends()[0])
}

func TestSendValidation(t *testing.T) {
	s := newServer(t)
	path := "website/" + s.WebsiteID + "/template/send"
	valid, err := json.Marshal(orderUpdate(toNumber))
	require.NoError(t, err)
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantReason string
	}{
		{"not JSON", "{", 400, "invalid_data"},
		{"empty body", "", 400, "invalid_data"},
		{"null", "null", 400, "invalid_data"},
		{"an array", "[]", 400, "invalid_data"},
		{"wrong field type", `{"to_number":33612345678}`, 400, "invalid_data"},
		{"two objects", string(valid) + string(valid), 400, "invalid_data"},
		{"missing template", `{"from_number":"+33100000000","to_number":"+33612345678"}`, 400, "invalid_data"},
		{"bad phone", strings.Replace(string(valid), toNumber, "call me", 1), 400, "invalid_data"},
		{"too large", `{"x":"` + strings.Repeat("a", 2<<20) + `"}`, 413, "payload_too_large"},
		{"valid", string(valid), 200, "dispatched"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, env := rawDo(t, s, http.MethodPost, path, tt.body, true)
			assert.Equal(t, tt.wantStatus, status)
			assert.Equal(t, tt.wantReason, env["reason"])
			if status == 400 {
				data, _ := env["data"].(map[string]any)
				assert.NotEmpty(t, data["message"], "says why")
			}
		})
	}
	assert.Equal(t, 1, s.SendCount(), "only the valid send is recorded")
}

// receiver is a callback endpoint collecting the callbacks it gets.
type receiver struct {
	srv  *httptest.Server
	got  chan map[string]any
	gate chan struct{} // when non-nil, each callback waits for it
}

func newReceiver(t *testing.T, gate chan struct{}) *receiver {
	t.Helper()
	r := &receiver{got: make(chan map[string]any, 16), gate: gate}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		raw, err := io.ReadAll(req.Body)
		var v map[string]any
		if err == nil {
			err = json.Unmarshal(raw, &v)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		v["_raw"] = string(raw) // for crispwa.ParseCallback
		r.got <- v
		if r.gate != nil {
			<-r.gate
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case v := <-r.got:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("no callback within 5s")
		return nil
	}
}

func TestCallbacks(t *testing.T) {
	s := newServer(t)
	rcv := newReceiver(t, nil)
	s.SetCallbackURL(rcv.srv.URL + "/hook?token=abc")
	c := s.Client()
	ctx := context.Background()

	tests := []struct {
		name        string
		template    string
		language    string
		wantErr     bool
		wantMessage string
	}{
		{"approved", "order_update", "en_US", false, ""},
		{"unknown language", "order_update", "fr_FR", true, `template "order_update" does not exist in language "fr_FR"`},
		{"unknown template", "nope", "en_US", true, `template "nope" does not exist in language "en_US"`},
		{"parameters mismatch", "new_arrivals", "en_US", true, "(#132000) Number of parameters does not match the expected number of params: the IMAGE header needs one image parameter"},
		{"pending", "spring_sale", "en_US", true, `template "spring_sale" in language "en_US" is PENDING, not APPROVED`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := orderUpdate(toNumber)
			req.Template.Name, req.Template.Language = tt.template, tt.language
			res, err := c.Templates.Send(ctx, req)
			require.NoError(t, err, "the send itself is accepted")
			cb := rcv.next(t)
			data, _ := cb["data"].(map[string]any)
			require.NotNil(t, data, "envelope with data: %v", cb)
			assert.Equal(t, res.RequestID, data["request_id"])
			assert.Equal(t, tt.wantErr, cb["error"])
			ev, err := crispwa.ParseCallback([]byte(cb["_raw"].(string)))
			require.NoError(t, err, "the SDK's parser reads what the fake posts")
			assert.Equal(t, res.RequestID, ev.RequestID)
			assert.Equal(t, !tt.wantErr, ev.Succeeded())
			if tt.wantErr {
				assert.Equal(t, "template_not_sent", cb["reason"])
				assert.Contains(t, data["message"], tt.wantMessage)
				assert.Equal(t, data["message"], ev.Reason)
				return
			}
			assert.Equal(t, "dispatched", cb["reason"])
			assert.Greater(t, data["crisp_fingerprint"], float64(0))
			assert.Regexp(t, `^wamid\.[A-Za-z0-9+/=]{20,}$`, data["whatsapp_message_id"])
			assert.Regexp(t, `^session_[0-9a-f-]{36}$`, data["session_id"])
			assert.Equal(t, data["whatsapp_message_id"], ev.WhatsAppMessageID)
			assert.Equal(t, data["session_id"], ev.SessionID)
			assert.Equal(t, int64(data["crisp_fingerprint"].(float64)), ev.CrispFingerprint)
		})
	}
	assert.Empty(t, s.CallbackErrors())

	t.Run("unreachable receiver is reported", func(t *testing.T) {
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		s2 := newServer(t)
		s2.SetCallbackURL(dead.URL)
		_, err := s2.Client().Templates.Send(ctx, orderUpdate(toNumber))
		require.NoError(t, err)
		s2.Close() // waits for the callback attempt
		assert.Len(t, s2.CallbackErrors(), 1)
	})
}

func TestCloseWaitsForCallbacks(t *testing.T) {
	gate := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(gate) }) }
	rcv := newReceiver(t, gate)
	t.Cleanup(release) // runs before the receiver's Close, even on failure
	s := newServer(t)
	s.SetCallbackURL(rcv.srv.URL)
	_, err := s.Client().Templates.Send(context.Background(), orderUpdate(toNumber))
	require.NoError(t, err)
	rcv.next(t) // the callback is in flight, held by the gate

	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while a callback was in flight")
	case <-time.After(100 * time.Millisecond):
	}
	release()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return after the callback finished")
	}
	s.Close() // idempotent
}

func TestConcurrentUse(t *testing.T) {
	s := newServer(t)
	rcv := newReceiver(t, nil)
	rcv.got = make(chan map[string]any, 100)
	s.SetCallbackURL(rcv.srv.URL)
	c := s.Client()
	ctx := context.Background()

	const n = 40
	var wg sync.WaitGroup
	ids := make(chan string, n)
	for i := range n {
		wg.Add(3)
		go func() {
			defer wg.Done()
			res, err := c.Templates.Send(ctx, orderUpdate(fmt.Sprintf("+3361234%04d", i)))
			if assert.NoError(t, err) {
				ids <- res.RequestID
			}
		}()
		go func() {
			defer wg.Done()
			s.AddTemplate(crispwa.Template{Name: fmt.Sprintf("extra%d", i), Language: "en_US"})
			_ = s.Sends()
			_ = s.SendCount()
		}()
		go func() {
			defer wg.Done()
			_, err := c.Templates.List(ctx, nil)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		assert.False(t, seen[id], "duplicate request_id %s", id)
		seen[id] = true
	}
	assert.Len(t, seen, n)
	assert.Equal(t, n, s.SendCount())
	s.Close()
	assert.Len(t, rcv.got, n, "every callback delivered before Close returned")
}

func TestClientOptions(t *testing.T) {
	s := newServer(t)
	t.Run("user options win", func(t *testing.T) {
		s.RateLimitNext(1, 0)
		_, err := s.Client(crispwa.WithMaxRetries(0)).Templates.List(context.Background(), nil)
		assert.ErrorIs(t, err, crispwa.ErrRateLimited, "no retry: the user's WithMaxRetries(0) won")
	})
	t.Run("invalid option", func(t *testing.T) {
		_, err := s.NewClient(crispwa.WithMaxRetries(-1))
		assert.ErrorIs(t, err, crispwa.ErrInvalidRequest)
		assert.Panics(t, func() { s.Client(crispwa.WithMaxRetries(-1)) })
	})
	t.Run("base URL is the fake's", func(t *testing.T) {
		assert.Equal(t, s.URL, s.Client().BaseURL())
		assert.Equal(t, s.WebsiteID, s.Client().WebsiteID())
	})
}

func TestNoGoroutineLeftAfterClose(t *testing.T) {
	// The callback receiver outlives the check, so that a connection the
	// fake left open to it would show up as goroutines on both ends.
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer rcv.Close()
	before := runtime.NumGoroutine()
	func() {
		s := crispwatest.NewServer(crispwatest.WithTemplates(crispwatest.SampleTemplates()...))
		defer s.Close()
		s.SetCallbackURL(rcv.URL)
		c := s.Client()
		ctx := context.Background()
		for range 5 {
			_, err := c.Templates.Send(ctx, orderUpdate(toNumber))
			require.NoError(t, err)
		}
		s.DropNextSends(1, true)
		_, err := c.Templates.Send(ctx, orderUpdate(toNumber))
		require.ErrorIs(t, err, crispwa.ErrSendOutcomeUnknown)
		s.SetLatency(time.Hour) // cut short by Close
		listInFlight(t, c)
	}()
	testenv.NoGoroutinesAbove(t, before)
}
