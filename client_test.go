package crispwa

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewClientRefusesBadInput(t *testing.T) {
	tests := []struct {
		name    string
		website string
		creds   Credentials
		opts    []Option
		field   string
	}{
		{"empty website", "", testCreds, nil, "website_id"},
		{"website with slash", "a/b", testCreds, nil, "website_id"},
		{"website with query", "a?x=1", testCreds, nil, "website_id"},
		{"website with fragment", "a#b", testCreds, nil, "website_id"},
		{"website dot-dot", "..", testCreds, nil, "website_id"},
		{"website with percent", "a%2Fb", testCreds, nil, "website_id"},
		{"website with space", "a b", testCreds, nil, "website_id"},
		{"empty identifier", testWebsite, Credentials{Key: "k"}, nil, "credentials.identifier"},
		{"empty key", testWebsite, Credentials{Identifier: "i"}, nil, "credentials.key"},
		{"identifier with colon", testWebsite, Credentials{Identifier: "i:j", Key: "k"}, nil, "credentials.identifier"},
		{"base url does not parse", testWebsite, testCreds, []Option{WithBaseURL("https://[::1")}, "base_url"},
		{"plain http to remote host", testWebsite, testCreds, []Option{WithBaseURL("http://plugins.crisp.chat/wa/api/")}, "base_url"},
		{"plain http to a private IP", testWebsite, testCreds, []Option{WithBaseURL("http://10.1.2.3/wa/api/")}, "base_url"},
		{"plain http to a mapped IPv4", testWebsite, testCreds, []Option{WithBaseURL("http://[::ffff:10.1.2.3]/")}, "base_url"},
		{"ftp scheme", testWebsite, testCreds, []Option{WithBaseURL("ftp://127.0.0.1/")}, "base_url"},
		{"no host", testWebsite, testCreds, []Option{WithBaseURL("https:///path")}, "base_url"},
		{"userinfo in base url", testWebsite, testCreds, []Option{WithBaseURL("https://u:p@example.com/")}, "base_url"},
		{"query in base url", testWebsite, testCreds, []Option{WithBaseURL("https://example.com/?a=1")}, "base_url"},
		{"nil http client", testWebsite, testCreds, []Option{WithHTTPClient(nil)}, "WithHTTPClient"},
		{"negative retries", testWebsite, testCreds, []Option{WithMaxRetries(-1)}, "WithMaxRetries"},
		{"retry wait max below min", testWebsite, testCreds, []Option{WithRetryWait(2, 1)}, "WithRetryWait"},
		{"user agent with newline", testWebsite, testCreds, []Option{WithUserAgent("a\nb")}, "WithUserAgent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.website, tt.creds, tt.opts...)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.ErrorIs(t, err, ErrInvalidRequest)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.field, ve.Field)
			assert.NotContains(t, err.Error(), testKey)
		})
	}
}

func TestNewClientAcceptsLoopbackHTTPAndDefaults(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:9/api", "http://localhost:9/api/", "http://[::1]:9/api", "https://example.com/x"} {
		c, err := NewClient(testWebsite, testCreds, WithBaseURL(u))
		require.NoError(t, err, u)
		assert.True(t, strings.HasSuffix(c.BaseURL(), "/api/") || strings.HasSuffix(c.BaseURL(), "/x/"), c.BaseURL())
	}
	c, err := NewClient(testWebsite, testCreds)
	require.NoError(t, err)
	assert.Equal(t, DefaultBaseURL, c.BaseURL())
	assert.Equal(t, testWebsite, c.WebsiteID())
}

func TestBaseURLKeepsEscapedPath(t *testing.T) {
	c, err := NewClient(testWebsite, testCreds, WithBaseURL("http://127.0.0.1:1/a%2Fb"))
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:1/a%2Fb/", c.BaseURL())
}

func TestDefaultTransportBounds(t *testing.T) {
	tr := defaultTransport()
	assert.True(t, tr.ForceAttemptHTTP2)
	assert.Equal(t, defaultMaxConnsPerHost, tr.MaxConnsPerHost)
	assert.Equal(t, defaultMaxConnsPerHost, tr.MaxIdleConnsPerHost)
	assert.Equal(t, 10*time.Second, tr.TLSHandshakeTimeout)
	assert.Equal(t, 30*time.Second, tr.ResponseHeaderTimeout)
	assert.Equal(t, 90*time.Second, tr.IdleConnTimeout)
	assert.Equal(t, time.Second, tr.ExpectContinueTimeout)
}

