package crispwa

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/crispwa/crispwa/internal/redact"
)

// SendChecked sends req like Send, after checking it against its template:
// it gets the template named by req.Template (from the client's template
// cache when fresh, see WithTemplateCache), runs Template.Check, and makes
// no send request when the check fails, returning Check's error (every
// mismatch at once; errors.Is(err, ErrInvalidRequest)). req.Validate runs
// first, before any network call.
//
// A template that does not exist in req.Template.Language is an error
// wrapping ErrNotFound, with no send. Failures to get the template are
// returned as they are (no send was made, so they are never
// ErrSendOutcomeUnknown). The send itself has Send's semantics, including
// ErrSendOutcomeUnknown for ambiguous failures. When Crisp refuses the send
// as invalid (ErrInvalidRequest), the cached template is dropped so that the
// next call fetches it afresh.
//
// The check is only as fresh as the cache: within the TTL, a template that
// Meta paused after it was fetched still passes, and the send then fails in
// its callback. The other way round, a send that fails the check against a
// cached copy that is not brand new is checked again against a fresh fetch
// before it is refused, so that editing a template does not block correct
// sends for a whole TTL. Concurrent calls for the same template that is not
// cached share one fetch. Get fills the same cache: after Get, SendChecked
// for that template makes no second fetch (or use SendCheckedWith with the
// *Template in hand).
//
// With an Observer (WithObserver), the whole call is one send: a send
// refused by the check is reported with OutcomeNotSent, and the fetch of
// the template is an attempt of it.
func (s *TemplatesService) SendChecked(ctx context.Context, req *SendTemplateRequest) (*SendResult, error) {
	if s.client.observesSends() {
		return s.client.observeSend(ctx, req, s.sendChecked)
	}
	return s.sendChecked(ctx, req)
}

// sendChecked is SendChecked without the observer.
func (s *TemplatesService) sendChecked(ctx context.Context, req *SendTemplateRequest) (*SendResult, error) {
	wire, err := req.prepare(s.client.phones.normalize)
	if err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, invalid("ctx", "nil context")
	}
	key := templateKey{name: req.Template.Name, language: req.Template.Language}
	fetch := func(ctx context.Context) (*Template, error) { return s.Get(ctx, key.name, key.language) }
	t, hit, err := s.cache.get(ctx, key, fetch)
	if err != nil {
		return nil, err
	}
	checkErr := t.Check(req.Template)
	if checkErr != nil && hit && s.cache.stale(key, t) {
		// The cached copy may predate an edit of the template: check
		// against a fresh one before refusing.
		if fresh, _, err := s.cache.get(ctx, key, fetch); err == nil {
			checkErr = fresh.Check(req.Template)
		}
	}
	if checkErr != nil {
		s.logRefusal(ctx, req, checkErr)
		return nil, checkErr
	}
	res, err := s.post(ctx, req, wire)
	if err != nil && errors.Is(err, ErrInvalidRequest) {
		s.cache.forget(key)
	}
	return res, err
}

// SendCheckedWith sends req like SendChecked, but checks it against t, the
// template the caller already has (from Get, List or All), so that
// Get + Build + send makes one GET and one POST. It makes no request to
// fetch the template: a stale t is refused or passed as it is. req.Validate
// and t.Check run before any network call; a mismatch makes no send
// request and returns Check's error. With an Observer, it is reported as
// SendChecked is.
func (s *TemplatesService) SendCheckedWith(ctx context.Context, t *Template, req *SendTemplateRequest) (*SendResult, error) {
	if s.client.observesSends() {
		return s.client.observeSend(ctx, req, func(ctx context.Context, req *SendTemplateRequest) (*SendResult, error) {
			return s.sendCheckedWith(ctx, t, req)
		})
	}
	return s.sendCheckedWith(ctx, t, req)
}

// sendCheckedWith is SendCheckedWith without the observer.
func (s *TemplatesService) sendCheckedWith(ctx context.Context, t *Template, req *SendTemplateRequest) (*SendResult, error) {
	wire, err := req.prepare(s.client.phones.normalize)
	if err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, invalid("ctx", "nil context")
	}
	if t == nil {
		return nil, invalid("template", "is nil")
	}
	if err := t.Check(req.Template); err != nil {
		s.logRefusal(ctx, req, err)
		return nil, err
	}
	res, err := s.post(ctx, req, wire)
	if err != nil && errors.Is(err, ErrInvalidRequest) {
		s.cache.forget(templateKey{name: t.Name, language: t.Language})
	}
	return res, err
}

// logRefusal leaves one debug record for a send refused by Check: the
// template and the masked recipient, never the values.
func (s *TemplatesService) logRefusal(ctx context.Context, req *SendTemplateRequest, checkErr error) {
	if l := s.client.logger; l != nil {
		l.LogAttrs(ctx, slog.LevelDebug, "crispwa: template send refused by check, not sent",
			slog.String("template", req.Template.Name),
			slog.String("language", req.Template.Language),
			slog.Int("mismatches", len(ValidationErrors(checkErr))),
			slog.String("to", redact.Phone(req.To)))
	}
}

// templateRecheckAfter is how old a cached template must be before a send
// that fails the check against it makes SendChecked fetch the template
// again (a tenth of the TTL when that is shorter). It bounds the extra
// fetches a stream of mismatching sends causes to one per 30 seconds.
const templateRecheckAfter = 30 * time.Second
