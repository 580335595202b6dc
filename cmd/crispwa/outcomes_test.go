package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rows returns a CSV of n order_update rows.
func rows(n int) string {
	var b strings.Builder
	b.WriteString("to,1,2,button:0\n")
	for i := range n {
		fmt.Fprintf(&b, "+336000%05d,Name,#%d,%d\n", i, i, i)
	}
	return b.String()
}

// refusingFront puts a front before the fake that answers a send with HTTP
// 400 and reason(to) when it is not "", and counts the sends that reach it.
func refusingFront(t *testing.T, reason func(to string) string) (map[string]string, *atomic.Int32, func() int) {
	t.Helper()
	srv, env := fakeEnv(t)
	var posts atomic.Int32
	env = frontEnv(t, srv, env, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost {
			return false
		}
		posts.Add(1)
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var req struct {
			To string `json:"to_number"`
		}
		_ = json.Unmarshal(body, &req)
		why := reason(req.To)
		if why == "" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		out, _ := json.Marshal(map[string]any{"error": true, "reason": why, "data": map[string]any{}})
		_, _ = w.Write(out)
		return true
	})
	return env, &posts, srv.SendCount
}

func TestBulkAccountFailureStopsTheCampaign(t *testing.T) {
	env, posts, _ := refusingFront(t, func(string) string { return "(#131031) Business Account locked" })
	r := runWith(t, env, campaignFiles(t, "order_update", rows(100), "--concurrency", "1")...)
	assert.Equal(t, 4, r.code, r.stderr)
	assert.EqualValues(t, 1, posts.Load(), "100 rows, the account locked from the first send: one send, then the campaign stops")
	assert.Contains(t, r.stderr, "Business Account locked")
	assert.Contains(t, r.stderr, "The campaign stopped: WhatsApp refuses this account's messages, so nothing more was sent.")
	assert.Regexp(t, `(?m)^\s+99\s+not sent \(interrupted\)$`, r.stdout)
}

func TestBulkTemplateFailurePausesItsJobs(t *testing.T) {
	env, posts, _ := refusingFront(t, func(string) string { return "(#132015) Template is paused due to low quality" })
	r := runWith(t, env, campaignFiles(t, "order_update", rows(10), "--concurrency", "1")...)
	assert.Equal(t, 1, r.code, r.stderr)
	assert.EqualValues(t, 1, posts.Load(), "the template's remaining jobs are not sent")
	assert.Equal(t, 1, strings.Count(r.stdout, "Template \"order_update\" (en_US) paused after"), "said once:\n"+r.stdout)
	assert.Contains(t, r.stdout, `Template "order_update" (en_US) paused after: template (#132015)`)
	assert.Contains(t, r.stdout, "9 row(s) not sent: fix the template in WhatsApp Manager, then run the same command again.")
}

func TestBulkRecipientFailureIsSuppressed(t *testing.T) {
	const optedOut = "+33600000002"
	env, _, sends := refusingFront(t, func(to string) string {
		if to == optedOut {
			return "(#131050) User has stopped marketing messages"
		}
		return ""
	})
	list := filepath.Join(t.TempDir(), "suppressed.txt")
	args := campaignFiles(t, "order_update", rows(4), "--suppressions", list)
	r := runWith(t, env, args...)
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Equal(t, 3, sends())
	assert.Contains(t, r.stdout, "Recipients WhatsApp says cannot or will not receive it (added to "+list+"):\n  line 4: "+optedOut+"\n")
	data, err := os.ReadFile(list)
	require.NoError(t, err)
	assert.Contains(t, string(data), optedOut)

	// The next campaign, from another file, does not send to them.
	r = runWith(t, env, campaignFiles(t, "order_update", rows(4), "--suppressions", list)...)
	assert.Regexp(t, `(?m)^\s+1\s+on the suppression list \(not sent\)$`, r.stdout)
	assert.Equal(t, 6, sends(), "three sent again in a new campaign, the opted-out one not")
}

func TestBulkRetrySendsTheDueOnesOnly(t *testing.T) {
	srv, env := fakeEnv(t)
	args := campaignFiles(t, "order_update", rows(3))
	journal := journalArg(args)
	k := func(i int) string { return fmt.Sprintf("order_update/en_US/+336000%05d", i) }
	var j strings.Builder
	for i, retryAfter := range []int64{1000, 100 * 365 * 24 * 3600 * 1000} { // row 0 due long ago, row 1 in a century
		fmt.Fprintf(&j, `{"time":"2026-01-01T10:00:00Z","event":"sending","key":%q,"template":"order_update","language":"en_US","to":"+336000%05d"}`+"\n", k(i), i)
		fmt.Fprintf(&j, `{"time":"2026-01-01T10:00:01Z","event":"accepted","key":%q,"request_id":"r%d"}`+"\n", k(i), i)
		fmt.Fprintf(&j, `{"time":"2026-01-01T10:00:02Z","event":"failed","request_id":"r%d","reason":"(#131049) This message was not delivered to maintain healthy ecosystem engagement.","code":131049,"class":"retry_later","retry_after_ms":%d}`+"\n", i, retryAfter)
	}
	require.NoError(t, os.WriteFile(journal, []byte(j.String()), 0o600))

	r := runWith(t, nil, "bulk", "status", "--journal", journal)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "To send again later (crispwa bulk retry ...):")

	retry := append([]string{"bulk", "retry"}, args[1:]...)
	r = runWith(t, env, append(retry, "--dry-run")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `(?m)^\s+1\s+to send$`, r.stdout)
	assert.Regexp(t, `(?m)^\s+1\s+to retry later, not due yet`, r.stdout)

	r = runWith(t, env, retry...)
	require.Equal(t, 1, r.code, "one is still to retry later: "+r.stdout)
	assert.Regexp(t, `1 row\(s\) WhatsApp asked to retry later: the first is due at 2125-12-\d\d \d\d:\d\d:\d\d`, r.stdout)
	require.Equal(t, 1, srv.SendCount(), "only the due one: not the one due later, not the new row")
	assert.Equal(t, "+33600000000", srv.Sends()[0].To)
}
