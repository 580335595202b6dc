package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/riverbulk"
)

const workerAbout = `Works the send jobs of every campaign in a PostgreSQL database (enqueued by
'crispwa bulk --store'), until SIGINT or SIGTERM. Any number of workers, on
any machines, share the jobs; --rate is one rate for all of them (each
worker should be given the same), and a rate limit from Crisp pauses them
all. A recipient is sent at most once, whichever worker dies when. On
SIGINT or SIGTERM the worker stops taking jobs and gives those in flight
up to 30s to record their outcome, then exits 0.

With --listen and --token the worker also receives Crisp's callbacks and
records them in the campaigns' rows (any worker may receive any callback).

The worker creates or upgrades the schema it needs on first use. It reads
CRISP_WEBSITE_ID, CRISP_WHATSAPP_IDENTIFIER, CRISP_WHATSAPP_KEY and,
optionally, CRISP_WHATSAPP_BASE_URL, like bulk.

Exit status: 0 stopped by a signal; 2 bad usage or configuration.`

func runWorker(ctx context.Context, e *cmdEnv, args []string) int {
	fs := newFlagSet("worker", "--store URL [--concurrency N] [--rate R] [--listen ADDR --token T]", workerAbout)
	url := fs.String("store", "", "the campaigns' PostgreSQL database, postgres://... (required)")
	concurrency := fs.Int("concurrency", bulk.DefaultConcurrency, "jobs this worker runs at once")
	rate := fs.Float64("rate", bulk.DefaultRate, "sends per second at most, shared by every worker of the database (0: no limit)")
	listen := fs.String("listen", "", "receive Crisp's callbacks on `ADDR` and record them (needs --token)")
	token := fs.String("token", "", "with --listen: the token callbacks must carry")
	rescue := fs.Duration("rescue-after", riverbulk.DefaultRescueAfter, "how long a job may run before another worker takes it over (as unknown if it was sending); the same for every worker")
	verbose := fs.Bool("verbose", false, "log every send's outcome (numbers masked) on stderr")
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	var missing []string
	if *url == "" {
		missing = append(missing, "--store")
	}
	switch {
	case len(missing) > 0:
		return usageError(e, "worker", strings.Join(missing, ", ")+" is required")
	case *concurrency < 1:
		return usageError(e, "worker", fmt.Sprintf("--concurrency must be at least 1, got %d", *concurrency))
	case *rate < 0:
		return usageError(e, "worker", fmt.Sprintf("--rate must be a number >= 0, got %v", *rate))
	case *rescue < riverbulk.MinRescueAfter:
		return usageError(e, "worker", fmt.Sprintf("--rescue-after must be at least %s", riverbulk.MinRescueAfter))
	case *listen != "" && *token == "":
		return usageError(e, "worker", "--listen needs --token: without one, anybody could post forged callbacks")
	}
	client, err := clientFromEnv(e.getenv)
	if err != nil {
		return failure(e, "worker", err)
	}
	store, closeStore, err := openStore(ctx, *url, *concurrency)
	if err != nil {
		if ctx.Err() != nil { // SIGINT or SIGTERM while connecting: a clean stop
			fmt.Fprintln(e.stderr, "worker: stopped")
			return exitOK
		}
		return failure(e, "worker", err)
	}
	defer closeStore()
	if *listen != "" {
		srv, err := serveCallbacks(*listen, callbackHandler(store.HandleCallback, *token, (&refusalLog{print: func(s string) { fmt.Fprintln(e.stderr, s) }}).add))
		if err != nil {
			return failure(e, "worker", &configError{err})
		}
		defer srv.close()
		fmt.Fprintf(e.stderr, "listening for callbacks on %s\n", srv.addr)
	}
	opts := []riverbulk.WorkerOption{riverbulk.WithConcurrency(*concurrency), riverbulk.WithRate(*rate), riverbulk.WithRescueAfter(*rescue),
		riverbulk.WithWorkerObserver(e.observer)}
	if *verbose {
		opts = append(opts, riverbulk.WithWorkerLogger(slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	w, err := riverbulk.NewWorker(store, client, opts...)
	if err != nil {
		return failure(e, "worker", err)
	}
	fmt.Fprintf(e.stderr, "worker: working the campaigns' jobs (concurrency %d); Ctrl-C to stop\n", *concurrency)
	if err := w.Run(ctx); err != nil {
		return failure(e, "worker", err)
	}
	fmt.Fprintln(e.stderr, "worker: stopped")
	return exitOK
}
