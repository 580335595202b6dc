package crispwa

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scServer is a minimal fake of the plugin API for SendChecked: it lists
// templates (on two pages, so that Get walks the cursor) and accepts sends,
// counting both. It serves on the harness of setup (newTestServer), so a
// request outside the API prefix fails the test.
type scServer struct {
	srv       *httptest.Server
	templates []*Template
	lists     atomic.Int64 // GET templates requests (pages)
	sends     atomic.Int64
	// listGate, when set, is received from before a list is answered.
	listGate chan struct{}
	// listArrived, when set, gets a value when a list request arrives.
	listArrived chan struct{}
	// sendStatus, when not 0, is the status every send gets.
	sendStatus int
	mu         sync.Mutex
	lastSend   []byte
}

func newSCServer(t testing.TB, templates ...*Template) *scServer {
	s := &scServer{templates: templates}
	var mux *http.ServeMux
	mux, s.srv = newTestServer(t)
	mux.HandleFunc("/", s.serve)
	return s
}

func (s *scServer) client(t testing.TB, opts ...Option) *Client {
	t.Helper()
	return newTestServerClient(t, s.srv, opts...)
}

func (s *scServer) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/templates"):
		s.lists.Add(1)
		if s.listArrived != nil {
			s.listArrived <- struct{}{}
		}
		if s.listGate != nil {
			select {
			case <-s.listGate:
			case <-r.Context().Done():
				return
			}
		}
		// Page 1 holds the first template, page 2 the rest.
		var page []*Template
		var next any
		if r.URL.Query().Get("after") == "" && len(s.templates) > 1 {
			page, next = s.templates[:1], "p2"
		} else if r.URL.Query().Get("after") == "" {
			page = s.templates
		} else {
			page = s.templates[1:]
		}
		writeEnvelope(w, http.StatusOK, false, "listed", map[string]any{"templates": page, "paging_next": next})
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/template/send"):
		s.sends.Add(1)
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.lastSend = body
		s.mu.Unlock()
		if s.sendStatus != 0 {
			writeEnvelope(w, s.sendStatus, true, "invalid_data", nil)
			return
		}
		writeEnvelope(w, http.StatusOK, false, "dispatched", map[string]string{"request_id": "req-1"})
	default:
		http.NotFound(w, r)
	}
}

// scTemplates returns an unrelated template (first page) and the order
// template (second page).
func scTemplates() []*Template {
	other := &Template{Name: "other", Language: "en", Status: "APPROVED", Components: []TemplateComponent{{Type: "BODY", Text: "Hi"}}}
	return []*Template{other, ckOrderTemplate()}
}

func scRequest(m MessageTemplate) *SendTemplateRequest {
	return &SendTemplateRequest{From: "+33100000000", To: "+33612345678", Template: m}
}

func TestSendChecked(t *testing.T) {
	bad := ckReplace(ckOrderMessage(), 1, Body(Text("John"))) // {{2}} missing
	paused := ckOrderTemplate()
	paused.Status = "PAUSED"
	tests := []struct {
		name      string
		templates []*Template
		msg       MessageTemplate
		wantSends int64
		wantErr   error
	}{
		{"match sends once", scTemplates(), ckOrderMessage(), 1, nil},
		{"mismatch sends nothing", scTemplates(), bad, 0, ErrInvalidRequest},
		{"paused template sends nothing", []*Template{scTemplates()[0], paused}, ckOrderMessage(), 0, ErrInvalidRequest},
		{"unknown template sends nothing", scTemplates()[:1], ckOrderMessage(), 0, ErrNotFound},
		{"other language sends nothing", scTemplates(), func() MessageTemplate { m := ckOrderMessage(); m.Language = "fr"; return m }(), 0, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSCServer(t, tt.templates...)
			c := s.client(t)
			res, err := c.Templates.SendChecked(context.Background(), scRequest(tt.msg))
			assert.Equal(t, tt.wantSends, s.sends.Load(), "sends the server saw")
			if tt.wantErr != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tt.wantErr)
				assert.NotErrorIs(t, err, ErrSendOutcomeUnknown)
				assert.Nil(t, res)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "req-1", res.RequestID)
			var sent SendTemplateRequest
			s.mu.Lock()
			require.NoError(t, json.Unmarshal(s.lastSend, &sent))
			s.mu.Unlock()
			assert.Equal(t, tt.msg, sent.Template, "the checked message is what was sent")
		})
	}
}

