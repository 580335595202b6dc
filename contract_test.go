package crispwa_test

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/crispwa/crispwa"
)

// The public contract of ../shared/API.md, checked at compile time (the
// signatures) and at run time (the wire tags): a change that breaks a name
// users build on fails here.
var (
	_ func(string) crispwa.Option                                                   = crispwa.WithBaseURL
	_ func(*http.Client) crispwa.Option                                             = crispwa.WithHTTPClient
	_ func(int) crispwa.Option                                                      = crispwa.WithMaxRetries
	_ func(time.Duration, time.Duration) crispwa.Option                             = crispwa.WithRetryWait
	_ func(*slog.Logger) crispwa.Option                                             = crispwa.WithLogger
	_ func(string) crispwa.Option                                                   = crispwa.WithUserAgent
	_ func(string, crispwa.Credentials, ...crispwa.Option) (*crispwa.Client, error) = crispwa.NewClient
	_ func(...crispwa.Option) (*crispwa.Client, error)                              = crispwa.NewClientFromEnv

	_ func(*crispwa.TemplatesService, context.Context, *crispwa.ListTemplatesOptions) (*crispwa.TemplatePage, error)      = (*crispwa.TemplatesService).List
	_ func(*crispwa.TemplatesService, context.Context, *crispwa.ListTemplatesOptions) iter.Seq2[*crispwa.Template, error] = (*crispwa.TemplatesService).All
	_ func(*crispwa.TemplatesService, context.Context, string, string) (*crispwa.Template, error)                         = (*crispwa.TemplatesService).Get
	_ func(*crispwa.TemplatesService, context.Context, *crispwa.SendTemplateRequest) (*crispwa.SendResult, error)         = (*crispwa.TemplatesService).Send
	_ func(*crispwa.TemplatesService, context.Context, *crispwa.SendTemplateRequest) (*crispwa.SendResult, error)         = (*crispwa.TemplatesService).SendChecked
	_ func(*crispwa.Template, crispwa.MessageTemplate) error                                                              = (*crispwa.Template).Check

	_ func(*crispwa.APIError) string               = (*crispwa.APIError).Error
	_ func(*crispwa.APIError, error) bool          = (*crispwa.APIError).Is
	_ func(*crispwa.CallbackEvent) bool            = (*crispwa.CallbackEvent).Succeeded
	_ func([]byte) (*crispwa.CallbackEvent, error) = crispwa.ParseCallback

	// Fidelity.
	_ func(string, string) (string, error)                            = crispwa.NormalizePhone
	_ func(*crispwa.Template, crispwa.TemplateValues) (string, error) = (*crispwa.Template).Render
	_ func(*crispwa.CallbackEvent) *crispwa.Failure                   = (*crispwa.CallbackEvent).Failure
	_                                                                 = crispwa.Failure{Code: 0, Class: crispwa.FailureUnknown, RetryAfter: time.Duration(0), Message: ""}
	_                                                                 = []crispwa.FailureClass{crispwa.FailureUnknown, crispwa.FailureRecipient, crispwa.FailureTemplate, crispwa.FailureRetryLater, crispwa.FailureAccount}

	_ *crispwa.TemplatesService = crispwa.Client{}.Templates
	_                           = crispwa.Credentials{Identifier: "", Key: ""}
	_                           = crispwa.TemplatePage{Templates: []*crispwa.Template{}, Next: ""}
	_                           = crispwa.Template{ID: "", Name: "", Language: "", Status: "", Category: "", ParameterFormat: "", Components: []crispwa.TemplateComponent{}}
	_                           = crispwa.TemplateComponent{Type: "", Format: "", Text: "", Buttons: []crispwa.TemplateButton{}}
	_                           = crispwa.TemplateButton{Type: "", Text: "", URL: ""}
	_                           = crispwa.SendResult{RequestID: ""}
	_                           = crispwa.APIError{StatusCode: 0, Reason: "", Method: "", Path: "", RetryAfter: time.Duration(0)}
	_                           = crispwa.ValidationError{Field: "", Reason: ""}
	_                           = crispwa.CrispUser{UserID: ""}
	_                           = crispwa.CallbackEvent{RequestID: "", Error: false, Reason: "", CrispFingerprint: int64(0), WhatsAppMessageID: "", SessionID: "", Raw: nil}
	_ error                     = &crispwa.ValidationError{}
)

func TestContractConstantsAndSentinels(t *testing.T) {
	assert.Equal(t, "https://plugins.crisp.chat/urn:crisp.im:whatsapp:0/wa/api/", crispwa.DefaultBaseURL)
	sentinels := []error{crispwa.ErrInvalidRequest, crispwa.ErrUnauthorized, crispwa.ErrNotFound,
		crispwa.ErrRateLimited, crispwa.ErrServer, crispwa.ErrSendOutcomeUnknown}
	for i, a := range sentinels {
		for j, b := range sentinels {
			assert.Equal(t, i == j, errors.Is(a, b), "%v vs %v", a, b)
		}
	}
	assert.ErrorIs(t, &crispwa.ValidationError{Field: "to_number", Reason: "bad"}, crispwa.ErrInvalidRequest)
	classes := map[crispwa.FailureClass]string{crispwa.FailureUnknown: "unknown", crispwa.FailureRecipient: "recipient",
		crispwa.FailureTemplate: "template", crispwa.FailureRetryLater: "retry_later", crispwa.FailureAccount: "account"}
	for c, want := range classes {
		assert.Equal(t, want, string(c))
	}
}

// TestContractWireTags checks the struct tags API.md fixes that no golden
// body shows (testdata/api, testdata/requests and the query tests in
// templates_test.go cover the others): they are the JSON names on the wire.
func TestContractWireTags(t *testing.T) {
	tests := []struct {
		typ  any
		tags map[string]string
	}{
		{crispwa.CrispOptions{}, map[string]string{
			"Type": "type,omitempty", "NewSession": "new_session", "AutoResolve": "auto_resolve,omitempty", "User": "user,omitempty"}},
		{crispwa.CrispUser{}, map[string]string{"UserID": "user_id"}},
	}
	for _, tt := range tests {
		typ := reflect.TypeOf(tt.typ)
		for field, want := range tt.tags {
			f, ok := typ.FieldByName(field)
			if assert.True(t, ok, "%s.%s exists", typ.Name(), field) {
				assert.Equal(t, want, f.Tag.Get("json"), "%s.%s", typ.Name(), field)
			}
		}
	}
}
