package crispwa

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// otherOrigin is a server on 127.0.0.1 on another port than setup's: the
// same host name, so net/http itself would keep the Authorization header on
// a redirect there; only the SDK's own rules keep the key away.
func otherOrigin(t *testing.T) (*httptest.Server, *atomic.Int64, *atomic.Value) {
	t.Helper()
	var hits atomic.Int64
	var auth atomic.Value
	auth.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		auth.Store(r.Header.Get("Authorization"))
		okSend(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits, &auth
}

func TestSendNeverFollowsRedirects(t *testing.T) {
	for _, status := range []int{300, 301, 302, 303, 307, 308} {
		for _, where := range []string{"same origin", "other port"} {
			t.Run(strconv.Itoa(status)+" to "+where, func(t *testing.T) {
				other, otherHits, _ := otherOrigin(t)
				var target string
				c, mux, srv := setup(t, WithMaxRetries(3))
				var hits atomic.Int64
				mux.HandleFunc("POST "+apiPrefix+"template/send", func(w http.ResponseWriter, r *http.Request) {
					hits.Add(1)
					http.Redirect(w, r, target, status)
				})
				mux.HandleFunc(apiPrefix+"elsewhere", func(w http.ResponseWriter, r *http.Request) {
					t.Errorf("a send's redirect was followed: %s %s", r.Method, r.URL.Path)
					okSend(w, r)
				})
				target = srv.URL + apiPrefix + "elsewhere"
				if where == "other port" {
					target = other.URL + "/collect"
				}
				res, err := c.Templates.Send(context.Background(), validSend())
				require.Error(t, err)
				assert.Nil(t, res)
				assert.ErrorIs(t, err, ErrRedirect)
				assert.NotErrorIs(t, err, ErrSendOutcomeUnknown, "a 3xx is an answer: the send was not processed")
				var apiErr *APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, status, apiErr.StatusCode)
				assert.Contains(t, err.Error(), "redirect not followed")
				assert.EqualValues(t, 1, hits.Load(), "one arrival, not retried")
				assert.Zero(t, otherHits.Load())
			})
		}
	}
}

// A send redirected to an address where nothing listens: not followed, so
// no dial after the first connection, and a definite answer.
func TestSendRedirectThenDialFailure(t *testing.T) {
	tr, dials := dialCountingTransport(t)
	dead := "http://" + refusedAddr(t) + "/x"
	c, _, n := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, dead, http.StatusTemporaryRedirect)
	}, WithHTTPClient(&http.Client{Transport: tr}))
	_, err := c.Templates.Send(context.Background(), validSend())
	assert.ErrorIs(t, err, ErrRedirect)
	assert.NotErrorIs(t, err, ErrSendOutcomeUnknown)
	assert.EqualValues(t, 1, n.Load())
	assert.EqualValues(t, 1, dials.Load(), "the redirect target is never dialled")
}

