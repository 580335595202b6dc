package riverbulk_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/crispwatest"
	"github.com/crispwa/crispwa/internal/testenv"
	"github.com/crispwa/crispwa/riverbulk"
)

// helloTemplate is a template without parameters, approved on the fake.
var helloTemplate = crispwa.Template{
	Name: "hello", Language: "en_US", Status: crispwa.StatusApproved, Category: "MARKETING",
	Components: []crispwa.TemplateComponent{{Type: "BODY", Text: "Hello!"}},
}

// env is a test's database, store and fake Crisp, whose callbacks land in
// the store.
type env struct {
	t     testing.TB
	url   string
	pool  *pgxpool.Pool
	store *riverbulk.Store
	fake  *crispwatest.Server
}

func setup(t testing.TB, fakeOpts []crispwatest.Option, opts ...riverbulk.Option) *env {
	t.Helper()
	return setupOn(t, testenv.PostgresDatabase(t), fakeOpts, opts...)
}

// setupOn is setup on the database at url.
func setupOn(t testing.TB, url string, fakeOpts []crispwatest.Option, opts ...riverbulk.Option) *env {
	t.Helper()
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(url)
	require.NoError(t, err)
	cfg.MaxConns = 60 // several workers of concurrency 16 (see NewWorker)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, riverbulk.Migrate(ctx, pool))
	store, err := riverbulk.New(pool, opts...)
	require.NoError(t, err)
	fake := crispwatest.NewServer(append([]crispwatest.Option{crispwatest.WithTemplates(helloTemplate)}, fakeOpts...)...)
	t.Cleanup(fake.Close)
	cb := httptest.NewServer(callback.NewHandler(store.HandleCallback))
	t.Cleanup(cb.Close)
	fake.SetCallbackURL(cb.URL)
	return &env{t: t, url: url, pool: pool, store: store, fake: fake}
}

// number is the i-th test recipient.
func number(i int) string { return fmt.Sprintf("+336%08d", i) }

// jobs returns n jobs of the hello template, to number(from) onwards.
func jobs(from, n int) []riverbulk.Job {
	out := make([]riverbulk.Job, n)
	for i := range out {
		to := number(from + i)
		out[i] = riverbulk.Job{Job: bulk.Job{Key: "hello/en_US/" + to, Request: helloRequest(to)}}
	}
	return out
}

func helloRequest(to string) *crispwa.SendTemplateRequest {
	return &crispwa.SendTemplateRequest{From: "+33100000000", To: to,
		Template: crispwa.MessageTemplate{Name: "hello", Language: "en_US"}}
}

// enqueue enqueues js in campaign name in a transaction of its own.
func (e *env) enqueue(c riverbulk.Campaign, js []riverbulk.Job) *riverbulk.EnqueueResult {
	e.t.Helper()
	var res *riverbulk.EnqueueResult
	err := pgx.BeginFunc(context.Background(), e.pool, func(tx pgx.Tx) error {
		var err error
		res, err = e.store.EnqueueSlice(context.Background(), tx, c, js)
		return err
	})
	require.NoError(e.t, err)
	return res
}

// startWorker runs a worker until the test ends (or the returned stop).
func (e *env) startWorker(opts ...riverbulk.WorkerOption) (stop func()) {
	e.t.Helper()
	w, err := riverbulk.NewWorker(e.store, e.fake.Client(crispwa.WithMaxRetries(0)),
		append([]riverbulk.WorkerOption{riverbulk.WithRate(0), riverbulk.WithConcurrency(8), riverbulk.WithPollInterval(50 * time.Millisecond)}, opts...)...)
	require.NoError(e.t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var stopped bool
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		require.NoError(e.t, <-done)
	}
	e.t.Cleanup(stop)
	return stop
}

// waitDone waits until campaign has nothing left to send.
func (e *env) waitDone(campaign string, timeout time.Duration) *riverbulk.CampaignStatus {
	e.t.Helper()
	return e.waitDoneEvery(campaign, timeout, 50*time.Millisecond)
}

// waitDoneEvery is waitDone asking every poll.
func (e *env) waitDoneEvery(campaign string, timeout, poll time.Duration) *riverbulk.CampaignStatus {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st, err := e.store.Status(context.Background(), campaign)
		require.NoError(e.t, err)
		if st.Done() {
			return st
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("campaign %s not done after %s: %+v", campaign, timeout, st)
		}
		time.Sleep(poll)
	}
}

// sendsTo counts the fake's sends per recipient.
func (e *env) sendsTo() map[string]int {
	m := map[string]int{}
	for _, s := range e.fake.Sends() {
		m[s.To]++
	}
	return m
}
