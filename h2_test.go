package crispwa

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

// h2Mode is how the misbehaving HTTP/2 server ends every stream once it has
// read the whole request body.
type h2Mode string

const (
	h2ResetProtocol h2Mode = "rst_protocol_error" // RST_STREAM(PROTOCOL_ERROR)
	h2RefusedStream h2Mode = "rst_refused_stream" // RST_STREAM(REFUSED_STREAM)
	h2GoAway        h2Mode = "goaway_below"       // GOAWAY with last-stream-id below the stream, then close
	h2CloseConn     h2Mode = "close_conn"         // close the TCP connection
)

var h2Modes = []h2Mode{h2ResetProtocol, h2RefusedStream, h2GoAway, h2CloseConn}

// h2Server is a real HTTP/2 server over TLS on loopback, written with
// x/net/http2's Framer so that it can misbehave on purpose. It counts
// arrivals: streams whose body it read to the end.
type h2Server struct {
	t        testing.TB
	mode     h2Mode
	ln       net.Listener
	arrivals atomic.Int64
	certPEM  []byte
	roots    *tls.Config // a client config trusting the server
	wg       sync.WaitGroup
}

func newH2Server(t testing.TB, mode h2Mode) *h2Server {
	t.Helper()
	// Borrow httptest's certificate for 127.0.0.1.
	ts := httptest.NewUnstartedServer(http.NotFoundHandler())
	ts.StartTLS()
	cert := ts.TLS.Certificates[0]
	clientTLS := ts.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	leaf := ts.Certificate()
	ts.Close()

	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{http2.NextProtoTLS},
	})
	require.NoError(t, err)
	s := &h2Server{
		t: t, mode: mode, ln: ln, roots: clientTLS,
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}),
	}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *h2Server) URL() string { return "https://" + s.ln.Addr().String() + "/wa/api/" }

func (s *h2Server) accept() {
	defer s.wg.Done()
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		conns.Add(1)
		go func() {
			defer conns.Done()
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			s.serve(c)
		}()
	}
}

// serve speaks just enough HTTP/2 to read requests, then ends each stream
// the way s.mode says.
func (s *h2Server) serve(c net.Conn) {
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(c, preface); err != nil || string(preface) != http2.ClientPreface {
		return
	}
	fr := http2.NewFramer(c, c)
	if fr.WriteSettings() != nil {
		return
	}
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() && fr.WriteSettingsAck() != nil {
				return
			}
		case *http2.PingFrame:
			if !f.IsAck() && fr.WritePing(true, f.Data) != nil {
				return
			}
		case *http2.HeadersFrame:
			if f.StreamEnded() && !s.ended(fr, f.StreamID) {
				return
			}
		case *http2.DataFrame:
			if f.StreamEnded() && !s.ended(fr, f.StreamID) {
				return
			}
		}
	}
}

// ended counts an arrival and misbehaves; false closes the connection.
func (s *h2Server) ended(fr *http2.Framer, id uint32) bool {
	s.arrivals.Add(1)
	switch s.mode {
	case h2ResetProtocol:
		return fr.WriteRSTStream(id, http2.ErrCodeProtocol) == nil
	case h2RefusedStream:
		return fr.WriteRSTStream(id, http2.ErrCodeRefusedStream) == nil
	case h2GoAway:
		_ = fr.WriteGoAway(id-1, http2.ErrCodeNo, nil) // id is odd: id-1 < id
		return false
	}
	return false
}

// h2Send runs one Send against s through c and returns its error.
func h2Send(t *testing.T, c *Client) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.Templates.Send(ctx, validSend())
	return err
}

