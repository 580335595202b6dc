package bulk_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
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
)

// writeJournal writes content to a fresh journal file and returns its path.
func writeJournal(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

const (
	lineSendingA  = `{"time":"2026-11-25T10:00:00Z","event":"sending","key":"a"}` + "\n"
	lineAcceptedA = `{"time":"2026-11-25T10:00:01Z","event":"accepted","key":"a","request_id":"req-a"}` + "\n"
	lineSendingB  = `{"time":"2026-11-25T10:00:02Z","event":"sending","key":"b"}` + "\n"
	lineRejectedB = `{"time":"2026-11-25T10:00:03Z","event":"rejected","key":"b","http_status":400,"reason":"invalid_data"}` + "\n"
	lineSendingC  = `{"time":"2026-11-25T10:00:04Z","event":"sending","key":"c"}` + "\n"
	lineUnknownD  = `{"time":"2026-11-25T10:00:05Z","event":"unknown","key":"d","reason":"HTTP 502"}` + "\n"
	lineFailedA   = `{"time":"2026-11-25T10:00:06Z","event":"failed","request_id":"req-a","reason":"paused"}` + "\n"
)

func TestOpenJournalReadsState(t *testing.T) {
	path := writeJournal(t, lineSendingA+lineAcceptedA+lineSendingB+lineRejectedB+lineSendingC+lineUnknownD+"\n"+lineFailedA)
	j, err := bulk.OpenJournal(path)
	require.NoError(t, err)
	defer j.Close()

	at := func(sec int) time.Time { return time.Date(2026, 11, 25, 10, 0, sec, 0, time.UTC) }
	want := []bulk.Entry{
		{Key: "a", Status: bulk.StatusAccepted, RequestID: "req-a", Time: at(1), Delivery: bulk.DeliveryFailed, DeliveryReason: "paused",
			Failure: (&crispwa.CallbackEvent{Error: true, Reason: "paused"}).Failure()},
		{Key: "b", Status: bulk.StatusRejected, Reason: "invalid_data", Time: at(3)},
		{Key: "c", Status: bulk.StatusUnknown, Reason: "interrupted while sending: the send may have reached Crisp", Time: at(4)},
		{Key: "d", Status: bulk.StatusUnknown, Reason: "HTTP 502", Time: at(5)},
	}
	assert.Equal(t, want, j.Entries())
	read, err := bulk.ReadJournal(path)
	require.NoError(t, err)
	assert.Equal(t, want, read, "ReadJournal says the same")
	_, ok := j.Lookup("zzz")
	assert.False(t, ok)
}

func TestOpenJournalTornLastLine(t *testing.T) {
	for _, torn := range []string{`{"time":"2026-11-25T10:00:04Z","event":"sen`, `{`, `{"ti`} {
		t.Run(torn, func(t *testing.T) {
			path := writeJournal(t, lineSendingA+lineAcceptedA+torn)
			j, err := bulk.OpenJournal(path)
			require.NoError(t, err, "a torn last line is tolerated")
			assert.Len(t, j.Entries(), 1)
			require.NoError(t, j.RecordCallback(context.Background(), &crispwa.CallbackEvent{RequestID: "req-a", WhatsAppMessageID: "wamid.a"}))
			require.NoError(t, j.Close())

			raw, err := os.ReadFile(path)
			require.NoError(t, err)
			lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
			require.Len(t, lines, 3, "the torn line is cut, not glued to the next record")
			assert.Equal(t, lineSendingA+lineAcceptedA, lines[0]+"\n"+lines[1]+"\n")
			assert.True(t, strings.HasPrefix(lines[2], `{"time":`), lines[2])
			j, err = bulk.OpenJournal(path)
			require.NoError(t, err, "the journal stays readable after appending")
			defer j.Close()
			e, _ := j.Lookup("a")
			assert.Equal(t, bulk.DeliveryDelivered, e.Delivery)
		})
	}
}

func TestOpenJournalCorrupt(t *testing.T) {
	tests := []struct{ name, content, wantLine string }{
		{"garbage in the middle", lineSendingA + "garbage\n" + lineAcceptedA, "line 2"},
		{"unknown event", `{"event":"teleported","key":"a"}` + "\n", "unknown event"},
		{"no key", `{"event":"sending"}` + "\n", "without a key"},
		{"accepted without request_id", `{"event":"accepted","key":"a"}` + "\n", "without a request_id"},
		{"callback without request_id", `{"event":"delivered"}` + "\n", "without a request_id"},
		{"a CSV", "to,1,2\n+33600000001,Alice,#1\n", "line 1: not a journal record"},
		{"a one-line CSV without newline", "to,1,2", "line 1: not a journal record"},
		{"garbage last line", lineSendingA + "garbage", "line 2: not a journal record"},
		{"huge line", lineSendingA + `{"time":"2026-11-25T10:00:04Z","event":"sending","key":"` + strings.Repeat("x", bulk.MaxJournalLine) + "\"}\n", "line 2: longer than"},
		{"huge last line", lineSendingA + strings.Repeat("x", 3*bulk.MaxJournalLine), "line 2: longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeJournal(t, tt.content)
			_, err := bulk.OpenJournal(path)
			require.ErrorIs(t, err, bulk.ErrJournalCorrupt)
			assert.ErrorContains(t, err, tt.wantLine)
			_, err = bulk.ReadJournal(path)
			require.ErrorIs(t, err, bulk.ErrJournalCorrupt)
			raw, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, tt.content, string(raw), "a file that is not a journal is left as it is")
		})
	}
}

