package riverbulk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/internal/redact"
)

// Defaults of a Worker.
const (
	// DefaultRescueAfter is how long a job may stay running before River
	// hands it to another worker, which then finds its row "sending" and
	// marks it unknown (never sends it). A worker's job takes at most
	// maxRateWait plus the send's own time, below it.
	DefaultRescueAfter = 5 * time.Minute
	// DefaultDrainTimeout is how long Run gives the sends in flight to get
	// their answer when its context ends.
	DefaultDrainTimeout = 30 * time.Second
)

const (
	// maxRateWait is how long a job waits for a rate slot before it gives
	// its worker back and asks River to run it again later (snooze).
	maxRateWait = 5 * time.Second
	// maxSendTimeout bounds one send, whatever the client's own settings;
	// a shorter WithRescueAfter shortens it (see sendTimeout).
	maxSendTimeout = 2 * time.Minute
	// rescueMargin is the part of the rescue delay kept for recording the
	// outcome.
	rescueMargin = 10 * time.Second
	// MinRescueAfter is the shortest WithRescueAfter.
	MinRescueAfter = 20 * time.Second
	// recordTimeout is how long a worker keeps trying to record a send's
	// outcome while the database is unreachable.
	recordTimeout = 10 * time.Minute
	// basePause is the pause after a 429 without Retry-After.
	basePause = time.Second
)

// fetchCooldown is the shortest time between two fetches of jobs by one
// worker (River's FetchCooldown). River runs at most the worker's
// concurrency jobs per fetch, so a worker sends at most concurrency /
// fetchCooldown per second: River's default (100ms) caps a worker of
// concurrency 16 at 160 sends/s whatever the database and Crisp allow.
const fetchCooldown = 10 * time.Millisecond

// Worker works the send jobs of every campaign in a Store's database, with
// one client. Several workers, in any number of processes, share the work;
// River gives each job to one of them at a time, and the row of each
// recipient makes sure that no job, however often River runs it, sends
// twice. Create it with NewWorker and call Run.
type Worker struct {
	store  *Store
	client *crispwa.Client
	cfg    workerConfig
	river  *river.Client[pgx.Tx]
}

type workerConfig struct {
	concurrency  int
	interval     time.Duration // between sends across all workers; 0: no limit
	rate         bulk.RateStore
	rescueAfter  time.Duration
	drainTimeout time.Duration
	logger       *slog.Logger
	pollInterval time.Duration
	observer     *crispwa.Observer
}

// WorkerOption configures a Worker.
type WorkerOption func(*workerConfig) error

// WithConcurrency sets how many jobs this worker runs at once (default
// bulk.DefaultConcurrency).
func WithConcurrency(n int) WorkerOption {
	return func(c *workerConfig) error {
		if n < 1 {
			return fmt.Errorf("riverbulk: WithConcurrency(%d): need at least 1", n)
		}
		c.concurrency = n
		return nil
	}
}

// WithRate sets the rate, in sends per second, shared by every worker that
// uses the same rate store and website (default bulk.DefaultRate; 0: no
// limit, only the pauses after a 429).
func WithRate(perSecond float64) WorkerOption {
	return func(c *workerConfig) error {
		if perSecond < 0 || math.IsNaN(perSecond) || math.IsInf(perSecond, 0) {
			return fmt.Errorf("riverbulk: WithRate(%v): need a finite rate >= 0", perSecond)
		}
		c.interval = 0
		if perSecond > 0 {
			c.interval = time.Duration(float64(time.Second) / perSecond)
		}
		return nil
	}
}

// WithRateStore shares the rate and the pauses through s (for example a
// redisstore.Store) instead of the Store's own PostgreSQL table.
func WithRateStore(s bulk.RateStore) WorkerOption {
	return func(c *workerConfig) error {
		if s == nil {
			return errors.New("riverbulk: WithRateStore(nil)")
		}
		c.rate = s
		return nil
	}
}

