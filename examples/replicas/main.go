// Command replicas shows the wiring of a service that runs several
// replicas behind a load balancer: callback deduplication, Tracker events
// and the bulk send rate are shared through Redis (package redisstore), so
// that a callback runs your handler once whichever replica receives it, a
// Wait on one replica sees a callback another received, and the replicas'
// bulk Runners together keep to one rate.
//
//	CRISPWA_REDIS_ADDR=127.0.0.1:6379 go run ./examples/replicas
//
// It runs two replicas in one process, against the real API when
// CRISP_WEBSITE_ID, CRISP_WHATSAPP_IDENTIFIER and CRISP_WHATSAPP_KEY are
// set (with the Crisp callback URL pointing at replica B's -listen-b), else
// against an in-process fake API. Without a Redis, it says so and exits 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/crispwatest"
	"github.com/crispwa/crispwa/examples/internal/offline"
	"github.com/crispwa/crispwa/redisstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "replicas:", err)
		os.Exit(1)
	}
}

// replica is what each replica of the service runs: a callback Handler and
// a Tracker sharing one Store.
type replica struct {
	tracker *callback.Tracker
	addr    string
}

func startReplica(store *redisstore.Store, listen string, handled func(*crispwa.CallbackEvent)) (*replica, func(), error) {
	tracker := callback.NewTracker(callback.WithTrackerStore(store))
	h := callback.NewHandler(func(ctx context.Context, ev *crispwa.CallbackEvent) error {
		handled(ev) // your code: runs once per request_id across all replicas
		return tracker.Handle(ctx, ev)
	}, callback.WithStore(store))
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 15 * time.Second, WriteTimeout: 45 * time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 64 << 10}
	go func() { _ = srv.Serve(ln) }()
	stop := func() { // waits for the callbacks being handled, so none outlives run
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	return &replica{tracker: tracker, addr: ln.Addr().String()}, stop, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	flags := flag.NewFlagSet("replicas", flag.ContinueOnError)
	addr := flags.String("redis", getenv("CRISPWA_REDIS_ADDR"), "Redis address host:port (default $CRISPWA_REDIS_ADDR)")
	listenB := flags.String("listen-b", "127.0.0.1:0", "address replica B receives Crisp's callbacks on")
	if err := flags.Parse(args); err != nil {
		return err
	}

	// 1. One Redis client and one Store per replica (each replica would
	// make its own at startup).
	if *addr == "" {
		fmt.Fprintln(stderr, "no Redis: start redis-server and set CRISPWA_REDIS_ADDR=127.0.0.1:6379 (or -redis) to run this example")
		return nil
	}
	rdb := redis.NewClient(&redis.Options{Addr: *addr})
	defer rdb.Close()
	ping, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ping).Err(); err != nil {
		fmt.Fprintf(stderr, "no Redis at %s (%v): start redis-server to run this example\n", *addr, err)
		return nil
	}
	websiteID := getenv(crispwa.EnvWebsiteID)
	var fake *crispwatest.Server
	if websiteID == "" {
		fmt.Fprintln(stderr, "CRISP_WEBSITE_ID is not set: using an in-process fake API with sample templates")
		fake = offline.NewFake("") // it calls back replica B, once that listens
		defer fake.Close()
		websiteID = fake.WebsiteID
	}
	newStore := func() *redisstore.Store {
		return redisstore.New(rdb, redisstore.WithPrefix("crispwa-example"), redisstore.WithWebsiteID(websiteID))
	}
	storeA, storeB := newStore(), newStore()
	defer storeA.Close()
	defer storeB.Close()

	// 2. Two replicas. Crisp calls back replica B (the load balancer's
	// choice); the code waiting for the outcome runs on replica A.
	handled := func(ev *crispwa.CallbackEvent) { fmt.Fprintln(stderr, "handled once:", ev.RequestID) }
	a, stopA, err := startReplica(storeA, "127.0.0.1:0", handled)
	if err != nil {
		return err
	}
	defer stopA()
	b, stopB, err := startReplica(storeB, *listenB, handled)
	if err != nil {
		return err
	}
	defer stopB()

	var client *crispwa.Client
	if fake != nil {
		fake.SetCallbackURL("http://" + b.addr + "/")
		client = fake.Client()
	} else if client, err = crispwa.NewClientFromEnv(); err != nil {
		return err
	}

	// 3. Replica A sends one template and waits for its outcome.
	tmpl, err := client.Templates.Get(ctx, "order_update", "en_US")
	if err != nil {
		return err
	}
	msg, err := tmpl.Build(crispwa.TemplateValues{Body: []string{"Alice", "#1042"}, Buttons: map[int]string{0: "1042"}})
	if err != nil {
		return err
	}
	res, err := client.Templates.Send(ctx, &crispwa.SendTemplateRequest{From: "+33100000000", To: "+33612345678", Template: msg})
	if err != nil {
		return err
	}
	wait, cancelWait := context.WithTimeout(ctx, 30*time.Second)
	defer cancelWait()
	ev, err := a.tracker.Wait(wait, res.RequestID)
	if err != nil {
		return fmt.Errorf("no callback for %s: %w", res.RequestID, err)
	}
	fmt.Fprintf(stdout, "replica A saw the callback replica B received: %s sent=%v\n", ev.RequestID, ev.Succeeded())

	// 4. A bulk Runner on each replica: together they keep to WithRate.
	dir, err := os.MkdirTemp("", "replicas-example")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	journal, err := bulk.OpenJournal(filepath.Join(dir, "journal.jsonl"))
	if err != nil {
		return err
	}
	defer journal.Close()
	runner, err := bulk.NewRunner(client, journal, bulk.WithRate(5), bulk.WithRateStore(storeA))
	if err != nil {
		return err
	}
	sum, err := runner.Run(ctx, []bulk.Job{{Key: "example/+33612345679", Request: &crispwa.SendTemplateRequest{From: "+33100000000", To: "+33612345679", Template: msg}}})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "bulk: %d accepted at the shared rate\n", sum.Accepted)
	return nil
}
