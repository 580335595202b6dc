package redisstore_test

import (
	"context"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/redisstore"
)

// On a client that is not a *redis.Client (a Ring here: the Store bounds its
// calls in a goroutine), a call that succeeds returns no error and a call
// that fails returns its error.
func TestStoreOnARingReportsSuccessAndFailure(t *testing.T) {
	sharedRedis(t) // skips (fails in CI) without Redis
	for _, tc := range []struct {
		name    string
		closed  bool // the ring is closed before the call
		wantErr bool
	}{
		{"success", false, false},
		{"failure", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": os.Getenv(redisAddrEnv)}})
			s := newStore(t, ring, redisstore.WithPrefix(testPrefix(t)))
			if tc.closed {
				require.NoError(t, ring.Close())
			} else {
				t.Cleanup(func() { _ = ring.Close() })
			}
			_, res, err := s.Claim(context.Background(), "r")
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, callback.ClaimAcquired, res)
		})
	}
}