// TestHTTP2SendReachesServerAtMostOnce: whatever an HTTP/2 server does after
// reading a send's body, one Send writes it once, and the outcome is unknown
// (REFUSED_STREAM and GOAWAY included: see the "retries" section of README).
func TestHTTP2SendReachesServerAtMostOnce(t *testing.T) {
	for _, mode := range h2Modes {
		t.Run(string(mode)+"/user client", func(t *testing.T) {
			s := newH2Server(t, mode)
			tr := &http.Transport{TLSClientConfig: s.roots, ForceAttemptHTTP2: true}
			defer tr.CloseIdleConnections()
			c, err := NewClient(testWebsite, testCreds, WithBaseURL(s.URL()),
				WithHTTPClient(&http.Client{Transport: tr}), WithMaxRetries(3), fastRetries())
			require.NoError(t, err)
			err = h2Send(t, c)
			assert.ErrorIs(t, err, ErrSendOutcomeUnknown)
			assert.NotErrorIs(t, err, context.DeadlineExceeded, "no hidden retry loop until the deadline")
			assert.EqualValues(t, 1, s.arrivals.Load(), "arrivals for one Send")
		})
		t.Run(string(mode)+"/x/net http2 transport", func(t *testing.T) {
			s := newH2Server(t, mode)
			//lint:ignore SA1019 x/net's http2.Transport is deprecated, but users still plug it in: a Send must stay safe on it
			tr := &http2.Transport{TLSClientConfig: s.roots}
			defer tr.CloseIdleConnections() //lint:ignore SA1019 as above
			c, err := NewClient(testWebsite, testCreds, WithBaseURL(s.URL()),
				WithHTTPClient(&http.Client{Transport: tr}), WithMaxRetries(3), fastRetries())
			require.NoError(t, err)
			err = h2Send(t, c)
			assert.ErrorIs(t, err, ErrSendOutcomeUnknown)
			assert.EqualValues(t, 1, s.arrivals.Load(), "arrivals for one Send")
		})
		t.Run(string(mode)+"/default transport", func(t *testing.T) {
			s := newH2Server(t, mode)
			out := runH2Child(t, s)
			assert.Contains(t, out, "outcome-unknown")
			assert.EqualValues(t, 1, s.arrivals.Load(), "arrivals for one Send")
		})
	}
}

// The SDK's default transport trusts only the system roots; the child
// process gets the test certificate as its system root (SSL_CERT_FILE), so
// that the default transport is exercised unchanged.
const h2ChildEnv = "CRISPWA_H2_CHILD_URL"

func runH2Child(t *testing.T, s *h2Server) string {
	t.Helper()
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" || runtime.GOOS == "windows" {
		t.Skip("the platform verifier ignores SSL_CERT_FILE; runs on Linux and the BSDs")
	}
	certFile := t.TempDir() + "/cert.pem"
	require.NoError(t, os.WriteFile(certFile, s.certPEM, 0o600))
	cmd := exec.Command(os.Args[0], "-test.run=^TestHTTP2DefaultTransportChild$", "-test.v")
	cmd.Env = append(os.Environ(), h2ChildEnv+"="+s.URL(), "SSL_CERT_FILE="+certFile, "SSL_CERT_DIR=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return string(out)
}

// TestHTTP2DefaultTransportChild is the child half of runH2Child.
func TestHTTP2DefaultTransportChild(t *testing.T) {
	u := os.Getenv(h2ChildEnv)
	if u == "" {
		t.Skip("runs only as the child of TestHTTP2SendReachesServerAtMostOnce")
	}
	c, err := NewClient(testWebsite, testCreds, WithBaseURL(u), WithMaxRetries(3), fastRetries())
	require.NoError(t, err)
	err = h2Send(t, c)
	switch {
	case errors.Is(err, ErrSendOutcomeUnknown):
		t.Log("outcome-unknown: " + err.Error())
	default:
		t.Log("outcome-other: " + strconv.Quote(errString(err)))
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// Whatever transport the user brings, it gets each attempt's request
// without GetBody: it has no way to re-create the body and write it again.
func TestTransportNeverGetsGetBody(t *testing.T) {
	rec := &recordingTransport{}
	for _, call := range []func(*Client) error{
		func(c *Client) error { _, err := c.Templates.Send(context.Background(), validSend()); return err },
		func(c *Client) error { _, err := c.Templates.List(context.Background(), nil); return err },
	} {
		c, err := NewClient(testWebsite, testCreds, WithBaseURL("http://127.0.0.1:1/"), WithHTTPClient(&http.Client{Transport: rec}))
		require.NoError(t, err)
		_ = call(c) // the recorded answer has no body: an error, not the point
		require.NotNil(t, rec.last)
		assert.Nil(t, rec.last.GetBody, rec.last.Method)
	}
}
