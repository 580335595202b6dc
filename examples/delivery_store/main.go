// Command delivery_store keeps one row per send, keyed by request_id, that
// both the send and its callback write with an upsert, so that it ends up
// right whichever arrives first. Crisp's callback can reach your server
// before Templates.Send returns (against the fake it usually does): a store
// that inserts the row after Send and has the callback update it loses
// those callbacks.
//
//	go run ./examples/delivery_store
//
// Without CRISP_WEBSITE_ID it runs against an in-process fake API (package
// crispwatest) that always posts the callback before answering the send
// (crispwatest.WithEarlyCallbacks), and prints the row. With the CRISP_*
// variables set, it sends to -to from -from, then serves callbacks on
// -listen (the callback URL set in Crisp must reach it) until Ctrl-C.
//
// With SQL, the two writes are upserts on the request_id primary key
// (PostgreSQL syntax):
//
//	-- after Send returns
//	INSERT INTO deliveries (request_id, to_number, template, status) VALUES ($1, $2, $3, 'accepted')
//	ON CONFLICT (request_id) DO UPDATE SET to_number = EXCLUDED.to_number, template = EXCLUDED.template;
//	-- in the callback handler
//	INSERT INTO deliveries (request_id, status, reason, whatsapp_message_id) VALUES ($1, $2, $3, $4)
//	ON CONFLICT (request_id) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason,
//	    whatsapp_message_id = EXCLUDED.whatsapp_message_id;
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/crispwatest"
	"github.com/crispwa/crispwa/examples/internal/offline"
)

// Delivery is one send and what became of it.
type Delivery struct {
	RequestID         string
	To, Template      string // written when Send returns
	Status            string // "accepted", then "sent" or "failed" from the callback
	Reason            string // why it was not sent
	WhatsAppMessageID string
}

// Store keeps one Delivery per request_id. RecordSend and RecordCallback
// are both upserts: neither needs the other's write to have happened, and
// a callback recorded first is never overwritten by the send's "accepted".
type Store struct {
	mu   sync.Mutex
	rows map[string]*Delivery
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{rows: map[string]*Delivery{}} }

// row returns the row of id, creating it. s.mu must be held.
func (s *Store) row(id string) *Delivery {
	d, ok := s.rows[id]
	if !ok {
		d = &Delivery{RequestID: id}
		s.rows[id] = d
	}
	return d
}

// RecordSend upserts what the send knows, once Send returned.
func (s *Store) RecordSend(requestID, to, template string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.row(requestID)
	d.To, d.Template = to, template
	if d.Status == "" { // the callback may have come first: keep its outcome
		d.Status = "accepted"
	}
}

// RecordCallback upserts the outcome; it is a callback.HandlerFunc.
func (s *Store) RecordCallback(_ context.Context, ev *crispwa.CallbackEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.row(ev.RequestID)
	if ev.Succeeded() {
		d.Status, d.WhatsAppMessageID = "sent", ev.WhatsAppMessageID
	} else {
		d.Status, d.Reason = "failed", ev.Reason
	}
	return nil
}

// Get returns a copy of the row of requestID.
func (s *Store) Get(requestID string) (Delivery, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.rows[requestID]
	if !ok {
		return Delivery{}, false
	}
	return *d, true
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "delivery_store:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	to := flag.String("to", "+33612345678", "recipient phone number")
	from := flag.String("from", "+33100000000", "your WhatsApp business number connected to Crisp")
	listen := flag.String("listen", ":8080", "address to receive Crisp's callbacks on")
	flag.Parse()

	if offline.Enabled() {
		*listen = "127.0.0.1:0" // the fake calls back this listener
	}
	store := NewStore()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	receiver := &http.Server{Handler: callback.NewHandler(store.RecordCallback), ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 15 * time.Second, WriteTimeout: 45 * time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 64 << 10}
	go func() { _ = receiver.Serve(ln) }()
	defer receiver.Close()

	var client *crispwa.Client
	var fake *crispwatest.Server
	if offline.Enabled() {
		fmt.Fprintln(os.Stderr, "CRISP_WEBSITE_ID is not set: using an in-process fake API that calls back before Send returns")
		fake = offline.NewFake("http://"+ln.Addr().String()+"/", crispwatest.WithEarlyCallbacks())
		defer fake.Close()
		client = fake.Client()
	} else if client, err = crispwa.NewClientFromEnv(); err != nil {
		return err
	}

	msg := crispwa.MessageTemplate{Name: "order_update", Language: "en_US", Components: []crispwa.Component{
		crispwa.Body(crispwa.Text("Alice"), crispwa.Text("#1042")), crispwa.URLButton(0, "1042"),
	}}
	res, err := client.Templates.Send(ctx, &crispwa.SendTemplateRequest{From: *from, To: *to, Template: msg})
	if err != nil {
		return err // ErrSendOutcomeUnknown: check the conversation before sending again
	}
	if d, ok := store.Get(res.RequestID); ok {
		fmt.Printf("the callback came first: %s\n", d.Status)
	}
	store.RecordSend(res.RequestID, *to, msg.Name)

	if fake == nil {
		fmt.Fprintln(os.Stderr, "accepted; serving callbacks on", ln.Addr(), "until Ctrl-C")
		<-ctx.Done()
	} else if err := fake.WaitCallbacks(ctx, 1); err != nil {
		return err
	}
	d, ok := store.Get(res.RequestID)
	if !ok {
		return errors.New("no row")
	}
	fmt.Printf("request_id %s: %s to %s, template %s %s\n", d.RequestID, d.Status, d.To, d.Template, d.Reason)
	return nil
}
