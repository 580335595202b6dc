// Command callback_server receives Crisp's template-send callbacks and logs
// each outcome. Configure its public URL in Crisp (Plugins → WhatsApp →
// Settings), with the token:
//
//	https://example.com/crisp/callback?token=$CRISP_CALLBACK_TOKEN
//
// Run it with:
//
//	CRISP_WEBSITE_ID=... CRISP_CALLBACK_TOKEN=long-random-token go run ./examples/callback_server -addr :8080
//
// Without CRISP_WEBSITE_ID it demonstrates itself offline: it listens on a
// loopback port, points an in-process fake API (package crispwatest) at
// itself, sends two templates through the fake (one that is sent, one that
// is not), logs both callbacks and exits.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/examples/internal/offline"
)

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, logger, *addr); err != nil {
		logger.Error("callback_server failed", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, logger *slog.Logger, addr string) error {
	token := os.Getenv("CRISP_CALLBACK_TOKEN")
	demo := offline.Enabled() // no CRISP_WEBSITE_ID: demonstrate with a fake API
	if demo {
		addr, token = "127.0.0.1:0", "demo-token"
	}
	if token == "" {
		logger.Warn("CRISP_CALLBACK_TOKEN is not set: anyone who knows the URL can post callbacks")
	}

	received := make(chan struct{}, 16)
	handle := func(ctx context.Context, ev *crispwa.CallbackEvent) error {
		if ev.Succeeded() {
			logger.Info("template sent", "request_id", ev.RequestID, "whatsapp_message_id", ev.WhatsAppMessageID, "session_id", ev.SessionID)
		} else {
			logger.Warn("template not sent", "request_id", ev.RequestID, "reason", ev.Reason)
		}
		received <- struct{}{}
		return nil // return an error to get a 500 and a redelivery
	}
	mux := http.NewServeMux()
	mux.Handle("POST /crisp/callback", callback.NewHandler(handle, callback.WithToken(token), callback.WithLogger(logger)))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 15 * time.Second, WriteTimeout: 45 * time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 64 << 10}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	logger.Info("listening", "addr", ln.Addr().String(), "path", "/crisp/callback")

	if demo {
		return selfDemo(ctx, logger, "http://"+ln.Addr().String()+"/crisp/callback?token="+token, received)
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-served:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}

// selfDemo sends two templates through an in-process fake that posts its
// callbacks to url, and returns once both callbacks were handled.
func selfDemo(ctx context.Context, logger *slog.Logger, url string, received <-chan struct{}) error {
	logger.Info("CRISP_WEBSITE_ID is not set: demonstrating with an in-process fake API")
	fake := offline.NewFake(url)
	defer fake.Close()
	client := fake.Client()
	sends := []crispwa.MessageTemplate{
		{Name: "order_update", Language: "en_US", Components: []crispwa.Component{
			crispwa.Body(crispwa.Text("Alice"), crispwa.Text("#1042")), crispwa.URLButton(0, "1042"),
		}},
		{Name: "spring_sale", Language: "en_US"}, // PENDING: accepted, then not sent
	}
	for _, msg := range sends {
		res, err := client.Templates.Send(ctx, &crispwa.SendTemplateRequest{From: "+33100000000", To: "+33612345678", Template: msg})
		if err != nil {
			return err
		}
		fmt.Println("sent through the fake, request_id:", res.RequestID)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for range sends {
		select {
		case <-received:
		case <-ctx.Done():
			return fmt.Errorf("callbacks not received: %w (fake: %v)", ctx.Err(), fake.CallbackErrors())
		}
	}
	fmt.Println("both callbacks received")
	return nil
}
