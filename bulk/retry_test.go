package bulk_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
)

// retryJournal writes a journal where job 0 was delivered, job 1 failed
// with a marketing cap 25 hours ago (due), job 2 failed with one an hour
// ago (not due), job 3 is unknown and job 4 was rejected.
func retryJournal(t *testing.T, jobs []bulk.Job) string {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	long, short := time.Now().Add(-25*time.Hour).UTC().Format(time.RFC3339Nano), time.Now().Add(-time.Hour).UTC().Format(time.RFC3339Nano)
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	for i, at := range []string{long, long, short} {
		line(`{"time":"%s","event":"sending","key":"%s"}`, at, jobs[i].Key)
		line(`{"time":"%s","event":"accepted","key":"%s","request_id":"r%d"}`, at, jobs[i].Key, i)
	}
	line(`{"time":"%s","event":"delivered","request_id":"r0"}`, long)
	for _, i := range []int{1, 2} {
		at := long
		if i == 2 {
			at = short
		}
		line(`{"time":"%s","event":"failed","request_id":"r%d","reason":"(#131049) healthy ecosystem engagement","code":131049,"class":"retry_later","retry_after_ms":86400000}`, at, i)
	}
	line(`{"time":"%s","event":"unknown","key":"%s","reason":"timeout"}`, long, jobs[3].Key)
	line(`{"time":"%s","event":"rejected","key":"%s","reason":"HTTP 500"}`, long, jobs[4].Key)
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))
	return path
}

func TestRetrySendsExactlyTheDueOnes(t *testing.T) {
	srv := newFake(t)
	jobs := orderJobs(6) // job 5 is new
	j, err := bulk.OpenJournal(retryJournal(t, jobs))
	require.NoError(t, err)
	t.Cleanup(func() { _ = j.Close() })
	e, _ := j.Lookup(jobs[1].Key)
	assert.True(t, e.RetryDue(time.Now()))
	e, _ = j.Lookup(jobs[2].Key)
	assert.False(t, e.RetryDue(time.Now()))
	assert.WithinDuration(t, time.Now().Add(23*time.Hour), e.RetryAt, time.Minute)

	r, err := bulk.NewRunner(srv.Client(), j, bulk.WithRate(0))
	require.NoError(t, err)
	sum, err := r.Retry(context.Background(), bulk.Jobs(jobs))
	require.NoError(t, err)
	require.Equal(t, 1, srv.SendCount())
	assert.Equal(t, jobs[1].Request.To, srv.Sends()[0].To)
	assert.Equal(t, 1, sum.Accepted)
	assert.Equal(t, 1, sum.Retried)
	assert.Equal(t, 1, sum.AlreadySent)
	assert.Equal(t, []string{jobs[3].Key}, sum.SkippedUnknown, "an unknown outcome is never resent")
	require.Len(t, sum.RetryLater, 1)
	assert.Equal(t, jobs[2].Key, sum.RetryLater[0].Key)
	e, _ = j.Lookup(jobs[1].Key)
	assert.Equal(t, bulk.StatusAccepted, e.Status)
	assert.True(t, e.RetryAt.IsZero(), "sent again: no retry pending")

	// A plain re-run sends the rejected and the new, not the one not due.
	sum, err = r.Run(context.Background(), jobs)
	require.NoError(t, err)
	assert.Equal(t, 2, sum.Accepted)
	assert.Equal(t, 3, srv.SendCount())
	assert.Len(t, sum.RetryLater, 1)
}

