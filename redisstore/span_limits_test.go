package redisstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A span value of exactly 256 bytes is kept and read back by every span
// call; one byte more is refused.
func TestSpanValueOf256BytesIsKept(t *testing.T) {
	s := newStore(t, sharedRedis(t))
	ctx := context.Background()
	full, over := strings.Repeat("a", 256), strings.Repeat("b", 257)
	for _, tc := range []struct {
		name string
		call func(id, value string) (string, error) // returns what it read back
	}{
		{"PutSpan then GetSpan", func(id, v string) (string, error) {
			if err := s.PutSpan(ctx, id, v, time.Minute); err != nil {
				return "", err
			}
			return s.GetSpan(ctx, id)
		}},
		{"SwapSpan twice", func(id, v string) (string, error) {
			if _, err := s.SwapSpan(ctx, id, v, time.Minute); err != nil {
				return "", err
			}
			return s.SwapSpan(ctx, id, "x", time.Minute)
		}},
		{"AddSpan twice", func(id, v string) (string, error) {
			if _, err := s.AddSpan(ctx, id, v, time.Minute); err != nil {
				return "", err
			}
			return s.AddSpan(ctx, id, "x", time.Minute)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.call(tc.name+"-full", full)
			require.NoError(t, err)
			assert.Equal(t, full, got)
			_, err = tc.call(tc.name+"-over", over)
			assert.ErrorContains(t, err, "longer than 256 bytes")
		})
	}
}
