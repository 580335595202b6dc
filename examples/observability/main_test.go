package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The example prints the send's span, the callback's span linked to it,
// and a scrape holding the metrics of both sides.
func TestRunPrintsLinkedSpansAndScrape(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out strings.Builder
	require.NoError(t, run(ctx, &out))
	got := out.String()

	send := regexp.MustCompile(`span "crispwa.send" trace=(\w+) span=(\w+)`).FindStringSubmatch(got)
	require.NotNil(t, send, got)
	assert.Contains(t, got, "linked to trace="+send[1]+" span="+send[2], "the callback's span links to the send's")
	assert.Contains(t, got, "crispwa.recipient=+336****5678")
	assert.NotContains(t, got, "+33612345678", "the number is masked")
	for _, series := range []string{
		`crispwa_client_sends_total{`, `outcome="accepted"`, `crispwa_client_send_duration_seconds_count{`,
		`crispwa_callback_deliveries_total{`, `result="handled"`, `crispwa_callback_delay_seconds_count{`,
	} {
		assert.Contains(t, got, series)
	}
}
