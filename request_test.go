package crispwa

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReadCapped(t *testing.T) {
	big := strings.Repeat("x", maxResponseBytes+1)
	tests := []struct {
		name          string
		body          string
		contentLength int64
		want          string
		wantErr       error
	}{
		{"announced length", `{"a":1}`, 7, `{"a":1}`, nil},
		{"unknown length (chunked)", `{"a":1}`, -1, `{"a":1}`, nil},
		{"empty", ``, 0, ``, nil},
		{"shorter than announced", `{"a"`, 7, ``, io.ErrUnexpectedEOF},
		{"longer than announced", `{"a":1}trailing`, 7, ``, errResponseTooLarge},
		{"exactly the cap, unknown length", big[1:], -1, big[1:], nil},
		{"exactly the cap, announced", big[1:], int64(len(big) - 1), big[1:], nil},
		{"over the cap, unknown length", big, -1, ``, errResponseTooLarge},
		{"over the cap, announced", big, int64(len(big)), ``, errResponseTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{Body: io.NopCloser(strings.NewReader(tt.body)), ContentLength: tt.contentLength}
			got, err := readCapped(resp)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}
