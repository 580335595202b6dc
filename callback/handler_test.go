package callback

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

	"github.com/crispwa/crispwa"
)

const okBody = `{"error":false,"reason":"dispatched","data":{"request_id":"req-1","crisp_fingerprint":42,"whatsapp_message_id":"wamid.1","session_id":"session_1"}}`

func post(h http.Handler, target, body string, edit ...func(*http.Request)) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	for _, e := range edit {
		e(r)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestHandlerAnswers(t *testing.T) {
	basic := func(pass string) func(*http.Request) { return func(r *http.Request) { r.SetBasicAuth("crisp", pass) } }
	tests := []struct {
		name   string
		opts   []Option
		method string
		target string
		body   string
		edit   []func(*http.Request)
		fnErr  error
		status int
		called bool
	}{
		{"ok", nil, http.MethodPost, "/cb", okBody, nil, nil, 200, true},
		{"get", nil, http.MethodGet, "/cb", "", nil, nil, 405, false},
		{"put", nil, http.MethodPut, "/cb", okBody, nil, nil, 405, false},
		{"not json", nil, http.MethodPost, "/cb", "hello", nil, nil, 400, false},
		{"no request_id", nil, http.MethodPost, "/cb", `{"error":false}`, nil, nil, 400, false},
		{"array", nil, http.MethodPost, "/cb", `[]`, nil, nil, 400, false},
		{"too large", []Option{WithMaxBodyBytes(32)}, http.MethodPost, "/cb", okBody, nil, nil, 413, false},
		{"too large without length", []Option{WithMaxBodyBytes(32)}, http.MethodPost, "/cb", okBody,
			[]func(*http.Request){func(r *http.Request) { r.ContentLength = -1 }}, nil, 413, false},
		{"token in query", []Option{WithToken("s3cret")}, http.MethodPost, "/cb?token=s3cret", okBody, nil, nil, 200, true},
		{"token as basic password", []Option{WithToken("s3cret")}, http.MethodPost, "/cb", okBody, []func(*http.Request){basic("s3cret")}, nil, 200, true},
		{"wrong token", []Option{WithToken("s3cret")}, http.MethodPost, "/cb?token=s3cre", okBody, nil, nil, 401, false},
		{"wrong basic password", []Option{WithToken("s3cret")}, http.MethodPost, "/cb", okBody, []func(*http.Request){basic("nope")}, nil, 401, false},
		{"missing token", []Option{WithToken("s3cret")}, http.MethodPost, "/cb", okBody, nil, nil, 401, false},
		{"token checked before body", []Option{WithToken("s3cret")}, http.MethodPost, "/cb", "garbage", nil, nil, 401, false},
		{"fn fails", nil, http.MethodPost, "/cb", okBody, nil, errors.New("db down"), 500, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *crispwa.CallbackEvent
			h := NewHandler(func(_ context.Context, ev *crispwa.CallbackEvent) error { got = ev; return tt.fnErr }, tt.opts...)
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			for _, e := range tt.edit {
				e(r)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			assert.Equal(t, tt.status, w.Code)
			assert.Equal(t, tt.called, got != nil)
			if tt.status == 405 {
				assert.Equal(t, http.MethodPost, w.Header().Get("Allow"))
			}
			if tt.called && tt.status == 200 {
				assert.Equal(t, "req-1", got.RequestID)
				assert.True(t, got.Succeeded())
			}
		})
	}
}

func TestHandlerDedup(t *testing.T) {
	var calls atomic.Int64
	fail := atomic.Bool{}
	h := NewHandler(func(context.Context, *crispwa.CallbackEvent) error {
		calls.Add(1)
		if fail.Load() {
			return errors.New("try again")
		}
		return nil
	})
	fail.Store(true)
	assert.Equal(t, 500, post(h, "/", okBody).Code)
	fail.Store(false)
	assert.Equal(t, 200, post(h, "/", okBody).Code, "a redelivery after a failure reaches fn")
	assert.Equal(t, 200, post(h, "/", okBody).Code, "a duplicate is answered 200")
	assert.EqualValues(t, 2, calls.Load())

	off := NewHandler(func(context.Context, *crispwa.CallbackEvent) error { calls.Add(1); return nil }, WithDedup(0))
	calls.Store(0)
	post(off, "/", okBody)
	post(off, "/", okBody)
	assert.EqualValues(t, 2, calls.Load(), "WithDedup(0) turns deduplication off")
}

func TestHandlerDedupCapacityForgetsOldest(t *testing.T) {
	seen := map[string]int{}
	h := NewHandler(func(_ context.Context, ev *crispwa.CallbackEvent) error { seen[ev.RequestID]++; return nil }, WithDedup(2))
	for _, id := range []string{"a", "b", "c", "a", "c"} {
		require.Equal(t, 200, post(h, "/", `{"request_id":"`+id+`"}`).Code)
	}
	assert.Equal(t, map[string]int{"a": 2, "b": 1, "c": 1}, seen, "a was forgotten when c came in; c was still remembered")
}

func TestHandlerConcurrentSameIDRunsOnce(t *testing.T) {
	var calls atomic.Int64
	release := make(chan struct{})
	h := NewHandler(func(context.Context, *crispwa.CallbackEvent) error {
		calls.Add(1)
		<-release
		return nil
	})
	const n = 16
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() { defer wg.Done(); codes <- post(h, "/", okBody).Code }()
	}
	require.Eventually(t, func() bool { return calls.Load() == 1 }, 2*time.Second, time.Millisecond)
	close(release)
	wg.Wait()
	close(codes)
	for c := range codes {
		assert.Equal(t, 200, c)
	}
	assert.EqualValues(t, 1, calls.Load())
}

