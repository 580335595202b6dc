package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/internal/testenv"
	"github.com/crispwa/crispwa/redisstore"
)

// redisAddrEnv names the Redis the tests use (.ci/run sets it).
const redisAddrEnv = "CRISPWA_REDIS_ADDR"

// sharedRedis returns a client of the Redis named by CRISPWA_REDIS_ADDR,
// or skips the test (fails it in CI) when there is none.
func sharedRedis(t testing.TB) *redis.Client {
	t.Helper()
	addr := os.Getenv(redisAddrEnv)
	if addr == "" {
		testenv.Missing(t, "Redis", "install redis-server and set "+redisAddrEnv+"=127.0.0.1:6379")
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	require.NoError(t, rdb.Ping(ctx).Err(), "Redis at %s=%s", redisAddrEnv, addr)
	return rdb
}

// newStore returns a Store on rdb whose keys no other test shares, closed at
// the end of the test.
func newStore(t testing.TB, rdb redis.UniversalClient, opts ...redisstore.Option) *redisstore.Store {
	t.Helper()
	s := redisstore.New(rdb, append([]redisstore.Option{redisstore.WithPrefix(testPrefix(t))}, opts...)...)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// testPrefix is a key prefix of the test's own.
func testPrefix(t testing.TB) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "crispwa-test-" + strings.ReplaceAll(t.Name(), "/", "_") + "-" + hex.EncodeToString(b[:])
}

// redisProcess is a redis-server of the test's own, which it can stop and
// start again on the same port.
type redisProcess struct {
	t    testing.TB
	port int
	cmd  *exec.Cmd
}

// startRedisProcess starts redis-server (from PATH) on a free loopback port,
// without persistence; it is stopped at the end of the test.
func startRedisProcess(t testing.TB) *redisProcess {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		testenv.Missing(t, "redis-server", "install redis-server (Debian: apt-get install redis-server)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	p := &redisProcess{t: t, port: port}
	p.start()
	t.Cleanup(p.stop)
	return p
}

func (p *redisProcess) addr() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

func (p *redisProcess) start() {
	p.t.Helper()
	p.cmd = exec.Command("redis-server", "--port", strconv.Itoa(p.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--protected-mode", "no")
	require.NoError(p.t, p.cmd.Start())
	rdb := redis.NewClient(&redis.Options{Addr: p.addr()})
	defer rdb.Close()
	require.Eventually(p.t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		return rdb.Ping(ctx).Err() == nil
	}, 10*time.Second, 10*time.Millisecond, "redis-server did not start")
}

// stop stops the process and waits for it to exit.
func (p *redisProcess) stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	p.cmd = nil
}

// slowProxy forwards TCP connections to a Redis, holding what clients send
// for a delay that the test can change: a Redis on a slow link. What a
// client sent is still delivered after the client gave up and closed.
type slowProxy struct {
	t      testing.TB
	target string
	ln     net.Listener
	delay  atomic.Int64 // nanoseconds
}

// startSlowProxy listens on a loopback port and forwards to target until
// the end of the test.
func startSlowProxy(t testing.TB, target string) *slowProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &slowProxy{t: t, target: target, ln: ln}
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); p.forward(c) }()
		}
	}()
	return p
}

func (p *slowProxy) addr() string             { return p.ln.Addr().String() }
func (p *slowProxy) setDelay(d time.Duration) { p.delay.Store(int64(d)) }

// forward copies the server's answers at once and the client's commands
// after the delay.
func (p *slowProxy) forward(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = client.Close()
		return
	}
	go func() { _, _ = io.Copy(client, server); _ = client.Close() }()
	buf := make([]byte, 64<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			time.Sleep(time.Duration(p.delay.Load()))
			if _, werr := server.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	_ = server.Close()
}