func TestJournalIsLocked(t *testing.T) {
	path := writeJournal(t, "")
	j, err := bulk.OpenJournal(path)
	require.NoError(t, err)
	_, err = bulk.OpenJournal(path)
	require.ErrorIs(t, err, bulk.ErrJournalLocked)
	require.NoError(t, j.Close())
	require.NoError(t, j.Close(), "idempotent")
	j, err = bulk.OpenJournal(path)
	require.NoError(t, err, "the lock goes with Close")
	require.NoError(t, j.Close())
	assert.ErrorIs(t, j.Flush(), bulk.ErrJournalClosed)
	assert.ErrorIs(t, j.RecordCallback(context.Background(), &crispwa.CallbackEvent{RequestID: "x"}), bulk.ErrJournalClosed)
}

func TestJournalFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.jsonl")
	j, err := bulk.OpenJournal(path)
	require.NoError(t, err)
	defer j.Close()
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "keys may name recipients")
	assert.Equal(t, path, j.Path())
}

func TestRecordCallbackBeforeAccepted(t *testing.T) {
	// Crisp may call back before the "accepted" record is written: the
	// callback is kept and matched, in memory and after a reload.
	path := writeJournal(t, lineSendingA)
	j, err := bulk.OpenJournal(path)
	require.NoError(t, err)
	require.NoError(t, j.RecordCallback(context.Background(), &crispwa.CallbackEvent{RequestID: "req-a", Error: true, Reason: "not approved"}))
	require.NoError(t, j.Close())
	require.NoError(t, appendLine(path, lineAcceptedA))

	j, err = bulk.OpenJournal(path)
	require.NoError(t, err)
	defer j.Close()
	e, _ := j.Lookup("a")
	assert.Equal(t, bulk.Entry{Key: "a", Status: bulk.StatusAccepted, RequestID: "req-a", Time: time.Date(2026, 11, 25, 10, 0, 1, 0, time.UTC),
		Delivery: bulk.DeliveryFailed, DeliveryReason: "not approved", Failure: &crispwa.Failure{Class: crispwa.FailureUnknown, Message: "not approved"}}, e)
	assert.Error(t, j.RecordCallback(context.Background(), &crispwa.CallbackEvent{}), "no request_id")
	assert.Error(t, j.RecordCallback(context.Background(), nil))
}

func appendLine(path, line string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(line)
	return errors.Join(err, f.Close())
}

