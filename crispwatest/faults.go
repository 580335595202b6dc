package crispwatest

import (
	"context"
	"net/http"
	"time"
)

// FailNext makes exactly the next request (of any kind, before
// authentication) fail with the HTTP status and a Crisp error envelope
// {"error":true,"reason":reason,"data":{}}. Calls queue up: two calls fail
// the next two requests, in order. A send failed this way is not recorded.
// FailNext takes precedence over RateLimitNext and DropNextSends.
func (s *Server) FailNext(status int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = append(s.failNext, failure{status: status, reason: reason})
	s.faultsVer = s.bumpLocked()
}

// RateLimitNext makes the next n requests (of any kind) fail with HTTP 429,
// the reason "rate_limited" and, when retryAfter is positive, a Retry-After
// header of retryAfter in whole seconds, rounded up. A rate-limited send is
// not recorded, as with the real API. A call replaces the previous count; n
// <= 0 turns rate limiting off.
func (s *Server) RateLimitNext(n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimitN = max(n, 0)
	s.retryAfter = retryAfter
	s.faultsVer = s.bumpLocked()
}

// RateLimitFor makes every request (of any kind) for the duration d, from
// now, fail as RateLimitNext does: HTTP 429 with the reason "rate_limited"
// and, when retryAfter is positive, a Retry-After header of retryAfter in
// whole seconds, rounded up. It simulates a rate-limit storm whose length
// does not depend on how many requests the client makes. A call replaces the
// previous storm; d <= 0 ends it. RateLimitNext's count is used up first.
func (s *Server) RateLimitFor(d, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stormUntil = time.Now().Add(max(d, 0))
	s.stormRetryAfter = retryAfter
	s.faultsVer = s.bumpLocked()
}

// DropNextSends makes the next n template sends end with the connection
// closed and no answer at all. With accepted true, each send is first
// validated and recorded (and its callback fired) as if accepted, which is
// the ambiguous case the SDK reports as ErrSendOutcomeUnknown; with
// accepted false nothing is recorded. Template listings are not affected. A
// call replaces the previous count; n <= 0 turns dropping off.
func (s *Server) DropNextSends(n int, accepted bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropN = max(n, 0)
	s.dropAccept = accepted
	s.faultsVer = s.bumpLocked()
}

// SetLatency delays every answer by d, before the request is processed. A
// request whose context ends during the delay (the client gave up) is
// dropped unprocessed: a send is then not recorded. Close cuts the delays
// short. d <= 0 removes the delay.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = max(d, 0)
	s.faultsVer = s.bumpLocked()
}

// fault is what the fake does to one request before serving it.
type fault struct {
	fail       *failure
	rateLimit  bool
	retryAfter time.Duration
	latency    time.Duration
}

// takeFault consumes the queued fault for the next request, if any.
func (s *Server) takeFault() fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := fault{latency: s.latency}
	switch {
	case len(s.failNext) > 0:
		f.fail = &s.failNext[0]
		s.failNext = s.failNext[1:]
		s.faultsVer = s.bumpLocked()
	case s.rateLimitN > 0:
		s.rateLimitN--
		s.faultsVer = s.bumpLocked()
		f.rateLimit, f.retryAfter = true, s.retryAfter
	case time.Now().Before(s.stormUntil):
		f.rateLimit, f.retryAfter = true, s.stormRetryAfter
	}
	return f
}

// takeDrop consumes one DropNextSends count: drop reports whether this send
// is dropped and accepted whether it is recorded first.
func (s *Server) takeDrop() (drop, accepted bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dropN == 0 {
		return false, false
	}
	s.dropN--
	s.faultsVer = s.bumpLocked()
	return true, s.dropAccept
}

// wait sleeps for d unless ctx or the server's stop context ends first; it
// reports whether the full delay elapsed.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.stop.Done():
		return false
	}
}

// dropConnection closes the client's connection without writing an answer.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok { // HTTP/2 cannot be hijacked: abort the stream instead
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
