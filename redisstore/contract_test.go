package redisstore_test

import (
	"github.com/redis/go-redis/v9"

	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/redisstore"
)

// The "Several replicas" part of the contract in ../shared/API.md, checked
// at compile time.
var (
	_ func(redis.UniversalClient, ...redisstore.Option) *redisstore.Store = redisstore.New
	_ callback.Store                                                      = (*redisstore.Store)(nil)
	_ bulk.RateStore                                                      = (*redisstore.Store)(nil)
	_ func(bulk.RateStore) bulk.Option                                    = bulk.WithRateStore
)
