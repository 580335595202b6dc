package crispwa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

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
// cached copy that is not brand new is checked again against a fresh fetch
// before it is refused, so that editing a template does not block correct
// sends for a whole TTL. Concurrent calls for the same template that is not
// cached share one fetch. Get fills the same cache: after Get, SendChecked
// for that template makes no second fetch (or use SendCheckedWith with the
// *Template in hand).
func (s *TemplatesService) SendChecked(ctx context.Context, req *SendTemplateRequest) (*SendResult, error) {
	if _, _, err := req.validate(s.client.phones.normalize); err != nil {
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
	res, err := s.Send(ctx, req)
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
// request and returns Check's error.
func (s *TemplatesService) SendCheckedWith(ctx context.Context, t *Template, req *SendTemplateRequest) (*SendResult, error) {
	if _, _, err := req.validate(s.client.phones.normalize); err != nil {
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
	res, err := s.Send(ctx, req)
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

// templateCacheSize bounds the templates a client keeps; a website has a
// few dozen.
const templateCacheSize = 1024

// templateFetchTimeout bounds a shared template fetch, which runs detached
// from the context of the caller that started it (so that this caller
// giving up does not fail the others).
const templateFetchTimeout = 2 * time.Minute

// templateKey identifies a cached template.
type templateKey struct{ name, language string }

// templateCache keeps fetched templates for a TTL in a size-bounded LRU and
// lets concurrent callers of an uncached template share one fetch
// (singleflight). A nil *templateCache is a valid, disabled cache: every
// get fetches.
//
// The TTL is checked on read rather than with golang-lru's expirable
// package: expirable.NewLRU (v2.0.7) starts a cleanup goroutine that never
// exits, which would leak one goroutine per Client.
type templateCache struct {
	ttl          time.Duration
	recheckAfter time.Duration
	lru          *lru.Cache[templateKey, cachedTemplate]
	group        singleflight.Group
}

type cachedTemplate struct {
	t       *Template
	fetched time.Time
}

// newTemplateCache returns a cache keeping templates for ttl, or nil (no
// cache) when ttl is not positive.
func newTemplateCache(ttl time.Duration) *templateCache {
	if ttl <= 0 {
		return nil
	}
	cache, _ := lru.New[templateKey, cachedTemplate](templateCacheSize) // errors only for a size <= 0
	return &templateCache{ttl: ttl, recheckAfter: min(templateRecheckAfter, ttl/10), lru: cache}
}

// fresh returns the cached template for key when it is younger than the
// TTL, dropping it when it is not.
func (c *templateCache) fresh(key templateKey) (*Template, bool) {
	e, ok := c.lru.Get(key)
	if !ok {
		return nil, false
	}
	if time.Since(e.fetched) >= c.ttl {
		c.lru.Remove(key)
		return nil, false
	}
	return e.t, true
}

// get returns the cached template for key (hit is true), or fetches it.
// Only successful fetches are cached. Concurrent callers share one fetch,
// which runs on a context detached from theirs (bounded by
// templateFetchTimeout): each caller stops waiting when its own ctx ends,
// without failing the others.
func (c *templateCache) get(ctx context.Context, key templateKey, fetch func(context.Context) (*Template, error)) (t *Template, hit bool, err error) {
	if c == nil {
		t, err = fetch(ctx)
		return t, false, err
	}
	if t, ok := c.fresh(key); ok {
		return t, true, nil
	}
	ch := c.group.DoChan(key.name+"\x00"+key.language, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), templateFetchTimeout)
		defer cancel()
		t, err := fetch(fctx)
		if err == nil && t != nil {
			c.lru.Add(key, cachedTemplate{t: t, fetched: time.Now()})
		}
		return t, err
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, false, r.Err
		}
		return r.Val.(*Template), false, nil
	case <-ctx.Done():
		return nil, false, fmt.Errorf("crispwa: waiting for template %q (%s): %w", key.name, key.language, ctx.Err())
	}
}

// add caches t (Get calls it, so that Get + SendChecked fetch once).
func (c *templateCache) add(t *Template) {
	if c == nil || t == nil {
		return
	}
	c.lru.Add(templateKey{name: t.Name, language: t.Language}, cachedTemplate{t: t, fetched: time.Now()})
}

// stale reports whether t is still the cached template for key and was
// fetched at least recheckAfter ago; if so it drops it, so that the next
// get fetches afresh.
func (c *templateCache) stale(key templateKey, t *Template) bool {
	if c == nil {
		return false
	}
	e, ok := c.lru.Peek(key)
	if !ok || e.t != t || time.Since(e.fetched) < c.recheckAfter {
		return false
	}
	c.lru.Remove(key)
	return true
}

// forget drops key from the cache.
func (c *templateCache) forget(key templateKey) {
	if c == nil {
		return
	}
	c.lru.Remove(key)
}
