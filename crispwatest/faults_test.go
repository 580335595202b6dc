package crispwatest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
)

func TestFailNext(t *testing.T) {
	s := newServer(t)
	c := s.Client(crispwa.WithMaxRetries(0))
	ctx := context.Background()

	s.FailNext(http.StatusInternalServerError, "backend_down")
	s.FailNext(http.StatusBadRequest, "invalid_data")

	_, err := c.Templates.List(ctx, nil)
	var apiErr *crispwa.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 500, apiErr.StatusCode)
	assert.Equal(t, "backend_down", apiErr.Reason)
	assert.ErrorIs(t, err, crispwa.ErrServer)

	_, err = c.Templates.Send(ctx, orderUpdate(toNumber))
	assert.ErrorIs(t, err, crispwa.ErrInvalidRequest, "second queued failure")
	assert.NotErrorIs(t, err, crispwa.ErrSendOutcomeUnknown, "a 400 is a definite refusal")
	assert.Equal(t, 0, s.SendCount(), "a failed send is not recorded")

	_, err = c.Templates.Send(ctx, orderUpdate(toNumber))
	assert.NoError(t, err, "only the next requests fail")
	assert.Equal(t, 1, s.SendCount())

	s.FailNext(http.StatusBadGateway, "bad_gateway")
	_, err = c.Templates.Send(ctx, orderUpdate(toNumber))
	assert.ErrorIs(t, err, crispwa.ErrSendOutcomeUnknown, "a 5xx on a send is ambiguous")
}

func TestRateLimitNext(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	path := "website/" + s.WebsiteID + "/templates"

	t.Run("Retry-After rounded up to whole seconds", func(t *testing.T) {
		for _, tt := range []struct {
			after time.Duration
			want  string
		}{{1500 * time.Millisecond, "2"}, {time.Second, "1"}, {time.Millisecond, "1"}, {0, ""}} {
			s.RateLimitNext(1, tt.after)
			status, h, env := rawDo(t, s, http.MethodGet, path, "", true)
			assert.Equal(t, 429, status)
			assert.Equal(t, tt.want, h.Get("Retry-After"), tt.after)
			assert.Equal(t, "rate_limited", env["reason"])
			status, _, _ = rawDo(t, s, http.MethodGet, path, "", true)
			assert.Equal(t, 200, status, "only n requests are limited")
		}
	})
	t.Run("sends are retried past it and recorded once", func(t *testing.T) {
		before := s.SendCount()
		s.RateLimitNext(2, 0)
		res, err := s.Client().Templates.Send(ctx, orderUpdate(toNumber))
		require.NoError(t, err)
		assert.NotEmpty(t, res.RequestID)
		assert.Equal(t, before+1, s.SendCount())
	})
	t.Run("without retries it surfaces with RetryAfter", func(t *testing.T) {
		before := s.SendCount()
		s.RateLimitNext(1, 3*time.Second)
		_, err := s.Client(crispwa.WithMaxRetries(0)).Templates.Send(ctx, orderUpdate(toNumber))
		assert.ErrorIs(t, err, crispwa.ErrRateLimited)
		assert.NotErrorIs(t, err, crispwa.ErrSendOutcomeUnknown)
		var apiErr *crispwa.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 3*time.Second, apiErr.RetryAfter)
		assert.Equal(t, before, s.SendCount())
	})
	t.Run("n <= 0 turns it off", func(t *testing.T) {
		s.RateLimitNext(5, 0)
		s.RateLimitNext(0, 0)
		status, _, _ := rawDo(t, s, http.MethodGet, path, "", true)
		assert.Equal(t, 200, status)
	})
}

func TestRateLimitFor(t *testing.T) {
	s := newServer(t)
	path := "website/" + s.WebsiteID + "/templates"

	s.RateLimitFor(time.Hour, 1500*time.Millisecond)
	for range 3 {
		status, h, env := rawDo(t, s, http.MethodGet, path, "", true)
		assert.Equal(t, 429, status, "every request during the storm")
		assert.Equal(t, "2", h.Get("Retry-After"))
		assert.Equal(t, "rate_limited", env["reason"])
	}
	_, err := s.Client(crispwa.WithMaxRetries(1)).Templates.Send(context.Background(), orderUpdate(toNumber))
	assert.ErrorIs(t, err, crispwa.ErrRateLimited)
	assert.Zero(t, s.SendCount(), "a rate-limited send is not recorded")

	s.RateLimitFor(0, 0)
	status, _, _ := rawDo(t, s, http.MethodGet, path, "", true)
	assert.Equal(t, 200, status, "d <= 0 ends the storm")

	s.RateLimitFor(50*time.Millisecond, 0)
	status, h, _ := rawDo(t, s, http.MethodGet, path, "", true)
	assert.Equal(t, 429, status)
	assert.Empty(t, h.Get("Retry-After"), "no Retry-After when retryAfter is 0")
	assert.Eventually(t, func() bool {
		status, _, _ := rawDo(t, s, http.MethodGet, path, "", true)
		return status == 200
	}, 5*time.Second, 10*time.Millisecond, "the storm ends by itself")
}

