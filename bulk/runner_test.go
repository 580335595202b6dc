package bulk_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/internal/testenv"
)

func TestRunSendsEveryJobOnceAndResumes(t *testing.T) {
	srv := newFake(t)
	j := openJournal(t)
	jobs := orderJobs(60)

	sum, err := run(t, srv.Client(), j, jobs)
	require.NoError(t, err)
	assert.True(t, sum.OK())
	assert.Equal(t, 60, sum.Accepted)
	assert.Equal(t, 60, sum.AwaitingCallback, "no callback handler wired")
	per := sendsPerRecipient(srv)
	require.Len(t, per, 60)
	for to, n := range per {
		assert.Equal(t, 1, n, to)
	}
	ids := map[string]bool{}
	for _, id := range srv.RequestIDs() {
		ids[id] = true
	}
	for _, e := range j.Entries() {
		assert.Equal(t, bulk.StatusAccepted, e.Status, e.Key)
		assert.True(t, ids[e.RequestID], "journal has the request_id the API answered: %s", e.Key)
	}

	// Re-running the same campaign sends nothing.
	sum, err = run(t, srv.Client(), j, jobs)
	require.NoError(t, err)
	assert.True(t, sum.OK())
	assert.Equal(t, 60, sum.AlreadySent)
	assert.Zero(t, sum.Accepted)
	assert.Equal(t, 60, srv.SendCount())
}

func TestRunValidatesEveryJobBeforeTheFirstSend(t *testing.T) {
	srv := newFake(t)
	j := openJournal(t)
	good := orderJobs(3)
	badPhone := orderJob("12")
	badPhone.Key = "bad-phone"
	missingParam := orderJob(recipient(10))
	missingParam.Request.Template.Components[0].Parameters = missingParam.Request.Template.Components[0].Parameters[:1]
	pending := orderJob(recipient(11))
	pending.Request.Template = crispwa.MessageTemplate{Name: "spring_sale", Language: "en_US"}
	noTemplate := orderJob(recipient(12))
	noTemplate.Request.Template.Name = "no_such_template"
	jobs := []bulk.Job{
		good[0],
		{Key: "", Request: good[1].Request},
		{Key: good[0].Key, Request: good[1].Request}, // duplicate key
		{Key: "nil-request"},
		badPhone, missingParam, pending, noTemplate,
		good[1], good[2],
	}

	sum, err := run(t, srv.Client(), j, jobs)
	require.NoError(t, err)
	assert.False(t, sum.OK())
	assert.Equal(t, 3, sum.Accepted)
	assert.Equal(t, 3, srv.SendCount(), "no invalid job was sent")
	require.Len(t, sum.Invalid, 7)
	wantIdx := []int{1, 2, 3, 4, 5, 6, 7}
	for n, e := range sum.Invalid {
		assert.Equal(t, wantIdx[n], e.Index)
		assert.Equal(t, jobs[e.Index].Key, e.Key)
	}
	assert.ErrorContains(t, sum.Invalid[0], "empty key")
	assert.ErrorContains(t, sum.Invalid[1], "duplicate key: job 0")
	assert.ErrorContains(t, sum.Invalid[2], "nil request")
	for _, e := range sum.Invalid[3:6] {
		assert.ErrorIs(t, e, crispwa.ErrInvalidRequest, e.Key)
	}
	assert.ErrorContains(t, sum.Invalid[5], "PENDING")
	assert.ErrorIs(t, sum.Invalid[6], crispwa.ErrNotFound)
	for _, key := range []string{"bad-phone", missingParam.Key, pending.Key, noTemplate.Key} {
		_, ok := j.Lookup(key)
		assert.False(t, ok, "an invalid job leaves no journal record: %s", key)
	}

	t.Run("without the template check, only Validate", func(t *testing.T) {
		srv := newFake(t)
		sum, err := run(t, srv.Client(), openJournal(t), []bulk.Job{pending, badPhone}, bulk.WithTemplateCheck(false))
		require.NoError(t, err)
		assert.Equal(t, []string{"bad-phone"}, keys(sum.Invalid))
		assert.Equal(t, 1, sum.Accepted)
	})
	t.Run("a template that cannot be fetched stops the run before any send", func(t *testing.T) {
		srv := newFake(t)
		srv.FailNext(http.StatusUnauthorized, "unauthorized")
		sum, err := run(t, srv.Client(), openJournal(t), orderJobs(5))
		require.ErrorIs(t, err, crispwa.ErrUnauthorized)
		assert.Zero(t, sum.Accepted)
		assert.Zero(t, srv.SendCount())
	})
}

