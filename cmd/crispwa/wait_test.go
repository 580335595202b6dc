package main

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// freeAddr returns a loopback address nobody listens on (a small race is
// acceptable in tests).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func TestSendWait(t *testing.T) {
	t.Run("sent", func(t *testing.T) {
		srv, env := fakeEnv(t)
		addr := freeAddr(t)
		srv.SetCallbackURL("http://" + addr + "/cb?token=tok")
		r := runWith(t, env, args("--wait", "--listen", addr, "--token", "tok", "--timeout", "5s")...)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Regexp(t, `^request_id: [0-9a-f-]{36}\nsent: whatsapp_message_id=wamid\.\S+ session_id=session_\S+ crisp_fingerprint=\d+\n$`, r.stdout)
		assert.Contains(t, r.stderr, "listening for the callback on "+addr)
	})
	t.Run("not sent", func(t *testing.T) {
		srv, env := fakeEnv(t)
		addr := freeAddr(t)
		srv.SetCallbackURL("http://" + addr + "/")
		r := runWith(t, env, "send", "--no-check", "--to", "+33612345678", "--from", "+33100000000",
			"--template", "spring_sale", "--language", "en_US", "--wait", "--listen", addr, "--timeout", "5s")
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stdout, "request_id: ")
		assert.Contains(t, r.stdout, `not sent: template "spring_sale" in language "en_US" is PENDING, not APPROVED`)
	})
	t.Run("no callback before the timeout", func(t *testing.T) {
		_, env := fakeEnv(t) // no callback URL: the callback never comes
		r := runWith(t, env, args("--wait", "--listen", "127.0.0.1:0", "--timeout", "300ms")...)
		assert.Equal(t, 3, r.code, "accepted, outcome unknown")
		assert.Contains(t, r.stdout, "request_id: ")
		assert.Regexp(t, `crispwa send: no callback for \S+ arrived on 127\.0\.0\.1:\d+: check that the callback URL in the Crisp plugin settings reaches this address`, r.stderr)
	})
	t.Run("callback refused for a wrong token", func(t *testing.T) {
		srv, env := fakeEnv(t)
		addr := freeAddr(t)
		srv.SetCallbackURL("http://" + addr + "/cb?token=old")
		r := runWith(t, env, args("--wait", "--listen", addr, "--token", "new", "--timeout", "2s")...)
		assert.Equal(t, 3, r.code)
		assert.Contains(t, r.stderr, "accepted: 1 delivery was refused, the last one refused a delivery from 127.0.0.1:")
		assert.Contains(t, r.stderr, "HTTP 401, wrong or missing token")
	})
	t.Run("address in use", func(t *testing.T) {
		srv, env := fakeEnv(t)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		r := runWith(t, env, args("--wait", "--listen", ln.Addr().String())...)
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, "listening for callbacks: ")
		assert.Equal(t, 0, srv.SendCount(), "nothing sent when the callback cannot be received")
	})
}
