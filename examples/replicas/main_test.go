package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/internal/testenv"
)

// offlineEnv is the environment without CRISP_* variables: the example then
// uses its in-process fake API.
func offlineEnv(redisAddr string) func(string) string {
	return func(k string) string {
		if k == "CRISPWA_REDIS_ADDR" {
			return redisAddr
		}
		return ""
	}
}

func TestRunWithoutRedisExplains(t *testing.T) {
	var stdout, stderr strings.Builder
	require.NoError(t, run(context.Background(), nil, &stdout, &stderr, offlineEnv("")))
	assert.Contains(t, stderr.String(), "CRISPWA_REDIS_ADDR")
	assert.Empty(t, stdout.String())
}

func TestRunOffline(t *testing.T) {
	addr := os.Getenv("CRISPWA_REDIS_ADDR")
	if addr == "" {
		testenv.Missing(t, "Redis", "install redis-server and set CRISPWA_REDIS_ADDR=127.0.0.1:6379")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr strings.Builder
	require.NoError(t, run(ctx, nil, &stdout, &stderr, offlineEnv(addr)), "stderr: %s", stderr.String())
	assert.Contains(t, stderr.String(), "in-process fake API")
	assert.Contains(t, stdout.String(), "replica A saw the callback replica B received")
	assert.Contains(t, stdout.String(), "bulk: 1 accepted")
	assert.Equal(t, 1, strings.Count(stderr.String(), "handled once: "+firstRequestID(stdout.String())), "once, whichever replica got it")
}

// firstRequestID is the request_id the example printed for its first send.
func firstRequestID(stdout string) string {
	_, rest, _ := strings.Cut(stdout, "received: ")
	id, _, _ := strings.Cut(rest, " ")
	return id
}