func TestDropNextSends(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name         string
		accepted     bool
		wantRecorded int
	}{
		{"not accepted", false, 0},
		{"accepted", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			rcv := newReceiver(t, nil)
			s.SetCallbackURL(rcv.srv.URL)
			c := s.Client()

			s.DropNextSends(1, tt.accepted)
			_, err := c.Templates.List(ctx, nil)
			require.NoError(t, err, "listings are not dropped")

			_, err = c.Templates.Send(ctx, orderUpdate(toNumber))
			assert.ErrorIs(t, err, crispwa.ErrSendOutcomeUnknown)
			assert.Equal(t, tt.wantRecorded, s.SendCount())
			if tt.accepted {
				cb := rcv.next(t)
				data, _ := cb["data"].(map[string]any)
				assert.Equal(t, s.RequestIDs()[0], data["request_id"], "the callback of the dropped send still comes")
			}

			_, err = c.Templates.Send(ctx, orderUpdate(toNumber))
			assert.NoError(t, err, "only n sends are dropped")
			assert.Equal(t, tt.wantRecorded+1, s.SendCount())
		})
	}
}

func TestSetLatency(t *testing.T) {
	s := newServer(t)
	c := s.Client(crispwa.WithMaxRetries(0))

	s.SetLatency(30 * time.Millisecond)
	start := time.Now()
	_, err := c.Templates.List(context.Background(), nil)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)

	s.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Templates.Send(ctx, orderUpdate(toNumber))
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "got %v", err)
	assert.ErrorIs(t, err, crispwa.ErrSendOutcomeUnknown)
	assert.Equal(t, 0, s.SendCount(), "a request abandoned during the delay is not processed")

	// Close cuts an hour-long delay short.
	listed := listInFlight(t, c)
	s.Close()
	select {
	case err := <-listed:
		assert.Error(t, err, "the List was cut short, not answered")
	case <-time.After(30 * time.Second): // a guard against a hang only
		t.Fatal("Close did not cut the delay short")
	}
}

// TestFaultCountsUnderConcurrency checks that "the next n requests" means
// exactly n, however many requests race for them.
func TestFaultCountsUnderConcurrency(t *testing.T) {
	s := newServer(t)
	c := s.Client(crispwa.WithMaxRetries(0))
	ctx := context.Background()
	const n = 30

	count := func(do func() error, match error) int {
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- do()
			}()
		}
		wg.Wait()
		close(errs)
		got := 0
		for err := range errs {
			if errors.Is(err, match) {
				got++
			} else {
				assert.NoError(t, err)
			}
		}
		return got
	}
	list := func() error { _, err := c.Templates.List(ctx, nil); return err }
	send := func() error { _, err := c.Templates.Send(ctx, orderUpdate(toNumber)); return err }

	s.RateLimitNext(7, 0)
	assert.Equal(t, 7, count(list, crispwa.ErrRateLimited))

	for range 4 {
		s.FailNext(http.StatusServiceUnavailable, "maintenance")
	}
	assert.Equal(t, 4, count(list, crispwa.ErrServer))

	before := s.SendCount()
	s.DropNextSends(5, false)
	assert.Equal(t, 5, count(send, crispwa.ErrSendOutcomeUnknown))
	assert.Equal(t, before+n-5, s.SendCount())
}

func TestDropNextSendsInvalidBodyIsNotRecorded(t *testing.T) {
	s := newServer(t)
	s.DropNextSends(1, true)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost,
		s.URL+"website/"+s.WebsiteID+"/template/send", strings.NewReader("{"))
	require.NoError(t, err)
	req.SetBasicAuth(s.Credentials.Identifier, s.Credentials.Key)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	assert.Error(t, err, "connection closed without an answer")
	assert.Equal(t, 0, s.SendCount())
}
