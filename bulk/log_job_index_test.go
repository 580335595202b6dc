package bulk_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/internal/testenv"
)

// stopFailingStore is a RateStore and Stopper whose Stop and Stops fail
// (Redis down for those calls), the rest answering at once.
type stopFailingStore struct{ sharedStore }

func (*stopFailingStore) Stop(context.Context, string, string) error {
	return errors.New("store unreachable")
}
func (*stopFailingStore) Stops(context.Context, string) (int64, string, error) {
	return 0, "", errors.New("store unreachable")
}

// A log record about one job carries its index ("job", from 0); a record
// about the campaign (the shared stop failing) carries none.
func TestLogRecordsCarryTheJobIndexOnlyForAJob(t *testing.T) {
	for _, tc := range []struct {
		name   string
		refuse bool // the first send is refused with an account failure
		msg    string
		job    int // -1: no "job" attribute
	}{
		{"accepted, job 0", false, "bulk: accepted", 0},
		{"the stop count unreadable at the start", false, "bulk: rate store failed: a stop by another runner may not be seen", -1},
		{"the stop not shared", true, "bulk: rate store failed: the stop is not shared with the other runners", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFake(t)
			if tc.refuse {
				srv.FailNext(http.StatusBadRequest, "(#131031) Business Account locked")
			}
			var buf testenv.Buffer
			logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			_, _ = run(t, srv.Client(), openJournal(t), orderJobs(2), bulk.WithLogger(logger),
				bulk.WithRateStore(&stopFailingStore{}), bulk.WithConcurrency(1), bulk.WithTemplateCheck(false))
			var found bool
			for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
				var rec map[string]any
				require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
				if rec["msg"] != tc.msg || found {
					continue
				}
				found = true
				job, has := rec["job"]
				if tc.job < 0 {
					assert.False(t, has, "no job index: %s", line)
				} else {
					assert.Equal(t, float64(tc.job), job, line)
				}
			}
			assert.True(t, found, "no %q record in\n%s", tc.msg, buf.String())
		})
	}
}
