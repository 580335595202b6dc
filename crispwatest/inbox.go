package crispwatest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/internal/inbox"
)

// inboxHandler serves the inbox page and its JSON API at the root of the
// server's address.
func (s *Server) inboxHandler() http.Handler { return inbox.Handler(inboxBackend{s}) }

// inboxBackend shows the Server to the inbox page.
type inboxBackend struct{ *Server }

func (b inboxBackend) State() inbox.State {
	s := b.Server
	s.mu.Lock()
	defer s.mu.Unlock()
	st := inbox.State{Version: s.seq, FaultsVersion: s.faultsVer, Manual: s.cfg.manual, CallbackURL: withoutQuery(s.callbackURL),
		Kept: len(s.records), Dropped: s.dropped, MaxMessages: s.cfg.maxMessages, Cleared: s.clearedVer}
	for _, f := range s.failNext {
		st.Faults.FailNext = append(st.Faults.FailNext, fmt.Sprintf("%d %s", f.status, f.reason))
	}
	st.Faults.RateLimitN, st.Faults.DropN, st.Faults.Latency = s.rateLimitN, s.dropN, s.latency
	if time.Now().Before(s.stormUntil) {
		st.Faults.StormUntil = s.stormUntil
	}
	return st
}

func (b inboxBackend) Since(since int64) []inbox.Message {
	s := b.Server
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []inbox.Message
	for _, rec := range slices.Backward(s.records) {
		if rec.ver > since {
			out = append(out, s.messageLocked(rec))
		}
	}
	return out
}

func (b inboxBackend) Changed() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.changed
}

func (b inboxBackend) Done() <-chan struct{} { return b.stop.Done() }

// Deliver and Fail tell the page's API an unknown request_id from a
// decided one.
func (b inboxBackend) Deliver(id string) error { return apiErr(b.Server.Deliver(id)) }

func (b inboxBackend) Fail(id, reason string) error { return apiErr(b.Server.Fail(id, reason)) }

func apiErr(err error) error {
	switch {
	case errors.Is(err, ErrUnknownRequest):
		return fmt.Errorf("%w: %w", inbox.ErrUnknown, err)
	case errors.Is(err, ErrOutcomeDecided):
		return fmt.Errorf("%w: %w", inbox.ErrDecided, err)
	}
	return err
}

func (b inboxBackend) Templates() []inbox.TemplateView {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]inbox.TemplateView, len(b.templates))
	for i, st := range b.templates {
		t := st.t
		out[i] = inbox.TemplateView{Name: t.Name, Language: t.Language, Status: t.Status, Category: t.Category, Card: renderTemplate(t)}
	}
	return out
}

// templateLocked returns the template of that name and language, nil when
// there is none. s.mu must be held.
func (s *Server) templateLocked(name, language string) *crispwa.Template {
	for i := range s.templates {
		if t := &s.templates[i].t; t.Name == name && t.Language == language {
			return t
		}
	}
	return nil
}

// withoutQuery drops a URL's query and user info, where a token may be.
func withoutQuery(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	p.RawQuery, p.User, p.Fragment = "", nil, ""
	return p.String()
}
