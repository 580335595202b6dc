package crispwa

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRateLimitObserver(t *testing.T) {
	header := http.Header{"Retry-After": {"0"}}
	tests := []struct {
		name      string
		status    int
		header    http.Header
		ok        http.HandlerFunc
		call      func(context.Context, *Client) error
		wantCalls int
		wantAfter time.Duration
	}{
		{"send retried past two 429s", 429, nil, okSend, func(ctx context.Context, c *Client) error {
			_, err := c.Templates.Send(ctx, validSend())
			return err
		}, 2, 0},
		{"send with 420 and Retry-After", 420, header, okSend, func(ctx context.Context, c *Client) error {
			_, err := c.Templates.Send(ctx, validSend())
			return err
		}, 2, 0},
		{"list retried past two 429s", 429, nil, okList, func(ctx context.Context, c *Client) error {
			_, err := c.Templates.List(ctx, nil)
			return err
		}, 2, 0},
		{"not called for a 500", 500, nil, okList, func(ctx context.Context, c *Client) error {
			_, err := c.Templates.List(ctx, nil)
			return err
		}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := newTestClient(t, statusThenOK(2, tt.status, tt.header, tt.ok))
			var mu sync.Mutex
			var got []time.Duration
			ctx := WithRateLimitObserver(context.Background(), func(d time.Duration) {
				mu.Lock()
				defer mu.Unlock()
				got = append(got, d)
			})
			require.NoError(t, tt.call(ctx, c))
			assert.Len(t, got, tt.wantCalls)
			for _, d := range got {
				assert.Equal(t, tt.wantAfter, d)
			}
		})
	}
}

func TestRateLimitObserverSeesRetryAfterOfFinalAnswer(t *testing.T) {
	c, _, _ := newTestClient(t, statusThenOK(10, 429, http.Header{"Retry-After": {"120"}}, okSend))
	var got []time.Duration
	ctx := WithRateLimitObserver(context.Background(), func(d time.Duration) { got = append(got, d) })
	_, err := c.Templates.Send(ctx, validSend())
	require.ErrorIs(t, err, ErrRateLimited)
	assert.Equal(t, []time.Duration{120 * time.Second}, got, "one answer, longer than the max wait: no retry")
}

func TestRateLimitObserverNil(t *testing.T) {
	ctx := context.Background()
	assert.Equal(t, ctx, WithRateLimitObserver(ctx, nil))
}
