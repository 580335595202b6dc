package crispwa

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestAPIErrorIs(t *testing.T) {
	all := []error{ErrInvalidRequest, ErrUnauthorized, ErrNotFound, ErrRateLimited, ErrServer, ErrRedirect, ErrSendOutcomeUnknown}
	tests := []struct {
		status int
		reason string
		want   error // nil: matches none
	}{
		{400, "", ErrInvalidRequest},
		{401, "", ErrUnauthorized},
		{403, "", ErrUnauthorized},
		{404, "", ErrNotFound},
		{420, "", ErrRateLimited},
		{429, "", ErrRateLimited},
		{500, "", ErrServer},
		{501, "", ErrServer},
		{503, "", ErrServer},
		{599, "", ErrServer},
		{200, "invalid_data", ErrInvalidRequest},
		{200, "not_found", ErrNotFound},
		{200, "something_else", nil},
		{409, "", nil},
		{299, "invalid_data", ErrInvalidRequest},
		{300, "invalid_data", ErrRedirect},
		{301, "", ErrRedirect},
		{399, "", ErrRedirect},
		{199, "invalid_data", nil},
		{600, "", nil},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status)+tt.reason, func(t *testing.T) {
			err := fmt.Errorf("wrapped: %w", &APIError{StatusCode: tt.status, Reason: tt.reason, Method: "GET", Path: "/x"})
			for _, s := range all {
				assert.Equal(t, s == tt.want, errors.Is(err, s), "errors.Is(%d %q, %v)", tt.status, tt.reason, s)
			}
		})
	}
}

func TestAPIErrorMessage(t *testing.T) {
	e := &APIError{StatusCode: 429, Reason: "rate_limited", Method: http.MethodPost, Path: "/api/website/w/template/send", RetryAfter: 2 * time.Minute}
	assert.Equal(t, "crispwa: POST /api/website/w/template/send: HTTP 429 Too Many Requests: rate_limited (retry after 2m0s)", e.Error())
	e = &APIError{StatusCode: 420, Method: http.MethodGet, Path: "/t"}
	assert.Equal(t, "crispwa: GET /t: HTTP 420", e.Error())
	e = &APIError{StatusCode: 307, Method: http.MethodPost, Path: "/send"}
	assert.Equal(t, "crispwa: POST /send: HTTP 307 Temporary Redirect: redirect not followed", e.Error())
}

func TestValidationErrorAndOutcomeUnknown(t *testing.T) {
	ve := invalid("to_number", "must be a phone number")
	assert.ErrorIs(t, ve, ErrInvalidRequest)
	assert.Equal(t, "crispwa: invalid request: to_number: must be a phone number", ve.Error())
	assert.Equal(t, "crispwa: invalid request: nope", (&ValidationError{Reason: "nope"}).Error())

	cause := &APIError{StatusCode: 502, Method: "POST", Path: "/send"}
	err := outcomeUnknown(cause)
	assert.ErrorIs(t, err, ErrSendOutcomeUnknown)
	assert.ErrorIs(t, err, ErrServer)
	var got *APIError
	assert.ErrorAs(t, err, &got)
	assert.Same(t, cause, got)
	assert.Contains(t, err.Error(), "do not resend blindly")
}
