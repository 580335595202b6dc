package redisstore_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/crispwa/crispwa/redisstore"
)

// Each TTL option takes 1ms, its documented least, and refuses less.
func TestTTLOptionsAcceptOneMillisecond(t *testing.T) {
	rdb := sharedRedis(t)
	for name, opt := range map[string]func(time.Duration) redisstore.Option{
		"WithClaimTTL": redisstore.WithClaimTTL,
		"WithDedupTTL": redisstore.WithDedupTTL,
		"WithEventTTL": redisstore.WithEventTTL,
	} {
		t.Run(name, func(t *testing.T) {
			assert.NotPanics(t, func() { _ = redisstore.New(rdb, opt(time.Millisecond)).Close() })
			assert.Panics(t, func() { _ = redisstore.New(rdb, opt(time.Millisecond-1)).Close() })
		})
	}
}
