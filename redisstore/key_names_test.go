package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/redisstore"
)

// The key names docs/replicas.md gives: a ':' or a backslash inside the
// prefix or the website ID is escaped with a backslash, every other byte is
// kept, for the callback keys and the rate keys alike.
func TestKeyNamesEscapeColonAndBackslash(t *testing.T) {
	rdb := sharedRedis(t)
	base := testPrefix(t)
	for _, tc := range []struct {
		name, prefix, website string
		claim, pause          string // the keys written, after base
	}{
		{"plain", "", "w", `:w:claim:r`, `:{w}:rate:paused`},
		{"colon in the prefix", ":crispwa", "w", `\:crispwa:w:claim:r`, `\:crispwa:{w}:rate:paused`},
		{"colon in the website", "", "crispwa:w", `:crispwa\:w:claim:r`, `:{crispwa\:w}:rate:paused`},
		{"backslash", `\`, `a\b`, `\\:a\\b:claim:r`, `\\:{a\\b}:rate:paused`},
		{"short website ending in a colon", "", "x:", `:x\::claim:r`, `:{x\:}:rate:paused`},
		{"website of one colon", "", ":", `:\::claim:r`, `:{\:}:rate:paused`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t, rdb, redisstore.WithPrefix(base+tc.prefix), redisstore.WithWebsiteID(tc.website))
			ctx := context.Background()
			_, _, err := s.Claim(ctx, "r")
			require.NoError(t, err)
			require.NoError(t, s.Pause(ctx, tc.website, time.Minute))
			t.Cleanup(func() { rdb.Del(context.Background(), base+tc.claim, base+tc.pause) })
			for _, key := range []string{base + tc.claim, base + tc.pause} {
				n, err := rdb.Exists(ctx, key).Result()
				require.NoError(t, err)
				assert.Equal(t, int64(1), n, "key %q", key)
			}
		})
	}
}
