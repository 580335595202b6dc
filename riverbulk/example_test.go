package riverbulk_test

import (
	"context"
	"log"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/riverbulk"
)

// Enqueue a send in the transaction of the change that causes it: rolled
// back, nothing is sent; committed, a worker sends it, once.
func ExampleStore_Enqueue() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://localhost:5432/campaigns")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := riverbulk.Migrate(ctx, pool); err != nil {
		log.Fatal(err)
	}
	store, err := riverbulk.New(pool)
	if err != nil {
		log.Fatal(err)
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// ... the order's own writes in tx ...
		_, err := store.EnqueueSlice(ctx, tx, riverbulk.Campaign{Name: "order-confirmations"}, []riverbulk.Job{{Job: bulk.Job{
			Key: "order_update/en_US/+33612345678",
			Request: &crispwa.SendTemplateRequest{From: "+33100000000", To: "+33612345678",
				Template: crispwa.MessageTemplate{Name: "order_update", Language: "en_US"}},
		}}})
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
}

// A worker sends the jobs of every campaign of the database until ctx
// ends; run one per replica.
func ExampleWorker_Run() {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig("postgres://localhost:5432/campaigns")
	if err != nil {
		log.Fatal(err)
	}
	cfg.MaxConns = int32(riverbulk.PoolSize(16))
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	store, err := riverbulk.New(pool)
	if err != nil {
		log.Fatal(err)
	}
	client, err := crispwa.NewClientFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	w, err := riverbulk.NewWorker(store, client, riverbulk.WithConcurrency(16), riverbulk.WithRate(10))
	if err != nil {
		log.Fatal(err)
	}
	if err := w.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
