package bulk_test

import (
	"context"
	"fmt"
	"iter"
	"net/http"
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

// A duplicate key names the first job that has it, whether the key is new
// in this run or already in the journal from an earlier one (the runner
// finds those through the journal's own index, not its table of new keys).
func TestDuplicateKeyNamesItsFirstJobOnAResumedCampaign(t *testing.T) {
	for _, tc := range []struct {
		name    string
		earlier int   // jobs sent by an earlier run, their keys in the journal
		dups    []int // jobs whose key is repeated after the 5 jobs
	}{
		{"keys new in this run", 0, []int{1, 0, 4}},
		{"keys in the journal", 5, []int{1, 0, 4}},
		{"some in the journal", 2, []int{3, 1, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFake(t)
			j := openJournal(t)
			jobs := orderJobs(5)
			if tc.earlier > 0 {
				_, err := run(t, srv.Client(), j, jobs[:tc.earlier], bulk.WithTemplateCheck(false))
				require.NoError(t, err)
			}
			for k, d := range tc.dups { // another recipient: only the key repeats
				dup := orderJob(recipient(100 + k))
				dup.Key = jobs[d].Key
				jobs = append(jobs, dup)
			}
			sum, err := run(t, srv.Client(), j, jobs, bulk.WithTemplateCheck(false))
			require.NoError(t, err)
			var got, want []string
			for _, je := range sum.Invalid {
				got = append(got, fmt.Sprintf("%d: %v", je.Index, je.Err))
			}
			for k, d := range tc.dups {
				want = append(want, fmt.Sprintf("%d: duplicate key: job %d has it too", 5+k, d))
			}
			assert.Equal(t, strings.Join(want, "\n"), strings.Join(got, "\n"))
			assert.Equal(t, tc.earlier, sum.AlreadySent)
			assert.Equal(t, 5-tc.earlier, sum.Accepted)
			assert.Equal(t, 5, srv.SendCount(), "one send per key")
		})
	}
}

// Retry counts the jobs due for a retry in Progress.ToSend: the last
// Progress of a Retry that resends one job says one to send, one done.
func TestRetryProgressCountsTheDueJobs(t *testing.T) {
	srv := newFake(t)
	jobs := orderJobs(6)
	j, err := bulk.OpenJournal(retryJournal(t, jobs)) // job 1 is due
	require.NoError(t, err)
	t.Cleanup(func() { _ = j.Close() })
	var mu sync.Mutex
	var last bulk.Progress
	r, err := bulk.NewRunner(srv.Client(), j, bulk.WithRate(0), bulk.WithTemplateCheck(false),
		bulk.WithProgress(func(p bulk.Progress) { mu.Lock(); last = p; mu.Unlock() }, 0))
	require.NoError(t, err)
	sum, err := r.Retry(context.Background(), bulk.Jobs(jobs))
	require.NoError(t, err)
	require.Equal(t, 1, sum.Retried)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 1, last.ToSend, "ToSend")
	assert.Equal(t, 1, last.Done, "Done")
	assert.Equal(t, 0, last.Remaining, "Remaining")
}

// The Summary of a resumed campaign counts the callbacks the journal holds
// for this run's jobs, the ones sent by an earlier run included, and only
// those: the journal's other keys are not this run's.
func TestResumedSummaryCountsTheCallbacksOfThisRunsJobs(t *testing.T) {
	for _, tc := range []struct {
		name                        string
		jobs                        []int // of the four sent by the first run
		delivered, failed, awaiting int
	}{
		{"the same jobs", []int{0, 1, 2, 3}, 2, 1, 1},
		{"a subset", []int{1, 3}, 1, 0, 1},
		{"the failed one", []int{2}, 0, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFake(t)
			j := openJournal(t)
			jobs := orderJobs(4)
			_, err := run(t, srv.Client(), j, jobs, bulk.WithTemplateCheck(false))
			require.NoError(t, err)
			for i, ev := range []*crispwa.CallbackEvent{ // job 3 has no callback
				{WhatsAppMessageID: "wamid.0"},
				{WhatsAppMessageID: "wamid.1"},
				{Error: true, Reason: "(#131026) Message undeliverable"},
			} {
				e, ok := j.Lookup(jobs[i].Key)
				require.True(t, ok)
				ev.RequestID = e.RequestID
				require.NoError(t, j.RecordCallback(context.Background(), ev))
			}
			var again []bulk.Job
			for _, i := range tc.jobs {
				again = append(again, jobs[i])
			}
			sum, err := run(t, srv.Client(), j, again, bulk.WithTemplateCheck(false))
			require.NoError(t, err)
			assert.Equal(t, len(tc.jobs), sum.AlreadySent)
			assert.Equal(t, tc.delivered, sum.Delivered, "Delivered")
			assert.Equal(t, tc.failed, sum.Failed, "Failed")
			assert.Equal(t, tc.awaiting, sum.AwaitingCallback, "AwaitingCallback")
			assert.Equal(t, 4, srv.SendCount(), "nothing sent again")
		})
	}
}

