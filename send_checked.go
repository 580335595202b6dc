package crispwa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/crispwa/crispwa/internal/redact"
)

// DefaultTemplateCacheTTL is how long SendChecked keeps a fetched template
// unless WithTemplateCache says otherwise. Five minutes saves a campaign from
// listing the templates once per message, while a template that Meta pauses
// or edits is noticed within minutes.
const DefaultTemplateCacheTTL = 5 * time.Minute

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
// cached copy fetched more than 30 seconds ago is checked again against a
// fresh fetch before it is refused, so that editing a template does not
// block correct sends for a whole TTL. Concurrent calls for the same
// template that is not cached share one fetch.
func (s *TemplatesService) SendChecked(ctx context.Context, req *SendTemplateRequest) (*SendResult, error) {
	if err := req.Validate(); err != nil {
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
		if l := s.client.logger; l != nil {
			l.LogAttrs(ctx, slog.LevelDebug, "crispwa: template send refused by check, not sent",
				slog.String("template", key.name),
				slog.String("language", key.language),
				slog.Int("mismatches", len(ValidationErrors(checkErr))),
				slog.String("to", redact.Phone(req.To)))
		}
		return nil, checkErr
	}
	res, err := s.Send(ctx, req)
	if err != nil && errors.Is(err, ErrInvalidRequest) {
		s.cache.forget(key)
	}
	return res, err
}

// templateRecheckAfter is how old a cached template must be before a send
// that fails the check against it makes SendChecked fetch the template
// again. It bounds the extra fetches a stream of mismatching sends causes
// to one per 30 seconds.
const templateRecheckAfter = 30 * time.Second

// templateKey identifies a cached template.
type templateKey struct{ name, language string }

// templateCache keeps fetched templates for a TTL and lets concurrent
// callers of an uncached template share one fetch. A nil *templateCache is
// a valid, disabled cache: every get fetches.
type templateCache struct {
	ttl time.Duration
	now func() time.Time // time.Now; tests replace it

	mu       sync.Mutex
	entries  map[templateKey]cachedTemplate
	inflight map[templateKey]*templateFetch
	waiting  int // callers waiting on another's fetch (observed by tests)
}

type cachedTemplate struct {
	t       *Template
	fetched time.Time
}

// templateFetch is one fetch in progress; done is closed when t and err
// are set.
type templateFetch struct {
	done chan struct{}
	t    *Template
	err  error
}

// newTemplateCache returns a cache keeping templates for ttl, or nil (no
// cache) when ttl is not positive.
func newTemplateCache(ttl time.Duration) *templateCache {
	if ttl <= 0 {
		return nil
	}
	return &templateCache{
		ttl:      ttl,
		now:      time.Now,
		entries:  map[templateKey]cachedTemplate{},
		inflight: map[templateKey]*templateFetch{},
	}
}

// get returns the cached template for key (hit is true), or fetches it.
// Only successful fetches are cached. A caller waiting on another caller's
// fetch stops waiting when its own ctx ends; when the fetch it waited for
// failed only because the fetching caller's context ended, it fetches
// itself.
func (c *templateCache) get(ctx context.Context, key templateKey, fetch func(context.Context) (*Template, error)) (t *Template, hit bool, err error) {
	if c == nil {
		t, err = fetch(ctx)
		return t, false, err
	}
	for {
		c.mu.Lock()
		if e, ok := c.entries[key]; ok && c.now().Sub(e.fetched) < c.ttl {
			c.mu.Unlock()
			return e.t, true, nil
		}
		if f, ok := c.inflight[key]; ok {
			c.waiting++
			c.mu.Unlock()
			var ctxErr error
			select {
			case <-f.done:
			case <-ctx.Done():
				ctxErr = ctx.Err()
			}
			c.mu.Lock()
			c.waiting--
			c.mu.Unlock()
			if ctxErr != nil {
				return nil, false, fmt.Errorf("crispwa: waiting for template %q (%s): %w", key.name, key.language, ctxErr)
			}
			if f.err != nil && isContextError(f.err) && ctx.Err() == nil {
				continue // the fetching caller gave up; this one has not
			}
			return f.t, false, f.err
		}
		f := &templateFetch{done: make(chan struct{})}
		c.inflight[key] = f
		c.mu.Unlock()
		c.run(ctx, key, f, fetch)
		return f.t, false, f.err
	}
}

// stale reports whether t is still the cached template for key and was
// fetched at least templateRecheckAfter ago; if so it drops it, so that
// the next get fetches afresh.
func (c *templateCache) stale(key templateKey, t *Template) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.t != t || c.now().Sub(e.fetched) < templateRecheckAfter {
		return false
	}
	delete(c.entries, key)
	return true
}

// run performs fetch for f and publishes its outcome, even if fetch
// panics, so that waiters never block forever.
func (c *templateCache) run(ctx context.Context, key templateKey, f *templateFetch, fetch func(context.Context) (*Template, error)) {
	f.err = errors.New("crispwa: template fetch did not complete")
	defer func() {
		c.mu.Lock()
		delete(c.inflight, key)
		if f.err == nil && f.t != nil {
			c.entries[key] = cachedTemplate{t: f.t, fetched: c.now()}
		}
		c.mu.Unlock()
		close(f.done)
	}()
	f.t, f.err = fetch(ctx)
}

// forget drops key from the cache.
func (c *templateCache) forget(key templateKey) {
	if c == nil {
		return
	}
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