// WithRescueAfter sets how long a job may run before River gives it to
// another worker (default DefaultRescueAfter). The job's row is then
// "sending", so the other worker marks it unknown instead of sending: keep
// it well above the time a send takes. Every worker and enqueuer of a
// database should use the same value.
//
// A job of a worker that died is run again only after d (and River's
// rescuer runs every 30s): a shorter d settles the sends a dead worker had
// in flight sooner, and bounds each send to d minus 15s (at most 2 minutes;
// a send cut short is recorded unknown).
func WithRescueAfter(d time.Duration) WorkerOption {
	return func(c *workerConfig) error {
		if d < MinRescueAfter {
			return fmt.Errorf("riverbulk: WithRescueAfter(%s): need at least %s", d, MinRescueAfter)
		}
		c.rescueAfter = d
		return nil
	}
}

// WithDrainTimeout sets how long Run gives the jobs in flight to finish
// once its context ends (default DefaultDrainTimeout); after it, their
// contexts are cancelled and a send cut short is recorded as unknown.
func WithDrainTimeout(d time.Duration) WorkerOption {
	return func(c *workerConfig) error {
		if d < 0 {
			return fmt.Errorf("riverbulk: WithDrainTimeout(%s): negative", d)
		}
		c.drainTimeout = d
		return nil
	}
}

// WithWorkerLogger makes the worker log one record per send outcome (masked
// number, request_id or error), and River's own warnings. Silent by default.
func WithWorkerLogger(l *slog.Logger) WorkerOption {
	return func(c *workerConfig) error { c.logger = l; return nil }
}

// WithWorkerObserver makes the worker report the outcome of each
// recipient it settles to o's CampaignOutcome (see crispwa.Observer): an
// answer recorded, or a row found mid-send and marked unknown. Package
// crispwaotel's NewObserver keeps the crispwa.bulk.unknown metric with it.
// The sends themselves are observed by the client's own observer
// (crispwa.WithObserver). Nil, the default, reports nothing.
func WithWorkerObserver(o *crispwa.Observer) WorkerOption {
	return func(c *workerConfig) error { c.observer = o; return nil }
}

// WithPollInterval sets how often the worker looks for jobs that became
// due (scheduled, snoozed, retried) besides the notifications of new ones
// (River's FetchPollInterval, default 1s).
func WithPollInterval(d time.Duration) WorkerOption {
	return func(c *workerConfig) error {
		if d < time.Millisecond {
			return fmt.Errorf("riverbulk: WithPollInterval(%s): need at least 1ms", d)
		}
		c.pollInterval = d
		return nil
	}
}

// PoolSize is the number of connections a pool needs to run one Worker of
// the given concurrency without waiting for connections: each job holds
// one at a time, and River keeps a few of its own (LISTEN, leader,
// maintenance). pgxpool's default (4, or the number of CPUs) starves a
// worker of concurrency above 2.
func PoolSize(concurrency int) int { return concurrency + 6 }

// NewWorker returns a Worker sending with client the jobs of store's
// database. Size the store's pool with PoolSize.
func NewWorker(store *Store, client *crispwa.Client, opts ...WorkerOption) (*Worker, error) {
	if store == nil || client == nil {
		return nil, errors.New("riverbulk: NewWorker needs a store and a client")
	}
	cfg := workerConfig{
		pollInterval: river.FetchPollIntervalDefault,
		concurrency:  bulk.DefaultConcurrency,
		interval:     time.Second / bulk.DefaultRate,
		rate:         store,
		rescueAfter:  DefaultRescueAfter,
		drainTimeout: DefaultDrainTimeout,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	w := &Worker{store: store, client: client, cfg: cfg}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &sendWorker{w: w}); err != nil {
		return nil, fmt.Errorf("riverbulk: %w", err)
	}
	logger := cfg.logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	rc, err := river.NewClient(riverpgxv5.New(store.pool), &river.Config{
		Queues:  map[string]river.QueueConfig{Queue: {MaxWorkers: cfg.concurrency}},
		Workers: workers,
		// The job bounds its own waits (maxRateWait, sendTimeout) below this;
		// River rescues a running job only if it has a timeout.
		JobTimeout:           cfg.rescueAfter - rescueMargin/2,
		RescueStuckJobsAfter: cfg.rescueAfter,
		MaxAttempts:          maxJobAttempts,
		FetchPollInterval:    cfg.pollInterval,
		FetchCooldown:        min(cfg.pollInterval, fetchCooldown),
		Logger:               logger,
	})
	if err != nil {
		return nil, fmt.Errorf("riverbulk: %w", err)
	}
	w.river = rc
	return w, nil
}

