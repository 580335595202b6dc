package crispwa

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
	"log/slog"
	"net/http"

	"github.com/google/go-querystring/query"

	"github.com/crispwa/crispwa/internal/redact"
)

// TemplatesService lists, gets and sends the website's WhatsApp message
// templates. Get it from Client.Templates.
type TemplatesService struct {
	client *Client
	cache  *templateCache // SendChecked's; nil = no cache
}

// templatesData is the "data" of a templates page.
type templatesData struct {
	Templates  []*Template `json:"templates"`
	PagingNext *string     `json:"paging_next"`
}

// List fetches one page of templates. opts may be nil. To walk every page,
// use All. List does not retry beyond the client's read retry policy.
//
// Crisp API: GET website/{website_id}/templates
func (s *TemplatesService) List(ctx context.Context, opts *ListTemplatesOptions) (*TemplatePage, error) {
	var q ListTemplatesOptions
	if opts != nil {
		q = *opts
	}
	if q.Limit < 0 {
		return nil, invalid("limit", "must not be negative, got %d", q.Limit)
	}
	values, err := query.Values(q)
	if err != nil {
		return nil, fmt.Errorf("crispwa: encoding list options: %w", err)
	}
	data, err := do[templatesData](ctx, s.client, call{kind: kindRead, method: http.MethodGet, path: "templates", query: values})
	if err != nil {
		return nil, err
	}
	page := &TemplatePage{Templates: data.Templates}
	if data.PagingNext != nil {
		page.Next = *data.PagingNext
	}
	if n := len(page.Next); n > MaxPagingCursorBytes {
		return nil, fmt.Errorf("crispwa: GET templates: paging cursor of %d bytes, over MaxPagingCursorBytes (%d): refusing to send it back", n, MaxPagingCursorBytes)
	}
	// A nil entry ("templates":[null]) is a malformed answer, not a template.
	for i, t := range page.Templates {
		if t == nil {
			return nil, fmt.Errorf("crispwa: GET templates: template %d is null", i)
		}
	}
	return page, nil
}

// MaxPagingCursorBytes is the longest paging cursor List accepts from the
// server. Real cursors are short opaque tokens (Meta's are a few dozen
// base64 characters); a server answering kilobytes of cursor, which the next
// request would carry back, is broken or hostile, and a walk over such pages
// would send megabytes of requests before MaxTemplatePages ends it.
const MaxPagingCursorBytes = 2048

// MaxTemplatePages is the most pages one All (or Get) walk fetches. It is far
// above any real website (Meta caps a WhatsApp account's templates in the
// thousands, and a page holds many): a server that keeps returning new
// cursors ends the walk with an error instead of paging forever.
const MaxTemplatePages = 10_000

// All iterates over every template, fetching pages lazily as the loop
// advances and following the paging cursor until the last page. Breaking
// out of the loop stops fetching. A failed page yields (nil, err) once and
// ends the iteration, as does a cursor the server repeats (which would
// otherwise loop forever) and a walk longer than MaxTemplatePages pages.
// opts.After, if set, is the starting cursor.
//
// Crisp API: GET website/{website_id}/templates, once per page
func (s *TemplatesService) All(ctx context.Context, opts *ListTemplatesOptions) iter.Seq2[*Template, error] {
	var start ListTemplatesOptions
	if opts != nil {
		start = *opts
	}
	return func(yield func(*Template, error) bool) {
		q := start
		var seen cursorSet
		seen.add(q.After)
		for pages := 1; ; pages++ {
			page, err := s.List(ctx, &q)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, t := range page.Templates {
				if !yield(t, nil) {
					return
				}
			}
			switch {
			case page.Next == "":
				return
			case pages >= MaxTemplatePages:
				yield(nil, fmt.Errorf("crispwa: GET templates: more than %d pages (MaxTemplatePages): the server keeps returning new paging cursors", MaxTemplatePages))
				return
			case !seen.add(page.Next):
				yield(nil, errors.New("crispwa: GET templates: server repeated a paging cursor"))
				return
			}
			q.After = page.Next
		}
	}
}

// cursorSet remembers the paging cursors of one walk by a 64-bit hash, so
// that its memory is bounded by the page count (MaxTemplatePages * a few
// bytes), whatever the size of the server's cursors.
type cursorSet struct {
	seed maphash.Seed
	seen map[uint64]struct{}
}

// add records cursor and reports whether it is new.
func (s *cursorSet) add(cursor string) bool {
	if s.seen == nil {
		s.seed, s.seen = maphash.MakeSeed(), map[uint64]struct{}{}
	}
	h := maphash.String(s.seed, cursor)
	if _, ok := s.seen[h]; ok {
		return false
	}
	s.seen[h] = struct{}{}
	return true
}

// Get returns the template with this name and language, walking the pages
// until it finds one. An empty language matches any language (the first
// match is returned). When nothing matches, the error wraps ErrNotFound.
// The template found fills SendChecked's cache.
//
// Crisp API: GET website/{website_id}/templates, page after page
func (s *TemplatesService) Get(ctx context.Context, name, language string) (*Template, error) {
	if name == "" {
		return nil, invalid("name", "is empty")
	}
	for t, err := range s.All(ctx, nil) {
		if err != nil {
			return nil, err
		}
		if t.Name == name && (language == "" || t.Language == language) {
			s.cache.add(t) // SendChecked then needs no second fetch
			return t, nil
		}
	}
	if language == "" {
		return nil, fmt.Errorf("crispwa: template %q: %w", name, ErrNotFound)
	}
	return nil, fmt.Errorf("crispwa: template %q in language %q: %w", name, language, ErrNotFound)
}

// Send asks Crisp to send a template message. It validates req before any
// network call (a *ValidationError wrapping ErrInvalidRequest). On success
// the message is accepted, not yet delivered: wait for the callback with the
// returned RequestID to learn the outcome.
//
// Send is retried only when the request certainly did not reach Crisp
// (connection refused, 420/429 rate limiting). Any ambiguous failure (5xx,
// timeout, connection dropped after writing, an unreadable success answer)
// returns an error wrapping ErrSendOutcomeUnknown: sending again might
// deliver the message twice. Send does not check req against the template;
// SendChecked does.
//
// Crisp API: POST website/{website_id}/template/send
func (s *TemplatesService) Send(ctx context.Context, req *SendTemplateRequest) (*SendResult, error) {
	if s.client.observesSends() {
		return s.client.observeSend(ctx, req, s.send)
	}
	return s.send(ctx, req)
}

// send is Send without the observer.
func (s *TemplatesService) send(ctx context.Context, req *SendTemplateRequest) (*SendResult, error) {
	wire, err := req.prepare(s.client.phones.normalize)
	if err != nil {
		return nil, err
	}
	return s.post(ctx, req, wire)
}

// post posts wire, the request as prepare returned it (validated, numbers
// canonical). req is the caller's request, for the log record.
func (s *TemplatesService) post(ctx context.Context, req, wire *SendTemplateRequest) (*SendResult, error) {
	res, err := do[SendResult](ctx, s.client, call{kind: kindSend, method: http.MethodPost, path: "template/send", body: wire})
	if err != nil {
		return nil, err
	}
	if res.RequestID == "" {
		return nil, outcomeUnknown(fmt.Errorf("crispwa: POST template/send: success answer without data.request_id"))
	}
	if l := s.client.logger; l != nil {
		l.LogAttrs(ctx, slog.LevelDebug, "crispwa: template send accepted",
			slog.String("request_id", res.RequestID),
			slog.String("template", req.Template.Name),
			slog.String("to", redact.Phone(req.To)))
	}
	return res, nil
}
