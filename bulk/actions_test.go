package bulk_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/crispwatest"
)

// failEverySend makes the fake (with manual outcomes) fail the callback of
// every send as soon as it is made, with reason, until the test ends.
func failEverySend(t *testing.T, srv *crispwatest.Server, reason string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		decided := 0
		for ctx.Err() == nil {
			ids := srv.RequestIDs()
			for ; decided < len(ids); decided++ {
				_ = srv.Fail(ids[decided], reason)
			}
			time.Sleep(time.Millisecond)
		}
	}()
}

// manualFake returns a fake whose sends wait for Deliver or Fail, posting
// their callbacks to j.RecordCallback.
func manualFake(t *testing.T, j *bulk.Journal) *crispwatest.Server {
	t.Helper()
	srv := crispwatest.NewServer(crispwatest.WithManualOutcomes(), crispwatest.WithTemplates(crispwatest.SampleTemplates()...))
	t.Cleanup(srv.Close)
	srv.SetCallbackURL(newCallbackReceiver(t, j))
	return srv
}

// The issue's trial: 100 sends, every callback "(#131031) Business Account
// locked" from the first send on. Before, all 100 were sent.
func TestAccountFailureByCallbackStopsTheCampaign(t *testing.T) {
	j := openJournal(t)
	srv := manualFake(t, j)
	failEverySend(t, srv, "(#131031) Business Account locked")
	r, err := bulk.NewRunner(srv.Client(), j, bulk.WithRate(10), bulk.WithConcurrency(4))
	require.NoError(t, err)
	sum, err := r.Run(context.Background(), orderJobs(100))
	var stopped *bulk.StoppedError
	require.ErrorAs(t, err, &stopped)
	assert.Equal(t, crispwa.FailureAccount, stopped.Class)
	assert.Equal(t, 131031, stopped.Code)
	assert.Contains(t, stopped.Reason, "Business Account locked")
	assert.Contains(t, err.Error(), "#131031")
	sent := srv.SendCount()
	t.Logf("account lock: %d of 100 sent before the stop", sent)
	assert.LessOrEqual(t, sent, 10, "stopped at once")
	assert.Equal(t, 100, sum.Accepted+len(sum.Rejected)+len(sum.Unknown)+sum.NotSent)
	assert.False(t, sum.OK())
}

func TestAccountRefusalStopsTheCampaign(t *testing.T) {
	srv := newFake(t)
	srv.FailNext(http.StatusBadRequest, "(#131031) Business Account locked")
	j := openJournal(t)
	sum, err := run(t, srv.Client(), j, orderJobs(20), bulk.WithConcurrency(1), bulk.WithTemplateCheck(false))
	var stopped *bulk.StoppedError
	require.ErrorAs(t, err, &stopped)
	assert.Equal(t, 131031, stopped.Code)
	require.Error(t, stopped.Err, "the refusal")
	assert.Zero(t, srv.SendCount(), "nothing sent after the refusal")
	assert.Len(t, sum.Rejected, 1)
	assert.Equal(t, 19, sum.NotSent)
}

func TestCredentialsRefusedStillSayCredentials(t *testing.T) {
	srv := newFake(t)
	srv.FailNext(http.StatusUnauthorized, "unauthorized")
	_, err := run(t, srv.Client(), openJournal(t), orderJobs(5), bulk.WithConcurrency(1), bulk.WithTemplateCheck(false))
	var stopped *bulk.StoppedError
	require.ErrorAs(t, err, &stopped)
	assert.ErrorIs(t, err, crispwa.ErrUnauthorized)
	assert.Equal(t, crispwa.FailureAccount, stopped.Class)
	assert.Contains(t, err.Error(), "credentials rejected")
}

// sharedStore is a RateStore and Stopper shared by the runners of a test,
// as redisstore's is across processes.
type sharedStore struct {
	mu     sync.Mutex
	stops  int64
	reason string
}

func (s *sharedStore) Reserve(context.Context, string, time.Duration) (time.Duration, bool, error) {
	return 0, true, nil
}
func (s *sharedStore) Pause(context.Context, string, time.Duration) error { return nil }
func (s *sharedStore) PausedFor(context.Context, string) (time.Duration, error) {
	return 0, nil
}
func (s *sharedStore) Stop(_ context.Context, _, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stops++
	s.reason = reason
	return nil
}
func (s *sharedStore) Stops(context.Context, string) (int64, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stops, s.reason, nil
}

