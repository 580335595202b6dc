package callback_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
)

// Serve Crisp's callbacks behind a token, and record each outcome.
func ExampleNewHandler() {
	h := callback.NewHandler(func(ctx context.Context, ev *crispwa.CallbackEvent) error {
		if ev.Succeeded() {
			fmt.Println("sent:", ev.RequestID, ev.WhatsAppMessageID)
		} else {
			fmt.Println("not sent:", ev.RequestID, ev.Reason)
		}
		return nil // an error would answer 500 and Crisp could deliver again
	}, callback.WithToken("long-random-token"))
	// In production: http.Handle("/crisp/callback", h) and configure
	// https://example.com/crisp/callback?token=long-random-token in Crisp.
	srv := httptest.NewServer(h)
	defer srv.Close()

	for _, body := range []string{
		`{"error":false,"reason":"dispatched","data":{"request_id":"r-1","whatsapp_message_id":"wamid.A1","session_id":"session_1","crisp_fingerprint":42}}`,
		`{"error":true,"reason":"template_not_sent","data":{"request_id":"r-2","message":"template is PAUSED"}}`,
		`{"error":false,"reason":"dispatched","data":{"request_id":"r-1","whatsapp_message_id":"wamid.A1"}}`, // a redelivery
	} {
		resp, err := http.Post(srv.URL+"?token=long-random-token", "application/json", strings.NewReader(body))
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	// Output:
	// sent: r-1 wamid.A1
	// 200
	// not sent: r-2 template is PAUSED
	// 200
	// 200
}

// Wait for the outcome of a send, whether its callback arrives before or
// after Wait is called.
func ExampleTracker() {
	tracker := callback.NewTracker()
	h := callback.NewHandler(tracker.Handle)
	srv := httptest.NewServer(h)
	defer srv.Close()

	// requestID would come from client.Templates.Send(...).
	requestID := "r-1"
	go func() { // Crisp, a moment later
		body := `{"request_id":"r-1","whatsapp_message_id":"wamid.A1"}`
		if resp, err := http.Post(srv.URL, "application/json", strings.NewReader(body)); err == nil {
			resp.Body.Close()
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ev, err := tracker.Wait(ctx, requestID)
	if err != nil {
		fmt.Println("no callback in time:", err)
		return
	}
	fmt.Println(ev.Succeeded(), ev.WhatsAppMessageID)
	// Output: true wamid.A1
}
