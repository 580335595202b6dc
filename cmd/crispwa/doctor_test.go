package main

import (
	"context"
	"maps"
	"net"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/internal/testenv"
)

func TestDoctor(t *testing.T) {
	_, env := fakeEnv(t)
	var got atomic.Int32
	handler := callback.NewHandler(func(_ context.Context, ev *crispwa.CallbackEvent) error {
		got.Add(1)
		return nil
	}, callback.WithToken("s3cret"))
	receiver := httptest.NewServer(handler)
	t.Cleanup(receiver.Close)
	closed := closedAddr(t)

	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		code  int
		want  []string
		never []string
	}{
		{"all good", env, []string{"--template", "order_update", "--language", "en_US", "--callback-url", receiver.URL, "--token", "s3cret"}, 0,
			[]string{"ok    environment: ", "ok    credentials: accepted", "ok    website: ", `ok    template "order_update" (en_US): APPROVED`,
				"ok    callback URL: POST " + receiver.URL + "?token=xxxxx: HTTP 200", "all 5 check(s) passed"}, []string{"s3cret"}},
		{"wrong token", env, []string{"--callback-url", receiver.URL + "?token=nope"}, 1,
			[]string{"FAIL  callback URL: POST " + receiver.URL + "?token=xxxxx: HTTP 401", "fix: the token differs"}, []string{"nope"}},
		{"no token at all", env, []string{"--callback-url", receiver.URL}, 1,
			[]string{"FAIL  callback URL: POST " + receiver.URL + ": HTTP 401", "an unset environment variable gives an empty token"}, nil},
		{"nobody listening", env, []string{"--callback-url", "http://" + closed + "/cb"}, 1,
			[]string{"FAIL  callback URL: POST http://" + closed + "/cb: no answer", "fix: start the service"}, nil},
		{"wrong path", env, []string{"--callback-url", receiver.URL + "/nope/x?token=s3cret"}, 0, nil, nil}, // the handler serves every path
		{"pending template", env, []string{"--template", "spring_sale", "--language", "en_US"}, 1,
			[]string{`FAIL  template "spring_sale" (en_US): is PENDING, not APPROVED`, "fix: wait for WhatsApp's review"}, nil},
		{"no such template", env, []string{"--template", "order_updat", "--language", "en_US"}, 2,
			[]string{`FAIL  template "order_updat" (en_US): no template "order_updat": did you mean "order_update"?`}, nil},
		{"wrong key", withEnv(env, crispwa.EnvKey, "wrong"), nil, 2,
			[]string{"FAIL  credentials: credentials rejected", "fix: copy the identifier and key again", "skip  website: not checked"}, []string{"wrong"}},
		{"wrong website", withEnv(env, crispwa.EnvWebsiteID, "00000000-0000-0000-0000-000000000000"), nil, 2,
			[]string{"FAIL  website: website 00000000-0000-0000-0000-000000000000 not found", "fix: set CRISP_WEBSITE_ID"}, nil},
		{"no environment", nil, nil, 2,
			[]string{"FAIL  environment: environment variable(s) not set: CRISP_WEBSITE_ID, CRISP_WHATSAPP_IDENTIFIER, CRISP_WHATSAPP_KEY", "fix: export CRISP_WEBSITE_ID"}, nil},
		{"redis not there", env, []string{"--redis", closed}, 1, []string{"FAIL  Redis: " + closed, "fix: start Redis"}, nil},
		{"postgres not there", env, []string{"--store", "postgres://u:pw0rd@" + closed + "/db"}, 1,
			[]string{"FAIL  PostgreSQL: ", "fix: start PostgreSQL"}, []string{"pw0rd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runWith(t, tt.env, append([]string{"doctor"}, tt.args...)...)
			assert.Equal(t, tt.code, r.code, r.stdout)
			for _, w := range tt.want {
				assert.Contains(t, r.stdout, w)
			}
			for _, n := range append(tt.never, env[crispwa.EnvKey]) {
				assert.NotContains(t, r.stdout+r.stderr, n, "no secret printed")
			}
		})
	}
	assert.Positive(t, got.Load(), "the test callbacks reached the handler")

	r := runWith(t, env, "doctor", "--template", "x")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "give --template and --language together")
}

func TestDoctorServices(t *testing.T) {
	_, env := fakeEnv(t)
	addr := os.Getenv("CRISPWA_REDIS_ADDR")
	if addr == "" {
		testenv.Missing(t, "Redis", "set CRISPWA_REDIS_ADDR=host:port")
	}
	pg := os.Getenv("CRISPWA_POSTGRES_URL")
	if pg == "" {
		testenv.Missing(t, "Postgres", "set CRISPWA_POSTGRES_URL=postgres://...")
	}
	r := runWith(t, env, "doctor", "--redis", addr, "--store", pg)
	assert.Equal(t, 0, r.code, r.stdout)
	assert.Contains(t, r.stdout, "ok    Redis: "+addr+" answers PING")
	assert.Contains(t, r.stdout, "ok    PostgreSQL: ")
	assert.Contains(t, r.stdout, "accepts a connection")
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// withEnv returns env with k set to v.
func withEnv(env map[string]string, k, v string) map[string]string {
	out := maps.Clone(env)
	out[k] = v
	return out
}
