package riverbulk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crispwa/crispwa/bulk"
)

// An account failure (bulk.ActionStop) stops its campaign in the database
// (see Store.act). Workers whose rate store is a bulk.Stopper (the Store
// itself, or a redisstore.Store shared with file-journal Runners) share
// such stops both ways, every stopPoll:
//
//   - a campaign stopped by its own account failure (a send refused, or a
//     callback) is told to the Stopper once (stop_shared), so that every
//     Runner of the website running now stops too;
//   - a Stop called since the worker started (by a Runner, or a worker
//     sharing its own) stops every campaign of the database that still has
//     recipients to send: their rows are then held, as after the
//     campaign's own failure, until Store.Release.
//
// A database's campaigns are taken to be one website's (a worker sends
// every campaign of its database with its one client).

var _ bulk.Stopper = (*Store)(nil)

// stopPoll is how often a worker looks for stops to share.
const stopPoll = 500 * time.Millisecond

// Stop implements bulk.Stopper: every file-journal Runner sharing the Store
// as its RateStore, and every Worker of the database, running now, stops
// (the workers hold their campaigns' remaining rows) with reason.
func (s *Store) Stop(ctx context.Context, websiteID, reason string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO crispwa_stops AS t (website_id, stops, reason) VALUES ($1, 1, $2)
		ON CONFLICT (website_id) DO UPDATE SET stops = t.stops + 1, reason = EXCLUDED.reason`, websiteID, reason)
	if err != nil {
		return fmt.Errorf("riverbulk: stop: %w", err)
	}
	return nil
}

// Stops implements bulk.Stopper: how many times Stop was called for
// websiteID, and the last reason.
func (s *Store) Stops(ctx context.Context, websiteID string) (int64, string, error) {
	var n int64
	var reason string
	err := s.pool.QueryRow(ctx, "SELECT stops, reason FROM crispwa_stops WHERE website_id = $1", websiteID).Scan(&n, &reason)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return 0, "", fmt.Errorf("riverbulk: stops: %w", err)
	}
	return n, reason, nil
}

// watchStops shares the account stops between the database and stopper
// (see above) until ctx ends.
func (w *Worker) watchStops(ctx context.Context, stopper bulk.Stopper) {
	website := w.client.WebsiteID()
	t := time.NewTicker(stopPoll)
	defer t.Stop()
	// The stops called before this worker began are not its own: the
	// count then is where it starts (read again until the store answers).
	seen, _, err := stopper.Stops(ctx, website)
	for err != nil {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		seen, _, err = stopper.Stops(ctx, website)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := w.shareStops(ctx, stopper, website); err != nil && ctx.Err() == nil {
			w.log(slog.LevelWarn, "an account stop is not shared with the other runners yet: retrying", "error", err.Error())
		}
		n, reason, err := stopper.Stops(ctx, website)
		if err != nil || n <= seen {
			continue
		}
		if err := w.store.holdActive(ctx, reason); err != nil {
			if ctx.Err() == nil {
				w.log(slog.LevelWarn, "a stop by another runner is not applied yet: retrying", "error", err.Error())
			}
			continue
		}
		seen = n
		w.log(slog.LevelWarn, "campaigns stopped by another runner's account failure", "reason", reason)
	}
}

// shareStops tells stopper about the campaigns stopped by their own account
// failure that it has not been told about yet (one Stop for them all).
func (w *Worker) shareStops(ctx context.Context, stopper bulk.Stopper, website string) error {
	return pgx.BeginFunc(ctx, w.store.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE crispwa_campaigns SET stop_shared = true
			WHERE stopped_reason IS NOT NULL AND NOT stop_shared RETURNING stopped_reason`)
		if err != nil {
			return err
		}
		reasons, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil || len(reasons) == 0 {
			return err
		}
		// Told before the commit: if Stop fails, the campaigns stay to share.
		return stopper.Stop(ctx, website, reasons[0])
	})
}

// holdActive stops every campaign of the database that has recipients left
// to send, with reason: a stop that came from the Stopper.
func (s *Store) holdActive(ctx context.Context, reason string) error {
	_, err := s.pool.Exec(ctx, `UPDATE crispwa_campaigns c SET stopped_reason = $1, stopped_at = now(), stop_shared = true
		WHERE c.stopped_reason IS NULL
		AND EXISTS (SELECT 1 FROM crispwa_recipients r WHERE r.campaign = c.name AND r.status IN ('pending', 'sending'))`, reason)
	return err
}