func TestBaseURLWithAndWithoutTrailingSlash(t *testing.T) {
	for _, suffix := range []string{"/wa/api", "/wa/api/"} {
		t.Run(suffix, func(t *testing.T) {
			var path string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				path = r.URL.Path
				writeEnvelope(w, 200, false, "", map[string]any{"templates": []any{}})
			}))
			defer srv.Close()
			c, err := NewClient(testWebsite, testCreds, WithBaseURL(srv.URL+suffix))
			require.NoError(t, err)
			_, err = c.Templates.List(context.Background(), nil)
			require.NoError(t, err)
			assert.Equal(t, "/wa/api/website/"+testWebsite+"/templates", path)
		})
	}
}

func TestNewClientFromEnv(t *testing.T) {
	t.Setenv(EnvWebsiteID, testWebsite)
	t.Setenv(EnvIdentifier, testIdent)
	t.Setenv(EnvKey, testKey)
	t.Setenv(EnvBaseURL, "http://127.0.0.1:1/base")
	c, err := NewClientFromEnv()
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:1/base/", c.BaseURL())
	t.Setenv(EnvKey, "")
	_, err = NewClientFromEnv()
	assert.ErrorIs(t, err, ErrInvalidRequest)
	assert.Contains(t, err.Error(), EnvKey)
}

func TestNewClientFromLookup(t *testing.T) {
	full := map[string]string{
		EnvWebsiteID: testWebsite, EnvIdentifier: testIdent, EnvKey: testKey, EnvBaseURL: "http://127.0.0.1:1/base",
	}
	lookup := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	without := func(names ...string) map[string]string {
		m := maps.Clone(full)
		for _, n := range names {
			delete(m, n)
		}
		return m
	}
	t.Run("all set", func(t *testing.T) {
		c, err := NewClientFromLookup(lookup(full))
		require.NoError(t, err)
		assert.Equal(t, "http://127.0.0.1:1/base/", c.BaseURL())
		c, err = NewClientFromLookup(lookup(full), WithBaseURL("https://example.com/override/"))
		require.NoError(t, err)
		assert.Equal(t, "https://example.com/override/", c.BaseURL(), "an explicit option wins over the environment")
		c, err = NewClientFromLookup(lookup(without(EnvBaseURL)))
		require.NoError(t, err)
		assert.Equal(t, DefaultBaseURL, c.BaseURL())
	})
	tests := []struct {
		name    string
		env     map[string]string
		missing []string
	}{
		{"nothing set", map[string]string{}, []string{EnvWebsiteID, EnvIdentifier, EnvKey}},
		{"key unset", without(EnvKey), []string{EnvKey}},
		{"website and identifier unset", without(EnvWebsiteID, EnvIdentifier), []string{EnvWebsiteID, EnvIdentifier}},
		{"key blank", map[string]string{EnvWebsiteID: testWebsite, EnvIdentifier: testIdent, EnvKey: "  "}, []string{EnvKey}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewClientFromLookup(lookup(tt.env))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidRequest)
			for _, name := range []string{EnvWebsiteID, EnvIdentifier, EnvKey} {
				if slices.Contains(tt.missing, name) {
					assert.Contains(t, err.Error(), name)
				} else {
					assert.NotContains(t, err.Error(), name)
				}
			}
			assert.NotContains(t, err.Error(), testKey)
		})
	}
	_, err := NewClientFromLookup(nil)
	assert.ErrorIs(t, err, ErrInvalidRequest)
}

func TestSecretsNeverMarshalled(t *testing.T) {
	type holder struct {
		Creds Credentials
		Ptr   *Credentials
	}
	h := holder{testCreds, &testCreds}
	for _, v := range []any{testCreds, &testCreds, h, &h} {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		assert.NotContains(t, string(b), testKey, "%T", v)
		assert.Contains(t, string(b), testIdent, "%T", v)
	}
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	logger.Info("x", "creds", testCreds, "holder", h, "any", slog.AnyValue(&h))
	logger.Info("y", slog.Any("creds", testCreds))
	text := slog.New(slog.NewTextHandler(&buf, nil))
	text.Info("z", "creds", testCreds, "holder", h)
	assert.NotContains(t, buf.String(), testKey)
	assert.Contains(t, buf.String(), redacted)
}

