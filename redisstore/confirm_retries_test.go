package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/redisstore"
)

// confirmFaults refuses the first `fail` writes of a Confirm (a SET of the
// value "handled") on a real Redis, and counts every such write.
type confirmFaults struct {
	fail  int64
	calls atomic.Int64
}

func (h *confirmFaults) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *confirmFaults) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		args := cmd.Args()
		if cmd.Name() == "set" && len(args) > 2 && fmt.Sprint(args[2]) == "handled" {
			if h.calls.Add(1) <= h.fail {
				err := errors.New("injected fault: Redis refuses the write")
				cmd.SetErr(err)
				return err
			}
		}
		return next(ctx, cmd)
	}
}

func (h *confirmFaults) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// A Confirm that fails is tried again in the background at most 20 times
// (maxConfirmTries), and no more once one succeeds: exactly that many
// writes reach Redis, not one more.
func TestConfirmBackgroundTriesAreBounded(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fail      int64 // writes refused
		wantCalls int64 // the Confirm's own write and the background tries
		handled   bool  // the request_id ends up recorded as handled
	}{
		{"refused every time, the Confirm then 20 tries", 1 << 30, 21, false},
		{"refused 3 times, the 4th write records it", 3, 4, true},
		{"refused once, the first try records it", 1, 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := sharedRedis(t)
			rdb := redis.NewClient(base.Options())
			t.Cleanup(func() { _ = rdb.Close() })
			faults := &confirmFaults{fail: tc.fail}
			rdb.AddHook(faults)
			prefix := testPrefix(t)
			// claim TTL 15ms: a beat every 5ms, 20 tries within ~100ms
			s := newStore(t, rdb, redisstore.WithPrefix(prefix), redisstore.WithClaimTTL(15*time.Millisecond))
			ctx := context.Background()
			token, res, err := s.Claim(ctx, "c")
			require.NoError(t, err)
			require.Equal(t, callback.ClaimAcquired, res)
			require.Error(t, s.Confirm(ctx, "c", token))
			require.Eventually(t, func() bool { return faults.calls.Load() >= tc.wantCalls },
				10*time.Second, 5*time.Millisecond, "the Confirm is tried again")
			time.Sleep(500 * time.Millisecond) // 100 beat periods: time enough for a try too many
			assert.Equal(t, tc.wantCalls, faults.calls.Load(), "writes of the Confirm")
			got := base.Get(ctx, prefix+":default:claim:c").Val()
			assert.Equal(t, tc.handled, got == "handled", "claim value %q", got)
		})
	}
}
