package crispwa

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func golden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "api", name))
	require.NoError(t, err)
	return b
}

// pagedServer serves the two golden pages, keyed by the "after" cursor.
func pagedServer(t *testing.T) (http.HandlerFunc, *[]string) {
	var queries []string
	return func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.RawQuery)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Query().Get("after") {
		case "":
			_, _ = w.Write(golden(t, "templates_page1.json"))
		case "cursor-2":
			_, _ = w.Write(golden(t, "templates_page2.json"))
		default:
			writeEnvelope(w, 404, true, "not_found", nil)
		}
	}, &queries
}

func TestListDecodesTemplatesAndQuery(t *testing.T) {
	h, queries := pagedServer(t)
	c, _, _ := newTestClient(t, h)
	page, err := c.Templates.List(context.Background(), &ListTemplatesOptions{Limit: 2, ApprovedOnly: true, NoSamples: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"filter_approved=true&filter_no_samples=true&limit=2"}, *queries)
	require.Len(t, page.Templates, 2)
	assert.Equal(t, "cursor-2", page.Next)
	tpl := page.Templates[0]
	assert.Equal(t, "order_update", tpl.Name)
	assert.Equal(t, "en_US", tpl.Language)
	assert.Equal(t, "APPROVED", tpl.Status)
	assert.Equal(t, "UTILITY", tpl.Category)
	assert.Equal(t, "POSITIONAL", tpl.ParameterFormat)
	require.NotNil(t, tpl.QualityScore)
	assert.Equal(t, "GREEN", tpl.QualityScore.Score)
	require.Len(t, tpl.Components, 4)
	assert.Equal(t, "TEXT", tpl.Components[0].Format)
	assert.Equal(t, [][]string{{"John", "A-1029"}}, tpl.Components[1].Example.BodyText)
	require.Len(t, tpl.Components[3].Buttons, 2)
	assert.Equal(t, "https://example.com/track/{{1}}", tpl.Components[3].Buttons[0].URL)
	assert.Contains(t, string(tpl.Raw), "some_future_field", "unknown fields are kept in Raw")
}

func TestListPagingEnds(t *testing.T) {
	for _, next := range []string{`"paging_next":null`, `"paging_next":""`, ``} {
		t.Run(next, func(t *testing.T) {
			body := `{"error":false,"data":{"templates":[{"name":"a","language":"en"}]` + map[bool]string{true: "", false: "," + next}[next == ""] + `}}`
			c, _, n := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, body) })
			var names []string
			for tpl, err := range c.Templates.All(context.Background(), nil) {
				require.NoError(t, err)
				names = append(names, tpl.Name)
			}
			assert.Equal(t, []string{"a"}, names)
			assert.EqualValues(t, 1, n.Load())
		})
	}
}

func TestAllFollowsCursorAndStopsOnBreak(t *testing.T) {
	h, queries := pagedServer(t)
	c, _, _ := newTestClient(t, h)
	var got []string
	for tpl, err := range c.Templates.All(context.Background(), &ListTemplatesOptions{Limit: 2}) {
		require.NoError(t, err)
		got = append(got, tpl.Name+"/"+tpl.Language)
	}
	assert.Equal(t, []string{"order_update/en_US", "order_update/fr", "appointment_reminder/en_US"}, got)
	assert.Equal(t, []string{"limit=2", "after=cursor-2&limit=2"}, *queries)

	*queries = nil
	for range c.Templates.All(context.Background(), nil) {
		break
	}
	assert.Len(t, *queries, 1, "breaking out of the loop stops fetching")
}

func TestAllFailures(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"repeated cursor", `{"error":false,"data":{"templates":[],"paging_next":"same"}}`, "repeated a paging cursor"},
		{"not json", `<html>`, "unreadable body"},
		{"templates wrong type", `{"error":false,"data":{"templates":{"a":1}}}`, "malformed data"},
		{"null template", `{"error":false,"data":{"templates":[null]}}`, "template 0 is null"},
		{"no data", `{"error":false}`, "without data"},
		{"error envelope with 200", `{"error":true,"reason":"website_not_found"}`, "website_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, n := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, tt.body) })
			var errs []error
			for tpl, err := range c.Templates.All(context.Background(), nil) {
				if err != nil {
					assert.Nil(t, tpl)
					errs = append(errs, err)
				}
			}
			require.Len(t, errs, 1, "an error ends the iteration")
			assert.Contains(t, errs[0].Error(), tt.want)
			assert.LessOrEqual(t, n.Load(), int64(2))
		})
	}
}