func TestJournalConcurrentWritesStayWholeLines(t *testing.T) {
	for _, opts := range [][]bulk.JournalOption{nil, {bulk.WithoutFsync()}} {
		t.Run(fmt.Sprintf("options=%d", len(opts)), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "j.jsonl")
			j, err := bulk.OpenJournal(path, opts...)
			require.NoError(t, err)
			var wg sync.WaitGroup
			for g := range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 20 {
						id := fmt.Sprintf("req-%d-%d", g, i)
						assert.NoError(t, j.RecordCallback(context.Background(), &crispwa.CallbackEvent{RequestID: id, WhatsAppMessageID: "wamid." + id}))
					}
				}()
			}
			wg.Wait()
			require.NoError(t, j.Close())

			f, err := os.Open(path)
			require.NoError(t, err)
			defer f.Close()
			lines := 0
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				var v map[string]any
				require.NoError(t, json.Unmarshal(sc.Bytes(), &v), sc.Text())
				assert.Equal(t, "delivered", v["event"])
				assert.True(t, strings.HasPrefix(v["request_id"].(string), "req-"))
				lines++
			}
			assert.Equal(t, 16*20, lines)
		})
	}
}

func TestSummaryCountsCallbacks(t *testing.T) {
	// Callbacks recorded through a callback.Handler wired to the journal, as
	// a user does, end up in the summary.
	srv := newFake(t)
	j := openJournal(t)
	receiver := newCallbackReceiver(t, j)
	srv.SetCallbackURL(receiver)

	jobs := orderJobs(5)
	for i := range 2 { // PENDING: accepted, then failed in the callback
		job := orderJob(recipient(100 + i))
		job.Request.Template = crispwa.MessageTemplate{Name: "spring_sale", Language: "en_US"}
		jobs = append(jobs, job)
	}
	sum, err := run(t, srv.Client(), j, jobs, bulk.WithTemplateCheck(false), bulk.WithCallbackWait(10*time.Second))
	require.NoError(t, err)
	assert.True(t, sum.OK())
	assert.Equal(t, 7, sum.Accepted)
	assert.Equal(t, 5, sum.Delivered)
	assert.Equal(t, 2, sum.Failed)
	assert.Zero(t, sum.AwaitingCallback)
	e, _ := j.Lookup(jobs[5].Key)
	assert.Contains(t, e.DeliveryReason, "PENDING")
}

