package crispwatest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/crispwatest"
)

// notifyShipped is the kind of application code a user wants to test: it
// tells a customer that their order has shipped, with the "order_update"
// template.
func notifyShipped(ctx context.Context, c *crispwa.Client, to, name, order string) (string, error) {
	button := 0
	res, err := c.Templates.Send(ctx, &crispwa.SendTemplateRequest{
		From: "+33100000000",
		To:   to,
		Template: crispwa.MessageTemplate{
			Name:     "order_update",
			Language: "en_US",
			Components: []crispwa.Component{
				{Type: "BODY", Parameters: []crispwa.Parameter{
					{Type: "text", Text: name},
					{Type: "text", Text: order},
				}},
				{Type: "BUTTON", SubType: "url", Index: &button, Parameters: []crispwa.Parameter{
					{Type: "text", Text: strings.TrimPrefix(order, "#")},
				}},
			},
		},
	})
	if err != nil {
		return "", fmt.Errorf("notify %s shipped: %w", order, err)
	}
	return res.RequestID, nil
}

// Testing application code against the fake: check what was sent, then
// check how the code handles a failure.
func Example() {
	srv := crispwatest.NewServer(crispwatest.WithTemplates(crispwatest.SampleTemplates()[0])) // "order_update"
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	if _, err := notifyShipped(ctx, client, "+33612345678", "Alice", "#1042"); err != nil {
		fmt.Println("unexpected:", err)
		return
	}
	sent := srv.Sends()[0]
	fmt.Println(sent.To, sent.Template.Name, sent.Template.Components[0].Parameters[1].Text)

	srv.FailNext(http.StatusUnauthorized, "unauthorized")
	_, err := notifyShipped(ctx, client, "+33612345678", "Alice", "#1043")
	fmt.Println(errors.Is(err, crispwa.ErrUnauthorized), srv.SendCount())
	// Output:
	// +33612345678 order_update #1042
	// true 1
}

// A connection dropped after Crisp accepted the send: the SDK cannot know
// whether the message went out, and says so instead of retrying.
func ExampleServer_DropNextSends() {
	srv := crispwatest.NewServer()
	defer srv.Close()
	client := srv.Client()

	srv.DropNextSends(1, true)
	_, err := notifyShipped(context.Background(), client, "+33612345678", "Alice", "#1042")
	fmt.Println(errors.Is(err, crispwa.ErrSendOutcomeUnknown), srv.SendCount())
	// Output: true 1
}

// The fake posts the delivery callback Crisp would post: here to a
// callback.Handler feeding a callback.Tracker, for a template the fake does
// not know, so the callback reports a failure.
func ExampleServer_SetCallbackURL() {
	tracker := callback.NewTracker()
	receiver := httptest.NewServer(callback.NewHandler(tracker.Handle))
	defer receiver.Close()

	srv := crispwatest.NewServer()
	defer srv.Close()
	srv.SetCallbackURL(receiver.URL)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	id, err := notifyShipped(ctx, srv.Client(), "+33612345678", "Alice", "#1042")
	if err != nil {
		fmt.Println("unexpected:", err)
		return
	}
	ev, err := tracker.Wait(ctx, id)
	if err != nil {
		fmt.Println("no callback:", err)
		return
	}
	fmt.Println(ev.Succeeded(), ev.Reason)
	// Output: false template "order_update" does not exist in language "en_US"
}

// Deciding each send's outcome from the test: the callback is posted only
// at Deliver or Fail, and WaitCallbacks waits for it without polling.
func ExampleWithManualOutcomes() {
	tracker := callback.NewTracker()
	receiver := httptest.NewServer(callback.NewHandler(tracker.Handle))
	defer receiver.Close()

	srv := crispwatest.NewServer(
		crispwatest.WithTemplates(crispwatest.SampleTemplates()...),
		crispwatest.WithManualOutcomes(),
	)
	defer srv.Close()
	srv.SetCallbackURL(receiver.URL)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	id, err := notifyShipped(ctx, srv.Client(), "+33612345678", "Alice", "#1042")
	if err != nil {
		fmt.Println("unexpected:", err)
		return
	}
	if err := srv.Fail(id, "(#131026) Message undeliverable"); err != nil {
		fmt.Println("unexpected:", err)
		return
	}
	if err := srv.WaitCallbacks(ctx, 1); err != nil {
		fmt.Println("no callback:", err)
		return
	}
	ev, _ := tracker.Wait(ctx, id)
	fmt.Println(ev.Succeeded(), ev.Reason, ev.Failure().Class)
	// Output: false (#131026) Message undeliverable recipient
}

// A receiver that answers 500 gets the callback again, as the fake models
// Crisp's redelivery.
func ExampleWithRedelivery() {
	var posts atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if posts.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError) // e.g. the database was down
		}
	}))
	defer receiver.Close()

	srv := crispwatest.NewServer(
		crispwatest.WithTemplates(crispwatest.SampleTemplates()...),
		crispwatest.WithRedelivery(3, 10*time.Millisecond),
	)
	defer srv.Close()
	srv.SetCallbackURL(receiver.URL)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := notifyShipped(ctx, srv.Client(), "+33612345678", "Alice", "#1042"); err != nil {
		fmt.Println("unexpected:", err)
		return
	}
	if err := srv.WaitCallbacks(ctx, 1); err != nil {
		fmt.Println("no callback:", err)
		return
	}
	fmt.Println(posts.Load(), "posts;", len(srv.CallbackErrors()), "failed")
	// Output: 2 posts; 1 failed
}

// Reading what was sent, and what became of it, as the inbox page and its
// JSON API show it: search and filter, newest first, with the total.
func ExampleServer_Messages() {
	srv := crispwatest.NewServer(crispwatest.WithTemplates(crispwatest.SampleTemplates()...), crispwatest.WithManualOutcomes())
	defer srv.Close()
	ctx := context.Background()
	for _, to := range []string{"+33612345678", "+33698765432", "+33612345678"} {
		if _, err := notifyShipped(ctx, srv.Client(), to, "Alice", "#1042"); err != nil {
			fmt.Println(err)
			return
		}
	}
	page := srv.Messages(crispwatest.MessageFilter{To: "+33 6 12 34 56 78", Limit: 1})
	m := page.Messages[0]
	fmt.Println(page.Total, "to", m.To, "-", m.Status)
	fmt.Println(m.Rendered.Body)

	_ = srv.Fail(m.RequestID, "(#131026) Message undeliverable")
	m, _ = srv.Message(m.RequestID)
	fmt.Println(m.Status, m.FailureClass)
	// Output:
	// 2 to +33612345678 - waiting
	// Hi Alice, your order #1042 has shipped.
	// failed recipient
}