func TestSendCheckedInvalidRequestMakesNoCall(t *testing.T) {
	s := newSCServer(t, scTemplates()...)
	c := s.client(t)
	req := scRequest(ckOrderMessage())
	req.To = "not a number"
	_, err := c.Templates.SendChecked(context.Background(), req)
	assert.ErrorIs(t, err, ErrInvalidRequest)
	_, err = c.Templates.SendChecked(context.Background(), nil)
	assert.ErrorIs(t, err, ErrInvalidRequest)
	//lint:ignore SA1012 a nil context is what is tested
	_, err = c.Templates.SendChecked(nil, scRequest(ckOrderMessage()))
	assert.ErrorIs(t, err, ErrInvalidRequest)
	assert.Zero(t, s.lists.Load()+s.sends.Load(), "no request at all")
}

func TestSendCheckedCache(t *testing.T) {
	s := newSCServer(t, scTemplates()...)
	c := s.client(t, WithTemplateCache(time.Second))
	ctx := context.Background()

	for range 3 {
		_, err := c.Templates.SendChecked(ctx, scRequest(ckOrderMessage()))
		require.NoError(t, err)
	}
	assert.Equal(t, int64(2), s.lists.Load(), "one Get (two pages) for three sends within the TTL")
	assert.Equal(t, int64(3), s.sends.Load())

	// A mismatch is refused from the cache too, without any request.
	_, err := c.Templates.SendChecked(ctx, scRequest(ckWithout(ckOrderMessage(), 1)))
	require.ErrorIs(t, err, ErrInvalidRequest)
	assert.Equal(t, int64(2), s.lists.Load())
	assert.Equal(t, int64(3), s.sends.Load())

	// Once the TTL has passed, the template is fetched again.
	require.Eventually(t, func() bool {
		_, err := c.Templates.SendChecked(ctx, scRequest(ckOrderMessage()))
		return err == nil && s.lists.Load() == 4
	}, 5*time.Second, 50*time.Millisecond, "fetched again once the TTL passed")
}

// TestNoSecondFetch: Get fills the cache, so Get + Build + SendChecked is
// one template walk and one send; SendCheckedWith takes the template in
// hand and fetches nothing.
func TestNoSecondFetch(t *testing.T) {
	s := newSCServer(t, ckOrderTemplate())
	c := s.client(t)
	ctx := context.Background()
	tpl, err := c.Templates.Get(ctx, "order_update", "en")
	require.NoError(t, err)
	m, err := tpl.Build(TemplateValues{Header: []string{"A-1029"}, Body: []string{"John", "A-1029"}, Buttons: map[int]string{0: "A-1029", 3: "SAVE10"}})
	require.NoError(t, err)
	_, err = c.Templates.SendChecked(ctx, scRequest(m))
	require.NoError(t, err)
	assert.Equal(t, int64(1), s.lists.Load(), "one GET: the cache Get filled")
	assert.Equal(t, int64(1), s.sends.Load())

	c2 := s.client(t, WithTemplateCache(0))
	tpl, err = c2.Templates.Get(ctx, "order_update", "en")
	require.NoError(t, err)
	_, err = c2.Templates.SendCheckedWith(ctx, tpl, scRequest(m))
	require.NoError(t, err)
	assert.Equal(t, int64(2), s.lists.Load(), "no fetch beyond the caller's Get, even without a cache")
	assert.Equal(t, int64(2), s.sends.Load())

	// A mismatch against the template in hand is refused without a request.
	_, err = c2.Templates.SendCheckedWith(ctx, tpl, scRequest(ckWithout(m, 1)))
	require.ErrorIs(t, err, ErrInvalidRequest)
	_, err = c2.Templates.SendCheckedWith(ctx, nil, scRequest(m))
	require.ErrorIs(t, err, ErrInvalidRequest)
	assert.Equal(t, int64(2), s.lists.Load())
	assert.Equal(t, int64(2), s.sends.Load())
}

func TestSendCheckedCacheDisabled(t *testing.T) {
	s := newSCServer(t, ckOrderTemplate())
	c := s.client(t, WithTemplateCache(0))
	assert.Nil(t, c.Templates.cache)
	for range 3 {
		_, err := c.Templates.SendChecked(context.Background(), scRequest(ckOrderMessage()))
		require.NoError(t, err)
	}
	assert.Equal(t, int64(3), s.lists.Load(), "no cache: one list per send")
}