// Stops recorded in a shared RateStore before a run began (an earlier
// campaign's) do not stop it: a run that lasts several of the Stopper's
// polls sends every job.
func TestEarlierStopsInTheSharedStoreDoNotStopANewRun(t *testing.T) {
	for _, stops := range []int64{0, 3} {
		t.Run(fmt.Sprint(stops), func(t *testing.T) {
			store := &sharedStore{stops: stops, reason: "account (#131031): an earlier campaign"}
			srv := newFake(t)
			srv.SetLatency(25 * time.Millisecond) // 24 sends one at a time: over 0.6 s, three polls
			sum, err := run(t, srv.Client(), openJournal(t), orderJobs(24), bulk.WithRateStore(store),
				bulk.WithConcurrency(1), bulk.WithTemplateCheck(false))
			require.NoError(t, err)
			assert.Equal(t, 24, sum.Accepted)
			assert.Zero(t, sum.NotSent)
		})
	}
}

// changingSource yields n jobs of order_update on its first pass (the
// validation pass); on the later ones it yields, at position at, change's
// job instead (nil: the source ends there), or with at = n one job more.
func changingSource(n, at int, change func() *bulk.Job) iter.Seq2[bulk.Job, error] {
	passes := 0
	return func(yield func(bulk.Job, error) bool) {
		passes++
		for i := range n + 1 {
			job := orderJob(recipient(i))
			switch {
			case passes > 1 && i == at:
				c := change()
				if c == nil {
					return
				}
				job = *c
			case i == n:
				return
			}
			if !yield(job, nil) {
				return
			}
		}
	}
}