// Run works jobs until ctx ends, then stops taking new ones and gives those
// in flight the drain timeout to finish (their outcomes recorded) before
// cutting them short. It returns nil after a clean stop, or the error that
// kept the worker from starting. A lost database connection does not end
// Run: River and the worker retry until it comes back. When the worker's
// rate store is a bulk.Stopper (the Store by default), Run also shares the
// account stops with it: see Store.Stop.
func (w *Worker) Run(ctx context.Context) error {
	watchCtx, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	watched := make(chan struct{})
	if stopper, ok := w.cfg.rate.(bulk.Stopper); ok {
		go func() {
			defer close(watched)
			w.watchStops(watchCtx, stopper)
		}()
	} else {
		close(watched)
	}
	if err := w.river.Start(context.WithoutCancel(ctx)); err != nil {
		stopWatching()
		<-watched
		return fmt.Errorf("riverbulk: starting the worker: %w", err)
	}
	<-ctx.Done()
	<-watched
	stopCtx, cancel := context.WithTimeout(context.Background(), w.cfg.drainTimeout)
	defer cancel()
	if err := w.river.Stop(stopCtx); err != nil {
		hard, cancelHard := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancelHard()
		if err := w.river.StopAndCancel(hard); err != nil {
			return fmt.Errorf("riverbulk: stopping the worker: %w", err)
		}
	}
	return nil
}

// sendWorker is the River worker of SendArgs.
type sendWorker struct {
	river.WorkerDefaults[SendArgs]
	w *Worker
}

// row is what a job reads of its recipient's row and campaign.
type row struct {
	status     bulk.Status
	round      int
	to         string
	template   string
	language   string
	request    []byte
	stopped    *string
	quietStart *int
	quietEnd   *int
	paused     *string
	suppressed bool
	// pause is what remains of the website's pause after a 429, read with
	// the row when the worker's rate is the Store's own and unlimited
	// (pauseRead): that look then spares waitSlot its own round trip.
	pause     time.Duration
	pauseRead bool
}

// loadColumns and loadFrom read a job's row, its campaign's flags, its
// template's pause and its number's suppression.
const (
	loadColumns = `SELECT r.status, r.round, r.to_number, r.template, r.language, r.request,
		c.stopped_reason, c.quiet_start, c.quiet_end,
		(SELECT p.reason FROM crispwa_paused_templates p WHERE p.campaign = r.campaign AND p.template = r.template AND p.language = r.language),
		EXISTS (SELECT 1 FROM crispwa_suppressions s WHERE s.number = r.to_number)`
	loadFrom = `
		FROM crispwa_recipients r JOIN crispwa_campaigns c ON c.name = r.campaign
		WHERE r.campaign = $1 AND r.key = $2`
	// plainSQL reads the row; lockSQL locks it too.
	plainSQL = loadColumns + loadFrom
	lockSQL  = plainSQL + " FOR UPDATE OF r"
	// lookSQL reads the website's pause ($3) too: the first look of a
	// worker whose rate is the Store's own and unlimited.
	lookSQL = loadColumns + `,
		(SELECT coalesce(max(greatest(paused_until_us - (extract(epoch FROM clock_timestamp()) * 1000000)::bigint, 0)), 0)
			FROM crispwa_rate WHERE website_id = $3)` + loadFrom
)

// queryRower is a pool or a transaction.
type queryRower interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}

// load reads the job's row (locking it with FOR UPDATE when lock).
func load(ctx context.Context, q queryRower, a SendArgs, lock bool) (*row, error) {
	sql := plainSQL
	if lock {
		sql = lockSQL
	}
	var r row
	var status string
	err := q.QueryRow(ctx, sql, a.Campaign, a.Key).Scan(&status, &r.round, &r.to, &r.template, &r.language, &r.request,
		&r.stopped, &r.quietStart, &r.quietEnd, &r.paused, &r.suppressed)
	if err != nil {
		return nil, err
	}
	r.status = bulk.Status(status)
	return &r, nil
}

