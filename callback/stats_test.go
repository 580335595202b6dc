package callback

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
)

// Every answer is counted once, under its outcome or its cause.
func TestHandlerStatsCountEachAnswer(t *testing.T) {
	fail := errors.New("fn failed")
	h := NewHandler(func(_ context.Context, ev *crispwa.CallbackEvent) error {
		switch ev.RequestID {
		case "fail":
			return fail
		case "panic":
			panic("boom")
		}
		return nil
	}, WithToken("tok"), WithMaxBodyBytes(512))
	body := func(id string) string { return `{"request_id":"` + id + `"}` }
	for _, d := range []struct {
		method, target, body string
		want                 int
	}{
		{http.MethodPost, "/?token=tok", body("a"), 200},
		{http.MethodPost, "/?token=tok", body("a"), 200}, // duplicate
		{http.MethodPost, "/?token=tok", body("fail"), 500},
		{http.MethodPost, "/?token=tok", body("panic"), 500},
		{http.MethodGet, "/?token=tok", "", 405},
		{http.MethodPost, "/?token=wrong", body("b"), 401},
		{http.MethodPost, "/", body("b"), 401},
		{http.MethodPost, "/?token=tok", strings.Repeat(" ", 600), 413},
		{http.MethodPost, "/?token=tok", `{"nope":1}`, 400},
		{http.MethodPost, "/?token=tok", body(strings.Repeat("x", MaxRequestIDBytes+1)), 400},
	} {
		w := post(h, d.target, d.body, func(r *http.Request) { r.Method = d.method })
		require.Equal(t, d.want, w.Code, "%s %s %s", d.method, d.target, d.body)
	}
	assert.Equal(t, Stats{Handled: 1, Duplicates: 1, Failed: 2,
		Refused: Refusals{NotPost: 1, BadToken: 2, TooLarge: 1, Malformed: 2}}, h.Stats())
	assert.EqualValues(t, 10, h.Stats().Received())
	assert.EqualValues(t, 6, h.Stats().Refused.Total())

	empty := NewHandler(nil, WithToken(""))
	post(empty, "/?token=", body("c"))
	assert.Equal(t, Refusals{NoToken: 1}, empty.Stats().Refused)

	down := NewHandler(nil, WithStore(&failingStore{}))
	assert.Equal(t, 503, post(down, "/", body("d")).Code)
	assert.Equal(t, Refusals{Unavailable: 1}, down.Stats().Refused)
}

// Wait's timeout error says whether the watched Handler received
// deliveries and why it refused them, and still wraps the context's error.
func TestWaitTimeoutErrorSaysWhy(t *testing.T) {
	for _, tc := range []struct {
		name    string
		token   string
		target  string // "" : no delivery
		watch   bool
		want    []string
		refused Refusals
	}{
		{"not watched", "tok", "/?token=wrong", false, []string{"call Tracker.Watch"}, Refusals{}},
		{"nothing came", "tok", "", true, []string{"received no delivery at all", "callback URL"}, Refusals{}},
		{"wrong token", "tok", "/?token=wrong", true, []string{"refused 1 of the 1", "wrong or missing token: 1", "check that the token"}, Refusals{BadToken: 1}},
		{"token unset", "", "/?token=x", true, []string{"empty token configured: 1"}, Refusals{NoToken: 1}},
		{"other ids came", "tok", "/?token=tok", true, []string{"received 1 deliveries, none refused"}, Refusals{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTracker()
			h := NewHandler(tr.Handle, WithToken(tc.token))
			if tc.watch {
				tr.Watch(h)
			}
			if tc.target != "" {
				post(h, tc.target, `{"request_id":"other"}`)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			_, err := tr.Wait(ctx, "mine")
			require.ErrorIs(t, err, context.DeadlineExceeded)
			var wt *WaitTimeoutError
			require.ErrorAs(t, err, &wt)
			assert.Equal(t, "mine", wt.RequestID)
			assert.Equal(t, tc.refused, wt.Stats.Refused)
			for _, s := range tc.want {
				assert.Contains(t, err.Error(), s)
			}
		})
	}
}

// A refusal is logged as a warning (an empty token as an error) when a
// logger is set.
func TestHandlerLogsRefusals(t *testing.T) {
	logs := newLogSignal()
	h := NewHandler(nil, WithToken("tok"), WithLogger(logs.logger()))
	post(h, "/?token=bad", okBody)
	assert.Contains(t, logs.wait(t, "missing or wrong token"), "status=401")
}

// slowConfirm is a Store (in memory) whose Confirm waits for a signal.
type slowConfirm struct {
	*memDedup
	failingStore
	release chan struct{}
}

func (s *slowConfirm) Claim(ctx context.Context, id string) (string, ClaimResult, error) {
	return s.memDedup.Claim(ctx, id)
}
func (s *slowConfirm) Confirm(ctx context.Context, id, token string) error {
	<-s.release
	return s.memDedup.Confirm(ctx, id, token)
}
func (s *slowConfirm) Release(ctx context.Context, id, token string) error {
	return s.memDedup.Release(ctx, id, token)
}

// With a Store, a handled delivery is answered before the Store records it
// as handled; a concurrent redelivery still waits for that record.
func TestHandlerAnswersBeforeConfirm(t *testing.T) {
	store := &slowConfirm{memDedup: newMemDedup(10), release: make(chan struct{})}
	var calls atomic.Int64
	srv := httptest.NewServer(NewHandler(func(context.Context, *crispwa.CallbackEvent) error { calls.Add(1); return nil }, WithStore(store)))
	defer srv.Close()
	client := &http.Client{Timeout: 5 * time.Second}
	deliver := func() (int, string) {
		resp, err := client.Post(srv.URL, "application/json", strings.NewReader(okBody))
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	code, text := deliver() // Confirm is still blocked: the answer did not wait for it
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ok\n", text)
	second := make(chan string, 1)
	go func() { _, text := deliver(); second <- text }()
	select {
	case <-second:
		t.Fatal("a redelivery was answered while the first one is not yet recorded")
	case <-time.After(100 * time.Millisecond):
	}
	close(store.release)
	assert.Equal(t, "duplicate\n", <-second)
	assert.EqualValues(t, 1, calls.Load())
}

// A delivery refused before its body is read is answered and its
// connection closed at once, even when the sender trickles its body and
// the server has no read timeout.
func TestHandlerRefusalDoesNotWaitForTheBody(t *testing.T) {
	srv := httptest.NewServer(NewHandler(nil, WithToken("right"), WithMaxBodyBytes(10)))
	defer srv.Close()
	for _, head := range []string{
		"POST /?token=wrong HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n",
		"GET /?token=right HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n",
		"POST /?token=right HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n",
	} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		require.NoError(t, err)
		start := time.Now()
		require.NoError(t, conn.SetDeadline(start.Add(3*time.Second)))
		_, err = io.WriteString(conn, head+"{")
		require.NoError(t, err)
		b, _ := io.ReadAll(conn) // the rest of the body never comes
		conn.Close()
		assert.Less(t, time.Since(start), 2*time.Second, head)
		assert.Regexp(t, `^HTTP/1.1 (401|405|413)`, string(b))
	}
}
