package riverbulk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
)

// HandleCallback records a Crisp callback in the row of the send it is
// about (by request_id), and acts on a failure's class: an account failure
// stops the campaign for every worker, a template failure pauses that
// template's remaining jobs, a recipient failure puts the number on the
// suppression list, and a retry-later failure sends the row again after
// its RetryAfter (a new job; the row decides). A callback that arrives
// before the worker has recorded its request_id is kept and applied when
// the worker records it, in the same transaction. It is a
// callback.HandlerFunc: pass it to callback.NewHandler.
func (s *Store) HandleCallback(ctx context.Context, ev *crispwa.CallbackEvent) error {
	if ev == nil || ev.RequestID == "" {
		return errors.New("riverbulk: callback without a request_id")
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("riverbulk: callback: %w", err)
	}
	if ev.Failure() == nil {
		// A delivery: nothing to act on, so one round trip, a batch that
		// PostgreSQL runs as one transaction: the lock, the row's update,
		// and the callback kept when no row has its request_id yet.
		b := &pgx.Batch{}
		b.Queue(callbackLockSQL, ev.RequestID)
		b.Queue(callbackUpdateSQL, ev.RequestID, string(bulk.DeliveryDelivered), "", nil, nil, nil)
		b.Queue(keepCallbackSQL, ev.RequestID, body)
		if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("riverbulk: callback: %w", err)
		}
		return nil
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Serialised with the worker recording the same request_id: one of
		// the two sees the other's write.
		if _, err := tx.Exec(ctx, callbackLockSQL, ev.RequestID); err != nil {
			return fmt.Errorf("riverbulk: callback: %w", err)
		}
		found, err := s.applyCallback(ctx, tx, ev)
		if err != nil || found {
			return err
		}
		if _, err = tx.Exec(ctx, keepCallbackSQL, ev.RequestID, body); err != nil {
			return fmt.Errorf("riverbulk: callback: %w", err)
		}
		return nil
	})
}

// The statements of a callback: the lock that serialises it with the
// worker recording the same request_id (one of the two sees the other's
// write); the update of its row, which returns the row; the callback kept
// for the worker when no row has its request_id yet.
const (
	callbackLockSQL   = "SELECT pg_advisory_xact_lock(hashtext($1))"
	callbackUpdateSQL = `UPDATE crispwa_recipients SET delivery = $2, delivery_reason = nullif($3, ''),
		failure_class = $4, failure_code = $5, retry_after_ms = $6, updated_at = now()
		WHERE request_id = $1
		RETURNING campaign, key, template, language, to_number, round`
	keepCallbackSQL = `INSERT INTO crispwa_pending_callbacks (request_id, event)
		SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM crispwa_recipients WHERE request_id = $1)
		ON CONFLICT (request_id) DO NOTHING`
)

// applyCallback records ev in its row, in tx, and acts on its failure
// class. It reports whether the row was found.
func (s *Store) applyCallback(ctx context.Context, tx pgx.Tx, ev *crispwa.CallbackEvent) (bool, error) {
	delivery, reason := bulk.DeliveryDelivered, ""
	f := ev.Failure()
	var class *string
	var code *int
	var retryMS *int64
	if f != nil {
		delivery, reason = bulk.DeliveryFailed, f.Message
		c := string(f.Class)
		class = &c
		if f.Code != 0 {
			code = &f.Code
		}
		if f.RetryAfter > 0 {
			ms := f.RetryAfter.Milliseconds()
			retryMS = &ms
		}
	}
	var campaign, key, template, language, to string
	var round int
	err := tx.QueryRow(ctx, callbackUpdateSQL, ev.RequestID, string(delivery), reason, class, code, retryMS).
		Scan(&campaign, &key, &template, &language, &to, &round)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("riverbulk: callback: %w", err)
	}
	if f == nil {
		return true, nil
	}
	if err := s.act(ctx, tx, target{campaign, key, template, language, to, round}, f); err != nil {
		return false, err
	}
	return true, nil
}

// target is the row a failure is about.
type target struct {
	campaign, key, template, language, to string
	round                                 int
}

// act does what bulk.ActionFor says about failure f of row r, in tx: stop
// the campaign, pause the template, suppress the number, or send the row
// again after bulk.RetryDelay.
func (s *Store) act(ctx context.Context, tx pgx.Tx, r target, f *crispwa.Failure) error {
	var err error
	switch bulk.ActionFor(f) {
	case bulk.ActionStop:
		err = stopCampaign(ctx, tx, r.campaign, fmt.Sprintf("%s (#%d): %s", f.Class, f.Code, f.Message))
		s.log(ctx, slog.LevelWarn, "campaign stopped: account failure", "campaign", r.campaign, "code", f.Code)
	case bulk.ActionPauseTemplate:
		var tag pgconn.CommandTag
		tag, err = tx.Exec(ctx, `INSERT INTO crispwa_paused_templates (campaign, template, language, reason)
			VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, r.campaign, r.template, r.language, f.Message)
		if err == nil && tag.RowsAffected() == 1 {
			s.log(ctx, slog.LevelWarn, "template paused for the campaign", "campaign", r.campaign, "template", r.template, "language", r.language, "code", f.Code)
		}
	case bulk.ActionSuppress:
		_, err = tx.Exec(ctx, `INSERT INTO crispwa_suppressions (number, reason) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			r.to, fmt.Sprintf("%s (#%d): %s (campaign %s)", f.Class, f.Code, f.Message, r.campaign))
	case bulk.ActionRetryLater:
		err = s.reschedule(ctx, tx, r.campaign, r.key, r.round, r.to, bulk.RetryDelay(f))
	}
	if err != nil {
		return fmt.Errorf("riverbulk: acting on a %s failure: %w", f.Class, err)
	}
	return nil
}

// reschedule makes a row whose send certainly did not go out pending
// again, with a new job (the next round) at now+after (out of quiet hours).
func (s *Store) reschedule(ctx context.Context, tx pgx.Tx, campaign, key string, round int, to string, after time.Duration) error {
	var qs, qe *int
	if err := tx.QueryRow(ctx, "SELECT quiet_start, quiet_end FROM crispwa_campaigns WHERE name = $1", campaign).Scan(&qs, &qe); err != nil {
		return err
	}
	now := s.now()
	at := now.Add(after)
	if qs != nil && qe != nil {
		q := &QuietHours{Start: time.Duration(*qs) * time.Second, End: time.Duration(*qe) * time.Second}
		at = q.nextAllowed(at, s.zones.zonesOf(to))
	}
	tag, err := tx.Exec(ctx, `UPDATE crispwa_recipients SET status = 'pending', round = round + 1, request_id = NULL,
		send_at = $4, reason = 'retry later: ' || coalesce(delivery_reason, ''), delivery = '', updated_at = now()
		WHERE campaign = $1 AND key = $2 AND round = $3`, campaign, key, round, at)
	if err != nil || tag.RowsAffected() == 0 {
		return err
	}
	opts := SendArgs{}.InsertOpts()
	opts.ScheduledAt = time.Now().Add(at.Sub(now)) // River's clock is the real one
	_, err = s.river.InsertTx(ctx, tx, SendArgs{Campaign: campaign, Key: key, Round: round + 1}, &opts)
	return err
}

// ensure the job type is what River expects.
var _ river.JobArgs = SendArgs{}
