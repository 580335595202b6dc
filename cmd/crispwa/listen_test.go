package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/internal/testenv"
)

var listeningRE = regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)

// startListen runs "crispwa listen" in the background and returns its
// address, its output and a stop function that returns the exit status.
func startListen(t *testing.T, extra ...string) (addr string, stdout *testenv.Buffer, stop func() int) {
	t.Helper()
	addr, out, stop := startListenErr(t, extra...)
	return addr, out.stdout, stop
}

// outputs are a command's two streams.
type outputs struct{ stdout, stderr *testenv.Buffer }

// startListenErr is startListen returning both streams.
func startListenErr(t *testing.T, extra ...string) (addr string, out outputs, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &testenv.Buffer{}, &testenv.Buffer{}
	out = outputs{stdout, stderr}
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, append([]string{"listen", "--addr", "127.0.0.1:0"}, extra...), stdout, stderr, func(string) string { return "" })
	}()
	t.Cleanup(cancel)
	require.Eventually(t, func() bool {
		m := listeningRE.FindStringSubmatch(stderr.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	}, 5*time.Second, 5*time.Millisecond, "listen did not start")
	var once bool
	var status int
	stop = func() int {
		if !once {
			once = true
			cancel()
			select {
			case status = <-code:
			case <-time.After(5 * time.Second):
				t.Fatal("listen did not stop on cancel")
			}
		}
		return status
	}
	t.Cleanup(func() { stop() })
	return addr, out, stop
}

func post(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func TestListen(t *testing.T) {
	addr, stdout, stop := startListen(t)
	ok := `{"error":false,"reason":"dispatched","data":{"request_id":"r1","crisp_fingerprint":42,"whatsapp_message_id":"wamid.X","session_id":"session_1"}}`
	failed := `{"request_id":"r2","error":true,"reason":"template_not_sent","message":"paused"}`
	assert.Less(t, post(t, "http://"+addr+"/", ok), 300)
	assert.Less(t, post(t, "http://"+addr+"/any/path", failed), 300)
	assert.Less(t, post(t, "http://"+addr+"/", ok), 300, "a duplicate")
	assert.GreaterOrEqual(t, post(t, "http://"+addr+"/", `{"nope":true}`), 400, "not a callback")
	assert.Equal(t, 0, stop())

	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	require.Len(t, lines, 3, "one line per callback, duplicates included: %q", stdout.String())
	var first map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	assert.Equal(t, "r1", first["request_id"])
	assert.Equal(t, false, first["error"])
	assert.Equal(t, float64(42), first["crisp_fingerprint"])
	assert.Equal(t, "wamid.X", first["whatsapp_message_id"])
	assert.Equal(t, "session_1", first["session_id"])
	assert.NotNil(t, first["raw"])
	var second map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &second))
	assert.Equal(t, "r2", second["request_id"])
	assert.Equal(t, true, second["error"])
}

func TestListenToken(t *testing.T) {
	addr, stdout, stop := startListen(t, "--token", "s3cret")
	body := `{"request_id":"r1","error":false}`
	assert.Equal(t, http.StatusUnauthorized, post(t, "http://"+addr+"/", body))
	assert.Less(t, post(t, "http://"+addr+"/?token=s3cret", body), 300)
	assert.Equal(t, 0, stop())
	assert.Equal(t, 1, strings.Count(stdout.String(), "\n"))
}

func TestListenAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	r := runWith(t, nil, "listen", "--addr", ln.Addr().String())
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "crispwa listen: listening for callbacks: listen tcp "+ln.Addr().String())
}

// slowBody sends a callback's headers, then its body one byte every
// interval, and returns how long until the server answered or closed.
func slowBody(t *testing.T, addr, target string, interval time.Duration) (time.Duration, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	body := `{"request_id":"slow"}`
	start := time.Now()
	_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", target, len(body))
	require.NoError(t, err)
	answer := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(conn) // until the server closes
		answer <- string(b)
	}()
	for i := 0; ; i++ {
		select {
		case a := <-answer:
			return time.Since(start), a
		case <-time.After(interval):
		}
		if i < len(body)-1 {
			_, _ = conn.Write([]byte{body[i]})
		}
	}
}

// A client trickling its body is answered at once when its token is
// wrong, and cut off by the read timeout otherwise.
func TestListenSlowBody(t *testing.T) {
	addr, _, _ := startListen(t, "--token", "right")
	t.Run("wrong token", func(t *testing.T) {
		t.Parallel()
		took, answer := slowBody(t, addr, "/?token=wrong", 2*time.Second)
		assert.Contains(t, answer, "401")
		assert.Less(t, took, time.Second, "answered before the body")
	})
	t.Run("right token", func(t *testing.T) {
		t.Parallel()
		took, _ := slowBody(t, addr, "/?token=right", 2*time.Second)
		assert.Less(t, took, callbackReadTimeout+3*time.Second, "held %s", took)
	})
}