func TestHandlerConcurrentRetryAfterFailure(t *testing.T) {
	var calls atomic.Int64
	first := make(chan struct{})
	logs := newLogSignal()
	h := NewHandler(func(context.Context, *crispwa.CallbackEvent) error {
		if calls.Add(1) == 1 {
			<-first
			return errors.New("first fails")
		}
		return nil
	}, WithLogger(logs.logger()))
	var wg sync.WaitGroup
	var firstCode, secondCode int
	wg.Add(1)
	go func() { defer wg.Done(); firstCode = post(h, "/", okBody).Code }()
	require.Eventually(t, func() bool { return calls.Load() == 1 }, 2*time.Second, time.Millisecond)
	wg.Add(1)
	go func() { defer wg.Done(); secondCode = post(h, "/", okBody).Code }()
	logs.wait(t, "waiting for a concurrent delivery") // the second delivery found the first in flight
	assert.EqualValues(t, 1, calls.Load(), "the second delivery waits rather than run fn")
	close(first)
	wg.Wait()
	assert.Equal(t, 500, firstCode)
	assert.Equal(t, 200, secondCode, "the waiting delivery runs fn itself when the first failed")
	assert.EqualValues(t, 2, calls.Load())
}

func TestHandlerWaitingDeliveryCancelled(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	started := make(chan struct{})
	h := NewHandler(func(context.Context, *crispwa.CallbackEvent) error { close(started); <-block; return nil })
	go post(h, "/", okBody)
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := post(h, "/", okBody, func(r *http.Request) { *r = *r.WithContext(ctx) })
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
}

func TestHandlerPanicRecoveredAndReleased(t *testing.T) {
	var calls atomic.Int64
	logs := newLogSignal()
	h := NewHandler(func(context.Context, *crispwa.CallbackEvent) error {
		if calls.Add(1) == 1 {
			panic("boom")
		}
		return nil
	}, WithLogger(logs.logger()))
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(okBody))
	require.NoError(t, err, "a panicking fn must not drop the connection")
	resp.Body.Close()
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.Contains(t, logs.wait(t, "handler panicked"), "boom")
	assert.Equal(t, 200, post(h, "/", okBody).Code, "the id was released: the redelivery reaches fn")
	assert.EqualValues(t, 2, calls.Load())
	assert.Equal(t, 200, post(h, "/", okBody).Code)
	assert.EqualValues(t, 2, calls.Load(), "and is then remembered")
}

func TestHandlerEmptyTokenFailsClosed(t *testing.T) {
	logs := newLogSignal()
	var called atomic.Bool
	h := NewHandler(func(context.Context, *crispwa.CallbackEvent) error { called.Store(true); return nil },
		WithToken(""), WithLogger(logs.logger()))
	for _, target := range []string{"/", "/?token=", "/?token=x"} {
		assert.Equal(t, http.StatusUnauthorized, post(h, target, okBody).Code, target)
	}
	assert.Equal(t, http.StatusUnauthorized, post(h, "/", okBody, func(r *http.Request) { r.SetBasicAuth("crisp", "") }).Code)
	assert.False(t, called.Load())
	assert.Contains(t, logs.wait(t, "empty token"), "every delivery is refused")

	open := NewHandler(func(context.Context, *crispwa.CallbackEvent) error { called.Store(true); return nil })
	assert.Equal(t, http.StatusOK, post(open, "/", okBody).Code, "no WithToken: no authentication")
	assert.True(t, called.Load())
}