func TestRunOutcomeUnknownIsNotResentUnlessAsked(t *testing.T) {
	for _, accepted := range []bool{true, false} {
		t.Run(map[bool]string{true: "dropped after accepting", false: "dropped before accepting"}[accepted], func(t *testing.T) {
			srv := newFake(t)
			j := openJournal(t)
			jobs := orderJobs(10)
			srv.DropNextSends(3, accepted)

			sum, err := run(t, srv.Client(), j, jobs, bulk.WithConcurrency(1))
			require.NoError(t, err)
			assert.False(t, sum.OK())
			assert.Equal(t, 7, sum.Accepted)
			require.Len(t, sum.Unknown, 3)
			for _, e := range sum.Unknown {
				assert.ErrorIs(t, e, crispwa.ErrSendOutcomeUnknown)
				entry, _ := j.Lookup(e.Key)
				assert.Equal(t, bulk.StatusUnknown, entry.Status)
			}
			before := srv.SendCount()

			sum, err = run(t, srv.Client(), j, jobs)
			require.NoError(t, err)
			assert.Equal(t, keys(sumUnknown(t, j)), sum.SkippedUnknown)
			assert.Equal(t, 7, sum.AlreadySent)
			assert.Zero(t, sum.Accepted)
			assert.Equal(t, before, srv.SendCount(), "unknown outcomes are not resent")
			assert.False(t, sum.OK())

			sum, err = run(t, srv.Client(), j, jobs, bulk.WithRetryUnknown(true))
			require.NoError(t, err)
			assert.True(t, sum.OK())
			assert.Equal(t, 3, sum.Accepted, "resent when asked")
			assert.Equal(t, before+3, srv.SendCount())
		})
	}
}

// sumUnknown returns the journal's unknown keys as JobErrors.
func sumUnknown(t *testing.T, j *bulk.Journal) []*bulk.JobError {
	t.Helper()
	var out []*bulk.JobError
	for _, e := range j.Entries() {
		if e.Status == bulk.StatusUnknown {
			out = append(out, &bulk.JobError{Key: e.Key})
		}
	}
	return out
}

func TestRunRejectedIsResentOnTheNextRun(t *testing.T) {
	srv := newFake(t)
	j := openJournal(t)
	jobs := orderJobs(5)
	// The template check's listing comes first; the failure hits the first send.
	r, err := bulk.NewRunner(srv.Client(), j, bulk.WithConcurrency(1), bulk.WithRate(0), bulk.WithTemplateCheck(false))
	require.NoError(t, err)
	srv.FailNext(http.StatusBadRequest, "invalid_data")
	sum, err := r.Run(context.Background(), jobs)
	require.NoError(t, err)
	require.Len(t, sum.Rejected, 1)
	assert.ErrorIs(t, sum.Rejected[0], crispwa.ErrInvalidRequest)
	e, _ := j.Lookup(sum.Rejected[0].Key)
	assert.Equal(t, bulk.StatusRejected, e.Status)
	assert.Contains(t, e.Reason, "invalid_data")
	assert.Equal(t, 4, srv.SendCount())

	sum, err = r.Run(context.Background(), jobs)
	require.NoError(t, err)
	assert.True(t, sum.OK())
	assert.Equal(t, 1, sum.Accepted)
	assert.Equal(t, 4, sum.AlreadySent)
	for to, n := range sendsPerRecipient(srv) {
		assert.Equal(t, 1, n, to)
	}
}