func TestBadBaseURLNeverEchoesPassword(t *testing.T) {
	for _, u := range []string{"https://user:hunter2@[::1", "https://user:hunter2@host:port/", "ht tp://user:hunter2@x/", "https://user:hunter2@example.com/"} {
		_, err := NewClient(testWebsite, testCreds, WithBaseURL(u))
		require.Error(t, err, u)
		assert.ErrorIs(t, err, ErrInvalidRequest)
		assert.NotContains(t, err.Error(), "hunter2", u)
	}
}

func TestSecretsNeverFormatted(t *testing.T) {
	c, err := NewClient(testWebsite, testCreds)
	require.NoError(t, err)
	type holder struct{ Creds Credentials }
	values := []any{testCreds, &testCreds, holder{testCreds}, &holder{testCreds}, c, *c, &c.httpBase, c.auth}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, testKey, "%s of %T", verb, v)
			assert.NotContains(t, out, base64.StdEncoding.EncodeToString([]byte(testIdent+":"+testKey)), "%s of %T", verb, v)
		}
	}
	assert.Contains(t, testCreds.String(), testIdent)
	assert.Contains(t, fmt.Sprint(c), testWebsite)
}

func TestRequestHeaders(t *testing.T) {
	var got http.Header
	c, _, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		assert.Equal(t, apiPrefix+"template/send", r.RequestURI, "no stray '?'")
		okSend(w, r)
	}, WithUserAgent("acme-shop/2.1"))
	_, err := c.Templates.Send(context.Background(), validSend())
	require.NoError(t, err)
	user, pass, ok := (&http.Request{Header: got}).BasicAuth()
	require.True(t, ok)
	assert.Equal(t, testIdent, user)
	assert.Equal(t, testKey, pass)
	assert.Equal(t, "application/json", got.Get("Accept"))
	assert.Equal(t, "application/json", got.Get("Content-Type"))
	assert.Equal(t, "crispwa/"+Version+" acme-shop/2.1", got.Get("User-Agent"))
}

// countingTransport records that the user's transport was used.
type countingTransport struct {
	n    atomic.Int64
	next http.RoundTripper
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.next.RoundTrip(r)
}

func TestWithHTTPClientWrapsUserTransport(t *testing.T) {
	ct := &countingTransport{next: http.DefaultTransport}
	user := &http.Client{Transport: ct}
	c, _, n := newTestClient(t, okSend, WithHTTPClient(user))
	_, err := c.Templates.Send(context.Background(), validSend())
	require.NoError(t, err)
	assert.EqualValues(t, 1, ct.n.Load())
	assert.EqualValues(t, 1, n.Load())
	assert.Same(t, ct, user.Transport, "the user's client is not modified")
}

func TestConnectionsReusedUnderConcurrency(t *testing.T) {
	const workers, perWorker = 64, 5
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(okSend))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := NewClient(testWebsite, testCreds, WithBaseURL(srv.URL))
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perWorker {
				_, err := c.Templates.Send(context.Background(), validSend())
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.LessOrEqual(t, conns.Load(), int64(workers), "%d concurrent senders opened %d connections", workers, conns.Load())
}

func TestNilContext(t *testing.T) {
	c, _, n := newTestClient(t, okSend)
	//lint:ignore SA1012 the SDK must refuse a nil context instead of panicking
	_, err := c.Templates.Send(nil, validSend()) //nolint:staticcheck
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrInvalidRequest))
	assert.Zero(t, n.Load())
}

func TestOptionBoundsAccepted(t *testing.T) {
	for _, o := range []Option{WithRetryWait(0, 0), WithRetryWait(time.Second, time.Second), WithMaxRetries(0), WithTemplateCache(0), nil} {
		_, err := NewClient(testWebsite, testCreds, o)
		assert.NoError(t, err)
	}
}
