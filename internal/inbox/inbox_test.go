package inbox

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1:8025": true, "localhost:8025": true, "[::1]:8025": true, "127.0.0.1": true,
		"evil.example:8025": false, "10.0.0.1:8025": false, "": false, "localhost.evil.example": false,
	} {
		assert.Equal(t, want, loopbackHost(host), host)
	}
}

func TestCallbackSummary(t *testing.T) {
	tests := []struct {
		m    Message
		want string
	}{
		{Message{Outcome: "waiting", Callback: "off"}, "pending: waiting for deliver or fail"},
		{Message{Outcome: "sent", Callback: "off"}, "not posted: no callback URL"},
		{Message{Outcome: "sent", Callback: "posting"}, "pending"},
		{Message{Outcome: "sent", Callback: "retrying", Attempts: []Attempt{{Status: 500}}}, "pending: redelivering after HTTP 500"},
		{Message{Outcome: "sent", Callback: "delivered", Attempts: []Attempt{{Status: 503}, {Err: "no answer within 10s"}, {Status: 200}}},
			"delivered: HTTP 200, after 2 redeliveries"},
		{Message{Outcome: "sent", Callback: "failed", Attempts: []Attempt{{Status: 500}, {Status: 500}}}, "failed: HTTP 500, after 1 redelivery"},
		{Message{Outcome: "failed", Callback: "failed", Attempts: []Attempt{{Err: "connection failed: connection refused"}}},
			"failed: connection failed: connection refused"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.m.CallbackSummary())
	}
}

func TestFailureReasonsCarryMetaCodes(t *testing.T) {
	seen := map[int]bool{}
	for _, f := range Failures {
		assert.False(t, seen[f.Code], "duplicate %d", f.Code)
		seen[f.Code] = true
		assert.Regexp(t, `^\(#\d{6}\) \S`, f.Reason())
	}
	for _, code := range []int{131026, 131049, 132000} {
		assert.True(t, seen[code], "offers %d", code)
	}
}
