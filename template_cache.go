package crispwa

import (
	"context"
	"fmt"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"
)

// DefaultTemplateCacheTTL is how long SendChecked keeps a fetched template
// unless WithTemplateCache says otherwise. Five minutes saves a campaign from
// listing the templates once per message, while a template that Meta pauses
// or edits is noticed within minutes.
const DefaultTemplateCacheTTL = 5 * time.Minute

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
