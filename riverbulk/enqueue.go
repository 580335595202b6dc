package riverbulk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

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
// trip, and enqueueChunk how many one goroutine checks at a time: memory
// stays flat whatever the campaign's size.
const (
	enqueueBatch = 5000
	enqueueChunk = 1000
)

// Enqueue adds jobs to campaign c, each with its River job, in tx, a
// transaction the caller owns: the recipients and their jobs exist when tx
// commits, and never if it rolls back (the transactional outbox), so a
// campaign enqueued with the change that caused it is neither lost nor
// sent for nothing. A recipient already in the campaign (the same key, or
// the same template, language and canonical number) is not enqueued again,
// in this call or a later one. Invalid jobs are reported in the result and
// skipped; Enqueue fails only on a database error or an invalid campaign,
// and the caller should then roll tx back.
//
// Enqueue reads jobs in the caller's goroutine and uses tx from one other
// goroutine until it returns; the jobs are checked (their numbers parsed)
// on every CPU while the database inserts the ones before them, in order.
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
	res := &EnqueueResult{}
	now := s.now()

	// Three stages, each bounded: this goroutine cuts the jobs in chunks;
	// one checker per CPU turns a chunk into rows; one inserter takes the
	// chunks' rows in the order of the jobs and inserts them.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	checkers := max(1, runtime.GOMAXPROCS(0))
	todo := make(chan enqueueTask, checkers)
	inOrder := make(chan chan checkedChunk, 2*checkers)
	var wg sync.WaitGroup
	for range checkers {
		wg.Go(func() {
			for t := range todo {
				t.out <- s.checkChunk(c, t.jobs, t.first, now)
			}
		})
	}
	inserted := make(chan error, 1)
	go func() {
		err := s.insertInOrder(ctx, tx, c.Name, inOrder, now, res)
		if err != nil {
			cancel(err)
		}
		inserted <- err
	}()
	finished := false
	finish := func() error { // ends the stages and returns the inserter's error
		finished = true
		close(inOrder)
		close(todo)
		wg.Wait()
		return <-inserted
	}
	defer func() {
		if !finished { // jobs panicked: stop the stages before the panic goes on
			cancel(errors.New("riverbulk: Enqueue: the jobs' iterator panicked"))
			_ = finish()
		}
	}()
	chunk := make([]Job, 0, enqueueChunk)
	i := 0
	send := func() bool {
		out := make(chan checkedChunk, 1)
		select {
		case inOrder <- out:
		case <-ctx.Done():
			return false
		}
		todo <- enqueueTask{jobs: chunk, first: i - len(chunk), out: out}
		chunk = make([]Job, 0, enqueueChunk)
		return true
	}
	for j := range jobs {
		if ctx.Err() != nil {
			break
		}
		chunk = append(chunk, j)
		i++
		if len(chunk) == enqueueChunk && !send() {
			break
		}
	}
	if len(chunk) > 0 && ctx.Err() == nil {
		send()
	}
	if err := finish(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil { // the caller's context ended
		return nil, context.Cause(ctx)
	}
	return res, nil
}

// enqueueTask is a chunk of jobs to check; the index of the first is
// first.
type enqueueTask struct {
	jobs  []Job
	first int
	out   chan<- checkedChunk
}

// checkedChunk is a chunk of jobs checked: the rows of the valid ones and
// the errors of the others.
type checkedChunk struct {
	rows    []recipientRow
	invalid []*bulk.JobError
}

// recipientRow is a job ready for the database.
type recipientRow struct {
	key, to, template, language string
	request                     []byte
	sendAt                      *time.Time
}

// checkChunk checks the jobs of a chunk whose first job has index first.
func (s *Store) checkChunk(c Campaign, jobs []Job, first int, now time.Time) checkedChunk {
	out := checkedChunk{rows: make([]recipientRow, 0, len(jobs))}
	for k, j := range jobs {
		row, err := s.enqueueRow(c, j, now)
		if err != nil {
			out.invalid = append(out.invalid, &bulk.JobError{Key: j.Key, Index: first + k, Err: err})
			continue
		}
		out.rows = append(out.rows, row)
	}
	return out
}

// insertInOrder inserts the rows of the chunks of inOrder, in their order,
// enqueueBatch at a time, and counts them in res. After an error it only
// drains inOrder.
func (s *Store) insertInOrder(ctx context.Context, tx pgx.Tx, campaign string, inOrder <-chan chan checkedChunk, now time.Time, res *EnqueueResult) error {
	var failed error
	batch := make([]recipientRow, 0, enqueueBatch+enqueueChunk)
	for out := range inOrder {
		var chunk checkedChunk
		select {
		case chunk = <-out:
		case <-ctx.Done(): // the checkers' tasks are not sent any more
			if failed == nil {
				failed = context.Cause(ctx)
			}
			continue
		}
		if failed != nil {
			continue
		}
		res.Invalid = append(res.Invalid, chunk.invalid...)
		batch = append(batch, chunk.rows...)
		if len(batch) >= enqueueBatch {
			failed = s.insertBatch(ctx, tx, campaign, batch, now, res)
			batch = batch[:0]
		}
	}
	if failed != nil {
		return failed
	}
	return s.insertBatch(ctx, tx, campaign, batch, now, res)
}

// enqueueRow checks j and returns its row.
func (s *Store) enqueueRow(c Campaign, j Job, now time.Time) (recipientRow, error) {
	switch {
	case j.Key == "":
		return recipientRow{}, errors.New("empty key")
	case len(j.Key) > bulk.MaxKeyLength:
		return recipientRow{}, fmt.Errorf("key longer than %d bytes", bulk.MaxKeyLength)
	case j.Request == nil:
		return recipientRow{}, errors.New("nil request")
	}
	wire, err := j.Request.Canonical() // Validate, each number parsed once
	if err != nil {
		return recipientRow{}, err
	}
	to := wire.To
	body, err := json.Marshal(j.Request)
	if err != nil {
		return recipientRow{}, err
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
	return recipientRow{key: j.Key, to: to, template: t.Name, language: t.Language, request: body, sendAt: sendAt}, nil
}

// insertRecipientsSQL inserts a batch of recipients, given as arrays, in
// their order, and returns those that were not in the campaign yet.
const insertRecipientsSQL = `INSERT INTO crispwa_recipients (campaign, key, to_number, template, language, request, send_at)
	SELECT $1, r.* FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::timestamptz[]) AS r
	ON CONFLICT DO NOTHING RETURNING key, send_at`

// insertBatch inserts rows and the jobs of those that are new.
func (s *Store) insertBatch(ctx context.Context, tx pgx.Tx, campaign string, rows []recipientRow, now time.Time, res *EnqueueResult) error {
	if len(rows) == 0 {
		return nil
	}
	keys := make([]string, len(rows))
	tos := make([]string, len(rows))
	templates := make([]string, len(rows))
	languages := make([]string, len(rows))
	requests := make([]string, len(rows))
	sendAts := make([]*time.Time, len(rows))
	for i, r := range rows {
		keys[i], tos[i], templates[i], languages[i], requests[i], sendAts[i] = r.key, r.to, r.template, r.language, string(r.request), r.sendAt
	}
	added, err := tx.Query(ctx, insertRecipientsSQL, campaign, keys, tos, templates, languages, requests, sendAts)
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