// look is the job's first look at its row, without a lock. When the
// worker's rate is the Store's own and unlimited, the same statement reads
// the website's pause.
func (w *Worker) look(ctx context.Context, a SendArgs) (*row, error) {
	if w.cfg.interval > 0 || w.cfg.rate != bulk.RateStore(w.store) {
		return load(ctx, w.store.pool, a, false)
	}
	var r row
	var status string
	var pauseUS int64
	err := w.store.pool.QueryRow(ctx, lookSQL, a.Campaign, a.Key, w.client.WebsiteID()).Scan(&status, &r.round, &r.to, &r.template, &r.language, &r.request,
		&r.stopped, &r.quietStart, &r.quietEnd, &r.paused, &r.suppressed, &pauseUS)
	if err != nil {
		return nil, err
	}
	r.status = bulk.Status(status)
	r.pause, r.pauseRead = time.Duration(pauseUS)*time.Microsecond, true
	return &r, nil
}

// claimSQL moves a row from pending to sending in one statement, only if
// nothing the first look saw has changed: the same round, still pending,
// the campaign not stopped and its quiet hours the same, the template not
// paused, the number not suppressed. It is the protocol's "mark sending and
// commit", as its own transaction.
const claimSQL = `UPDATE crispwa_recipients r SET status = 'sending', updated_at = now()
	WHERE r.campaign = $1 AND r.key = $2 AND r.round = $3 AND r.status = 'pending'
	AND EXISTS (SELECT 1 FROM crispwa_campaigns c WHERE c.name = r.campaign AND c.stopped_reason IS NULL
		AND c.quiet_start IS NOT DISTINCT FROM $4 AND c.quiet_end IS NOT DISTINCT FROM $5)
	AND NOT EXISTS (SELECT 1 FROM crispwa_paused_templates p WHERE p.campaign = r.campaign AND p.template = r.template AND p.language = r.language)
	AND NOT EXISTS (SELECT 1 FROM crispwa_suppressions s WHERE s.number = r.to_number)`

// claimAtOnceSQL is claimSQL without a first look, for a worker whose
// rate is the Store's own and unlimited: it moves the row from pending to
// sending, committed, only when nothing could make the job do anything
// else (the same round, still pending, the campaign not stopped and
// without quiet hours, the template not paused, the number not
// suppressed, the website not paused after a 429: $4), and returns what
// the send needs.
const claimAtOnceSQL = `UPDATE crispwa_recipients r SET status = 'sending', updated_at = now()
	WHERE r.campaign = $1 AND r.key = $2 AND r.round = $3 AND r.status = 'pending'
	AND EXISTS (SELECT 1 FROM crispwa_campaigns c WHERE c.name = r.campaign AND c.stopped_reason IS NULL
		AND c.quiet_start IS NULL AND c.quiet_end IS NULL)
	AND NOT EXISTS (SELECT 1 FROM crispwa_paused_templates p WHERE p.campaign = r.campaign AND p.template = r.template AND p.language = r.language)
	AND NOT EXISTS (SELECT 1 FROM crispwa_suppressions s WHERE s.number = r.to_number)
	AND NOT EXISTS (SELECT 1 FROM crispwa_rate WHERE website_id = $4
		AND paused_until_us > (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
	RETURNING r.to_number, r.template, r.language, r.request`

