package crispwatest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/crispwatest"
)

// apiDo calls the fake's JSON API and decodes its answer into out (when
// not nil).
func apiDo(t *testing.T, s *crispwatest.Server, method, path, contentType, body string, header http.Header, out any) int {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, inboxURL(s)+strings.TrimPrefix(path, "/"), strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if resp.Header.Get("Content-Type") == "application/json; charset=utf-8" && out != nil {
		require.NoError(t, json.Unmarshal(b, out), string(b))
	}
	return resp.StatusCode
}

func TestJSONAPI(t *testing.T) {
	s := newServer(t, crispwatest.WithManualOutcomes())
	rcv := newReceiver(t, nil)
	s.SetCallbackURL(rcv.srv.URL + "/cb?token=api-secret")
	c := s.Client()
	ctx := context.Background()
	var ids []string
	for _, to := range []string{toNumber, "+33698765432", toNumber} {
		res, err := c.Templates.Send(ctx, orderUpdate(to))
		require.NoError(t, err)
		ids = append(ids, res.RequestID)
	}

	var page crispwatest.MessagePage
	require.Equal(t, 200, apiDo(t, s, "GET", "/api/v1/messages", "", "", nil, &page))
	assert.Equal(t, 3, page.Total)
	require.Len(t, page.Messages, 3)
	m := page.Messages[0]
	assert.Equal(t, ids[2], m.RequestID, "newest first")
	assert.Equal(t, toNumber, m.To)
	assert.Equal(t, fromNumber, m.From)
	assert.Equal(t, "order_update", m.Template)
	assert.Equal(t, "en_US", m.Language)
	assert.WithinDuration(t, time.Now(), m.SentAt, time.Minute)
	assert.Equal(t, "waiting", m.Status)
	assert.Equal(t, "Hi Alice, your order #1042 has shipped.", m.Rendered.Body)
	assert.JSONEq(t, `{"error":false,"reason":"dispatched","data":{"request_id":"`+ids[2]+`"}}`, string(m.Answer))
	assert.Contains(t, string(m.Request), `"to_number":"+33612345678"`)
	assert.Empty(t, m.Deliveries)

	t.Run("filters and paging", func(t *testing.T) {
		tests := []struct {
			query string
			total int
			first string
		}{
			{"?to=%2B33+6+98+76+54+32", 1, ids[1]},
			{"?to=33612345678&limit=1", 2, ids[2]},
			{"?to=33612345678&limit=1&offset=1", 2, ids[0]},
			{"?q=" + ids[0][:8], 1, ids[0]},
			{"?q=ALICE", 3, ids[2]},
			{"?template=ORDER_UPDATE", 3, ids[2]},
			{"?template=spring_sale", 0, ""},
			{"?status=waiting", 3, ids[2]},
			{"?status=sent", 0, ""},
			{"?request_id=" + ids[1], 1, ids[1]},
			{"?after=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339), 0, ""},
			{"?before=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339), 3, ids[2]},
			{"?offset=3", 3, ""},
		}
		for _, tt := range tests {
			var p crispwatest.MessagePage
			require.Equal(t, 200, apiDo(t, s, "GET", "/api/v1/messages"+tt.query, "", "", nil, &p), tt.query)
			assert.Equal(t, tt.total, p.Total, tt.query)
			if tt.first == "" {
				assert.Empty(t, p.Messages, tt.query)
			} else if assert.NotEmpty(t, p.Messages, tt.query) {
				assert.Equal(t, tt.first, p.Messages[0].RequestID, tt.query)
			}
		}
		for _, bad := range []string{"?status=lost", "?class=nope", "?limit=0", "?limit=1001", "?offset=-1", "?after=yesterday"} {
			var e map[string]string
			assert.Equal(t, 400, apiDo(t, s, "GET", "/api/v1/messages"+bad, "", "", nil, &e), bad)
			assert.NotEmpty(t, e["error"], bad)
		}
	})

	t.Run("deliver and fail", func(t *testing.T) {
		var got crispwatest.Message
		assert.Equal(t, 200, apiDo(t, s, "POST", "/api/v1/messages/"+ids[0]+"/deliver", "", "", nil, &got))
		assert.Equal(t, "sent", got.Status)
		assert.Equal(t, 409, apiDo(t, s, "POST", "/api/v1/messages/"+ids[0]+"/deliver", "", "", nil, nil), "decided already")
		assert.Equal(t, 404, apiDo(t, s, "POST", "/api/v1/messages/nope/deliver", "", "", nil, nil))
		assert.Equal(t, 415, apiDo(t, s, "POST", "/api/v1/messages/"+ids[1]+"/fail", "application/x-www-form-urlencoded", "reason=x", nil, nil),
			"a form, as a cross-site page can post, is refused")
		assert.Equal(t, 415, apiDo(t, s, "POST", "/api/v1/messages/"+ids[1]+"/fail", "text/plain", `{"reason":"x"}`, nil, nil))
		assert.Equal(t, 400, apiDo(t, s, "POST", "/api/v1/messages/"+ids[1]+"/fail", "application/json", `{}`, nil, nil), "no reason")
		assert.Equal(t, 400, apiDo(t, s, "POST", "/api/v1/messages/"+ids[1]+"/fail", "application/json", `{"reason":`, nil, nil), "not JSON")
		assert.Equal(t, 400, apiDo(t, s, "POST", "/api/v1/messages/"+ids[1]+"/fail", "application/json", ``, nil, nil), "no body")
		assert.Equal(t, 413, apiDo(t, s, "POST", "/api/v1/messages/"+ids[1]+"/fail", "application/json", `{"reason":"`+strings.Repeat("x", 20<<10)+`"}`, nil, nil), "too large")
		assert.Equal(t, 200, apiDo(t, s, "POST", "/api/v1/messages/"+ids[1]+"/fail", "application/json; charset=utf-8",
			`{"reason":"(#131026) Message undeliverable"}`, nil, &got))
		assert.Equal(t, "failed", got.Status)
		assert.Equal(t, "recipient", got.FailureClass)
		require.NoError(t, s.WaitCallbacks(ctx, 2))

		require.Equal(t, 200, apiDo(t, s, "GET", "/api/v1/messages/"+ids[1], "", "", nil, &got))
		require.Len(t, got.Deliveries, 1)
		assert.Equal(t, 200, got.Deliveries[0].Status)
		assert.Positive(t, got.Deliveries[0].DurationMS)
		assert.Equal(t, "delivered", got.Callback)
		assert.Contains(t, string(got.CallbackBody), `"template_not_sent"`)
		var class crispwatest.MessagePage
		require.Equal(t, 200, apiDo(t, s, "GET", "/api/v1/messages?status=failed&class=recipient", "", "", nil, &class))
		assert.Equal(t, 1, class.Total)
		assert.Equal(t, 404, apiDo(t, s, "GET", "/api/v1/messages/nope", "", "", nil, nil))
		assert.Equal(t, 404, apiDo(t, s, "GET", "/api/v2/other", "", "", nil, nil))
	})

	t.Run("the same data in Go", func(t *testing.T) {
		p := s.Messages(crispwatest.MessageFilter{To: toNumber})
		assert.Equal(t, 2, p.Total)
		m, ok := s.Message(ids[1])
		require.True(t, ok)
		assert.Equal(t, "failed", m.Status)
		_, ok = s.Message("nope")
		assert.False(t, ok)
	})

	t.Run("cross-site requests are refused", func(t *testing.T) {
		for _, h := range []http.Header{
			{"Origin": {"https://evil.example"}},
			{"Origin": {"null"}},
			{"Sec-Fetch-Site": {"cross-site"}},
			{"Sec-Fetch-Site": {"same-site"}},
			{"Host": {"evil.example"}},
		} {
			req, err := http.NewRequest(http.MethodDelete, inboxURL(s)+"api/v1/messages", nil)
			require.NoError(t, err)
			for k, v := range h {
				req.Header[k] = v
			}
			if v := h.Get("Host"); v != "" {
				req.Host = v
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			_ = resp.Body.Close()
			assert.Equal(t, 403, resp.StatusCode, "%v", h)
			req.Method = http.MethodGet
			resp, err = http.DefaultClient.Do(req)
			require.NoError(t, err)
			_ = resp.Body.Close()
			assert.Equal(t, 403, resp.StatusCode, "GET %v", h)
		}
		assert.Equal(t, 3, s.Messages(crispwatest.MessageFilter{}).Total, "nothing cleared")
		same := http.Header{"Origin": {strings.TrimSuffix(inboxURL(s), "/")}, "Sec-Fetch-Site": {"same-origin"}}
		assert.Equal(t, 200, apiDo(t, s, "GET", "/api/v1/messages", "", "", same, nil), "the page's own requests")
	})

	t.Run("clear", func(t *testing.T) {
		var out map[string]int
		assert.Equal(t, 415, apiDo(t, s, "DELETE", "/api/v1/messages", "text/plain", "x", nil, nil))
		require.Equal(t, 200, apiDo(t, s, "DELETE", "/api/v1/messages", "", "", nil, &out))
		assert.Equal(t, 3, out["deleted"])
		var p crispwatest.MessagePage
		require.Equal(t, 200, apiDo(t, s, "GET", "/api/v1/messages", "", "", nil, &p))
		assert.Zero(t, p.Total)
		assert.NotNil(t, p.Messages, "[] rather than null")
		assert.Zero(t, s.SendCount())
		assert.ErrorIs(t, s.Deliver(ids[2]), crispwatest.ErrUnknownRequest)
	})
}

// The page's other views: the thread of a recipient, oldest first, and the
// detail view of one message; both escape what they show.
func TestInboxThreadAndDetail(t *testing.T) {
	s := newServer(t)
	rcv := newReceiver(t, nil)
	s.SetCallbackURL(rcv.srv.URL + "/cb?token=detail-secret")
	c := s.Client()
	req := orderUpdate(toNumber)
	req.Template.Components[0].Parameters[1].Text = "*<img src=x onerror=alert(1)>*"
	first, err := c.Templates.Send(context.Background(), req)
	require.NoError(t, err)
	second, err := c.Templates.Send(context.Background(), orderUpdate(toNumber))
	require.NoError(t, err)
	require.NoError(t, s.WaitCallbacks(context.Background(), 2))

	status, page := get(t, inboxURL(s)+"to/"+strings.ReplaceAll(toNumber, "+", "%2B"), nil)
	require.Equal(t, 200, status)
	assert.Less(t, strings.Index(page, first.RequestID), strings.Index(page, second.RequestID), "oldest first")
	assert.Contains(t, page, "<b>&lt;img src=x onerror=alert(1)&gt;</b>", "formatted, escaped")
	assert.NotContains(t, page, "<img")

	status, page = get(t, inboxURL(s)+"message/"+first.RequestID, nil)
	require.Equal(t, 200, status, page)
	for _, want := range []string{`id="raw-request"`, `id="raw-answer"`, `id="raw-callback"`, "answered 200", "&#34;dispatched&#34;"} {
		assert.Contains(t, page, want)
	}
	assert.NotContains(t, page, "<img")
	assert.NotContains(t, page, "detail-secret")

	status, page = get(t, inboxURL(s)+"message/nope", nil)
	assert.Equal(t, 404, status)
	assert.Contains(t, page, "No kept message")
	status, _ = get(t, inboxURL(s)+"to/x?offset=-1", nil)
	assert.Equal(t, 400, status)
	status, page = get(t, inboxURL(s)+"?status=lost", nil)
	assert.Equal(t, 400, status)
	assert.Contains(t, page, "want waiting, sent or failed")
}

// WithMaxMessages keeps the newest sends, drops and counts the oldest.
func TestMaxMessages(t *testing.T) {
	s := newServer(t, crispwatest.WithMaxMessages(2))
	c := s.Client()
	var ids []string
	for range 5 {
		res, err := c.Templates.Send(context.Background(), orderUpdate(toNumber))
		require.NoError(t, err)
		ids = append(ids, res.RequestID)
	}
	p := s.Messages(crispwatest.MessageFilter{})
	assert.Equal(t, 2, p.Total)
	assert.Equal(t, 2, p.Kept)
	assert.Equal(t, int64(3), p.Dropped)
	assert.Equal(t, ids[4], p.Messages[0].RequestID)
	assert.Equal(t, ids[3], p.Messages[1].RequestID)
	assert.Equal(t, ids[3:], s.RequestIDs())
	assert.Equal(t, 2, s.SendCount())
	_, ok := s.Message(ids[0])
	assert.False(t, ok, "dropped")
	assert.Panics(t, func() { crispwatest.WithMaxMessages(0) })
	_, page := get(t, inboxURL(s), nil)
	assert.Contains(t, page, "3 older dropped at the cap")
	assert.Contains(t, page, "Keeps the newest 2 messages")
	assert.Equal(t, 1, s.Clear()/2)
	assert.Zero(t, s.Messages(crispwatest.MessageFilter{}).Dropped, "Clear resets the count")
}

var _ = crispwa.Body