func TestWithTemplateCacheNegative(t *testing.T) {
	_, err := NewClient("w", Credentials{Identifier: "i", Key: "k"}, WithTemplateCache(-time.Second))
	assert.ErrorIs(t, err, ErrInvalidRequest)
}

func TestSendCheckedDefaultCacheOn(t *testing.T) {
	c, err := NewClient("w", Credentials{Identifier: "i", Key: "k"})
	require.NoError(t, err)
	require.NotNil(t, c.Templates.cache)
	assert.Equal(t, DefaultTemplateCacheTTL, c.Templates.cache.ttl)
}

// TestSendCheckedRefusedSendDropsCache: when Crisp refuses a checked send
// as invalid, the template may have changed; the next send fetches it.
func TestSendCheckedRefusedSendDropsCache(t *testing.T) {
	s := newSCServer(t, ckOrderTemplate())
	s.sendStatus = http.StatusBadRequest
	c := s.client(t)
	_, err := c.Templates.SendChecked(context.Background(), scRequest(ckOrderMessage()))
	require.ErrorIs(t, err, ErrInvalidRequest)
	_, err = c.Templates.SendChecked(context.Background(), scRequest(ckOrderMessage()))
	require.ErrorIs(t, err, ErrInvalidRequest)
	assert.Equal(t, int64(2), s.lists.Load())
	assert.Equal(t, int64(2), s.sends.Load())
}

// TestSendCheckedConcurrentBurstFetchesOnce: a burst of SendChecked for an
// uncached template shares one fetch.
func TestSendCheckedConcurrentBurstFetchesOnce(t *testing.T) {
	const n = 20
	s := newSCServer(t, ckOrderTemplate())
	s.listGate = make(chan struct{})
	s.listArrived = make(chan struct{}, 1)
	c := s.client(t)

	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Templates.SendChecked(context.Background(), scRequest(ckOrderMessage()))
			errs <- err
		}()
	}
	<-s.listArrived
	// Whether each caller joins the fetch in flight or arrives after it
	// and hits the cache it filled, there is one fetch.
	close(s.listGate)
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Equal(t, int64(1), s.lists.Load(), "one fetch for the burst")
	assert.Equal(t, int64(n), s.sends.Load())
}

// TestTemplateCacheWaiterCancel: a caller waiting on a shared fetch stops
// when its own context ends; the fetch goes on for the others.
func TestTemplateCacheWaiterCancel(t *testing.T) {
	c := newTemplateCache(time.Minute)
	key := templateKey{"a", "en"}
	release := make(chan struct{})
	started := make(chan struct{})
	var fetches atomic.Int64
	fetch := func(ctx context.Context) (*Template, error) {
		fetches.Add(1)
		close(started)
		<-release
		return &Template{Name: "a"}, nil
	}
	leaderDone := make(chan error, 1)
	go func() {
		_, _, err := c.get(context.Background(), key, fetch)
		leaderDone <- err
	}()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := c.get(ctx, key, fetch)
	assert.ErrorIs(t, err, context.Canceled)
	close(release)
	require.NoError(t, <-leaderDone)
	got, hit, err := c.get(context.Background(), key, fetch)
	require.NoError(t, err)
	assert.True(t, hit)
	assert.Equal(t, "a", got.Name)
	assert.Equal(t, int64(1), fetches.Load())
}

