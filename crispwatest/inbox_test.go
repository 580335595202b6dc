package crispwatest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/crispwatest"
)

// inboxURL is the root of the fake's address, where its inbox page is.
func inboxURL(s *crispwatest.Server) string {
	u, _ := url.Parse(s.URL)
	return u.Scheme + "://" + u.Host + "/"
}

func get(t *testing.T, u string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	if h := header.Get("Host"); h != "" {
		req.Host = h
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestInboxPage(t *testing.T) {
	s := newServer(t)
	rcv := newReceiver(t, nil)
	s.SetCallbackURL(rcv.srv.URL + "/cb?token=page-secret")
	req := orderUpdate(toNumber)
	req.Template.Components[0].Parameters[1].Text = "<script>alert(1)</script>"
	res, err := s.Client().Templates.Send(context.Background(), req)
	require.NoError(t, err)
	require.NoError(t, s.WaitCallbacks(context.Background(), 1))

	status, page := get(t, inboxURL(s), nil)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, "Hi Alice, your order &lt;script&gt;alert(1)&lt;/script&gt; has shipped.", "body with its parameters, escaped")
	assert.NotContains(t, page, "<script>alert(1)", "never as markup")
	for _, want := range []string{
		res.RequestID, "&#43;33612345678", "order_update", "en_US",
		`<div class="h-text">Order update</div>`, "Reply STOP to unsubscribe",
		"Track my order", "https://example.com/track/1042", // the URL button with its suffix
		"callback posted, your server answered 200",
	} {
		assert.Contains(t, page, want)
	}
	assert.NotContains(t, page, "page-secret", "the callback URL's token is not shown")

	t.Run("templates view shows the placeholders", func(t *testing.T) {
		status, page := get(t, inboxURL(s)+"templates", nil)
		require.Equal(t, http.StatusOK, status)
		assert.Contains(t, page, `Hi <span class="ph">{{1}}</span>, your order <span class="ph">{{2}}</span> has shipped.`)
		assert.Contains(t, page, `Hello <span class="ph">{{name}}</span>, see you on <span class="ph">{{date}}</span> at <span class="ph">{{place}}</span>.`)
		assert.Contains(t, page, `https://example.com/track/<span class="ph">{{1}}</span>`, "the URL button's placeholder")
		assert.NotContains(t, page, "Alice", "no example value")
		assert.NotContains(t, page, "<img", "media is never fetched")
	})
	t.Run("loopback hosts only", func(t *testing.T) {
		status, _ := get(t, inboxURL(s), http.Header{"Host": {"evil.example:80"}})
		assert.Equal(t, http.StatusForbidden, status)
	})
}

// postAction posts one of the page's actions, with or without the page's
// header.
func postAction(t *testing.T, s *crispwatest.Server, form url.Values, pageHeader bool) int {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, inboxURL(s)+"action", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if pageHeader {
		req.Header.Set("X-Crispwa-Inbox", "1")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp.StatusCode
}

func TestInboxActions(t *testing.T) {
	s := newServer(t, crispwatest.WithManualOutcomes())
	rcv := newReceiver(t, nil)
	s.SetCallbackURL(rcv.srv.URL)
	id := send(t, s)

	assert.Equal(t, http.StatusForbidden, postAction(t, s, url.Values{"action": {"deliver"}, "id": {id}}, false),
		"a cross-site form cannot set the header")
	tests := []struct {
		name string
		form url.Values
		want int
	}{
		{"unknown action", url.Values{"action": {"explode"}}, 400},
		{"unknown failure code", url.Values{"action": {"fail"}, "id": {id}, "code": {"1"}}, 400},
		{"unknown request_id", url.Values{"action": {"deliver"}, "id": {"nope"}}, 400},
		{"latency out of range", url.Values{"action": {"latency"}, "ms": {"-1"}}, 400},
		{"fail with a WhatsApp error", url.Values{"action": {"fail"}, "id": {id}, "code": {"131026"}}, 204},
		{"decided already", url.Values{"action": {"deliver"}, "id": {id}}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, postAction(t, s, tt.form, true)) })
	}
	ev, err := crispwa.ParseCallback([]byte(rcv.next(t)["_raw"].(string)))
	require.NoError(t, err)
	assert.Equal(t, id, ev.RequestID)
	assert.Equal(t, "(#131026) Message undeliverable", ev.Reason, "Meta's code and English text")

	t.Run("clear all", func(t *testing.T) {
		other := send(t, s)
		require.Equal(t, 2, s.SendCount())
		assert.Equal(t, http.StatusForbidden, postAction(t, s, url.Values{"action": {"clear"}}, false))
		assert.Equal(t, 2, s.SendCount(), "nothing cleared without the page's header")
		require.Equal(t, http.StatusNoContent, postAction(t, s, url.Values{"action": {"clear"}}, true))
		assert.Zero(t, s.SendCount())
		_, page := get(t, inboxURL(s), nil)
		assert.NotContains(t, page, other)
		assert.Contains(t, page, "No message yet")
	})

	t.Run("fault controls", func(t *testing.T) {
		c := s.Client(crispwa.WithMaxRetries(0))
		require.Equal(t, 204, postAction(t, s, url.Values{"action": {"fail-next"}, "status": {"503"}}, true))
		_, err := c.Templates.List(context.Background(), nil)
		assert.ErrorIs(t, err, crispwa.ErrServer)
		require.Equal(t, 204, postAction(t, s, url.Values{"action": {"storm"}, "seconds": {"60"}, "retry_after": {"1"}}, true))
		_, err = c.Templates.List(context.Background(), nil)
		assert.ErrorIs(t, err, crispwa.ErrRateLimited)
		_, page := get(t, inboxURL(s), nil)
		assert.Contains(t, page, "rate-limit storm until")
		require.Equal(t, 204, postAction(t, s, url.Values{"action": {"storm"}, "seconds": {"0"}, "retry_after": {"0"}}, true))
		require.Equal(t, 204, postAction(t, s, url.Values{"action": {"drop-next"}}, true))
		_, err = c.Templates.Send(context.Background(), orderUpdate(toNumber))
		assert.ErrorIs(t, err, crispwa.ErrSendOutcomeUnknown)
		require.Equal(t, 204, postAction(t, s, url.Values{"action": {"latency"}, "ms": {"1"}}, true))
		_, page = get(t, inboxURL(s), nil)
		assert.Contains(t, page, "latency 1ms")
	})
}

