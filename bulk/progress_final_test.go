package bulk_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/crispwatest"
)

// The last Progress of a run (WithProgress calls f once at the end) adds
// up: Done = Accepted + Rejected + Unknown, Remaining = ToSend - Done, no
// send in flight, and the suppressed or paused jobs counted as Skipped, out
// of ToSend.
func TestFinalProgressAddsUp(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, srv *crispwatest.Server) ([]bulk.Job, []bulk.Option)
		want    bulk.Progress // the fields compared: ToSend, Done, Accepted, Rejected, Unknown, Remaining, Skipped, InFlight
		notSent int
	}{
		{"all accepted", func(*testing.T, *crispwatest.Server) ([]bulk.Job, []bulk.Option) {
			return orderJobs(3), nil
		}, bulk.Progress{ToSend: 3, Done: 3, Accepted: 3}, 0},
		{"one refused", func(_ *testing.T, srv *crispwatest.Server) ([]bulk.Job, []bulk.Option) {
			srv.FailNext(http.StatusBadRequest, "invalid_data")
			return orderJobs(3), nil
		}, bulk.Progress{ToSend: 3, Done: 3, Accepted: 2, Rejected: 1}, 0},
		{"one outcome unknown", func(_ *testing.T, srv *crispwatest.Server) ([]bulk.Job, []bulk.Option) {
			srv.DropNextSends(1, true)
			return orderJobs(3), nil
		}, bulk.Progress{ToSend: 3, Done: 3, Accepted: 2, Unknown: 1}, 0},
		{"one suppressed", func(t *testing.T, _ *crispwatest.Server) ([]bulk.Job, []bulk.Option) {
			list := bulk.NewMemorySuppressions()
			jobs := orderJobs(3)
			require.NoError(t, list.Add(context.Background(), jobs[1].Request.To, "opted out"))
			return jobs, []bulk.Option{bulk.WithSuppressions(list)}
		}, bulk.Progress{ToSend: 2, Done: 2, Accepted: 2, Skipped: 1}, 0},
		{"template paused after its first send", func(_ *testing.T, srv *crispwatest.Server) ([]bulk.Job, []bulk.Option) {
			var jobs []bulk.Job
			for i := range 4 {
				jobs = append(jobs, otherTemplateJob("spring_sale", recipient(i)))
			}
			srv.FailNext(http.StatusBadRequest, "(#132015) Template is paused")
			return jobs, nil
		}, bulk.Progress{ToSend: 1, Done: 1, Rejected: 1, Skipped: 3}, 0},
		{"suppression list unreadable", func(*testing.T, *crispwatest.Server) ([]bulk.Job, []bulk.Option) {
			return orderJobs(5), []bulk.Option{bulk.WithSuppressions(&failingSuppressions{bulk.NewMemorySuppressions()})}
		}, bulk.Progress{ToSend: 5, Remaining: 5}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFake(t)
			jobs, opts := tc.setup(t, srv)
			var mu sync.Mutex
			var last bulk.Progress
			opts = append(opts, bulk.WithConcurrency(1), bulk.WithTemplateCheck(false),
				bulk.WithProgress(func(p bulk.Progress) { mu.Lock(); last = p; mu.Unlock() }, 0))
			sum, _ := run(t, srv.Client(), openJournal(t), jobs, opts...)
			mu.Lock()
			got := last
			mu.Unlock()
			got = bulk.Progress{ToSend: got.ToSend, Done: got.Done, Accepted: got.Accepted, Rejected: got.Rejected,
				Unknown: got.Unknown, Remaining: got.Remaining, Skipped: got.Skipped, InFlight: got.InFlight}
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.notSent, sum.NotSent, "Summary.NotSent")
			assert.Equal(t, len(jobs), sum.Jobs, "Summary.Jobs")
		})
	}
}