// claimAtOnce is the common case in one round trip, when the worker's rate
// is the Store's own and unlimited (no slot to wait for): it commits
// "sending" and returns the row (see claimAtOnceSQL), or nil when the job
// must look first (anything else to decide, or a pause to wait out).
func (w *Worker) claimAtOnce(ctx context.Context, a SendArgs) (*row, error) {
	if w.cfg.interval > 0 || w.cfg.rate != bulk.RateStore(w.store) {
		return nil, nil
	}
	r := row{status: bulk.StatusSending, round: a.Round}
	err := w.store.pool.QueryRow(ctx, claimAtOnceSQL, a.Campaign, a.Key, a.Round, w.client.WebsiteID()).
		Scan(&r.to, &r.template, &r.language, &r.request)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// claim marks the row sending, committed, if it is still as r says it is
// (see claimSQL); it reports false when it is not, and the job's locked
// transaction then decides.
func (w *Worker) claim(ctx context.Context, a SendArgs, r *row) (bool, error) {
	tag, err := w.store.pool.Exec(ctx, claimSQL, a.Campaign, a.Key, a.Round, r.quietStart, r.quietEnd)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

// verdict is what a job does with its row.
type verdict int

const (
	verdictDone     verdict = iota // nothing to send: complete the job
	verdictUnknown                 // found "sending": mark unknown, cancel the job
	verdictHold                    // campaign stopped or template paused: held
	verdictSuppress                // number suppressed
	verdictQuiet                   // in quiet hours: run again at their end
	verdictSend                    // pending: send it
)

// decide is the worker protocol's table: what the row says, the job does.
func (w *Worker) decide(r *row, round int, now time.Time) (verdict, time.Time) {
	switch {
	case r.round != round: // a job of an earlier round: the row has a newer one
		return verdictDone, time.Time{}
	case r.status == bulk.StatusSending:
		return verdictUnknown, time.Time{}
	case r.status != StatusPending:
		return verdictDone, time.Time{}
	case r.stopped != nil || r.paused != nil:
		return verdictHold, time.Time{}
	case r.suppressed:
		return verdictSuppress, time.Time{}
	}
	if r.quietStart != nil && r.quietEnd != nil {
		q := &QuietHours{Start: time.Duration(*r.quietStart) * time.Second, End: time.Duration(*r.quietEnd) * time.Second}
		if at := q.nextAllowed(now, w.store.zones.zonesOf(r.to)); at.After(now) {
			return verdictQuiet, at
		}
	}
	return verdictSend, time.Time{}
}

// Work runs the worker protocol for one job: see the package doc.
func (sw *sendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	w := sw.w
	a := job.Args
	if r, err := w.claimAtOnce(ctx, a); err != nil {
		return err
	} else if r != nil {
		return w.send(ctx, job, r)
	}
	// A first look without a lock: rows with nothing to send do not wait
	// for a rate slot.
	r, err := w.look(ctx, a)
	if errors.Is(err, pgx.ErrNoRows) {
		return river.JobCancel(fmt.Errorf("riverbulk: no recipient %q in campaign %q", a.Key, a.Campaign))
	}
	if err != nil {
		return err
	}
	if v, _ := w.decide(r, a.Round, w.store.now()); v == verdictSend {
		if !r.pauseRead || r.pause > 0 { // the look read no pause, or one to wait out
			if snooze, err := w.waitSlot(ctx); err != nil {
				return err
			} else if snooze > 0 {
				return river.JobSnooze(snooze)
			}
		}
		// The common case: the row is as the look saw it (decided again
		// now, after the wait: quiet hours may have begun), and one
		// statement commits "sending" before the request leaves.
		if v, _ := w.decide(r, a.Round, w.store.now()); v == verdictSend {
			claimed, err := w.claim(ctx, a, r)
			if err != nil {
				return err
			}
			if claimed {
				return w.send(ctx, job, r)
			}
		}
	}

	// Lock the row, decide, and commit "sending" before the request leaves.
	var send *row
	var after error
	markedUnknown := false // this run found the row mid-send: an unknown outcome
	err = pgx.BeginFunc(ctx, w.store.pool, func(tx pgx.Tx) error {
		r, err := load(ctx, tx, a, true)
		if err != nil {
			return err
		}
		now := w.store.now()
		v, at := w.decide(r, a.Round, now)
		switch v {
		case verdictSend:
			send = r
			return setStatus(ctx, tx, a, bulk.StatusSending, "")
		case verdictQuiet:
			after = river.JobSnooze(at.Sub(now)) // run again at the end of quiet hours
			return nil
		case verdictUnknown:
			after = river.JobCancel(errors.New("riverbulk: found sending: its worker stopped mid-send; marked unknown, not sent again"))
			markedUnknown = true
			return setStatus(ctx, tx, a, bulk.StatusUnknown, "the worker sending it stopped before recording the answer: it may have been sent")
		case verdictHold:
			reason := "campaign stopped: "
			if r.stopped != nil {
				reason += *r.stopped
			} else {
				reason = "template paused: " + *r.paused
			}
			if err := setStatus(ctx, tx, a, StatusHeld, reason); err != nil {
				return err
			}
		case verdictSuppress:
			if err := setStatus(ctx, tx, a, StatusSuppressed, "on the suppression list"); err != nil {
				return err
			}
		}
		return complete(ctx, tx, job)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return river.JobCancel(fmt.Errorf("riverbulk: no recipient %q in campaign %q", a.Key, a.Campaign))
	}
	if err == nil && markedUnknown {
		w.observe(ctx, a.Campaign, crispwa.OutcomeUnknown, false)
	}
	if err != nil || send == nil {
		return cmpErr(err, after)
	}
	return w.send(ctx, job, send)
}

func cmpErr(err, after error) error {
	if err != nil {
		return err
	}
	return after
}

// setStatus sets the row's status and reason.
func setStatus(ctx context.Context, tx pgx.Tx, a SendArgs, status bulk.Status, reason string) error {
	_, err := tx.Exec(ctx, `UPDATE crispwa_recipients SET status = $3, reason = nullif($4, ''), updated_at = now()
		WHERE campaign = $1 AND key = $2`, a.Campaign, a.Key, string(status), reason)
	return err
}

// complete marks the job completed in tx. A job River no longer counts as
// running (rescued meanwhile) is left to River: the row already decides.
func complete(ctx context.Context, tx pgx.Tx, job *river.Job[SendArgs]) error {
	_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job)
	if errors.Is(err, rivertype.ErrNotFound) {
		return nil
	}
	return err
}

// send sends the row's request and records the outcome.
func (w *Worker) send(ctx context.Context, job *river.Job[SendArgs], r *row) error {
	var req crispwa.SendTemplateRequest
	if err := json.Unmarshal(r.request, &req); err != nil {
		// Cannot happen with rows Enqueue wrote; never send a guess.
		return w.record(ctx, job, r, outcome{status: bulk.StatusRejected, reason: "stored request unreadable: " + err.Error()})
	}
	// The send outlives a soft stop of the worker (Run's drain), not a hard one.
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.sendTimeout())
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		// Run's drain timeout passed: River cancelled the job. Cut the send.
		cancel()
	})
	defer stop()
	var retryAfter time.Duration
	sendCtx = crispwa.WithRateLimitObserver(sendCtx, func(ra time.Duration) {
		retryAfter = ra
		w.pause(ra)
	})
	res, err := w.client.Templates.Send(sendCtx, &req)
	o := outcome{}
	var apiErr *crispwa.APIError
	errors.As(err, &apiErr)
	switch {
	case err == nil:
		o.status, o.requestID = bulk.StatusAccepted, res.RequestID
	case errors.Is(err, crispwa.ErrSendOutcomeUnknown):
		o.status, o.reason = bulk.StatusUnknown, err.Error()
	case errors.Is(err, crispwa.ErrRateLimited):
		// Certainly not sent: back to pending, run again after the pause.
		o.status, o.reason, o.snooze = StatusPending, err.Error(), max(retryAfter, basePause)
	case apiErr == nil && !errors.Is(err, crispwa.ErrInvalidRequest) && job.Attempt < job.MaxAttempts:
		// Not sent (the SDK says so: it is not ErrSendOutcomeUnknown), and
		// not refused by Crisp either (no connection): River retries it.
		o.status, o.reason, o.retry = StatusPending, err.Error(), err
	default:
		o.status, o.reason = bulk.StatusRejected, err.Error()
		if apiErr != nil {
			o.http = apiErr.StatusCode
		}
		o.failure = bulk.RefusalFailure(err) // 401/403: account; a WhatsApp code: its class
	}
	w.logOutcome(r, o)
	return w.record(ctx, job, r, o)
}

