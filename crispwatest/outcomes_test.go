package crispwatest_test

import (
	"context"
	"io"
	"net"
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
	"github.com/crispwa/crispwa/crispwatest"
)

func send(t *testing.T, s *crispwatest.Server) string {
	t.Helper()
	res, err := s.Client().Templates.Send(context.Background(), orderUpdate(toNumber))
	require.NoError(t, err)
	return res.RequestID
}

func TestManualOutcomes(t *testing.T) {
	s := newServer(t, crispwatest.WithManualOutcomes())
	rcv := newReceiver(t, nil)
	s.SetCallbackURL(rcv.srv.URL)
	first, second := send(t, s), send(t, s)

	require.NoError(t, s.Fail(second, "(#131026) Message undeliverable"))
	cb := rcv.next(t) // the first send is still waiting: this is the second's
	ev, err := crispwa.ParseCallback([]byte(cb["_raw"].(string)))
	require.NoError(t, err)
	assert.Equal(t, second, ev.RequestID)
	assert.True(t, ev.Error)
	assert.Equal(t, "(#131026) Message undeliverable", ev.Reason)

	require.NoError(t, s.Deliver(first))
	ev, err = crispwa.ParseCallback([]byte(rcv.next(t)["_raw"].(string)))
	require.NoError(t, err)
	assert.Equal(t, first, ev.RequestID)
	assert.True(t, ev.Succeeded())
	require.NoError(t, s.WaitCallbacks(context.Background(), 2))

	tests := []struct {
		name string
		err  error
		want error
	}{
		{"deliver twice", s.Deliver(first), crispwatest.ErrOutcomeDecided},
		{"fail after deliver", s.Fail(first, "x"), crispwatest.ErrOutcomeDecided},
		{"unknown request_id", s.Deliver("nope"), crispwatest.ErrUnknownRequest},
		{"unknown request_id on Fail", s.Fail("nope", "x"), crispwatest.ErrUnknownRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.ErrorIs(t, tt.err, tt.want) })
	}
	t.Run("empty reason", func(t *testing.T) {
		third := send(t, s)
		assert.ErrorContains(t, s.Fail(third, ""), "reason is empty")
		assert.NoError(t, s.Fail(third, "(#131049) marketing cap"), "still undecided")
	})
	t.Run("automatic outcomes are decided at once", func(t *testing.T) {
		auto := newServer(t)
		assert.ErrorIs(t, auto.Deliver(send(t, auto)), crispwatest.ErrOutcomeDecided)
	})
	t.Run("after Close", func(t *testing.T) {
		m := newServer(t, crispwatest.WithManualOutcomes())
		id := send(t, m)
		m.Close()
		assert.ErrorIs(t, m.Deliver(id), crispwatest.ErrClosed)
	})
}

func TestWaitCallbacks(t *testing.T) {
	s := newServer(t)
	rcv := newReceiver(t, nil)
	s.SetCallbackURL(rcv.srv.URL)
	ctx := context.Background()
	require.NoError(t, s.WaitCallbacks(ctx, 0), "nothing to wait for")

	const n = 5
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() { defer wg.Done(); send(t, s) }()
	}
	require.NoError(t, s.WaitCallbacks(ctx, n))
	assert.Len(t, rcv.got, n, "every callback reached the receiver")
	wg.Wait()

	short, cancel := context.WithCancel(ctx)
	cancel()
	err := s.WaitCallbacks(short, n+1)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorContains(t, err, "5 of 6")

	done := make(chan error, 1)
	go func() { done <- s.WaitCallbacks(ctx, n+1) }()
	s.Close()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, crispwatest.ErrClosed, "Close ends the wait")
	case <-time.After(5 * time.Second):
		t.Fatal("WaitCallbacks still blocked after Close")
	}
}

// scripted is a callback receiver answering each post with the next entry
// of its script: an HTTP status, or 0 to drop the connection, or -1 to
// never answer (until the client gives up).
type scripted struct {
	srv    *httptest.Server
	script []int
	posts  atomic.Int32
}

func newScripted(t *testing.T, script ...int) *scripted {
	sc := &scripted{script: script}
	sc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(sc.posts.Add(1)) - 1
		status := http.StatusOK
		if i < len(sc.script) {
			status = sc.script[i]
		}
		_, _ = io.Copy(io.Discard, r.Body) // so that the server notices a closed connection
		switch status {
		case 0:
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		case -1:
			<-r.Context().Done()
		default:
			w.WriteHeader(status)
		}
	}))
	t.Cleanup(sc.srv.Close)
	return sc
}