func TestRateLimitStormSlowsEveryWorkerAndLosesNothing(t *testing.T) {
	srv := newFake(t)
	j := openJournal(t)
	const n, concurrency = 240, 8
	jobs := orderJobs(n)

	type sample struct {
		at    time.Time
		sends int
	}
	var (
		mu         sync.Mutex
		samples    []sample
		stormStart time.Time
	)
	const storm = 600 * time.Millisecond
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // sample the accepted sends; start the storm a third of the way in
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				c := srv.SendCount()
				mu.Lock()
				samples = append(samples, sample{now, c})
				if stormStart.IsZero() && c >= n/3 {
					stormStart = time.Now()
					srv.RateLimitFor(storm, time.Second)
				}
				mu.Unlock()
			}
		}
	}()
	start := time.Now()
	// The client's retries (one layer) wait out the Retry-After; the throttle
	// pauses the other workers meanwhile.
	client := srv.Client(crispwa.WithRetryWait(time.Millisecond, 2*time.Second), crispwa.WithMaxRetries(5))
	sum, err := run(t, client, j, jobs, bulk.WithConcurrency(concurrency))
	close(done)
	wg.Wait()
	require.NoError(t, err)

	assert.True(t, sum.OK(), "nothing lost: %+v", sum)
	assert.Equal(t, n, sum.Accepted)
	per := sendsPerRecipient(srv)
	assert.Len(t, per, n)
	for to, c := range per {
		assert.Equal(t, 1, c, "nothing duplicated: %s", to)
	}
	require.False(t, stormStart.IsZero())
	assert.Positive(t, sum.RateLimited)
	assert.LessOrEqual(t, sum.RateLimited, 2*concurrency,
		"after the first 429 every worker waits out the Retry-After, instead of each hammering on")

	// Sends per second before the storm, and while it lasts.
	at := func(tm time.Time) int {
		mu.Lock()
		defer mu.Unlock()
		c := 0
		for _, s := range samples {
			if !s.at.After(tm) {
				c = s.sends
			}
		}
		return c
	}
	before := float64(at(stormStart)) / stormStart.Sub(start).Seconds()
	during := float64(at(stormStart.Add(storm))-at(stormStart)) / storm.Seconds()
	t.Logf("send rate: %.0f/s before the storm, %.1f/s during it; %d rate-limit answers; run took %s", before, during, sum.RateLimited, sum.Duration)
	assert.Less(t, during, before/5, "the send rate drops while the storm lasts")
}

func TestCancelStopsPromptlyAndResumesCleanly(t *testing.T) {
	srv := newFake(t)
	srv.SetLatency(10 * time.Millisecond)
	j := openJournal(t)
	jobs := orderJobs(80)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := bulk.NewRunner(srv.Client(), j, bulk.WithConcurrency(4), bulk.WithRate(0), bulk.WithProgress(func(p bulk.Progress) {
		if p.Done >= 20 {
			cancel()
		}
	}, 5*time.Millisecond))
	require.NoError(t, err)
	sum, err := r.Run(ctx, jobs)
	require.ErrorIs(t, err, context.Canceled)
	assert.Positive(t, sum.NotSent, "stopped before the end")
	assert.Empty(t, sum.Unknown, "the sends in flight were let finish")
	assert.Equal(t, 80, sum.Accepted+sum.NotSent)
	assert.Equal(t, sum.Accepted, srv.SendCount())

	sum, err = r.Run(context.Background(), jobs)
	require.NoError(t, err)
	assert.True(t, sum.OK())
	for to, n := range sendsPerRecipient(srv) {
		assert.Equal(t, 1, n, to)
	}
	assert.Equal(t, 80, srv.SendCount())
}

func TestCancelWithoutDrainLeavesUnknownsThatAreNotResent(t *testing.T) {
	srv := newFake(t)
	srv.SetLatency(200 * time.Millisecond) // a send cut short during it is dropped by the fake
	j := openJournal(t)
	jobs := orderJobs(8)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cut short once a request has left, however loaded the machine.
	client := srv.Client(crispwa.WithHTTPClient(&http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
		trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { cancel() }}
		return http.DefaultTransport.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	})}))
	r, err := bulk.NewRunner(client, j, bulk.WithConcurrency(4), bulk.WithRate(0),
		bulk.WithTemplateCheck(false), bulk.WithDrainTimeout(0))
	require.NoError(t, err)
	sum, err := r.Run(ctx, jobs)
	require.ErrorIs(t, err, context.Canceled)
	require.NotEmpty(t, sum.Unknown, "the sends in flight were cut short")
	assert.LessOrEqual(t, len(sum.Unknown), 4)
	// A send cut short before it had a connection certainly did not leave:
	// rejected, and sent by the next run.
	assert.Equal(t, 8, len(sum.Unknown)+len(sum.Rejected)+sum.NotSent)
	assert.Zero(t, srv.SendCount(), "the fake dropped them")

	srv.SetLatency(0)
	sum2, err := r.Run(context.Background(), jobs)
	require.NoError(t, err)
	assert.ElementsMatch(t, keys(sum.Unknown), sum2.SkippedUnknown, "not resent")
	assert.Equal(t, sum.NotSent+len(sum.Rejected), sum2.Accepted)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