func TestListResponseSizeCapped(t *testing.T) {
	c, _, _ := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"error":false,"data":{"templates":[{"name":"`)
		chunk := bytes.Repeat([]byte("a"), 64<<10)
		for i := 0; i < maxResponseBytes/len(chunk)+2; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	_, err := c.Templates.List(context.Background(), nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, errResponseTooLarge)
}

func TestListRejectsNegativeLimit(t *testing.T) {
	c, _, n := newTestClient(t, okList)
	_, err := c.Templates.List(context.Background(), &ListTemplatesOptions{Limit: -1})
	assert.ErrorIs(t, err, ErrInvalidRequest)
	assert.Zero(t, n.Load())
}

func TestGet(t *testing.T) {
	h, _ := pagedServer(t)
	c, _, _ := newTestClient(t, h)
	ctx := context.Background()
	tests := []struct {
		name, lang, wantLang string
		wantErr              error
	}{
		{"order_update", "fr", "fr", nil},
		{"order_update", "", "en_US", nil},
		{"appointment_reminder", "en_US", "en_US", nil},
		{"order_update", "de", "", ErrNotFound},
		{"nope", "", "", ErrNotFound},
		{"", "", "", ErrInvalidRequest},
	}
	for _, tt := range tests {
		tpl, err := c.Templates.Get(ctx, tt.name, tt.lang)
		if tt.wantErr != nil {
			assert.ErrorIs(t, err, tt.wantErr, "%s/%s", tt.name, tt.lang)
			assert.Nil(t, tpl)
			if tt.wantErr == ErrNotFound {
				assert.Equal(t, tt.lang != "", strings.Contains(err.Error(), "in language"), err.Error())
			}
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.name, tpl.Name)
		assert.Equal(t, tt.wantLang, tpl.Language)
	}
	c2, _, _ := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) { writeEnvelope(w, 401, true, "unauthorized", nil) })
	_, err := c2.Templates.Get(ctx, "order_update", "")
	assert.ErrorIs(t, err, ErrUnauthorized, "a failed page is reported, not turned into not-found")
}

func TestSendValidation(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(r *SendTemplateRequest) *SendTemplateRequest
		field string
	}{
		{"nil request", func(*SendTemplateRequest) *SendTemplateRequest { return nil }, "request"},
		{"empty to", func(r *SendTemplateRequest) *SendTemplateRequest { r.To = ""; return r }, "to_number"},
		{"to too short", func(r *SendTemplateRequest) *SendTemplateRequest { r.To = "+1234567"; return r }, "to_number"},
		{"to too long", func(r *SendTemplateRequest) *SendTemplateRequest { r.To = "+1234567890123456"; return r }, "to_number"},
		{"to with letters", func(r *SendTemplateRequest) *SendTemplateRequest { r.To = "+3361234567a"; return r }, "to_number"},
		{"to double plus", func(r *SendTemplateRequest) *SendTemplateRequest { r.To = "++33612345678"; return r }, "to_number"},
		{"bad from", func(r *SendTemplateRequest) *SendTemplateRequest { r.From = "12-34"; return r }, "from_number"},
		{"empty name", func(r *SendTemplateRequest) *SendTemplateRequest { r.Template.Name = ""; return r }, "message_template.name"},
		{"empty language", func(r *SendTemplateRequest) *SendTemplateRequest { r.Template.Language = ""; return r }, "message_template.language"},
		{"bad crisp type", func(r *SendTemplateRequest) *SendTemplateRequest { r.Options.Type = "email"; return r }, "crisp_options.type"},
		{"empty user id", func(r *SendTemplateRequest) *SendTemplateRequest { r.Options.User = &CrispUser{}; return r }, "crisp_options.user.user_id"},
		{"empty component type", func(r *SendTemplateRequest) *SendTemplateRequest { r.Template.Components[0].Type = ""; return r }, "components[0].type"},
		{"empty parameter type", func(r *SendTemplateRequest) *SendTemplateRequest {
			r.Template.Components[0].Parameters[1].Type = ""
			return r
		}, "body.parameters[1].type"},
		{"text parameter without text", func(r *SendTemplateRequest) *SendTemplateRequest {
			r.Template.Components[0].Parameters[1].Text = ""
			return r
		}, "body.parameters[1].text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, n := newTestClient(t, okSend)
			res, err := c.Templates.Send(context.Background(), tt.edit(validSend()))
			assert.Nil(t, res)
			assert.ErrorIs(t, err, ErrInvalidRequest)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.field, ve.Field)
			assert.Zero(t, n.Load(), "no request on a validation failure")
		})
	}
	for _, ok := range []string{"33612345678", "+33 6 12 34 56 78", "+12025550143"} {
		r := validSend()
		r.To = ok
		assert.NoError(t, r.Validate(), ok)
	}
}

func TestSendBodyMatchesGolden(t *testing.T) {
	var body []byte
	c, _, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, "/wa/api/website/"+testWebsite+"/template/send", r.URL.Path)
		body, _ = io.ReadAll(r.Body)
		okSend(w, r)
	})
	res, err := c.Templates.Send(context.Background(), validSend())
	require.NoError(t, err)
	assert.Equal(t, "req-1", res.RequestID)
	assert.JSONEq(t, string(golden(t, "send_request.json")), string(body))
}

func TestWebsiteIDIsOnePathSegment(t *testing.T) {
	var path string
	// Another website than setup's: a plain server.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { path = r.URL.EscapedPath(); okList(w, r) }))
	defer srv.Close()
	c, err := NewClient("tenant:é", testCreds, WithBaseURL(srv.URL+"/wa/api/"))
	require.NoError(t, err)
	_, err = c.Templates.List(context.Background(), nil)
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(path, "/website/tenant:%C3%A9/templates"), path)
}

