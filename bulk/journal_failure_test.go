package bulk

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
)

// These tests replace the journal's file with one end of a pipe: a pipe
// accepts writes but fails fsync (EINVAL), and fails writes (EPIPE) once its
// reader is gone. They reach the failure paths no disk fails on demand.

// pipeJournal opens a journal and swaps its file for the write end of a
// pipe; it returns the journal and the read end.
func pipeJournal(t *testing.T, opts ...JournalOption) (*Journal, *os.File) {
	t.Helper()
	j, err := OpenJournal(filepath.Join(t.TempDir(), "j.jsonl"), opts...)
	require.NoError(t, err)
	orig := j.f
	r, w, err := os.Pipe()
	require.NoError(t, err)
	j.f = w
	t.Cleanup(func() {
		_ = j.Close()
		_ = orig.Close()
		_ = r.Close()
	})
	return j, r
}

func TestFsyncFailureFailsEveryWriterOnceAndForAll(t *testing.T) {
	j, r := pipeJournal(t)
	go func() { _, _ = bufio.NewReader(r).WriteTo(discard{}) }()

	const writers = 8
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- j.write(record{Event: string(StatusSending), Key: fmt.Sprint(i)}, true)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("writers still looping on a failed fsync")
	}
	close(errs)
	for err := range errs {
		require.ErrorIs(t, err, syscall.EINVAL, "every durable write reports the failed fsync")
		assert.ErrorContains(t, err, "syncing journal")
	}
	err := j.write(record{Event: string(StatusSending), Key: "later"}, false)
	assert.ErrorIs(t, err, syscall.EINVAL, "the journal stays failed: nothing more is written")
	assert.ErrorIs(t, j.Flush(), syscall.EINVAL)
	assert.ErrorIs(t, j.Close(), syscall.EINVAL, "Close reports it too, and returns")
}

// discard is io.Discard as an io.Writer value for WriteTo.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func TestFailedOutcomeWriteStopsTheRunAndIsReported(t *testing.T) {
	j, r := pipeJournal(t, WithoutFsync())
	readerGone := make(chan struct{})
	go func() { // read the first intent, then go away: the outcome write fails
		_, _ = bufio.NewReader(r).ReadString('\n')
		_ = r.Close()
		close(readerGone)
	}()
	var posts atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		n := posts.Add(1)
		<-readerGone
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"error":false,"reason":"dispatched","data":{"request_id":"req-%d"}}`, n)
	}))
	defer api.Close()
	client, err := crispwa.NewClient("website", crispwa.Credentials{Identifier: "id", Key: "key"}, crispwa.WithBaseURL(api.URL))
	require.NoError(t, err)

	var jobs []Job
	for i := range 3 {
		jobs = append(jobs, Job{Key: fmt.Sprint(i), Request: &crispwa.SendTemplateRequest{
			From: "+33100000000", To: fmt.Sprintf("+3361234567%d", i),
			Template: crispwa.MessageTemplate{Name: "t", Language: "en"}}})
	}
	runner, err := NewRunner(client, j, WithRate(0), WithConcurrency(1), WithTemplateCheck(false))
	require.NoError(t, err)
	sum, err := runner.Run(context.Background(), jobs)
	require.ErrorIs(t, err, syscall.EPIPE, "the lost outcome is reported")
	assert.ErrorContains(t, err, "writing journal")
	assert.EqualValues(t, 1, posts.Load(), "nothing is sent once the journal cannot record outcomes")
	assert.Equal(t, 2, sum.NotSent)
	e, _ := j.Lookup("0")
	assert.Equal(t, StatusSending, e.Status, "in memory the key stays in flight: reopened, it is unknown, never resent blindly")
	assert.False(t, errors.Is(err, context.Canceled))
}
