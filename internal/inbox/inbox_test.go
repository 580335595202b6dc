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

// The callback's label says what happened to the callback, in words that
// cannot be read as the send's outcome.
func TestCallbackSummary(t *testing.T) {
	tests := []struct {
		m    Message
		want string
	}{
		{Message{Status: "waiting", Callback: "off"}, "no callback yet: the send waits for deliver or fail"},
		{Message{Status: "sent", Callback: "off"}, "no callback posted: no callback URL was set"},
		{Message{Status: "sent", Callback: "posting"}, "posting the callback to your server"},
		{Message{Status: "sent", Callback: "retrying", Deliveries: []Delivery{{Status: 500}}}, "callback posted, your server answered 500; posting it again"},
		{Message{Status: "sent", Callback: "delivered", Deliveries: []Delivery{{Status: 200}}}, "callback posted, your server answered 200"},
		{Message{Status: "failed", Callback: "delivered", Deliveries: []Delivery{{Status: 503}, {Error: "no answer within 10s"}, {Status: 200}}},
			"callback posted, your server answered 200 (attempt 3)"},
		{Message{Status: "sent", Callback: "failed", Deliveries: []Delivery{{Status: 500}, {Status: 500}}},
			"callback not delivered: your server answered 500 (attempt 2); gave up"},
		{Message{Status: "sent", Callback: "failed", Deliveries: []Delivery{{Status: 401}}}, "callback posted, your server refused it with 401"},
		{Message{Status: "sent", Callback: "failed", Deliveries: []Delivery{{Status: 429}}}, "callback not delivered: your server answered 429; gave up"},
		{Message{Status: "failed", Callback: "failed", Deliveries: []Delivery{{Error: "connection failed: connection refused"}}},
			"callback not delivered: no answer (connection failed: connection refused); gave up"},
		{Message{Status: "sent", Callback: "failed"}, "callback not posted: the fake closed"},
		{Message{Callback: "weird"}, "weird"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.m.CallbackSummary())
	}
}

func TestOutcomeSummaryAndTicks(t *testing.T) {
	assert.Equal(t, "waiting for deliver or fail", Message{Status: StatusWaiting}.OutcomeSummary())
	assert.Equal(t, "sent", Message{Status: StatusSent}.OutcomeSummary())
	assert.Equal(t, "not sent: (#131026) x (recipient)", Message{Status: StatusFailed, Reason: "(#131026) x", FailureClass: "recipient"}.OutcomeSummary())
	assert.Equal(t, "not sent: boom", Message{Status: StatusFailed, Reason: "boom"}.OutcomeSummary())
	assert.Equal(t, "◷", Message{Status: StatusWaiting}.Ticks())
	assert.Equal(t, "✓✓", Message{Status: StatusSent}.Ticks())
	assert.Equal(t, "!", Message{Status: StatusFailed}.Ticks())
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

func TestThousands(t *testing.T) {
	for in, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 10000: "10,000", 1234567: "1,234,567", -1000: "-1,000"} {
		assert.Equal(t, want, thousands(in))
	}
}