// TestTemplateCacheLeaderCancel: when the caller that started the fetch
// gives up, the fetch is not cancelled: the others get its result.
func TestTemplateCacheLeaderCancel(t *testing.T) {
	c := newTemplateCache(time.Minute)
	key := templateKey{"a", "en"}
	started := make(chan struct{})
	release := make(chan struct{})
	var fetches atomic.Int64
	fetch := func(ctx context.Context) (*Template, error) {
		fetches.Add(1)
		close(started)
		select {
		case <-release:
			return &Template{Name: "a"}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	leaderDone := make(chan error, 1)
	go func() {
		_, _, err := c.get(ctx, key, fetch)
		leaderDone <- err
	}()
	<-started
	cancel()
	assert.ErrorIs(t, <-leaderDone, context.Canceled)
	close(release)
	got, _, err := c.get(context.Background(), key, fetch)
	require.NoError(t, err, "the fetch went on without its first caller")
	assert.Equal(t, "a", got.Name)
	assert.Equal(t, int64(1), fetches.Load())
}

// TestTemplateCacheErrorsNotCached: a failed fetch is not remembered.
func TestTemplateCacheErrorsNotCached(t *testing.T) {
	c := newTemplateCache(time.Minute)
	key := templateKey{"a", "en"}
	var fetches atomic.Int64
	boom := errors.New("boom")
	for range 2 {
		_, _, err := c.get(context.Background(), key, func(context.Context) (*Template, error) {
			fetches.Add(1)
			return nil, boom
		})
		assert.ErrorIs(t, err, boom)
	}
	assert.Equal(t, int64(2), fetches.Load())
}

// TestSendCheckedRechecksAnEditedTemplate: a send that fails against a
// cached copy is checked against a fresh fetch (at most once per
// templateRecheckAfter) before it is refused.
func TestSendCheckedRechecksAnEditedTemplate(t *testing.T) {
	s := newSCServer(t, ckOrderTemplate())
	c := s.client(t, WithTemplateCache(10*time.Second)) // recheck after 1 s
	require.Equal(t, time.Second, c.Templates.cache.recheckAfter)
	ctx := context.Background()
	_, err := c.Templates.SendChecked(ctx, scRequest(ckOrderMessage()))
	require.NoError(t, err)
	require.Equal(t, int64(1), s.lists.Load())

	// The template is edited on the server: the body gains {{3}}.
	edited := ckOrderTemplate()
	edited.Components[1].Text += " ETA {{3}}."
	s.templates = []*Template{edited}
	msg := ckReplace(ckOrderMessage(), 1, Body(Text("John"), Text("A-1029"), Text("Monday")))

	// Right after the fetch, the cached copy decides: refused, no list.
	_, err = c.Templates.SendChecked(ctx, scRequest(msg))
	require.ErrorIs(t, err, ErrInvalidRequest)
	assert.Equal(t, int64(1), s.lists.Load())

	// Later, the mismatch triggers one fresh fetch, and the send passes.
	require.Eventually(t, func() bool {
		_, err := c.Templates.SendChecked(ctx, scRequest(msg))
		return err == nil
	}, 5*time.Second, 50*time.Millisecond)
	assert.Equal(t, int64(2), s.lists.Load())
	assert.Equal(t, int64(2), s.sends.Load())

	// A message that is wrong for both versions is refused after the one
	// recheck, and the fresh copy is cached.
	require.Eventually(t, func() bool {
		_, err := c.Templates.SendChecked(ctx, scRequest(ckOrderMessage()))
		return errors.Is(err, ErrInvalidRequest) && s.lists.Load() == 3
	}, 5*time.Second, 50*time.Millisecond)
	_, err = c.Templates.SendChecked(ctx, scRequest(msg))
	require.NoError(t, err)
	assert.Equal(t, int64(3), s.lists.Load(), "served from the cache")
}

// TestSendCheckedLogsRefusalWithoutValues: a refused send leaves one debug
// record naming the template, with the recipient masked and no values.
func TestSendCheckedLogsRefusalWithoutValues(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newSCServer(t, ckOrderTemplate())
	c := s.client(t, WithLogger(logger))
	msg := ckReplace(ckOrderMessage(), 1, Body(Text("SecretValue")))
	_, err := c.Templates.SendChecked(context.Background(), scRequest(msg))
	require.ErrorIs(t, err, ErrInvalidRequest)
	out := buf.String()
	assert.Contains(t, out, "refused by check")
	assert.Contains(t, out, "template=order_update")
	assert.Contains(t, out, "mismatches=1")
	assert.NotContains(t, out, "+33612345678")
	assert.NotContains(t, out, "SecretValue")
	assert.NotContains(t, out, testKey)
}

// BenchmarkSendChecked compares checked sends with the template cache (the
// default) and without it, over loopback; lists/op is the number of
// template list requests per send.
func BenchmarkSendChecked(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts []Option
	}{{"cache", nil}, {"no-cache", []Option{WithTemplateCache(0)}}} {
		b.Run(bc.name, func(b *testing.B) {
			s := newSCServer(b, scTemplates()...)
			c := s.client(b, bc.opts...)
			req := scRequest(ckOrderMessage())
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Templates.SendChecked(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(s.lists.Load())/float64(b.N), "lists/op")
		})
	}
}