func TestAccountStopReachesEveryRunnerSharingTheStore(t *testing.T) {
	store := &sharedStore{}
	store.stops = 3 // stops of earlier campaigns do not stop this one
	slow := newFake(t)
	slow.SetLatency(20 * time.Millisecond)
	jb := openJournal(t)
	rb, err := bulk.NewRunner(slow.Client(), jb, bulk.WithRateStore(store), bulk.WithConcurrency(1), bulk.WithTemplateCheck(false))
	require.NoError(t, err)
	done := make(chan error, 1)
	var sumB *bulk.Summary
	go func() {
		var err error
		sumB, err = rb.Run(context.Background(), orderJobs(500))
		done <- err
	}()
	require.Eventually(t, func() bool { return slow.SendCount() > 2 }, 30*time.Second, time.Millisecond, "runner B started")

	failing := newFake(t)
	failing.FailNext(http.StatusBadRequest, "(#131031) Business Account locked")
	_, err = run(t, failing.Client(), openJournal(t), orderJobs(5), bulk.WithRateStore(store), bulk.WithConcurrency(1), bulk.WithTemplateCheck(false))
	require.ErrorAs(t, err, new(*bulk.StoppedError))

	select {
	case err := <-done:
		var stopped *bulk.StoppedError
		require.ErrorAs(t, err, &stopped)
		assert.True(t, stopped.Remote)
		assert.Contains(t, stopped.Error(), "131031")
		assert.Positive(t, sumB.NotSent)
	case <-time.After(30 * time.Second):
		t.Fatal("runner B did not stop")
	}
}

// otherTemplateJob is a job for template name (the fake accepts it: the
// test does not check templates and posts no callback).
func otherTemplateJob(name, to string) bulk.Job {
	j := orderJob(to)
	j.Key = name + "/" + to
	j.Request.Template.Name = name
	return j
}

func TestTemplateFailurePausesThatTemplateOnly(t *testing.T) {
	srv := newFake(t)
	var jobs []bulk.Job
	for i := range 10 {
		jobs = append(jobs, otherTemplateJob("spring_sale", recipient(i)), otherTemplateJob("new_arrivals", recipient(i)))
	}
	srv.FailNext(http.StatusBadRequest, "(#132015) Template is paused")
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	sum, err := run(t, srv.Client(), openJournal(t), jobs, bulk.WithConcurrency(1), bulk.WithTemplateCheck(false), bulk.WithLogger(logger))
	require.NoError(t, err)
	require.Len(t, sum.PausedTemplates, 1)
	p := sum.PausedTemplates[0]
	assert.Equal(t, "spring_sale", p.Name)
	assert.Equal(t, "en_US", p.Language)
	assert.Contains(t, p.Reason, "132015")
	assert.Equal(t, 9, p.Skipped)
	assert.Equal(t, 10, sum.Accepted, "the other template is sent")
	for _, s := range srv.Sends() {
		assert.Equal(t, "new_arrivals", s.Template.Name)
	}
	assert.Equal(t, 1, strings.Count(logs.String(), "template paused"), "said once: %s", logs.String())
	assert.False(t, sum.OK())
}

func TestRecipientFailureIsSuppressedForTheNextCampaign(t *testing.T) {
	list, err := bulk.OpenSuppressionFile(filepath.Join(t.TempDir(), "suppressed.txt"), "")
	require.NoError(t, err)
	j := openJournal(t)
	srv := manualFake(t, j)
	jobs := orderJobs(3)
	go func() { // the second recipient opted out
		for ctx := context.Background(); ; {
			ids := srv.RequestIDs()
			if len(ids) == 3 {
				for i, s := range srv.Sends() {
					if s.To == jobs[1].Request.To {
						_ = srv.Fail(ids[i], "(#131050) User has stopped marketing messages")
					} else {
						_ = srv.Deliver(ids[i])
					}
				}
				return
			}
			_ = ctx
			time.Sleep(time.Millisecond)
		}
	}()
	sum, err := run(t, srv.Client(), j, jobs, bulk.WithSuppressions(list), bulk.WithCallbackWait(20*time.Second))
	require.NoError(t, err)
	assert.Equal(t, []string{jobs[1].Key}, sum.Suppress)
	on, err := list.Contains(context.Background(), jobs[1].Request.To)
	require.NoError(t, err)
	assert.True(t, on)

	// The next campaign, another journal, the number written otherwise.
	next := newFake(t)
	again := orderJobs(3)
	again[1] = orderJob("0033 6 10 00 00 01")
	sum, err = run(t, next.Client(), openJournal(t), again, bulk.WithSuppressions(list))
	require.NoError(t, err)
	assert.Equal(t, 1, sum.Suppressed)
	assert.Equal(t, 2, sum.Accepted)
	assert.Equal(t, 2, next.SendCount())
	for _, s := range next.Sends() {
		assert.NotEqual(t, jobs[1].Request.To, s.To)
	}
	raw, err := os.ReadFile(list.Path())
	require.NoError(t, err)
	assert.Contains(t, string(raw), "+33610000001 # ")
	assert.Contains(t, string(raw), "131050")
}