func TestResolveManyKeysAndAllUnknown(t *testing.T) {
	srv := newFake(t)
	srv.DropNextSends(3, false)
	j := openJournal(t)
	jobs := orderJobs(5)
	sum, err := run(t, srv.Client(), j, jobs, bulk.WithConcurrency(1), bulk.WithTemplateCheck(false))
	require.NoError(t, err)
	require.Len(t, sum.Unknown, 3)

	err = j.ResolveKeys([]string{sum.Unknown[0].Key, "nope"}, false)
	require.ErrorIs(t, err, bulk.ErrUnknownKey)
	e, _ := j.Lookup(sum.Unknown[0].Key)
	assert.Equal(t, bulk.StatusUnknown, e.Status, "all or nothing")

	require.NoError(t, j.ResolveKeys([]string{sum.Unknown[0].Key}, true))
	keys, err := j.ResolveUnknown(false)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{sum.Unknown[1].Key, sum.Unknown[2].Key}, keys)
	for _, k := range keys {
		e, _ := j.Lookup(k)
		assert.Equal(t, bulk.StatusRejected, e.Status)
		assert.True(t, e.Resolved)
	}
	keys, err = j.ResolveUnknown(false)
	require.NoError(t, err)
	assert.Empty(t, keys)
}

func TestProgressCountsOnlyThisRun(t *testing.T) {
	srv := newFake(t)
	j := openJournal(t)
	jobs := orderJobs(40)
	_, err := run(t, srv.Client(), j, jobs[:30])
	require.NoError(t, err)

	var last bulk.Progress
	var calls atomic.Int32
	sum, err := run(t, srv.Client(), j, jobs, bulk.WithProgress(func(p bulk.Progress) {
		calls.Add(1)
		last = p
	}, time.Millisecond))
	require.NoError(t, err)
	assert.Equal(t, 30, sum.AlreadySent)
	assert.Positive(t, calls.Load())
	assert.Equal(t, 10, last.ToSend, "only what this run sends")
	assert.Equal(t, 10, last.Done)
	assert.Equal(t, 10, last.Accepted)
	assert.Zero(t, last.Remaining)
	assert.Zero(t, last.InFlight)
	assert.Zero(t, last.ETA)
}

func TestProgressDuringSends(t *testing.T) {
	srv := newFake(t)
	srv.SetLatency(150 * time.Millisecond)
	j := openJournal(t)
	var seen []bulk.Progress
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err := run(t, srv.Client(), j, orderJobs(12), bulk.WithConcurrency(4), bulk.WithRate(0), bulk.WithTemplateCheck(false),
			bulk.WithProgress(func(p bulk.Progress) { seen = append(seen, p) }, 20*time.Millisecond))
		assert.NoError(t, err)
	}()
	<-done
	require.NotEmpty(t, seen)
	sawInFlight := false
	for _, p := range seen {
		assert.Equal(t, p.Accepted+p.Rejected+p.Unknown, p.Done)
		assert.Equal(t, max(p.ToSend-p.Done, 0), p.Remaining)
		assert.LessOrEqual(t, p.InFlight, 4)
		assert.LessOrEqual(t, p.Done+p.InFlight, p.ToSend)
		if p.InFlight > 0 {
			sawInFlight = true
		}
		assert.GreaterOrEqual(t, p.Rate, 0.0)
	}
	assert.True(t, sawInFlight, "sends in flight are counted")
	final := seen[len(seen)-1]
	assert.Equal(t, 12, final.Done)
	assert.Zero(t, final.InFlight)
	// 12 sends of 150 ms, 4 at a time: about 26/s on a quiet machine. The
	// smoothed rate is near the run's average, whatever the machine's load:
	// not 0, not one short interval's burst. The bounds leave room for a
	// loaded machine, where sends finish in bunches.
	avg := 12 / final.Elapsed.Seconds()
	assert.Greater(t, final.Rate, avg/6, "average %.1f/s", avg)
	assert.Less(t, final.Rate, avg*6, "average %.1f/s", avg)
}

