package bulk

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// A pause the RateStore could not share is said once, at Warn, with the
// store's error (the other runners will not pause with this one); a pause
// the store took is not logged. Either way this runner pauses.
func TestThrottlePauseNotSharedIsLogged(t *testing.T) {
	tests := []struct {
		name  string
		store RateStore
		want  string // "" no log
	}{
		{"store takes the pause", newMemRateStore(), ""},
		{"store fails", &countingFailStore{}, `level=WARN msg="crispwa/bulk: rate store failed: pause not shared" error=down`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			th := newThrottle(10)
			th.store = tt.store
			th.logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
				ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
					if a.Key == slog.TimeKey {
						return slog.Attr{}
					}
					return a
				},
			}))
			th.hit(time.Second)
			assert.False(t, th.pausedUntilTime().IsZero(), "this runner pauses")
			if tt.want == "" {
				assert.Empty(t, buf.String())
				return
			}
			assert.Equal(t, tt.want, strings.TrimSpace(buf.String()))
		})
	}
}