// failingSuppressions fails every call.
type failingSuppressions struct{ *bulk.MemorySuppressions }

func (*failingSuppressions) Contains(context.Context, string) (bool, error) {
	return false, errors.New("list unreachable")
}

func TestSuppressionListFailureSendsNothing(t *testing.T) {
	srv := newFake(t)
	_, err := run(t, srv.Client(), openJournal(t), orderJobs(5), bulk.WithSuppressions(&failingSuppressions{bulk.NewMemorySuppressions()}))
	require.ErrorContains(t, err, "list unreachable")
	assert.Zero(t, srv.SendCount())
}

func TestRefusalFailure(t *testing.T) {
	api := func(status int, reason string) error {
		return &crispwa.APIError{StatusCode: status, Reason: reason, Method: "POST", Path: "/x"}
	}
	for _, tc := range []struct {
		name  string
		err   error
		class crispwa.FailureClass // "" for nil
		code  int
	}{
		{"nil", nil, "", 0},
		{"not an API error", errors.New("boom"), "", 0},
		{"unknown outcome", crispwa.ErrSendOutcomeUnknown, "", 0},
		{"rate limited", api(429, "(#130429) Rate limit hit"), "", 0},
		{"credentials", api(401, ""), crispwa.FailureAccount, 0},
		{"forbidden", api(403, "forbidden"), crispwa.FailureAccount, 0},
		{"no reason", api(400, ""), "", 0},
		{"unclassified reason", api(400, "invalid_data"), "", 0},
		{"account", api(400, "(#131031) Business Account locked"), crispwa.FailureAccount, 131031},
		{"template", api(400, "(#132001) Template name does not exist"), crispwa.FailureTemplate, 132001},
		{"recipient", api(400, "(#131026) Message undeliverable"), crispwa.FailureRecipient, 131026},
		{"retry later", api(400, "(#131049) healthy ecosystem engagement"), crispwa.FailureRetryLater, 131049},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := bulk.RefusalFailure(tc.err)
			if tc.class == "" {
				assert.Nil(t, f)
				return
			}
			require.NotNil(t, f)
			assert.Equal(t, tc.class, f.Class)
			assert.Equal(t, tc.code, f.Code)
		})
	}
}

func TestActionFor(t *testing.T) {
	assert.Equal(t, bulk.ActionNone, bulk.ActionFor(nil))
	for class, want := range map[crispwa.FailureClass]bulk.Action{
		crispwa.FailureUnknown:    bulk.ActionNone,
		crispwa.FailureRecipient:  bulk.ActionSuppress,
		crispwa.FailureTemplate:   bulk.ActionPauseTemplate,
		crispwa.FailureRetryLater: bulk.ActionRetryLater,
		crispwa.FailureAccount:    bulk.ActionStop,
		"something new":           bulk.ActionNone,
	} {
		assert.Equal(t, want, bulk.ActionFor(&crispwa.Failure{Class: class}), class)
	}
	assert.Equal(t, "pause_template", bulk.ActionPauseTemplate.String())
	assert.Equal(t, "Action(42)", bulk.Action(42).String())
	assert.Equal(t, bulk.DefaultRetryAfter, bulk.RetryDelay(&crispwa.Failure{}))
	assert.Equal(t, time.Hour, bulk.RetryDelay(&crispwa.Failure{RetryAfter: time.Hour}))
}
