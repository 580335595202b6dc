package bulk

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
)

// fakeAPI answers every send with request_id req-N, calling onSend first.
func fakeAPI(t *testing.T, onSend func(n int32)) *crispwa.Client {
	t.Helper()
	var posts atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		n := posts.Add(1)
		if onSend != nil {
			onSend(n)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"error":false,"reason":"dispatched","data":{"request_id":"req-%d"}}`, n)
	}))
	t.Cleanup(api.Close)
	client, err := crispwa.NewClient("website", crispwa.Credentials{Identifier: "id", Key: "key"}, crispwa.WithBaseURL(api.URL))
	require.NoError(t, err)
	return client
}

func testJobs(n int) []Job {
	var jobs []Job
	for i := range n {
		jobs = append(jobs, Job{Key: fmt.Sprint(i), Request: &crispwa.SendTemplateRequest{
			From: "+33100000000", To: fmt.Sprintf("+3361234567%d", i),
			Template: crispwa.MessageTemplate{Name: "t", Language: "en"}}})
	}
	return jobs
}

func TestFinalFlushFailureIsReported(t *testing.T) {
	j, err := OpenJournal(t.TempDir() + "/j.jsonl")
	require.NoError(t, err)
	orig := j.f
	r, w, err := os.Pipe()
	require.NoError(t, err)
	go func() { _, _ = bufio.NewReader(r).WriteTo(discard{}) }()
	t.Cleanup(func() { _ = j.Close(); _ = orig.Close(); _ = r.Close() })
	client := fakeAPI(t, func(int32) {
		// The intent is durable; from now on the journal's fsync fails
		// (a pipe cannot be synced), as a disk failing mid-campaign.
		j.mu.Lock()
		j.f = w
		j.mu.Unlock()
	})
	runner, err := NewRunner(client, j, WithRate(0), WithConcurrency(1), WithTemplateCheck(false))
	require.NoError(t, err)
	sum, err := runner.Run(context.Background(), testJobs(1))
	require.Error(t, err, "the accepted record may not be durable: say so")
	assert.ErrorIs(t, err, syscall.EINVAL)
	assert.ErrorContains(t, err, "last records may be lost")
	assert.Equal(t, 1, sum.Accepted)
}

func TestRetryLaterResentWithinTheCallbackWait(t *testing.T) {
	j, err := OpenJournal(t.TempDir() + "/j.jsonl")
	require.NoError(t, err)
	t.Cleanup(func() { _ = j.Close() })
	callback := func(rec record) {
		go func() {
			time.Sleep(20 * time.Millisecond) // after the accepted record
			assert.NoError(t, j.write(rec, true))
		}()
	}
	client := fakeAPI(t, func(n int32) {
		id := fmt.Sprintf("req-%d", n)
		if n == 1 { // a pair rate limit: resend after 300 ms
			callback(record{Event: string(DeliveryFailed), RequestID: id, Reason: "(#131056) Pair rate limit hit",
				Code: 131056, Class: string(crispwa.FailureRetryLater), RetryAfterMS: 300})
			return
		}
		callback(record{Event: string(DeliveryDelivered), RequestID: id})
	})
	runner, err := NewRunner(client, j, WithRate(0), WithConcurrency(1), WithTemplateCheck(false), WithCallbackWait(10*time.Second))
	require.NoError(t, err)
	start := time.Now()
	sum, err := runner.Run(context.Background(), testJobs(2))
	require.NoError(t, err)
	assert.Equal(t, 1, sum.Retried)
	assert.Equal(t, 3, sum.Accepted, "two sends and the retry")
	assert.Empty(t, sum.RetryLater)
	assert.Equal(t, 2, sum.Delivered)
	assert.Less(t, time.Since(start), 5*time.Second, "returned once all came, not at the end of the wait")
	e, _ := j.Lookup("0")
	assert.Equal(t, DeliveryDelivered, e.Delivery)
	assert.Equal(t, "req-3", e.RequestID)

	// A late callback of the first send does not undo the second's.
	require.NoError(t, j.write(record{Event: string(DeliveryFailed), RequestID: "req-1", Reason: "late"}, true))
	e, _ = j.Lookup("0")
	assert.Equal(t, DeliveryDelivered, e.Delivery)
}

func TestRetryLaterBeyondTheWaitIsKeptForRetry(t *testing.T) {
	j, err := OpenJournal(t.TempDir() + "/j.jsonl")
	require.NoError(t, err)
	t.Cleanup(func() { _ = j.Close() })
	client := fakeAPI(t, func(n int32) {
		go func() {
			time.Sleep(20 * time.Millisecond)
			assert.NoError(t, j.RecordCallback(context.Background(), &crispwa.CallbackEvent{RequestID: fmt.Sprintf("req-%d", n),
				Error: true, Reason: "(#131049) This message was not delivered to maintain healthy ecosystem engagement."}))
		}()
	})
	runner, err := NewRunner(client, j, WithRate(0), WithConcurrency(1), WithTemplateCheck(false), WithCallbackWait(2*time.Second))
	require.NoError(t, err)
	start := time.Now()
	sum, err := runner.Run(context.Background(), testJobs(1))
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 1500*time.Millisecond, "no point waiting for a retry due in 24 h")
	require.Len(t, sum.RetryLater, 1)
	assert.WithinDuration(t, time.Now().Add(24*time.Hour), sum.RetryLater[0].Due, time.Minute)
	assert.Zero(t, sum.Retried)
}

func TestRateEstimator(t *testing.T) {
	start := time.Now()
	r := rateEstimator{last: start}
	assert.Zero(t, r.update(0, start.Add(100*time.Millisecond)), "nothing finished yet")
	assert.InDelta(t, 10, r.update(2, start.Add(200*time.Millisecond)), 1e-9, "seeded from the start: 2 in 0.2 s")
	// A 7 s pause (the half-life): the rate halves, it does not drop to 0.
	assert.InDelta(t, 5, r.update(2, start.Add(7200*time.Millisecond)), 1e-9)
	// Then 20/s for 7 s: halfway from 5 to 20.
	assert.InDelta(t, 12.5, r.update(142, start.Add(14200*time.Millisecond)), 1e-9)
	assert.Equal(t, 12.5, r.update(142, start.Add(14200*time.Millisecond)), "no time passed: unchanged")

	assert.Zero(t, eta(Progress{Remaining: 10}), "no rate yet: unknown")
	assert.Equal(t, 2*time.Second, eta(Progress{Remaining: 10, Rate: 5, Limit: 100}))
	assert.Equal(t, 5*time.Second, eta(Progress{Remaining: 10, Rate: 5, Limit: 2}), "the limit bounds it")
	assert.Zero(t, eta(Progress{Remaining: 0, Rate: 5, Limit: 2}))
}