// outcome is what a send's answer makes of its row.
type outcome struct {
	status    bulk.Status
	requestID string
	reason    string
	http      int
	failure   *crispwa.Failure // a classified refusal: act on it
	snooze    time.Duration    // >0: run the job again after it
	retry     error            // set: let River retry the job
}

// record writes o to the row, applies a callback that came before it, and
// completes the job, in one transaction. It keeps trying while the
// database is unreachable (up to recordTimeout): the outcome of a send that
// left is never dropped.
func (w *Worker) record(ctx context.Context, job *river.Job[SendArgs], r *row, o outcome) error {
	a := job.Args
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	recorded := false
	for attempt := 0; ; attempt++ {
		recorded = false
		var ok bool
		var ev []byte
		err := w.store.batchTx(rctx, func(b *pgx.Batch) {
			// BEGIN, the lock, the outcome and the callback that came first
			// in one round trip: each its own statement, in this order, so
			// that the DELETE sees a callback committed while this waited
			// for the lock.
			if o.requestID != "" {
				b.Queue(callbackLockSQL, o.requestID)
			}
			b.Queue(recordSQL, a.Campaign, a.Key, a.Round, string(o.status), o.requestID, o.reason, o.http)
			if o.requestID != "" {
				b.Queue(takeCallbackSQL, o.requestID)
			}
		}, func(br pgx.BatchResults) (err error) {
			ok, ev, err = readRecordBatch(br, o.requestID != "")
			return err
		}, func(tx pgx.Tx) error {
			if !ok {
				return nil // not recorded: resolved by an operator meanwhile, theirs stands
			}
			recorded = true
			if o.failure != nil {
				t := target{a.Campaign, a.Key, r.template, r.language, r.to, a.Round}
				if err := w.store.act(rctx, tx, t, o.failure); err != nil {
					return err
				}
			}
			if ev != nil {
				var cb crispwa.CallbackEvent
				if err := json.Unmarshal(ev, &cb); err == nil {
					if _, err := w.store.applyCallback(rctx, tx, &cb); err != nil {
						return err
					}
				}
			}
			if o.snooze > 0 || o.retry != nil {
				return nil
			}
			return complete(rctx, tx, job)
		})
		if err == nil {
			break
		}
		if rctx.Err() != nil {
			return fmt.Errorf("riverbulk: recording the outcome of %q (%s): %w", a.Key, o.status, err)
		}
		w.log(slog.LevelWarn, "recording an outcome failed: retrying", "error", err.Error())
		_ = sleep(rctx, min(100*time.Millisecond<<min(attempt, 5), 3*time.Second))
	}
	if recorded {
		w.observe(ctx, a.Campaign, sendOutcome(o.status), false)
	}
	switch {
	case o.snooze > 0:
		return river.JobSnooze(o.snooze)
	case o.retry != nil:
		return o.retry
	}
	return nil
}