// sseEvent is one Server-Sent Event.
type sseEvent struct {
	id, event string
	data      map[string]any
}

func readEvent(t *testing.T, r *bufio.Reader) sseEvent {
	t.Helper()
	var ev sseEvent
	for {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" && ev.event != "":
			return ev
		case strings.HasPrefix(line, "id: "):
			ev.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			ev.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			require.NoError(t, json.Unmarshal([]byte(line[6:]), &ev.data))
		}
	}
}

func TestInboxEvents(t *testing.T) {
	s := newServer(t, crispwatest.WithManualOutcomes())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, inboxURL(s)+"events?since=0", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	r := bufio.NewReader(resp.Body)

	id := send(t, s)
	ev := readEvent(t, r)
	assert.Equal(t, "send", ev.event)
	assert.Equal(t, id, ev.data["id"])
	assert.Contains(t, ev.data["html"], "waiting for deliver or fail")
	assert.Contains(t, ev.data["row"], "waiting for deliver or fail", "the thread's row too")
	assert.Equal(t, "33612345678", ev.data["to"], "the recipient's digits, for the thread")
	assert.Contains(t, ev.data["html"], `data-action="fail"`)

	require.NoError(t, s.Fail(id, "(#131049) marketing cap"))
	ev = readEvent(t, r)
	assert.Equal(t, id, ev.data["id"], "the same card, updated")
	assert.Contains(t, ev.data["html"], "not sent: (#131049) marketing cap")
	assert.NotContains(t, ev.data["html"], `data-action="fail"`)

	s.FailNext(500, "server_error")
	ev = readEvent(t, r)
	assert.Equal(t, "faults", ev.event)
	assert.Contains(t, ev.data["html"], "500 server_error")

	s.Close() // ends the stream
	_, err = io.Copy(io.Discard, r)
	assert.NoError(t, err)
}