func TestReadRedirects(t *testing.T) {
	t.Run("same origin is followed with the key", func(t *testing.T) {
		c, mux, _ := setup(t)
		var auth string
		mux.HandleFunc(apiPrefix+"templates", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, apiPrefix+"moved", http.StatusFound)
		})
		mux.HandleFunc(apiPrefix+"moved", func(w http.ResponseWriter, r *http.Request) {
			auth = r.Header.Get("Authorization")
			okList(w, r)
		})
		_, err := c.Templates.List(context.Background(), nil)
		require.NoError(t, err)
		assert.NotEmpty(t, auth)
	})
	t.Run("another port is not followed", func(t *testing.T) {
		other, otherHits, otherAuth := otherOrigin(t)
		c, n := redirectingClient(t, other.URL+"/steal")
		_, err := c.Templates.List(context.Background(), nil)
		assert.ErrorIs(t, err, ErrRedirect)
		assert.EqualValues(t, 1, n.Load(), "a refused redirect is not retried")
		assert.Zero(t, otherHits.Load())
		assert.Empty(t, otherAuth.Load())
	})
	t.Run("https to http is not followed", func(t *testing.T) {
		_, plainHits, _ := otherOrigin(t)
		var n atomic.Int64
		tls := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			// Same host and port, downgraded scheme.
			http.Redirect(w, r, "http://"+r.Host+"/down", http.StatusFound)
		}))
		defer tls.Close()
		c, err := NewClient(testWebsite, testCreds, WithBaseURL(tls.URL), WithHTTPClient(tls.Client()), fastRetries())
		require.NoError(t, err)
		_, err = c.Templates.List(context.Background(), nil)
		assert.ErrorIs(t, err, ErrRedirect)
		assert.EqualValues(t, 1, n.Load())
		assert.Zero(t, plainHits.Load())
	})
	t.Run("loop ends after 10 and is not retried", func(t *testing.T) {
		c, mux, _ := setup(t, WithMaxRetries(3))
		var n atomic.Int64
		mux.HandleFunc(apiPrefix+"templates", func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			http.Redirect(w, r, apiPrefix+"templates", http.StatusFound)
		})
		_, err := c.Templates.List(context.Background(), nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "stopped after 10 redirects")
		assert.EqualValues(t, maxRedirects, n.Load(), "one attempt, stopped as net/http stops")
	})
	t.Run("user policy applies to same origin", func(t *testing.T) {
		var asked atomic.Int64
		user := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			asked.Add(1)
			return http.ErrUseLastResponse
		}}
		c, mux, _ := setup(t, WithHTTPClient(user))
		mux.HandleFunc(apiPrefix+"templates", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, apiPrefix+"moved", http.StatusFound)
		})
		_, err := c.Templates.List(context.Background(), nil)
		assert.ErrorIs(t, err, ErrRedirect)
		assert.EqualValues(t, 1, asked.Load())
	})
}

// redirectingClient is a client whose every read is redirected to target.
func redirectingClient(t *testing.T, target string) (*Client, *atomic.Int64) {
	t.Helper()
	c, _, n := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusFound)
	}, WithMaxRetries(3))
	return c, n
}

// The authentication transport is the last line: whatever reaches it for
// another origin goes out without the key, even on the same host name.
func TestAuthTransportOriginRule(t *testing.T) {
	base, err := url.Parse("http://127.0.0.1:8080/wa/api/")
	require.NoError(t, err)
	tests := []struct {
		url     string
		withKey bool
	}{
		{"http://127.0.0.1:8080/wa/api/x", true},
		{"http://127.0.0.1:8081/wa/api/x", false},  // another port
		{"https://127.0.0.1:8080/wa/api/x", false}, // another scheme
		{"http://localhost:8080/wa/api/x", false},  // another host name
		{"http://evil.example:8080/x", false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			rec := &recordingTransport{}
			at := newAuthTransport(testCreds, base, rec)
			for _, preset := range []string{"", at.header(), "Basic forged"} {
				req := httptest.NewRequest(http.MethodGet, tt.url, nil)
				if preset != "" {
					req.Header.Set("Authorization", preset)
				}
				_, err := at.RoundTrip(req)
				require.NoError(t, err)
				got := rec.last.Header.Values("Authorization")
				if tt.withKey {
					assert.Equal(t, []string{at.header()}, got, "preset %q", preset)
				} else {
					assert.Empty(t, got, "preset %q", preset)
				}
				assert.Equal(t, preset, req.Header.Get("Authorization"), "the caller's request is not modified")
			}
		})
	}
}

func TestAuthTransportAllowsHTTPSOnAnyHostButHTTPOnlyOnLoopback(t *testing.T) {
	tests := []struct {
		base string
		ok   bool
	}{
		{"https://plugins.crisp.chat/wa/api/", true},
		{"https://10.1.2.3/", true},
		{"http://127.0.0.1:9/", true},
		{"http://127.200.0.1:9/", true},
		{"http://[::1]:9/", true},
		{"http://localhost:9/", true},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.base)
		require.NoError(t, err)
		at := newAuthTransport(testCreds, u, nil)
		assert.Equal(t, tt.ok, at.allowed(u), tt.base)
	}
	// A transport built for a plain http, non-loopback origin (NewClient
	// refuses one) still withholds the key.
	u, _ := url.Parse("http://10.1.2.3/")
	assert.False(t, newAuthTransport(testCreds, u, nil).allowed(u))
	for _, h := range []string{"10.1.2.3", "8.8.8.8", "::ffff:10.0.0.1", "fe80::1", "localhost.evil.com", ""} {
		assert.False(t, isLoopback(h), h)
	}
}

type recordingTransport struct{ last *http.Request }

func (t *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.last = r
	return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
}