func TestProgressSaysThePause(t *testing.T) {
	srv := newFake(t)
	srv.RateLimitNext(1, 2*time.Second)
	j := openJournal(t)
	var paused atomic.Bool
	var until atomic.Value
	_, err := run(t, srv.Client(), j, orderJobs(3), bulk.WithConcurrency(1), bulk.WithTemplateCheck(false),
		bulk.WithProgress(func(p bulk.Progress) {
			if !p.PausedUntil.IsZero() {
				paused.Store(true)
				until.Store(p.PausedUntil)
				assert.GreaterOrEqual(t, p.ETA, time.Duration(0))
			}
		}, 50*time.Millisecond))
	require.NoError(t, err)
	require.True(t, paused.Load(), "a progress report said the pause")
	assert.WithinDuration(t, time.Now(), until.Load().(time.Time), 3*time.Second)
}

func TestRunSeqStreamsAndRefusesAChangedSource(t *testing.T) {
	srv := newFake(t)
	j := openJournal(t)
	r, err := bulk.NewRunner(srv.Client(), j, bulk.WithRate(0), bulk.WithTemplateCheck(false))
	require.NoError(t, err)
	passes := 0
	seq := func(yield func(bulk.Job, error) bool) {
		passes++
		for i := range 5 {
			job := orderJob(recipient(i))
			if passes > 1 && i == 3 {
				job = orderJob(recipient(99)) // the file changed under the run
			}
			if !yield(job, nil) {
				return
			}
		}
	}
	sum, err := r.RunSeq(context.Background(), seq)
	require.ErrorIs(t, err, bulk.ErrJobsChanged)
	assert.LessOrEqual(t, srv.SendCount(), 3, "the jobs before the change only")
	for _, s := range srv.Sends() {
		assert.NotEqual(t, recipient(99), s.To)
	}
	assert.Equal(t, 5, sum.Accepted+sum.NotSent)
	assert.Equal(t, srv.SendCount(), sum.Accepted)
}

func TestRunSeqJobErrorsAreInvalidJobsOtherErrorsStopBeforeSending(t *testing.T) {
	srv := newFake(t)
	r, err := bulk.NewRunner(srv.Client(), openJournal(t), bulk.WithRate(0), bulk.WithTemplateCheck(false))
	require.NoError(t, err)
	sum, err := r.RunSeq(context.Background(), func(yield func(bulk.Job, error) bool) {
		_ = yield(orderJob(recipient(0)), nil) &&
			yield(bulk.Job{Key: "row 3"}, &bulk.JobError{Err: fmt.Errorf("column header: not a link")}) &&
			yield(orderJob(recipient(1)), nil)
	})
	require.NoError(t, err)
	require.Len(t, sum.Invalid, 1)
	assert.Equal(t, 1, sum.Invalid[0].Index)
	assert.Equal(t, "row 3", sum.Invalid[0].Key)
	assert.Equal(t, 2, sum.Accepted)

	_, err = r.RunSeq(context.Background(), func(yield func(bulk.Job, error) bool) {
		_ = yield(orderJob(recipient(5)), nil) && yield(bulk.Job{}, fmt.Errorf("disk read error"))
	})
	require.ErrorContains(t, err, "disk read error")
	assert.Equal(t, 2, srv.SendCount(), "nothing sent")
}

// countingTransport counts the requests by method.
type countingTransport struct {
	gets, posts atomic.Int32
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet {
		c.gets.Add(1)
	} else {
		c.posts.Add(1)
	}
	return http.DefaultTransport.RoundTrip(req)
}

func TestTemplateFetchedOncePerNameAndLanguage(t *testing.T) {
	srv := newFake(t)
	ct := &countingTransport{}
	client, err := crispwa.NewClient(srv.WebsiteID, srv.Credentials, crispwa.WithBaseURL(srv.URL),
		crispwa.WithHTTPClient(&http.Client{Transport: ct}))
	require.NoError(t, err)
	sum, err := run(t, client, openJournal(t), orderJobs(30))
	require.NoError(t, err)
	require.Equal(t, 30, sum.Accepted)
	assert.Equal(t, int32(1), ct.gets.Load(), "one template, one fetch")
	assert.Equal(t, int32(30), ct.posts.Load())
}
