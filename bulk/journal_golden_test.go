package bulk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of testdata/ from the code")

// A journal written by earlier versions of this package (testdata/
// journal-v1.jsonl: records without a template or a number, failed
// callbacks without a class, escaped keys, early and stale callbacks,
// operator resolutions, a time zone, a field of a later version, a blank
// line and a torn last line) opens to exactly the entries that version
// read (testdata/journal-v1.entries.json, written by it), and resumes.
func TestGoldenJournalFromAnEarlierVersion(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "journal-v1.jsonl"))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	require.NoError(t, os.WriteFile(path, src, 0o600))

	read, err := bulk.ReadJournal(path)
	require.NoError(t, err)
	j, err := bulk.OpenJournal(path)
	require.NoError(t, err)
	defer j.Close()
	got, err := json.MarshalIndent(j.Entries(), "", "\t")
	require.NoError(t, err)
	got = append(got, '\n')
	golden := filepath.Join("testdata", "journal-v1.entries.json")
	if *updateGolden {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(got))
	assert.Equal(t, j.Entries(), read, "ReadJournal reads what OpenJournal does")

	// The torn last line is cut, nothing else.
	cut, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, src[:bytes.LastIndexByte(src, '\n')+1], cut)

	// Resumed: only the keys that were refused or never sent are sent.
	srv := newFake(t)
	var jobs []bulk.Job
	for _, e := range j.Entries() {
		to := e.To
		if to == "" { // a record of an earlier version
			to = strings.TrimPrefix(e.Key, "spring/")
		}
		job := orderJob(to)
		job.Key = e.Key
		jobs = append(jobs, job)
	}
	jobs = append(jobs, orderJob("+33610000099")) // a new one
	r, err := bulk.NewRunner(srv.Client(), j, bulk.WithRate(0), bulk.WithTemplateCheck(false))
	require.NoError(t, err)
	sum, err := r.Run(context.Background(), jobs)
	require.NoError(t, err)
	sent := map[string]bool{}
	for _, s := range srv.Sends() {
		sent[s.To] = true
	}
	assert.Equal(t, map[string]bool{"+33610000002": true, "+33610000008": true, "+33610000009": true,
		"+33610000012": true, "+33610000099": true}, sent, "sent again: the rejected keys and the new one")
	assert.ElementsMatch(t, []string{"spring/+33610000007", "spring/+33610000013"}, sum.SkippedUnknown,
		"found sending: unknown, never sent again")
	e, ok := j.Lookup("spring/+33610000004")
	require.True(t, ok)
	assert.Equal(t, bulk.DeliveryDelivered, e.Delivery, "the stale callback of the first send does not count")
}