// observe reports one recipient's outcome to the worker's Observer.
func (w *Worker) observe(ctx context.Context, campaign string, outcome crispwa.SendOutcome, wasUnknown bool) {
	if o := w.cfg.observer; o != nil && o.CampaignOutcome != nil {
		o.CampaignOutcome(ctx, crispwa.CampaignOutcome{Campaign: campaign, Outcome: outcome, WasUnknown: wasUnknown})
	}
}

// sendOutcome is the send outcome a row's recorded status stands for: a
// row left pending (rate limited, no connection) was not sent.
func sendOutcome(s bulk.Status) crispwa.SendOutcome {
	switch s {
	case bulk.StatusAccepted:
		return crispwa.OutcomeAccepted
	case bulk.StatusUnknown:
		return crispwa.OutcomeUnknown
	case bulk.StatusRejected:
		return crispwa.OutcomeRejected
	}
	return crispwa.OutcomeNotSent
}

// recordSQL writes a send's outcome in its row, unless an operator settled
// it meanwhile.
const recordSQL = `UPDATE crispwa_recipients SET status = $4, request_id = nullif($5, ''), reason = nullif($6, ''),
	http_status = nullif($7, 0), updated_at = now()
	WHERE campaign = $1 AND key = $2 AND round = $3 AND status IN ('sending', 'unknown') AND NOT resolved`

// takeCallbackSQL takes the callback of request_id $1 that came before the
// worker recorded it, if the row now has that request_id (if recordSQL
// changed nothing, the callback stays where it is).
const takeCallbackSQL = `DELETE FROM crispwa_pending_callbacks
	WHERE request_id = $1 AND EXISTS (SELECT 1 FROM crispwa_recipients WHERE request_id = $1)
	RETURNING event`