func TestProgressReports(t *testing.T) {
	srv := newFake(t)
	var mu sync.Mutex
	var got []bulk.Progress
	sum, err := run(t, srv.Client(), openJournal(t), orderJobs(30), bulk.WithProgress(func(p bulk.Progress) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, p)
	}, time.Millisecond))
	require.NoError(t, err)
	require.True(t, sum.OK())
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, got)
	last := got[len(got)-1]
	assert.Equal(t, 30, last.ToSend)
	assert.Equal(t, 30, last.Done)
	assert.Equal(t, 30, last.Accepted)
	assert.Zero(t, last.Remaining)
	assert.True(t, math.IsInf(last.Limit, 1))
	for i := 1; i < len(got); i++ {
		assert.GreaterOrEqual(t, got[i].Done, got[i-1].Done, "monotonic")
	}
}

func TestRateLimitIsShared(t *testing.T) {
	srv := newFake(t)
	start := time.Now()
	sum, err := run(t, srv.Client(), openJournal(t), orderJobs(11), bulk.WithRate(50), bulk.WithConcurrency(8))
	require.NoError(t, err)
	require.True(t, sum.OK())
	// 11 sends at 50/s with a burst of 1: at least 10 intervals of 20ms.
	assert.GreaterOrEqual(t, time.Since(start), 190*time.Millisecond)
}

func TestOptionsAndArguments(t *testing.T) {
	srv := newFake(t)
	j := openJournal(t)
	for _, o := range []bulk.Option{
		bulk.WithConcurrency(0), bulk.WithRate(-1), bulk.WithRate(math.NaN()),
		bulk.WithDrainTimeout(-time.Second), bulk.WithProgress(nil, -time.Second), bulk.WithCallbackWait(-1),
	} {
		_, err := bulk.NewRunner(srv.Client(), j, o)
		assert.Error(t, err)
	}
	_, err := bulk.NewRunner(nil, j)
	assert.Error(t, err)
	_, err = bulk.NewRunner(srv.Client(), nil)
	assert.Error(t, err)
}

func TestOneRunAtATimePerJournal(t *testing.T) {
	srv := newFake(t)
	srv.SetLatency(50 * time.Millisecond)
	j := openJournal(t)
	running := make(chan struct{})
	var once sync.Once
	r, err := bulk.NewRunner(srv.Client(), j, bulk.WithRate(0), bulk.WithProgress(func(bulk.Progress) {
		once.Do(func() { close(running) })
	}, time.Millisecond))
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := r.Run(context.Background(), orderJobs(4))
		assert.NoError(t, err)
	}()
	<-running
	_, err = r.Run(context.Background(), orderJobs(1))
	assert.ErrorIs(t, err, bulk.ErrJournalLocked)
	wg.Wait()
	assert.Equal(t, 4, srv.SendCount())
}

func TestLogsMaskPhoneNumbers(t *testing.T) {
	srv := newFake(t)
	var buf testenv.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv.FailNext(http.StatusBadRequest, "invalid_data")
	sum, err := run(t, srv.Client(), openJournal(t), orderJobs(2), bulk.WithLogger(logger), bulk.WithTemplateCheck(false), bulk.WithConcurrency(1))
	require.NoError(t, err)
	require.Len(t, sum.Rejected, 1)
	out := buf.String()
	assert.Contains(t, out, "bulk: rejected")
	assert.Contains(t, out, "bulk: accepted")
	assert.Contains(t, out, "to=+336****0000")
	for _, job := range orderJobs(2) {
		assert.NotContains(t, out, job.Request.To, "a full phone number in the logs")
	}
}