func TestHandlerRequestIDLength(t *testing.T) {
	var calls atomic.Int64
	h := NewHandler(func(context.Context, *crispwa.CallbackEvent) error { calls.Add(1); return nil })
	atMax := strings.Repeat("a", MaxRequestIDBytes)
	assert.Equal(t, http.StatusOK, post(h, "/", `{"request_id":"`+atMax+`"}`).Code)
	assert.Equal(t, http.StatusBadRequest, post(h, "/", `{"request_id":"`+atMax+`b"}`).Code)
	assert.Equal(t, http.StatusBadRequest, post(h, "/", `{"data":{"request_id":"`+strings.Repeat("x", 100<<10)+`"}}`).Code)
	assert.EqualValues(t, 1, calls.Load())
}

func TestHandlerBodyAtTheCap(t *testing.T) {
	body := `{"request_id":"r"}`
	for _, knownLength := range []bool{true, false} {
		edit := func(r *http.Request) {
			if !knownLength {
				r.ContentLength = -1
			}
		}
		at := NewHandler(nil, WithMaxBodyBytes(int64(len(body))))
		assert.Equal(t, http.StatusOK, post(at, "/", body, edit).Code, "exactly at the cap (length known: %v)", knownLength)
		over := NewHandler(nil, WithMaxBodyBytes(int64(len(body)-1)))
		assert.Equal(t, http.StatusRequestEntityTooLarge, post(over, "/", body, edit).Code, "one byte over (length known: %v)", knownLength)
	}
}

func TestHandlerNeverPrintsTheToken(t *testing.T) {
	h := NewHandler(nil, WithToken("tok-secret-123"))
	js, err := json.Marshal(struct{ Callbacks *Handler }{h}) // as in a config struct logged as JSON
	require.NoError(t, err)
	for _, s := range []string{fmt.Sprintf("%v", h), fmt.Sprintf("%+v", h), fmt.Sprintf("%#v", h), fmt.Sprintf("%s", h), fmt.Sprint(*h), string(js)} {
		assert.NotContains(t, s, "tok-secret-123")
		assert.NotContains(t, s, "tokenSum")
	}
	assert.Equal(t, "callback.Handler{auth: token, maxBody: 1048576, dedup: memory}", fmt.Sprintf("%+v", h))
}

func TestHandlerOptionsPanicNamingTheOption(t *testing.T) {
	for name, opt := range map[string]Option{
		"WithMaxBodyBytes": WithMaxBodyBytes(0),
		"WithDedup":        WithDedup(-1),
		"WithStore":        WithStore(nil),
	} {
		assert.Contains(t, panicMessage(t, func() { NewHandler(nil, opt) }), name)
	}
	assert.NotPanics(t, func() { NewHandler(nil, nil, WithDedup(0)) }, "nil options are ignored")
}

func TestHandlerPassesRequestContext(t *testing.T) {
	type key struct{}
	var got any
	h := NewHandler(func(ctx context.Context, _ *crispwa.CallbackEvent) error { got = ctx.Value(key{}); return nil })
	post(h, "/", okBody, func(r *http.Request) { *r = *r.WithContext(context.WithValue(r.Context(), key{}, "v")) })
	assert.Equal(t, "v", got)
}

func TestHandlerLogsWithoutBodyOrToken(t *testing.T) {
	var buf bytes.Buffer
	h := NewHandler(nil, WithToken("tok-secret"), WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	post(h, "/?token=wrong-token", okBody)
	post(h, "/?token=tok-secret", `{"request_id":"r","secret_field":"personal data"`)
	post(h, "/?token=tok-secret", okBody)
	out := buf.String()
	assert.Contains(t, out, "status=401")
	assert.Contains(t, out, "status=400")
	for _, s := range []string{"tok-secret", "wrong-token", "personal data", "wamid.1"} {
		assert.NotContains(t, out, s)
	}
}