// batchTx runs, in one transaction, the statements queue puts in a batch
// (sent with the BEGIN, in one round trip), read on their results, then
// then, and commits; it rolls back on any error.
func (s *Store) batchTx(ctx context.Context, queue func(*pgx.Batch), read func(pgx.BatchResults) error, then func(pgx.Tx) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	b := &pgx.Batch{}
	b.BeginTx(pgx.TxOptions{})
	queue(b)
	br := conn.SendBatch(ctx, b)
	_, err = br.Exec() // BEGIN
	if err == nil {
		err = read(br)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	tx := br.Tx()
	if err == nil {
		err = then(tx)
	}
	if err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx)) // ErrTxClosed when the BEGIN failed: nothing to undo
		return err
	}
	return tx.Commit(ctx)
}

// readRecordBatch reads the answers of record's batch: whether the outcome
// was recorded, and the callback that came first (nil when none).
func readRecordBatch(br pgx.BatchResults, withRequestID bool) (bool, []byte, error) {
	if withRequestID {
		if _, err := br.Exec(); err != nil { // the lock
			return false, nil, err
		}
	}
	tag, err := br.Exec()
	if err != nil || !withRequestID {
		return err == nil && tag.RowsAffected() > 0, nil, err
	}
	var ev []byte
	err = br.QueryRow().Scan(&ev)
	if errors.Is(err, pgx.ErrNoRows) {
		err = nil
	}
	return tag.RowsAffected() > 0, ev, err
}

// stopCampaign marks the campaign stopped (the first reason stays).
func stopCampaign(ctx context.Context, tx pgx.Tx, campaign, reason string) error {
	_, err := tx.Exec(ctx, `UPDATE crispwa_campaigns SET stopped_reason = $2, stopped_at = now()
		WHERE name = $1 AND stopped_reason IS NULL`, campaign, reason)
	return err
}

// waitSlot waits for a send slot. It returns a positive duration instead
// when the wait would be longer than maxRateWait: the job should then be
// snoozed for it, giving its worker back.
func (w *Worker) waitSlot(ctx context.Context) (time.Duration, error) {
	website := w.client.WebsiteID()
	deadline := time.Now().Add(maxRateWait)
	for failures := 0; ; {
		wait, reserved, err := w.cfg.rate.Reserve(ctx, website, w.cfg.interval)
		switch {
		case ctx.Err() != nil:
			return 0, ctx.Err()
		case err != nil: // the store fails: wait rather than send unpaced
			failures++
			w.log(slog.LevelWarn, "rate store failed: waiting", "error", err.Error())
			wait = min(50*time.Millisecond<<min(failures, 6), 2*time.Second)
		case reserved:
			return 0, sleep(ctx, wait)
		}
		if time.Now().Add(wait).After(deadline) {
			return max(wait, time.Second), nil
		}
		if err := sleep(ctx, wait); err != nil {
			return 0, err
		}
	}
}

// sendTimeout bounds a send so that its job ends before River rescues it.
func (w *Worker) sendTimeout() time.Duration {
	return min(maxSendTimeout, w.cfg.rescueAfter-maxRateWait-rescueMargin)
}

// pause pauses every worker after a rate-limit answer.
func (w *Worker) pause(retryAfter time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := w.cfg.rate.Pause(ctx, w.client.WebsiteID(), max(retryAfter, basePause)); err != nil {
		w.log(slog.LevelWarn, "rate store failed: pause not shared", "error", err.Error())
	}
}

func (w *Worker) logOutcome(r *row, o outcome) {
	level := slog.LevelDebug
	if o.status != bulk.StatusAccepted {
		level = slog.LevelWarn
	}
	attrs := []any{"to", redact.Phone(r.to), "status", string(o.status)}
	if o.requestID != "" {
		attrs = append(attrs, "request_id", o.requestID)
	}
	if o.reason != "" {
		attrs = append(attrs, "error", o.reason)
	}
	w.log(level, "send", attrs...)
}

func (w *Worker) log(level slog.Level, msg string, attrs ...any) {
	if w.cfg.logger != nil {
		w.cfg.logger.Log(context.Background(), level, "crispwa/riverbulk: "+msg, attrs...)
	}
}

// sleep waits d, or returns ctx's error when it ends first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