func TestLoggingNeverLeaks(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, _, _ := newTestClient(t, statusThenOK(1, 429, nil, okSend), WithLogger(logger))
	_, err := c.Templates.Send(context.Background(), validSend())
	require.NoError(t, err)
	out := buf.String()
	for _, secret := range []string{testKey, "John", "A-1029", "+33612345678", "Basic "} {
		assert.NotContains(t, out, secret)
	}
	var records []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		records = append(records, m)
	}
	require.Len(t, records, 3, "two attempts and one accepted send")
	assert.EqualValues(t, 1, records[0]["attempt"])
	assert.EqualValues(t, 429, records[0]["status"])
	assert.EqualValues(t, 2, records[1]["attempt"])
	assert.EqualValues(t, 200, records[1]["status"])
	assert.Equal(t, "req-1", records[2]["request_id"])
	assert.Equal(t, "+336****5678", records[2]["to"])
}

func TestSilentWithoutLogger(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	orig := os.Stderr
	os.Stderr = w
	c, _, _ := newTestClient(t, statusThenOK(1, 503, nil, okList))
	_, lerr := c.Templates.List(context.Background(), nil)
	os.Stderr = orig
	require.NoError(t, w.Close())
	out, _ := io.ReadAll(r)
	require.NoError(t, lerr)
	assert.Empty(t, string(out), "retryablehttp's default logger must not write to stderr")
}

// A server that never stops handing out new cursors: the walk ends after
// MaxTemplatePages pages with a clear error, every template seen so far
// yielded, and the cursor guard's memory bounded (cursors are hashed). The
// server is an in-memory transport: 10,000 loopback round trips would make
// the suite slow under -race.
func TestAllStopsAfterMaxPages(t *testing.T) {
	cursor := strings.Repeat("c", 256) // only a hash of each cursor is kept
	tr := &endlessPages{cursor: cursor}
	c, err := NewClient(testWebsite, testCreds, WithBaseURL("http://127.0.0.1:1/wa/api/"), WithHTTPClient(&http.Client{Transport: tr}))
	require.NoError(t, err)
	var names int
	var errs []error
	for tpl, err := range c.Templates.All(context.Background(), nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		names++
		assert.NotEmpty(t, tpl.Name)
	}
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), "more than 10000 pages")
	assert.NotContains(t, errs[0].Error(), cursor, "server text is not echoed")
	assert.EqualValues(t, MaxTemplatePages, tr.n)
	assert.Equal(t, MaxTemplatePages, names)
}

// endlessPages answers every templates request with one template and a new
// cursor.
type endlessPages struct {
	cursor string
	n      int
}

func (e *endlessPages) RoundTrip(r *http.Request) (*http.Response, error) {
	e.n++
	body := fmt.Sprintf(`{"error":false,"data":{"templates":[{"name":"t%d"}],"paging_next":"%s%d"}}`, e.n, e.cursor, e.n)
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: r}, nil
}

func TestCursorSet(t *testing.T) {
	var s cursorSet
	assert.True(t, s.add(""))
	assert.True(t, s.add("a"))
	assert.False(t, s.add("a"))
	assert.False(t, s.add(""))
	assert.True(t, s.add("b"))
}

// A server handing out absurd cursors (64 KB each, new every page) ends the
// walk at the first page with a clear error instead of sending the cursor
// back thousands of times; a cursor right at the bound is still followed.
func TestAllRefusesAbsurdCursor(t *testing.T) {
	for _, tc := range []struct {
		name      string
		size      int
		wantPages int
		wantErr   string
	}{
		{"64 KB", 64 << 10, 1, "paging cursor of 65"},
		{"one over", MaxPagingCursorBytes + 1, 1, fmt.Sprintf("paging cursor of %d bytes", MaxPagingCursorBytes+1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &endlessPages{cursor: strings.Repeat("c", tc.size-1)} // + one digit
			c, err := NewClient(testWebsite, testCreds, WithBaseURL("http://127.0.0.1:1/wa/api/"), WithHTTPClient(&http.Client{Transport: tr}))
			require.NoError(t, err)
			var errs []error
			for _, err := range c.Templates.All(context.Background(), nil) {
				if err != nil {
					errs = append(errs, err)
				}
			}
			require.Len(t, errs, 1)
			assert.Contains(t, errs[0].Error(), tc.wantErr)
			assert.Equal(t, tc.wantPages, tr.n)
		})
	}
	t.Run("at the bound", func(t *testing.T) {
		next := strings.Repeat("c", MaxPagingCursorBytes)
		c, _, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("after") == next {
				_, _ = io.WriteString(w, `{"error":false,"data":{"templates":[{"name":"b"}]}}`)
				return
			}
			_, _ = fmt.Fprintf(w, `{"error":false,"data":{"templates":[{"name":"a"}],"paging_next":%q}}`, next)
		})
		var names []string
		for tpl, err := range c.Templates.All(context.Background(), nil) {
			require.NoError(t, err)
			names = append(names, tpl.Name)
		}
		assert.Equal(t, []string{"a", "b"}, names)
	})
}
