package main

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/internal/testenv"
)

func TestDemo(t *testing.T) {
	before := runtime.NumGoroutine()
	r := runWith(t, nil, "demo") // no environment at all
	// A demo that hangs fails at its own timeout, so no clock here.
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	for _, want := range []string{
		"1. Fake Crisp API on http://127.0.0.1:",
		"order_update          en_US     APPROVED",
		"4 template(s)",
		"3. Send \"order_update\" to +336****5678",
		"   accepted: request_id ",
		"   callback: sent: whatsapp_message_id=wamid.",
		"SendChecked refuses it before sending anything: crispwa: invalid request: template.status:",
		"   callback: not sent: template \"spring_sale\" in language \"en_US\" is PENDING, not APPROVED\n",
		"Done.",
	} {
		assert.Contains(t, r.stdout, want)
	}
	assert.NotContains(t, r.stdout, "+33612345678", "the phone number is masked")

	testenv.NoGoroutinesAbove(t, before)
}

func TestDemoUsage(t *testing.T) {
	r := runWith(t, nil, "demo", "extra")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `unexpected argument "extra"`)
}