func TestJournalFailureStopsSending(t *testing.T) {
	srv := newFake(t)
	srv.SetLatency(5 * time.Millisecond)
	j := openJournal(t)
	jobs := orderJobs(100)
	var once sync.Once
	r, err := bulk.NewRunner(srv.Client(), j, bulk.WithRate(0), bulk.WithConcurrency(4), bulk.WithTemplateCheck(false),
		bulk.WithProgress(func(p bulk.Progress) {
			if p.Done >= 10 {
				once.Do(func() { require.NoError(t, j.Close()) }) // as if the disk were gone
			}
		}, time.Millisecond))
	require.NoError(t, err)
	sum, err := r.Run(context.Background(), jobs)
	require.ErrorIs(t, err, bulk.ErrJournalClosed, "a journal that cannot be written stops the run")
	assert.Positive(t, sum.NotSent)
	assert.Less(t, srv.SendCount(), 60, "sending stopped")
	for _, s := range srv.Sends() {
		_, ok := j.Lookup("spring/" + s.To)
		assert.True(t, ok, "nothing was sent without its journal record: %s", s.To)
	}
}

func TestCallbackWaitEndsAtItsTimeout(t *testing.T) {
	srv := newFake(t) // no callback URL: no callback ever comes
	start := time.Now()
	sum, err := run(t, srv.Client(), openJournal(t), orderJobs(3), bulk.WithCallbackWait(100*time.Millisecond))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)
	// A guard against a hang: the default wait is much longer.
	assert.Less(t, time.Since(start), 10*time.Second, "ended at its own timeout, not the default")
	assert.Equal(t, 3, sum.AwaitingCallback)
	assert.Zero(t, sum.Delivered)
}

// stubAPI serves the send endpoint with answer(n), n counting the POSTs
// from 1, and returns a client for it (retry waits of a millisecond).
func stubAPI(t *testing.T, answer func(n int) (status int, body string), opts ...crispwa.Option) (*crispwa.Client, *atomic.Int32) {
	t.Helper()
	var posts atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		status, body := answer(int(posts.Add(1)))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(api.Close)
	client, err := crispwa.NewClient("website", crispwa.Credentials{Identifier: "id", Key: "key"},
		append([]crispwa.Option{crispwa.WithBaseURL(api.URL), crispwa.WithRetryWait(time.Millisecond, time.Millisecond)}, opts...)...)
	require.NoError(t, err)
	return client, &posts
}

const (
	acceptedBody    = `{"error":false,"reason":"dispatched","data":{"request_id":"req"}}`
	rateLimitedBody = `{"error":true,"reason":"rate_limited","data":{}}`
)

func TestRejectedCredentialsStopTheCampaign(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			revoked := atomic.Bool{}
			revoked.Store(true)
			client, posts := stubAPI(t, func(int) (int, string) {
				if revoked.Load() {
					return status, `{"error":true,"reason":"unauthorized","data":{}}`
				}
				return http.StatusOK, acceptedBody
			})
			j := openJournal(t)
			jobs := orderJobs(20)
			const concurrency = 4
			sum, err := run(t, client, j, jobs, bulk.WithTemplateCheck(false), bulk.WithConcurrency(concurrency))
			var stopped *bulk.StoppedError
			require.ErrorAs(t, err, &stopped)
			require.ErrorIs(t, err, crispwa.ErrUnauthorized)
			assert.LessOrEqual(t, int(posts.Load()), concurrency, "nothing more is sent once the key is refused")
			assert.Equal(t, int(posts.Load()), len(sum.Rejected))
			assert.Equal(t, 20, len(sum.Rejected)+sum.NotSent)

			revoked.Store(false) // the operator fixed the key
			sum, err = run(t, client, j, jobs, bulk.WithTemplateCheck(false))
			require.NoError(t, err)
			assert.True(t, sum.OK())
			assert.Equal(t, 20, sum.Accepted, "a re-run resumes: the refused rows certainly did not go out")
		})
	}
}

func TestRateLimitedJobIsRetriedByOneLayerOnly(t *testing.T) {
	// Six 429s queued. The client retries three times (its default): four
	// POSTs, then the job is rejected as rate limited, not sent again by
	// bulk on top. The next run sends it.
	client, posts := stubAPI(t, func(n int) (int, string) {
		if n <= 6 {
			return http.StatusTooManyRequests, rateLimitedBody
		}
		return http.StatusOK, acceptedBody
	})
	j := openJournal(t)
	jobs := orderJobs(1)
	sum, err := run(t, client, j, jobs, bulk.WithTemplateCheck(false))
	require.NoError(t, err)
	assert.EqualValues(t, 4, posts.Load(), "1 attempt + the client's 3 retries, and no bulk re-send")
	require.Len(t, sum.Rejected, 1)
	assert.ErrorIs(t, sum.Rejected[0], crispwa.ErrRateLimited)
	assert.Equal(t, 4, sum.RateLimited, "every 429 reached the shared throttle")

	sum, err = run(t, client, j, jobs, bulk.WithTemplateCheck(false))
	require.NoError(t, err)
	assert.EqualValues(t, 7, posts.Load())
	assert.Equal(t, 1, sum.Accepted)

	// A client told not to retry: one POST per run.
	client, posts = stubAPI(t, func(int) (int, string) { return http.StatusTooManyRequests, rateLimitedBody }, crispwa.WithMaxRetries(0))
	sum, err = run(t, client, openJournal(t), jobs, bulk.WithTemplateCheck(false))
	require.NoError(t, err)
	assert.EqualValues(t, 1, posts.Load())
	assert.Len(t, sum.Rejected, 1)
}

