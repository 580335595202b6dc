package redisstore

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/internal/testenv"
)

// Every Await, whether it gets its event or gives up, leaves no waiter
// behind.
func TestAwaitLeavesNoWaiter(t *testing.T) {
	addr := os.Getenv("CRISPWA_REDIS_ADDR")
	if addr == "" {
		testenv.Missing(t, "Redis", "install redis-server and set CRISPWA_REDIS_ADDR=127.0.0.1:6379")
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	s := New(rdb, WithPrefix("crispwa-test-waiters-"+time.Now().Format("150405.000000000")))
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 10 {
		id := string(rune('a' + i))
		for range 3 { // several Waits per request_id, half of them giving up
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, err := s.Await(ctx, id)
				assert.NoError(t, err)
			}()
			go func() {
				defer wg.Done()
				short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
				defer cancel()
				_, _ = s.Await(short, id+"-never")
			}()
		}
	}
	time.Sleep(300 * time.Millisecond)
	for i := range 10 {
		require.NoError(t, s.Publish(ctx, &crispwa.CallbackEvent{RequestID: string(rune('a' + i))}))
	}
	wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	assert.Empty(t, s.waiters)
}
