// Command callback_server receives Crisp's template-send callbacks and logs
// each outcome. Configure its public URL in Crisp (Plugins → WhatsApp →
// Settings), with the token:
//
//	https://example.com/crisp/callback?token=$CRISP_CALLBACK_TOKEN
//
// Run it with:
//
//	CRISP_CALLBACK_TOKEN=long-random-token go run ./examples/callback_server -addr :8080
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
)

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	token := os.Getenv("CRISP_CALLBACK_TOKEN")
	if token == "" {
		logger.Warn("CRISP_CALLBACK_TOKEN is not set: anyone who knows the URL can post callbacks")
	}

	handle := func(ctx context.Context, ev *crispwa.CallbackEvent) error {
		if ev.Succeeded() {
			logger.Info("template sent", "request_id", ev.RequestID, "whatsapp_message_id", ev.WhatsAppMessageID, "session_id", ev.SessionID)
		} else {
			logger.Warn("template not sent", "request_id", ev.RequestID, "reason", ev.Reason)
		}
		return nil // return an error to get a 500 and a redelivery
	}
	mux := http.NewServeMux()
	mux.Handle("POST /crisp/callback", callback.NewHandler(handle, callback.WithToken(token), callback.WithLogger(logger)))
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	logger.Info("listening", "addr", *addr, "path", "/crisp/callback")
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Error("server failed", "error", err)
		os.Exit(1)
	}
}