// A job source that changes between the validation pass and the sending
// pass stops the run with ErrJobsChanged before any job it did not
// validate, and the Summary still accounts for every job to send: each
// has its outcome (accepted, refused or unknown) or is counted NotSent. A
// source that ends early, or yields one job more, changed too. (With one
// worker, the first job always has its outcome before the change is seen;
// the next ones may or may not.)
func TestChangedSourceAccountsForEveryJob(t *testing.T) {
	other := func() *bulk.Job { j := orderJob(recipient(99)); return &j }
	for _, tc := range []struct {
		name   string
		n, at  int
		change func() *bulk.Job
		fault  func(srv *crispwatest.Server) // on the first send
		first  string                        // job 0's outcome: accepted, rejected, unknown or "" (not sent)
		skip   int                           // a job whose recipient is suppressed (0: none)
	}{
		{"a job changed", 8, 3, other, nil, "accepted", 0},
		{"a job changed, the first refused", 8, 3, other,
			func(srv *crispwatest.Server) { srv.FailNext(http.StatusBadRequest, "invalid_data") }, "rejected", 0},
		{"a job changed, the first unknown", 8, 3, other,
			func(srv *crispwatest.Server) { srv.DropNextSends(1, true) }, "unknown", 0},
		{"the first job changed", 8, 0, other, nil, "", 0},
		{"ended early", 8, 5, func() *bulk.Job { return nil }, nil, "accepted", 0},
		{"one job more", 4, 4, other, nil, "accepted", 0},
		{"a job changed after a suppressed one", 8, 5, other, nil, "accepted", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFake(t)
			if tc.fault != nil {
				tc.fault(srv)
			}
			opts := []bulk.Option{bulk.WithRate(0), bulk.WithConcurrency(1), bulk.WithTemplateCheck(false)}
			if tc.skip > 0 {
				list := bulk.NewMemorySuppressions()
				require.NoError(t, list.Add(context.Background(), recipient(tc.skip), "opted out"))
				opts = append(opts, bulk.WithSuppressions(list))
			}
			r, err := bulk.NewRunner(srv.Client(), openJournal(t), opts...)
			require.NoError(t, err)
			sum, err := r.RunSeq(context.Background(), changingSource(tc.n, tc.at, tc.change))
			require.ErrorIs(t, err, bulk.ErrJobsChanged)
			assert.Equal(t, tc.n, sum.Jobs)
			if tc.skip > 0 {
				assert.Equal(t, 1, sum.Suppressed)
			}
			assert.Equal(t, tc.n, sum.Accepted+len(sum.Rejected)+len(sum.Unknown)+sum.Suppressed+sum.NotSent,
				"every job accounted for: %d accepted, %d refused, %d unknown, %d suppressed, %d not sent", sum.Accepted, len(sum.Rejected), len(sum.Unknown), sum.Suppressed, sum.NotSent)
			assert.LessOrEqual(t, sum.Accepted+len(sum.Rejected)+len(sum.Unknown), tc.at, "only jobs before the change")
			for _, s := range srv.Sends() {
				assert.NotEqual(t, recipient(99), s.To)
			}
			got := ""
			switch {
			case len(sum.Rejected) > 0 && sum.Rejected[0].Index == 0:
				got = "rejected"
			case len(sum.Unknown) > 0 && sum.Unknown[0].Index == 0:
				got = "unknown"
			case srv.SendCount() > 0 && srv.Sends()[0].To == recipient(0):
				got = "accepted"
			}
			assert.Equal(t, tc.first, got, "job 0")
		})
	}
}

// A template failure pauses the template with a reason naming the class,
// and the WhatsApp code when the refusal has one.
func TestTemplatePauseReasonNamesTheCode(t *testing.T) {
	for _, tc := range []struct{ refusal, reason string }{
		{"(#132015) Template is paused", "template (#132015): (#132015) Template is paused"},
		{"Template was paused due to low quality", "template: Template was paused due to low quality"},
	} {
		t.Run(tc.refusal, func(t *testing.T) {
			srv := newFake(t)
			srv.FailNext(http.StatusBadRequest, tc.refusal)
			var jobs []bulk.Job
			for i := range 3 {
				jobs = append(jobs, otherTemplateJob("spring_sale", recipient(i)))
			}
			sum, err := run(t, srv.Client(), openJournal(t), jobs, bulk.WithConcurrency(1), bulk.WithTemplateCheck(false))
			require.NoError(t, err)
			require.Len(t, sum.PausedTemplates, 1)
			assert.Equal(t, tc.reason, sum.PausedTemplates[0].Reason)
			assert.Equal(t, 2, sum.PausedTemplates[0].Skipped)
		})
	}
}

// Jobs whose worker was waiting for its slot (WithRate) when their template
// was paused are skipped, counted in the pause, not as NotSent: the run
// was not stopped.
func TestPausedWhileWaitingForTheSlotIsSkipped(t *testing.T) {
	srv := newFake(t)
	srv.FailNext(http.StatusBadRequest, "(#132015) Template is paused")
	var jobs []bulk.Job
	for i := range 6 {
		jobs = append(jobs, otherTemplateJob("spring_sale", recipient(i)))
	}
	// Four workers take a job each at once; at 4 sends a second, the
	// second, third and fourth wait 250, 500 and 750 ms for their slot,
	// long after the first send's refusal paused the template.
	sum, err := run(t, srv.Client(), openJournal(t), jobs, bulk.WithRate(4), bulk.WithConcurrency(4), bulk.WithTemplateCheck(false))
	require.NoError(t, err)
	assert.Len(t, sum.Rejected, 1)
	require.Len(t, sum.PausedTemplates, 1)
	assert.Equal(t, 5, sum.PausedTemplates[0].Skipped)
	assert.Zero(t, sum.NotSent, "NotSent")
	assert.Zero(t, sum.Accepted)
}

