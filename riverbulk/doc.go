// Package riverbulk runs campaigns whose state lives in PostgreSQL and
// whose sends are worked by River (github.com/riverqueue/river) workers on
// any number of machines.
//
// A campaign is one row per recipient (campaign, key) in
// crispwa_recipients, and one River job per row. River delivers a job at
// least once; the row makes the send happen at most once: a worker marks it
// "sending" and commits before the request leaves, and a worker that finds
// a row already "sending" (its worker died mid-send, or River re-ran the
// job) marks it "unknown" and never sends it again. The outcome and the
// job's completion are committed together.
//
// The pieces:
//
//   - Migrate creates or upgrades the schema (River's and this package's),
//     safely when several processes start at once.
//   - Store.Enqueue adds recipients and their jobs in the caller's
//     transaction: rolled back, nothing is sent; committed, everything is.
//   - Worker works the jobs of every campaign of the database.
//   - Store.HandleCallback records Crisp's callbacks in the same rows.
//   - Store implements bulk.RateStore on Postgres (one rate, and one pause
//     after a 429, for every worker), bulk.Stopper (an account failure
//     stops every worker and file-journal Runner sharing it) and a
//     suppression list.
package riverbulk
