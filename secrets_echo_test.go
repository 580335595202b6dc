package crispwa

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEchoedSecretsNeverLeak: a server or proxy that echoes the
// Authorization header, the key or identifier:key in its error reason (as
// is, URL-escaped, unpadded) must not get them into any output of the SDK:
// the APIError's Reason, Error(), every fmt verb, JSON, or the debug log.
func TestEchoedSecretsNeverLeak(t *testing.T) {
	token := base64.StdEncoding.EncodeToString([]byte(testIdent + ":" + testKey))
	secrets := []string{testKey, token, strings.TrimRight(token, "="), url.QueryEscape(token), testIdent + ":" + testKey}
	echoes := map[string]func(r *http.Request) string{
		"header":       func(r *http.Request) string { return "bad header: " + r.Header.Get("Authorization") },
		"token only":   func(*http.Request) string { return "token " + token + " revoked" },
		"unpadded":     func(*http.Request) string { return "token=" + strings.TrimRight(token, "=") },
		"url-escaped":  func(*http.Request) string { return "auth=" + url.QueryEscape(token) },
		"key":          func(*http.Request) string { return "key '" + testKey + "' is not valid" },
		"ident:key":    func(*http.Request) string { return "user " + testIdent + ":" + testKey + " unknown" },
		"json escaped": func(*http.Request) string { return "key \u0022" + testKey + "\u0022" },
	}
	for name, echo := range echoes {
		for _, status := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusInternalServerError, http.StatusOK} {
			t.Run(fmt.Sprintf("%s/%d", name, status), func(t *testing.T) {
				var logs bytes.Buffer
				logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				c, _, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
					body, _ := json.Marshal(map[string]any{"error": true, "reason": echo(r)})
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(status)
					_, _ = w.Write(body)
				}, WithLogger(logger), WithMaxRetries(0))
				_, err := c.Templates.Send(context.Background(), validSend())
				require.Error(t, err)
				_, listErr := c.Templates.List(context.Background(), nil)
				require.Error(t, listErr)

				var outputs []string
				for _, e := range []error{err, listErr} {
					outputs = append(outputs, e.Error(), fmt.Sprintf("%v", e), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e), fmt.Sprintf("%s", e))
					var apiErr *APIError
					require.True(t, errors.As(e, &apiErr), "still an *APIError: %v", e)
					outputs = append(outputs, apiErr.Reason, fmt.Sprintf("%#v", apiErr), fmt.Sprintf("%+v", *apiErr))
					j, jerr := json.Marshal(apiErr)
					require.NoError(t, jerr)
					outputs = append(outputs, string(j))
					logger.Error("send failed", "err", e, "api", apiErr)
				}
				outputs = append(outputs, logs.String())
				for _, out := range outputs {
					for _, s := range secrets {
						assert.NotContains(t, out, s)
					}
				}
				var apiErr *APIError
				require.True(t, errors.As(err, &apiErr))
				assert.Contains(t, apiErr.Reason, redacted, "the rest of the reason is kept, the secret replaced")
			})
		}
	}
}

// TestReasonSanitised: a server's reason is kept readable but safe to print:
// control and bidi-override characters neutralised, invalid UTF-8 replaced,
// length capped.
func TestReasonSanitised(t *testing.T) {
	for _, tc := range []struct{ name, reason, want string }{
		{"plain", "invalid_data", "invalid_data"},
		{"escape sequence", "bad\x1b[31m red\a", "bad?[31m red?"},
		{"newline", "line1\nline2", "line1 line2"},
		{"bidi override", "abc\u202Eevil\u2066x", "abc?evil?x"},
		{"invalid utf-8", "a\xffb", "a\uFFFDb"},
		{"long", strings.Repeat("é", 400), strings.Repeat("é", maxReasonBytes/2) + "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				body, _ := json.Marshal(map[string]any{"error": true, "reason": tc.reason})
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write(body)
			})
			_, err := c.Templates.List(context.Background(), nil)
			var apiErr *APIError
			require.True(t, errors.As(err, &apiErr))
			assert.Equal(t, tc.want, apiErr.Reason)
			assert.True(t, errors.Is(err, ErrInvalidRequest))
		})
	}
}

// TestShortKeyNotScrubbedFromWords: a key too short to be a real Crisp key
// is not searched for in reasons (it would mangle ordinary words), while
// the header and identifier:key still are.
func TestShortKeyNotScrubbedFromWords(t *testing.T) {
	forms := echoedForms("abc", "id:abc")
	assert.Equal(t, []string{"id%3Aabc", "id:abc"}, forms, "longest first")
}
