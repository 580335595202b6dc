package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/crispwa/crispwa/bulk"
)

// statusLine shares stderr between the progress and the messages: on a
// terminal the progress is one line redrawn in place, and a message clears
// it, is printed on its own line, and the progress is drawn again below it.
// Off a terminal there is no line to redraw: messages and progress lines
// are printed one after the other.
type statusLine struct {
	mu   sync.Mutex
	w    io.Writer
	tty  bool
	line string // the progress line shown, "" when none
}

func newStatusLine(w io.Writer) *statusLine {
	f, ok := w.(*os.File)
	return &statusLine{w: w, tty: ok && term.IsTerminal(int(f.Fd()))}
}

// say prints a message on its own line.
func (s *statusLine) say(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tty && s.line != "" {
		fmt.Fprint(s.w, "\r\x1b[K")
	}
	fmt.Fprintf(s.w, format+"\n", args...)
	if s.tty && s.line != "" {
		fmt.Fprint(s.w, s.line)
	}
}

// show replaces the progress line (on a terminal), or prints it.
func (s *statusLine) show(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.tty {
		fmt.Fprintln(s.w, line)
		return
	}
	s.line = line
	fmt.Fprint(s.w, "\r\x1b[K"+line)
}

// finish ends the progress line.
func (s *statusLine) finish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tty && s.line != "" {
		fmt.Fprint(s.w, "\r\x1b[K")
	}
	s.line = ""
}

// progressText is one progress report: what this run has done of what it
// sends, the pace, and either the time left or the pause.
func progressText(p bulk.Progress, now time.Time) string {
	var b strings.Builder
	pct := 100.0
	if p.ToSend > 0 {
		pct = 100 * float64(p.Done) / float64(p.ToSend)
	}
	fmt.Fprintf(&b, "bulk: %d/%d done (%.0f%%): %d accepted, %d rejected, %d unknown", p.Done, p.ToSend, pct, p.Accepted, p.Rejected, p.Unknown)
	if p.Skipped > 0 {
		fmt.Fprintf(&b, ", %d skipped", p.Skipped)
	}
	switch {
	case !p.PausedUntil.IsZero() && p.PausedUntil.After(now):
		fmt.Fprintf(&b, "; paused: rate-limited until %s", p.PausedUntil.Local().Format(time.TimeOnly))
	case p.Stopping:
		fmt.Fprintf(&b, "; stopping, %d in flight", p.InFlight)
	default:
		fmt.Fprintf(&b, "; %.1f sends/s", p.Rate)
		if p.ETA > 0 && p.Remaining > 0 {
			fmt.Fprintf(&b, ", about %s left", p.ETA.Round(time.Second))
		}
	}
	return b.String()
}

// progressReporter returns the progress function and how often to call it:
// on a terminal, a line redrawn four times a second; off one, a line every
// 5 seconds (and the last one), and at once when a pause starts or ends.
func progressReporter(out *statusLine) (report func(bulk.Progress), every time.Duration) {
	if out.tty {
		return func(p bulk.Progress) { out.show(progressText(p, time.Now())) }, 250 * time.Millisecond
	}
	var last time.Time
	var paused bool
	return func(p bulk.Progress) {
		now := time.Now()
		nowPaused := !p.PausedUntil.IsZero() && p.PausedUntil.After(now)
		if p.ToSend == 0 || (now.Sub(last) < 5*time.Second && p.Remaining > 0 && nowPaused == paused) {
			return
		}
		last, paused = now, nowPaused
		out.show(progressText(p, now))
	}, time.Second
}
