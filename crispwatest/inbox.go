package crispwatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/internal/inbox"
)

// inboxHandler serves the inbox page at the root of the server's address.
func (s *Server) inboxHandler() http.Handler { return inbox.Handler(inboxBackend{s}) }

// inboxBackend shows the Server to the inbox page.
type inboxBackend struct{ *Server }

var (
	outcomeNames = map[outcome]string{outcomeWaiting: "waiting", outcomeSent: "sent", outcomeFailed: "failed"}
	cbNames      = map[cbState]string{cbOff: "off", cbPosting: "posting", cbRetrying: "retrying", cbDelivered: "delivered", cbFailed: "failed"}
)

func (b inboxBackend) State(since int64) inbox.State {
	s := b.Server
	s.mu.Lock()
	defer s.mu.Unlock()
	st := inbox.State{Version: s.seq, FaultsVersion: s.faultsVer, Manual: s.cfg.manual, CallbackURL: withoutQuery(s.callbackURL)}
	for _, f := range s.failNext {
		st.Faults.FailNext = append(st.Faults.FailNext, fmt.Sprintf("%d %s", f.status, f.reason))
	}
	st.Faults.RateLimitN, st.Faults.DropN, st.Faults.Latency = s.rateLimitN, s.dropN, s.latency
	if time.Now().Before(s.stormUntil) {
		st.Faults.StormUntil = s.stormUntil
	}
	for _, rec := range slices.Backward(s.records) {
		if rec.ver <= since {
			continue
		}
		t := s.templateLocked(rec.send.Template.Name, rec.send.Template.Language)
		var sent crispwa.SendTemplateRequest
		_ = json.Unmarshal(rec.body, &sent) // accepted, so valid JSON; a field the SDK cannot read stays empty
		m := inbox.Message{
			RequestID: rec.requestID, Template: rec.send.Template.Name, Language: rec.send.Template.Language,
			At: rec.at, Card: renderSend(rec.send, sent.Template, t), Known: t != nil, Verdict: rec.verdict,
			Outcome: outcomeNames[rec.outcome], Reason: rec.reason, Callback: cbNames[rec.cb], Version: rec.ver,
		}
		if rec.outcome == outcomeFailed {
			if f := (&crispwa.CallbackEvent{RequestID: rec.requestID, Error: true, Reason: rec.reason}).Failure(); f != nil {
				m.FailureClass = string(f.Class)
			}
		}
		if rec.send.To != nil {
			m.To = *rec.send.To
		}
		if rec.send.From != nil {
			m.From = *rec.send.From
		}
		for _, a := range rec.attempts {
			m.Attempts = append(m.Attempts, inbox.Attempt{At: a.at, Status: a.status, Err: a.err})
		}
		st.Messages = append(st.Messages, m)
	}
	return st
}

func (b inboxBackend) Changed() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.changed
}

func (b inboxBackend) Done() <-chan struct{} { return b.stop.Done() }

func (b inboxBackend) Templates() []inbox.TemplateView {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]inbox.TemplateView, len(b.templates))
	for i, st := range b.templates {
		t := st.t
		out[i] = inbox.TemplateView{Name: t.Name, Language: t.Language, Status: t.Status, Category: t.Category, Card: renderExample(t)}
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
