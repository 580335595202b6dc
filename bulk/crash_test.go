package bulk_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/internal/testenv"
)

// The crash test re-runs this test binary as the campaign process, so that
// it can be killed with SIGKILL while the fake API stays up in the parent.
const crashHelperEnv = "CRISPWA_BULK_CRASH_HELPER"

const crashJobs, crashConcurrency = 200, 4

// TestCrashHelperProcess is the child's campaign; it does nothing in a
// normal test run.
func TestCrashHelperProcess(t *testing.T) {
	if os.Getenv(crashHelperEnv) != "1" {
		t.Skip("the campaign process of TestSIGKILLMidCampaignThenResume")
	}
	client, err := crispwa.NewClient(os.Getenv("CRASH_WEBSITE"),
		crispwa.Credentials{Identifier: os.Getenv("CRASH_IDENTIFIER"), Key: os.Getenv("CRASH_KEY")},
		crispwa.WithBaseURL(os.Getenv("CRASH_URL")), crispwa.WithRetryWait(time.Millisecond, 50*time.Millisecond))
	require.NoError(t, err)
	j, err := bulk.OpenJournal(os.Getenv("CRASH_JOURNAL"))
	require.NoError(t, err)
	r, err := bulk.NewRunner(client, j, bulk.WithRate(0), bulk.WithConcurrency(crashConcurrency))
	require.NoError(t, err)
	_, err = r.Run(context.Background(), orderJobs(crashJobs))
	require.NoError(t, err)
	require.NoError(t, j.Close())
}

func TestSIGKILLMidCampaignThenResume(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a subprocess")
	}
	srv := newFake(t)
	srv.SetLatency(2 * time.Millisecond)
	journal := filepath.Join(t.TempDir(), "campaign.jsonl")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashHelperEnv+"=1",
		"CRASH_URL="+srv.URL, "CRASH_WEBSITE="+srv.WebsiteID,
		"CRASH_IDENTIFIER="+srv.Credentials.Identifier, "CRASH_KEY="+srv.Credentials.Key,
		"CRASH_JOURNAL="+journal)
	out := &testenv.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	// Kill it when a quarter of the campaign is through.
	var killedAt int
	require.Eventually(t, func() bool {
		if n := srv.SendCount(); n >= crashJobs/4 {
			require.NoError(t, cmd.Process.Kill()) // SIGKILL: no deferred code runs
			killedAt = n
			return true
		}
		return false
	}, 30*time.Second, 100*time.Microsecond, "child output: %s", out)
	err := <-exited
	require.Error(t, err, "killed, not finished: %s", out)
	t.Logf("killed after %d accepted sends", killedAt)

	// Resume, as the command does by default.
	srv.SetLatency(0)
	client := srv.Client()
	j, err := bulk.OpenJournal(journal)
	require.NoError(t, err, "the journal of a killed run opens (a torn last line is cut)")
	defer j.Close()
	sum, err := run(t, client, j, orderJobs(crashJobs))
	require.NoError(t, err)
	require.Empty(t, sum.Invalid)

	per := sendsPerRecipient(srv)
	for to, n := range per {
		require.Equal(t, 1, n, "nobody gets the message twice: %s", to)
	}
	// The only keys not sent are the ones in flight at the kill, which the
	// journal reports as unknown instead of sending them blindly.
	assert.LessOrEqual(t, len(sum.SkippedUnknown), crashConcurrency)
	assert.Equal(t, crashJobs, sum.AlreadySent+sum.Accepted+len(sum.SkippedUnknown))
	var unsent []bulk.Job
	for _, job := range orderJobs(crashJobs) {
		if per[job.Request.To] == 0 {
			e, _ := j.Lookup(job.Key)
			require.Equal(t, bulk.StatusUnknown, e.Status, "a recipient not sent is an unknown key: %s", job.Key)
			unsent = append(unsent, job)
		}
	}
	t.Logf("resume: %d already sent, %d sent now, %d unknown of which %d never reached the API",
		sum.AlreadySent, sum.Accepted, len(sum.SkippedUnknown), len(unsent))

	// The operator checks the unknown ones (here: against the fake) and
	// retries those that never reached Crisp.
	if len(unsent) > 0 {
		sum, err = run(t, client, j, unsent, bulk.WithRetryUnknown(true))
		require.NoError(t, err)
		assert.Equal(t, len(unsent), sum.Accepted)
	}
	per = sendsPerRecipient(srv)
	require.Len(t, per, crashJobs)
	for _, job := range orderJobs(crashJobs) {
		assert.Equal(t, 1, per[job.Request.To], "every recipient was sent exactly once: %s", job.Key)
	}
}
