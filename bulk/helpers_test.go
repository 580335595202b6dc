package bulk_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/crispwatest"
)

const fromNumber = "+33100000000"

// newFake returns a fake API with the sample templates, closed at the end
// of the test.
func newFake(t testing.TB) *crispwatest.Server {
	t.Helper()
	srv := crispwatest.NewServer()
	t.Cleanup(srv.Close)
	for _, tmpl := range crispwatest.SampleTemplates() {
		srv.AddTemplate(tmpl)
	}
	return srv
}

// recipient is the phone number of job i.
func recipient(i int) string { return fmt.Sprintf("+3361%07d", i) }

// orderJobs returns n valid jobs of the "order_update" template, keyed by
// recipient.
func orderJobs(n int) []bulk.Job {
	jobs := make([]bulk.Job, n)
	for i := range jobs {
		jobs[i] = orderJob(recipient(i))
	}
	return jobs
}

func orderJob(to string) bulk.Job {
	tmpl := crispwatest.SampleTemplates()[0] // order_update
	msg, err := tmpl.Build(crispwa.TemplateValues{Body: []string{"Alice", "A-1"}, Buttons: map[int]string{0: "1"}})
	if err != nil {
		panic(err)
	}
	return bulk.Job{Key: "spring/" + to, Request: &crispwa.SendTemplateRequest{From: fromNumber, To: to, Template: msg}}
}

// openJournal opens a journal in a fresh directory, closed at the end of the
// test.
func openJournal(t testing.TB, opts ...bulk.JournalOption) *bulk.Journal {
	t.Helper()
	j, err := bulk.OpenJournal(filepath.Join(t.TempDir(), "journal.jsonl"), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = j.Close() })
	return j
}

// run runs jobs with a fresh Runner on client and journal.
func run(t testing.TB, client *crispwa.Client, j *bulk.Journal, jobs []bulk.Job, opts ...bulk.Option) (*bulk.Summary, error) {
	t.Helper()
	r, err := bulk.NewRunner(client, j, append([]bulk.Option{bulk.WithRate(0), bulk.WithConcurrency(8)}, opts...)...)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return r.Run(ctx, jobs)
}

// sendsPerRecipient counts the fake's accepted sends by recipient.
func sendsPerRecipient(srv *crispwatest.Server) map[string]int {
	n := map[string]int{}
	for _, s := range srv.Sends() {
		n[s.To]++
	}
	return n
}

// keys returns the keys of errs.
func keys(errs []*bulk.JobError) []string {
	out := []string{}
	for _, e := range errs {
		out = append(out, e.Key)
	}
	return out
}

// newCallbackReceiver serves callback.NewHandler(j.RecordCallback) on
// loopback and returns its URL.
func newCallbackReceiver(t testing.TB, j *bulk.Journal) string {
	t.Helper()
	s := httptest.NewServer(callback.NewHandler(j.RecordCallback))
	t.Cleanup(s.Close)
	return s.URL
}
