package crispwatest

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/internal/inbox"
)

// Message is one accepted send as the inbox page and its JSON API show it:
// request_id, recipient, sender, template, the time it was accepted, its
// status (waiting, sent or failed) and failure reason, the fake's verdict,
// the text WhatsApp would show, the raw request and answer, and every post
// of its callback (Deliveries). It is the JSON API's message, field for
// field.
type Message = inbox.Message

// Delivery is one post of a callback: when, how long the receiver took,
// the HTTP status it answered or why there was none, and the start of its
// answer.
type Delivery = inbox.Delivery

// MessageFilter selects messages for Messages: a search (Query), the
// recipient, template, status, failure class, request_id, a time range
// and paging (Offset, Limit). The zero MessageFilter selects every kept
// message.
type MessageFilter = inbox.Filter

// MessagePage is what Messages returns: the total that match, the page of
// them (newest first), how many messages are kept, and how many were
// dropped at the WithMaxMessages cap.
type MessagePage = inbox.Page

// Messages returns the kept messages that match f, newest first: the
// number that match (Total) and the f.Offset, f.Limit page of them (every
// match when f.Limit is 0). It is GET /api/v1/messages in Go:
//
//	page := srv.Messages(crispwatest.MessageFilter{To: "+33612345678", Status: "failed"})
func (s *Server) Messages(f MessageFilter) MessagePage {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := MessagePage{Kept: len(s.records), Dropped: s.dropped}
	q := []byte(strings.ToLower(f.Query))
	to := inbox.Digits(f.To)
	var page []*record
	for _, rec := range slices.Backward(s.records) {
		if !matches(f, rec, q, to) {
			continue
		}
		if p.Total >= f.Offset && (f.Limit == 0 || len(page) < f.Limit) {
			page = append(page, rec)
		}
		p.Total++
	}
	p.Messages = make([]Message, len(page))
	for i, rec := range page {
		p.Messages[i] = s.messageLocked(rec)
	}
	return p
}

// Message returns the kept message with this request_id, and false when
// there is none (never accepted, cleared, or dropped at the cap).
func (s *Server) Message(requestID string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.byID[requestID]
	if rec == nil {
		return Message{}, false
	}
	return s.messageLocked(rec), true
}

// Clear forgets every kept message (the page's "Clear all" and DELETE
// /api/v1/messages) and returns how many there were. Callbacks in flight
// still complete and count for WaitCallbacks; Deliver and Fail no longer
// find the cleared sends.
func (s *Server) Clear() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.records)
	s.records, s.byID, s.dropped = nil, map[string]*record{}, 0
	s.clearedVer = s.bumpLocked()
	return n
}

// keepLocked records rec, dropping the oldest record past the cap. s.mu
// must be held.
func (s *Server) keepLocked(rec *record) {
	s.records = append(s.records, rec)
	s.byID[rec.requestID] = rec
	if limit := s.cfg.maxMessages; limit > 0 && len(s.records) > limit {
		n := len(s.records) - limit
		for i, old := range s.records[:n] {
			delete(s.byID, old.requestID)
			s.records[i] = nil // let it go before append reallocates
		}
		s.records = s.records[n:]
		s.dropped += int64(n)
	}
}

// matches reports whether rec passes f; q is f.Query in lower case, to
// the digits of f.To.
func matches(f MessageFilter, rec *record, q []byte, to string) bool {
	switch {
	case f.RequestID != "" && rec.requestID != f.RequestID,
		f.Status != "" && outcomeNames[rec.outcome] != f.Status,
		f.Class != "" && rec.class != f.Class,
		!f.After.IsZero() && rec.at.Before(f.After),
		!f.Before.IsZero() && !rec.at.Before(f.Before),
		f.Template != "" && !strings.EqualFold(rec.send.Template.Name, f.Template),
		to != "" && (rec.send.To == nil || inbox.Digits(*rec.send.To) != to):
		return false
	}
	if len(q) == 0 {
		return true
	}
	for _, field := range []string{rec.requestID, rec.reason, rec.send.Template.Name, deref(rec.send.To), deref(rec.send.From)} {
		if containsFold([]byte(field), q) {
			return true
		}
	}
	return containsFold(rec.body, q)
}

// containsFold reports whether s contains q, ignoring case; q is in lower
// case. It allocates nothing and jumps from
// one candidate first byte to the next with bytes.IndexByte: a search runs
// over every kept message.
func containsFold(s, q []byte) bool {
	if len(q) == 0 {
		return true
	}
	for _, c := range q {
		if c >= utf8.RuneSelf { // a letter outside ASCII: fold it the slow way
			return bytes.Contains(bytes.ToLower(s), q)
		}
	}
	lo, up := q[0], q[0]
	if 'a' <= lo && lo <= 'z' {
		up = lo - 'a' + 'A'
	}
	nextUp := -1 // the next up in s, found once per pass over it
	for len(s) >= len(q) {
		i := bytes.IndexByte(s, lo)
		if up != lo {
			if nextUp < 0 {
				nextUp = bytes.IndexByte(s, up)
				if nextUp < 0 {
					nextUp = len(s)
				}
			}
			if i < 0 || nextUp < i {
				i = nextUp
			}
		}
		if i < 0 || i+len(q) > len(s) {
			return false
		}
		if equalFoldASCII(s[i:i+len(q)], q) {
			return true
		}
		s = s[i+1:]
		if nextUp >= 0 {
			nextUp -= i + 1 // still ahead, unless it was the candidate
		}
	}
	return false
}

// equalFoldASCII reports whether a equals the lower-case b, ASCII letters
// compared without case.
func equalFoldASCII(a, b []byte) bool {
	for i, c := range a {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != b[i] {
			return false
		}
	}
	return true
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

var (
	outcomeNames = map[outcome]string{outcomeWaiting: inbox.StatusWaiting, outcomeSent: inbox.StatusSent, outcomeFailed: inbox.StatusFailed}
	cbNames      = map[cbState]string{cbOff: "off", cbPosting: "posting", cbRetrying: "retrying", cbDelivered: "delivered", cbFailed: "failed"}
)

// messageLocked is rec as a Message. s.mu must be held.
func (s *Server) messageLocked(rec *record) Message {
	t := s.templateLocked(rec.send.Template.Name, rec.send.Template.Language)
	var sent crispwa.SendTemplateRequest
	_ = json.Unmarshal(rec.body, &sent) // accepted, so valid JSON; a field the SDK cannot read stays empty
	m := Message{
		RequestID: rec.requestID, To: deref(rec.send.To), From: deref(rec.send.From),
		Template: rec.send.Template.Name, Language: rec.send.Template.Language, SentAt: rec.at,
		Status: outcomeNames[rec.outcome], Reason: rec.reason, FailureClass: rec.class, Verdict: rec.verdict,
		KnownTemplate: t != nil, Rendered: renderSend(rec.send, sent.Template, t),
		Request: json.RawMessage(rec.body), Callback: cbNames[rec.cb], CallbackBody: json.RawMessage(rec.cbBody),
		Deliveries: make([]Delivery, len(rec.attempts)), Version: rec.ver,
	}
	if !rec.noAnswer {
		m.Answer, _ = json.Marshal(map[string]any{"error": false, "reason": "dispatched", "data": map[string]string{"request_id": rec.requestID}})
	}
	for i, a := range rec.attempts {
		m.Deliveries[i] = Delivery{At: a.at, DurationMS: float64(a.took.Microseconds()) / 1000, Status: a.status, Error: a.err, Answer: a.answer}
	}
	return m
}