// closingSuppressions is an empty suppression list that closes the journal
// when it is asked about number: the send's intent cannot be recorded.
type closingSuppressions struct {
	*bulk.MemorySuppressions
	j      *bulk.Journal
	number string
}

func (s *closingSuppressions) Contains(ctx context.Context, number string) (bool, error) {
	if number == s.number {
		_ = s.j.Close()
	}
	return s.MemorySuppressions.Contains(ctx, number)
}

// When the journal cannot record a send's intent, the job is not sent, the
// run stops with the journal's error, and that job and every later one are
// NotSent.
func TestIntentNotRecordedIsNotSent(t *testing.T) {
	for _, at := range []int{0, 3} {
		t.Run(fmt.Sprint(at), func(t *testing.T) {
			srv := newFake(t)
			j := openJournal(t)
			list := &closingSuppressions{bulk.NewMemorySuppressions(), j, recipient(at)}
			sum, err := run(t, srv.Client(), j, orderJobs(6), bulk.WithConcurrency(1), bulk.WithTemplateCheck(false), bulk.WithSuppressions(list))
			require.ErrorIs(t, err, bulk.ErrJournalClosed)
			assert.Equal(t, at, srv.SendCount())
			assert.Equal(t, at, sum.Accepted)
			assert.Equal(t, 6-at, sum.NotSent, "NotSent")
		})
	}
}

// A job source that ends early once ctx is cancelled (a database cursor
// does) has not changed: Run returns ctx's error, not ErrJobsChanged.
func TestSourceEndingAtCancelIsNotAChange(t *testing.T) {
	srv := newFake(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	passes := 0
	seq := func(yield func(bulk.Job, error) bool) {
		passes++
		for i := range 6 {
			if passes > 1 && i == 3 {
				cancel()
				return
			}
			if !yield(orderJob(recipient(i)), nil) {
				return
			}
		}
	}
	r, err := bulk.NewRunner(srv.Client(), openJournal(t), bulk.WithRate(0), bulk.WithConcurrency(1), bulk.WithTemplateCheck(false))
	require.NoError(t, err)
	_, err = r.RunSeq(ctx, seq)
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, bulk.ErrJobsChanged)
	assert.LessOrEqual(t, srv.SendCount(), 3)
}

// Summary.Suppress lists the keys whose send was refused for a reason of
// the recipient class, and no other refusal.
func TestSummarySuppressListsRecipientRefusals(t *testing.T) {
	for _, tc := range []struct {
		refusal  string
		suppress bool
	}{
		{"(#131026) Message undeliverable", true},
		{"(#132015) Template is paused", false},
		{"invalid_data", false},
	} {
		t.Run(tc.refusal, func(t *testing.T) {
			srv := newFake(t)
			srv.FailNext(http.StatusBadRequest, tc.refusal)
			jobs := orderJobs(2)
			sum, err := run(t, srv.Client(), openJournal(t), jobs, bulk.WithConcurrency(1), bulk.WithTemplateCheck(false))
			require.NoError(t, err)
			require.Len(t, sum.Rejected, 1)
			want := []string(nil)
			if tc.suppress {
				want = []string{sum.Rejected[0].Key}
			}
			assert.Equal(t, want, sum.Suppress)
		})
	}
}

// The Summary finds every job of a large campaign in its table of keys
// new in this run (collisions included): each accepted send without a
// callback is counted as awaiting one.
func TestSummaryFindsEveryNewKeyAmongThousands(t *testing.T) {
	for _, n := range []int{1, 700, 1500} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			srv := newFake(t)
			sum, err := run(t, srv.Client(), openJournal(t, bulk.WithoutFsync()), orderJobs(n), bulk.WithTemplateCheck(false))
			require.NoError(t, err)
			require.Equal(t, n, sum.Accepted)
			assert.Equal(t, n, sum.AwaitingCallback, "AwaitingCallback")
		})
	}
}
