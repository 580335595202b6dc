package callback

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// logSignal is a slog.Handler that lets a test wait for a record: it keeps
// each record's message and attributes as one line.
type logSignal struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{} // closed and replaced on each record
}

func newLogSignal() *logSignal { return &logSignal{changed: make(chan struct{})} }

func (l *logSignal) logger() *slog.Logger { return slog.New(l) }

func (l *logSignal) Enabled(context.Context, slog.Level) bool { return true }
func (l *logSignal) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logSignal) WithGroup(string) slog.Handler            { return l }
func (l *logSignal) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, " %s=%v", a.Key, a.Value); return true })
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, b.String())
	close(l.changed)
	l.changed = make(chan struct{})
	return nil
}

// wait returns the first line containing s, waiting up to 5 s for it.
func (l *logSignal) wait(t *testing.T, s string) string {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		l.mu.Lock()
		for _, line := range l.lines {
			if strings.Contains(line, s) {
				l.mu.Unlock()
				return line
			}
		}
		changed := l.changed
		l.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			require.FailNow(t, "no log record containing "+s)
		}
	}
}

// panicMessage returns what f panics with, failing the test if it does not.
func panicMessage(t *testing.T, f func()) (msg string) {
	t.Helper()
	defer func() {
		v := recover()
		require.NotNil(t, v, "no panic")
		msg = fmt.Sprint(v)
	}()
	f()
	return ""
}
