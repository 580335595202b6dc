package crispwa

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The retry rule itself is retryRule in attempt.go; this file holds how long
// the SDK waits between attempts.

// retryAfterFits reports whether the server's Retry-After, if any, is within
// the maximum wait.
func retryAfterFits(resp *http.Response, waitMax time.Duration) bool {
	d, ok := retryAfter(resp)
	return !ok || d <= waitMax
}

// backoff honours Retry-After on 420/429/503 (the retry rule already refused
// waits beyond max) and otherwise waits min*2^attempt, capped at max, with
// jitter: a uniformly random duration in [d/2, d].
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (isRateLimit(resp.StatusCode) || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := retryAfter(resp); ok {
			return min(d, maxWait)
		}
	}
	d := maxWait
	if n := uint(attempt); minWait <= maxWait>>n { // min*2^attempt fits under max
		d = minWait << n
	}
	if half := d / 2; half > 0 {
		d = half + rand.N(half+1)
	}
	return max(d, minWait)
}

// retryAfter parses a Retry-After header given in seconds or as an HTTP date.
func retryAfter(resp *http.Response) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}
