package riverbulk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The rate of every worker of a website is one row of crispwa_rate, read
// and moved in one statement on the database's clock (the machines' clocks
// do not matter). It is GCRA with a tolerance of half an interval, as in
// package redisstore: a worker that takes its slot a little late does not
// lose it, and two sends are at least half an interval apart.

// reserveSQL takes the next slot of website $1 for interval $2 (µs); it
// returns the pause left (µs, >0: not reserved) and the wait before the
// slot (µs).
const reserveSQL = `
WITH now AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS us)
UPDATE crispwa_rate r SET next_slot_us = CASE
		WHEN r.paused_until_us > now.us THEN r.next_slot_us
		ELSE greatest(r.next_slot_us, now.us - $2 / 2) + $2 END
	FROM now
	WHERE r.website_id = $1
	RETURNING greatest(r.paused_until_us - now.us, 0),
		greatest(r.next_slot_us - $2 - now.us, 0)`

// Reserve implements bulk.RateStore on PostgreSQL: it takes the next send
// slot of websiteID, shared by every worker and runner on this database,
// in one statement.
func (s *Store) Reserve(ctx context.Context, websiteID string, interval time.Duration) (time.Duration, bool, error) {
	if interval <= 0 {
		d, err := s.PausedFor(ctx, websiteID)
		return d, d == 0, err
	}
	var paused, wait int64
	err := s.pool.QueryRow(ctx, reserveSQL, websiteID, interval.Microseconds()).Scan(&paused, &wait)
	if errors.Is(err, pgx.ErrNoRows) {
		if err = s.ensureRate(ctx, websiteID); err == nil {
			err = s.pool.QueryRow(ctx, reserveSQL, websiteID, interval.Microseconds()).Scan(&paused, &wait)
		}
	}
	if err != nil {
		return 0, false, fmt.Errorf("riverbulk: reserve a send slot: %w", err)
	}
	if paused > 0 {
		return time.Duration(paused) * time.Microsecond, false, nil
	}
	return time.Duration(wait) * time.Microsecond, true, nil
}

func (s *Store) ensureRate(ctx context.Context, websiteID string) error {
	_, err := s.pool.Exec(ctx, "INSERT INTO crispwa_rate (website_id) VALUES ($1) ON CONFLICT DO NOTHING", websiteID)
	return err
}

// Pause implements bulk.RateStore: it pauses every worker and runner of
// websiteID on this database for d, unless a longer pause is already set.
func (s *Store) Pause(ctx context.Context, websiteID string, d time.Duration) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO crispwa_rate AS r (website_id, paused_until_us)
		VALUES ($1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint + $2)
		ON CONFLICT (website_id) DO UPDATE SET paused_until_us = greatest(r.paused_until_us, EXCLUDED.paused_until_us)`,
		websiteID, max(d, time.Millisecond).Microseconds())
	if err != nil {
		return fmt.Errorf("riverbulk: pause: %w", err)
	}
	return nil
}

// PausedFor implements bulk.RateStore: what remains of websiteID's pause.
func (s *Store) PausedFor(ctx context.Context, websiteID string) (time.Duration, error) {
	var us int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(greatest(paused_until_us - (extract(epoch FROM clock_timestamp()) * 1000000)::bigint, 0)), 0)
		FROM crispwa_rate WHERE website_id = $1`, websiteID).Scan(&us)
	if err != nil {
		return 0, fmt.Errorf("riverbulk: paused: %w", err)
	}
	return time.Duration(us) * time.Microsecond, nil
}
