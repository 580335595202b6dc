package callback

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
)

// The body is read into a buffer that the next delivery reuses: an event a
// HandlerFunc keeps (its Raw, its strings) must not change when later
// deliveries are read, whatever their size.
func TestKeptEventSurvivesLaterDeliveries(t *testing.T) {
	var kept []*crispwa.CallbackEvent
	h := NewHandler(func(_ context.Context, ev *crispwa.CallbackEvent) error {
		kept = append(kept, ev)
		return nil
	}, WithToken("t"))
	bodies := []string{
		`{"error":false,"reason":"dispatched","data":{"request_id":"aaaa","whatsapp_message_id":"wamid.A","session_id":"session_a"}}`,
		`{"error":true,"reason":"template_not_sent","data":{"request_id":"bbbb","message":"Template paused"}}`,
		`{"error":false,"reason":"dispatched","data":{"request_id":"cccc","whatsapp_message_id":"wamid.C","session_id":"session_c"}}`,
		`{"request_id":"dddd","error":true,"reason":"` + strings.Repeat("x", 20<<10) + `"}`, // beyond the pooled size
		`{"request_id":"eeee"}`,
	}
	for _, body := range bodies {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/cb?token=t", bytes.NewReader([]byte(body))))
		require.Equal(t, http.StatusOK, w.Code)
	}
	require.Len(t, kept, len(bodies))
	for i, body := range bodies {
		want, err := crispwa.ParseCallback([]byte(body))
		require.NoError(t, err)
		assert.Equal(t, want, kept[i], "delivery %d", i)
	}
}
