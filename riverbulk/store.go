package riverbulk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/crispwa/crispwa/bulk"
)

// Where a recipient's send stands, as recorded in its row. The bulk.Status
// values sending, accepted, rejected and unknown mean what they mean in a
// journal; these are the others.
const (
	// StatusPending: not sent yet; its job will send it.
	StatusPending bulk.Status = "pending"
	// StatusSuppressed: the number is on the suppression list: never sent.
	StatusSuppressed bulk.Status = "suppressed"
	// StatusHeld: not sent because the campaign was stopped (an account
	// failure) or its template paused (a template failure); Release sends
	// it once the cause is fixed.
	StatusHeld bulk.Status = "held"
)

// Store is a database of campaigns: it enqueues recipients, records
// callbacks, answers status queries, and implements bulk.RateStore and the
// suppression list on PostgreSQL. Create it with New on a migrated
// database (Migrate). It is safe for concurrent use.
type Store struct {
	pool   *pgxpool.Pool
	river  *river.Client[pgx.Tx] // insert-only: the jobs' producer
	now    func() time.Time
	logger *slog.Logger
	zones  zoneCache
}

// Option configures a Store.
type Option func(*Store)

// WithClock makes the Store read the time from now instead of time.Now,
// for the scheduling decisions (quiet hours, retry-later) and nothing else
// (the rate uses the database's clock). Tests inject a clock with it.
func WithClock(now func() time.Time) Option {
	return func(s *Store) {
		if now != nil {
			s.now = now
		}
	}
}

// WithLogger makes the Store log what it decides on its own (a campaign
// stopped, a template paused, a callback for no known send). Silent by
// default; numbers are masked, request bodies never logged.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.logger = l } }

// New returns a Store on pool's database, which Migrate must have prepared.
func New(pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	if pool == nil {
		return nil, errors.New("riverbulk: New needs a pool")
	}
	s := &Store{pool: pool, now: time.Now}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: s.riverLogger()})
	if err != nil {
		return nil, fmt.Errorf("riverbulk: %w", err)
	}
	s.river = rc
	return s, nil
}

// Pool returns the pool the Store works on, for the caller's transactions
// (Enqueue).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// riverLogger is River's logger: the Store's at warn level and above, or
// silent.
func (s *Store) riverLogger() *slog.Logger {
	if s.logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.logger
}

func (s *Store) log(ctx context.Context, level slog.Level, msg string, attrs ...any) {
	if s.logger != nil {
		s.logger.Log(ctx, level, "crispwa/riverbulk: "+msg, attrs...)
	}
}
