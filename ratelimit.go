package crispwa

import (
	"context"
	"net/http"
	"time"
)

// rateLimitObserverKey is the context key of WithRateLimitObserver.
type rateLimitObserverKey struct{}

// WithRateLimitObserver returns a copy of ctx that makes every call made with
// it report each rate-limit answer (HTTP 429 or 420) to f, with the server's
// Retry-After (0 when it gave none), as soon as the answer arrives: before the
// SDK waits and retries, and also when that answer ends the call with
// ErrRateLimited. It lets code that runs many calls in parallel (package bulk)
// slow all of them down when one is told to, the way httptrace reports
// connection events. It does not change what the call does.
//
// f runs on the goroutine making the call, possibly on several at once: it
// must be quick and safe for concurrent use. A nil f returns ctx unchanged.
func WithRateLimitObserver(ctx context.Context, f func(retryAfter time.Duration)) context.Context {
	if f == nil {
		return ctx
	}
	return context.WithValue(ctx, rateLimitObserverKey{}, f)
}

// observeRateLimit reports resp to the context's rate-limit observer when it
// is a rate-limit answer.
func observeRateLimit(ctx context.Context, resp *http.Response) {
	if resp == nil || !isRateLimit(resp.StatusCode) {
		return
	}
	if f, ok := ctx.Value(rateLimitObserverKey{}).(func(time.Duration)); ok {
		d, _ := retryAfter(resp)
		f(d)
	}
}