func TestNilOptionsAreIgnored(t *testing.T) {
	srv := newFake(t)
	r, err := bulk.NewRunner(srv.Client(), openJournal(t), nil, bulk.WithRate(0), nil)
	require.NoError(t, err)
	sum, err := r.Run(context.Background(), orderJobs(1))
	require.NoError(t, err)
	assert.True(t, sum.OK())
	j, err := bulk.OpenJournal(filepath.Join(t.TempDir(), "j.jsonl"), nil)
	require.NoError(t, err)
	require.NoError(t, j.Close())
}

func TestOverlongKeyIsRefused(t *testing.T) {
	srv := newFake(t)
	job := orderJob(recipient(1))
	job.Key = strings.Repeat("k", bulk.MaxKeyLength+1)
	sum, err := run(t, srv.Client(), openJournal(t), []bulk.Job{job})
	require.NoError(t, err)
	require.Len(t, sum.Invalid, 1)
	assert.ErrorContains(t, sum.Invalid[0], "key longer than")
	assert.Zero(t, srv.SendCount())
}

func TestOneSendPerRecipientHoweverWritten(t *testing.T) {
	srv := newFake(t)
	spellings := []string{"+33 6 12 34 56 78", "0033612345678", "33612345678", "+33-6-12-34-56-78"}
	var jobs []bulk.Job
	for i, to := range spellings {
		job := orderJob(to)
		job.Key = fmt.Sprintf("k%d", i)
		jobs = append(jobs, job)
	}
	sum, err := run(t, srv.Client(), openJournal(t), jobs)
	require.NoError(t, err)
	assert.Equal(t, 1, sum.Accepted)
	require.Len(t, sum.Invalid, 3)
	for _, je := range sum.Invalid {
		assert.ErrorContains(t, je, "same recipient and template as job 0")
	}
	assert.Equal(t, map[string]int{"+33612345678": 1}, sendsPerRecipient(srv), "the canonical number on the wire, once")
}

func TestAbortCutsTheSendsInFlightShort(t *testing.T) {
	arrived := make(chan struct{}, 8)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // the server notices a closed connection once the body is read
		arrived <- struct{}{}
		<-r.Context().Done() // no answer until the client gives up
	}))
	defer api.Close()
	client, err := crispwa.NewClient("website", crispwa.Credentials{Identifier: "id", Key: "key"}, crispwa.WithBaseURL(api.URL))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	abort := make(chan struct{})
	var stopping sync.Once
	r, err := bulk.NewRunner(client, openJournal(t), bulk.WithRate(0), bulk.WithConcurrency(2), bulk.WithTemplateCheck(false),
		bulk.WithAbort(abort), bulk.WithProgress(func(p bulk.Progress) {
			if p.Stopping {
				stopping.Do(func() {
					assert.Equal(t, 2, p.InFlight, "the first report after the cancel says what is in flight")
					close(abort) // the second Ctrl-C: stop now
				})
			}
		}, time.Hour))
	require.NoError(t, err)
	go func() { // the first Ctrl-C, once both sends reached the server
		<-arrived
		<-arrived
		cancel()
	}()
	start := time.Now()
	sum, err := r.Run(ctx, orderJobs(6))
	require.ErrorIs(t, err, bulk.ErrAborted)
	assert.Less(t, time.Since(start), 10*time.Second, "did not wait for the drain timeout")
	assert.Len(t, sum.Unknown, 2, "the sends cut short may have reached Crisp")
	assert.Equal(t, 4, sum.NotSent)
}
