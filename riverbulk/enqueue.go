package riverbulk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
)

// Campaign names a campaign and the rules its sends follow.
type Campaign struct {
	// Name identifies the campaign in the database (at most 200 bytes).
	Name string
	// QuietHours, when set, keeps the sends out of this daily window in
	// each recipient's local time. The latest Enqueue's setting is the
	// campaign's.
	QuietHours *QuietHours
}

// Job is one recipient of a campaign: a bulk.Job (its key and its send)
// and, optionally, when to send it.
type Job struct {
	bulk.Job
	// SendAt, when in the future, is the earliest time the job is sent
	// (River runs it then; nothing polls). Zero: at once.
	SendAt time.Time
}

// EnqueueResult says what Enqueue did with the jobs.
type EnqueueResult struct {
	// Added is how many recipients were added to the campaign, each with
	// its job.
	Added int
	// AlreadyIn is how many were in the campaign already (the same key, or
	// the same template, language and number however it was written): not
	// enqueued again.
	AlreadyIn int
	// Scheduled is how many of the Added jobs wait for a send time or the
	// end of quiet hours.
	Scheduled int
	// Invalid lists the jobs refused (an empty or long key, an invalid
	// request, a number that is not one), by their index in the sequence.
	Invalid []*bulk.JobError
}

// enqueueBatch is how many recipients go to the database in one round
// trip: memory stays flat whatever the campaign's size.
const enqueueBatch = 5000

// Enqueue adds jobs to campaign c, each with its River job, in tx, a
// transaction the caller owns: the recipients and their jobs exist when tx
// commits, and never if it rolls back (the transactional outbox), so a
// campaign enqueued with the change that caused it is neither lost nor
// sent for nothing. A recipient already in the campaign (the same key, or
// the same template, language and canonical number) is not enqueued again,
// in this call or a later one. Invalid jobs are reported in the result and
// skipped; Enqueue fails only on a database error or an invalid campaign,
// and the caller should then roll tx back.
func (s *Store) Enqueue(ctx context.Context, tx pgx.Tx, c Campaign, jobs iter.Seq[Job]) (*EnqueueResult, error) {
	if c.Name == "" || len(c.Name) > 200 {
		return nil, errors.New("riverbulk: Enqueue: a campaign needs a name of 1 to 200 bytes")
	}
	if err := c.QuietHours.validate(); err != nil {
		return nil, err
	}
	var qs, qe *int
	if q := c.QuietHours; q != nil {
		a, b := int(q.Start/time.Second), int(q.End/time.Second)
		qs, qe = &a, &b
	}
	if _, err := tx.Exec(ctx, `INSERT INTO crispwa_campaigns (name, quiet_start, quiet_end) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET quiet_start = EXCLUDED.quiet_start, quiet_end = EXCLUDED.quiet_end`,
		c.Name, qs, qe); err != nil {
		return nil, fmt.Errorf("riverbulk: Enqueue: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS crispwa_enqueue (
		key text, to_number text, template text, language text, request jsonb, send_at timestamptz) ON COMMIT DROP`); err != nil {
		return nil, fmt.Errorf("riverbulk: Enqueue: %w", err)
	}
	res := &EnqueueResult{}
	now := s.now()
	batch := make([][]any, 0, enqueueBatch)
	i := 0
	for j := range jobs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		row, err := s.enqueueRow(c, j, now)
		if err != nil {
			res.Invalid = append(res.Invalid, &bulk.JobError{Key: j.Key, Index: i, Err: err})
		} else {
			batch = append(batch, row)
		}
		i++
		if len(batch) == enqueueBatch {
			if err := s.enqueueBatch(ctx, tx, c.Name, batch, now, res); err != nil {
				return nil, err
			}
			batch = batch[:0]
		}
	}
	if err := s.enqueueBatch(ctx, tx, c.Name, batch, now, res); err != nil {
		return nil, err
	}
	return res, nil
}

// enqueueRow checks j and returns its row of crispwa_enqueue.
func (s *Store) enqueueRow(c Campaign, j Job, now time.Time) ([]any, error) {
	switch {
	case j.Key == "":
		return nil, errors.New("empty key")
	case len(j.Key) > bulk.MaxKeyLength:
		return nil, fmt.Errorf("key longer than %d bytes", bulk.MaxKeyLength)
	case j.Request == nil:
		return nil, errors.New("nil request")
	}
	if err := j.Request.Validate(); err != nil {
		return nil, err
	}
	to, err := crispwa.NormalizePhone(j.Request.To, "")
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(j.Request)
	if err != nil {
		return nil, err
	}
	at := now
	if j.SendAt.After(at) {
		at = j.SendAt
	}
	if c.QuietHours != nil {
		at = c.QuietHours.nextAllowed(at, s.zones.zonesOf(to))
	}
	var sendAt *time.Time
	if at.After(now) {
		sendAt = &at
	}
	t := j.Request.Template
	return []any{j.Key, to, t.Name, t.Language, body, sendAt}, nil
}

// enqueueBatch inserts rows and the jobs of those that are new.
func (s *Store) enqueueBatch(ctx context.Context, tx pgx.Tx, campaign string, rows [][]any, now time.Time, res *EnqueueResult) error {
	if len(rows) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, "TRUNCATE crispwa_enqueue"); err != nil {
		return fmt.Errorf("riverbulk: Enqueue: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"crispwa_enqueue"},
		[]string{"key", "to_number", "template", "language", "request", "send_at"}, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("riverbulk: Enqueue: %w", err)
	}
	added, err := tx.Query(ctx, `INSERT INTO crispwa_recipients (campaign, key, to_number, template, language, request, send_at)
		SELECT $1, key, to_number, template, language, request, send_at FROM crispwa_enqueue
		ON CONFLICT DO NOTHING RETURNING key, send_at`, campaign)
	if err != nil {
		return fmt.Errorf("riverbulk: Enqueue: %w", err)
	}
	params := make([]river.InsertManyParams, 0, len(rows))
	for added.Next() {
		var key string
		var sendAt *time.Time
		if err := added.Scan(&key, &sendAt); err != nil {
			added.Close()
			return fmt.Errorf("riverbulk: Enqueue: %w", err)
		}
		p := river.InsertManyParams{Args: SendArgs{Campaign: campaign, Key: key}}
		if sendAt != nil {
			opts := SendArgs{}.InsertOpts()
			opts.ScheduledAt = time.Now().Add(sendAt.Sub(now)) // River's clock is the real one
			p.InsertOpts = &opts
			res.Scheduled++
		}
		params = append(params, p)
	}
	if err := added.Err(); err != nil {
		return fmt.Errorf("riverbulk: Enqueue: %w", err)
	}
	res.Added += len(params)
	res.AlreadyIn += len(rows) - len(params)
	if len(params) == 0 {
		return nil
	}
	if _, err := s.river.InsertManyFastTx(ctx, tx, params); err != nil {
		return fmt.Errorf("riverbulk: Enqueue: inserting the jobs: %w", err)
	}
	return nil
}

// EnqueueSlice is Enqueue for jobs in a slice.
func (s *Store) EnqueueSlice(ctx context.Context, tx pgx.Tx, c Campaign, jobs []Job) (*EnqueueResult, error) {
	return s.Enqueue(ctx, tx, c, func(yield func(Job) bool) {
		for _, j := range jobs {
			if !yield(j) {
				return
			}
		}
	})
}