func TestReadJournalChangesNothing(t *testing.T) {
	content := lineSendingA + lineAcceptedA + lineSendingC + `{"time":"2026`
	path := writeJournal(t, content)
	j, err := bulk.OpenJournal(path) // a campaign is running on it
	require.NoError(t, err)
	defer j.Close()
	got, err := bulk.ReadJournal(path)
	require.NoError(t, err, "not locked out, torn last line ignored")
	require.Len(t, got, 2)
	assert.Equal(t, bulk.StatusUnknown, got[1].Status)

	_, err = bulk.ReadJournal(filepath.Join(t.TempDir(), "missing.jsonl"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestResolve(t *testing.T) {
	path := writeJournal(t, lineSendingA+lineAcceptedA+lineFailedA+lineSendingC+lineUnknownD)
	j, err := bulk.OpenJournal(path)
	require.NoError(t, err)
	require.NoError(t, j.Resolve("c", true))
	require.NoError(t, j.Resolve("d", false))
	require.NoError(t, j.Resolve("a", false), "a failed callback: the operator wants it sent again")
	assert.ErrorIs(t, j.Resolve("zzz", true), bulk.ErrUnknownKey)
	require.NoError(t, j.Close())

	got, err := bulk.ReadJournal(path)
	require.NoError(t, err)
	require.Len(t, got, 3)
	byKey := map[string]bulk.Entry{}
	for _, e := range got {
		byKey[e.Key] = e
		assert.True(t, e.Resolved, e.Key)
		assert.False(t, e.Time.IsZero())
	}
	assert.Equal(t, bulk.StatusRejected, byKey["a"].Status)
	assert.Equal(t, bulk.StatusAccepted, byKey["c"].Status)
	assert.Equal(t, bulk.StatusRejected, byKey["d"].Status)
}

func TestJournalCapsReasons(t *testing.T) {
	j := openJournal(t)
	huge := strings.Repeat("é", 10_000)
	require.NoError(t, j.RecordCallback(context.Background(), &crispwa.CallbackEvent{RequestID: "r", Error: true, Reason: huge}))
	require.NoError(t, j.Close())
	raw, err := os.ReadFile(j.Path())
	require.NoError(t, err)
	assert.Less(t, len(raw), 4096)
	_, err = bulk.ReadJournal(j.Path())
	require.NoError(t, err, "still valid UTF-8 JSON")
}

func TestFailureClassesInTheSummary(t *testing.T) {
	srv := newFake(t)
	j := openJournal(t)
	jobs := orderJobs(4)
	sum, err := run(t, srv.Client(), j, jobs)
	require.NoError(t, err)
	require.Equal(t, 4, sum.Accepted)
	ids := map[string]string{} // recipient → request_id
	for i, s := range srv.Sends() {
		ids[s.To] = srv.RequestIDs()[i]
	}
	ctx := context.Background()
	cb := func(job int, reason string) *crispwa.CallbackEvent {
		return &crispwa.CallbackEvent{RequestID: ids[jobs[job].Request.To], Error: reason != "", Reason: reason, WhatsAppMessageID: "wamid.x"}
	}
	require.NoError(t, j.RecordCallback(ctx, cb(0, "")))
	require.NoError(t, j.RecordCallback(ctx, cb(1, "(#131026) Message undeliverable")))
	require.NoError(t, j.RecordCallback(ctx, cb(2, "(#131049) This message was not delivered to maintain healthy ecosystem engagement.")))
	require.NoError(t, j.RecordCallback(ctx, cb(3, "something else went wrong")))

	sum, err = run(t, srv.Client(), j, jobs)
	require.NoError(t, err)
	assert.Equal(t, 3, sum.AlreadySent, "the retry-later one is not settled")
	require.Len(t, sum.RetryLater, 1)
	assert.Equal(t, jobs[2].Key, sum.RetryLater[0].Key)
	assert.WithinDuration(t, time.Now().Add(24*time.Hour), sum.RetryLater[0].Due, time.Minute)
	assert.False(t, sum.OK(), "a retry is pending")
	assert.Equal(t, 1, sum.Delivered)
	assert.Equal(t, 3, sum.Failed)
	assert.Equal(t, map[crispwa.FailureClass]int{crispwa.FailureRecipient: 1, crispwa.FailureRetryLater: 1, crispwa.FailureUnknown: 1}, sum.Failures)
	assert.Equal(t, []string{jobs[1].Key}, sum.Suppress)

	// The class is in the journal: a reload (or an older journal, from the
	// reason alone) gives it back.
	require.NoError(t, j.Close())
	got, err := bulk.ReadJournal(j.Path())
	require.NoError(t, err)
	byKey := map[string]bulk.Entry{}
	for _, e := range got {
		byKey[e.Key] = e
	}
	require.NotNil(t, byKey[jobs[1].Key].Failure)
	assert.Equal(t, crispwa.FailureRecipient, byKey[jobs[1].Key].Failure.Class)
	assert.Equal(t, 131026, byKey[jobs[1].Key].Failure.Code)
	assert.Nil(t, byKey[jobs[0].Key].Failure)

	old := writeJournal(t, lineSendingA+lineAcceptedA+`{"time":"2026-11-25T10:00:06Z","event":"failed","request_id":"req-a","reason":"(#131050) user stopped marketing messages"}`+"\n")
	got, err = bulk.ReadJournal(old)
	require.NoError(t, err)
	require.NotNil(t, got[0].Failure)
	assert.Equal(t, crispwa.FailureRecipient, got[0].Failure.Class, "classified from the reason of a journal written before classes")
}