func TestRedelivery(t *testing.T) {
	tests := []struct {
		name          string
		attempts      int
		script        []int
		wantPosts     int32
		wantDelivered bool
	}{
		{"default: one attempt", 0, []int{500}, 1, false},
		{"5xx then success", 5, []int{500, 503}, 3, true},
		{"429 is redelivered", 3, []int{429}, 2, true},
		{"dropped connection", 3, []int{0}, 2, true},
		{"timeout", 3, []int{-1}, 2, true},
		{"a 4xx is not redelivered", 5, []int{401}, 1, false},
		{"a 3xx is not followed nor redelivered", 5, []int{302}, 1, false},
		{"attempts run out", 2, []int{500, 500, 500}, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := newScripted(t, tt.script...)
			opts := []crispwatest.Option{crispwatest.WithCallbackTimeout(200 * time.Millisecond)}
			if tt.attempts > 0 {
				opts = append(opts, crispwatest.WithRedelivery(tt.attempts, time.Millisecond))
			}
			s := newServer(t, opts...)
			s.SetCallbackURL(rcv.srv.URL + "/?token=secret-token")
			send(t, s)
			failed := int(tt.wantPosts)
			if tt.wantDelivered {
				failed--
				require.NoError(t, s.WaitCallbacks(context.Background(), 1))
			} else { // Close would cut the redeliveries short
				require.Eventually(t, func() bool { return len(s.CallbackErrors()) == failed }, 5*time.Second, time.Millisecond)
			}
			s.Close()
			assert.Equal(t, tt.wantPosts, rcv.posts.Load())
			errs := s.CallbackErrors()
			assert.Len(t, errs, failed, "one error per failed attempt")
			for _, err := range errs {
				assert.NotContains(t, err.Error(), "secret-token", "the callback URL's token never shows")
			}
			err := s.WaitCallbacks(context.Background(), 1)
			assert.Equal(t, tt.wantDelivered, err == nil, "%v", err)
		})
	}
}

func TestRedeliveryStopsAtClose(t *testing.T) {
	rcv := newScripted(t, 500)
	s := newServer(t, crispwatest.WithRedelivery(3, time.Hour))
	s.SetCallbackURL(rcv.srv.URL)
	send(t, s)
	require.Eventually(t, func() bool { return len(s.CallbackErrors()) == 1 }, 5*time.Second, time.Millisecond)
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited for the redelivery backoff")
	}
	assert.Equal(t, int32(1), rcv.posts.Load())
}

// A callback posted before Send returns, forced with WithEarlyCallbacks.
func TestEarlyCallbacks(t *testing.T) {
	rcv := newReceiver(t, nil)
	s := newServer(t, crispwatest.WithEarlyCallbacks())
	s.SetCallbackURL(rcv.srv.URL)
	id := send(t, s)
	require.Len(t, rcv.got, 1, "the callback arrived before Send returned")
	assert.Equal(t, id, (<-rcv.got)["data"].(map[string]any)["request_id"])
}

func TestOptionPanics(t *testing.T) {
	tests := map[string]func(){
		"WithRedelivery: attempts": func() { crispwatest.WithRedelivery(0, 0) },
		"WithRedelivery: backoff":  func() { crispwatest.WithRedelivery(1, -time.Second) },
		"WithCallbackTimeout":      func() { crispwatest.WithCallbackTimeout(0) },
		"WithListener":             func() { crispwatest.WithListener(nil) },
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			option, _, _ := strings.Cut(name, ":")
			assert.True(t, strings.HasPrefix(panicText(f), "crispwatest: "+option+": "), "names the option: %q", panicText(f))
		})
	}
	assert.NotPanics(t, func() { crispwatest.NewServer(nil).Close() }, "nil options are ignored")
}

func panicText(f func()) (msg string) {
	defer func() { msg, _ = recover().(string) }()
	f()
	return ""
}

func TestWithListenerAndTemplates(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := crispwatest.NewServer(crispwatest.WithListener(ln), crispwatest.WithTemplates(crispwatest.SampleTemplates()...))
	defer s.Close()
	assert.True(t, strings.HasPrefix(s.URL, "http://"+ln.Addr().String()+"/"), s.URL)
	page, err := s.Client().Templates.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Len(t, page.Templates, len(crispwatest.SampleTemplates()))
}
