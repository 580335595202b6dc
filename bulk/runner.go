package bulk

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
	"log/slog"
	"math"
	"math/bits"
	"runtime"
	"sync"
	"time"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/internal/redact"
)

// Job is one send of a campaign.
type Job struct {
	// Key identifies the job across runs: the journal records outcomes by
	// key, and a re-run skips the keys already accepted. Make it stable and
	// unique per campaign and recipient (e.g. "spring-2026/+33612345678");
	// two jobs with the same key in one Run are refused.
	Key string
	// Request is the send; Run validates it before the first send of the
	// campaign.
	Request *crispwa.SendTemplateRequest
}

// ErrJobsChanged is RunSeq's error when its job sequence did not yield the
// same jobs on the sending pass as on the validation pass: nothing that was
// not validated is sent.
var ErrJobsChanged = errors.New("bulk: the jobs changed between the validation pass and the sending pass")

// Runner sends campaigns with one client and one journal. Create it with
// NewRunner. A Runner is safe to reuse, one Run at a time.
type Runner struct {
	client  *crispwa.Client
	journal *Journal
	cfg     config
}

// NewRunner returns a Runner sending with client and recording in journal.
// It refuses a nil client or journal and invalid options.
func NewRunner(client *crispwa.Client, journal *Journal, opts ...Option) (*Runner, error) {
	if client == nil || journal == nil {
		return nil, errors.New("bulk: NewRunner needs a client and a journal")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.apply(&cfg); err != nil {
			return nil, err
		}
	}
	return &Runner{client: client, journal: journal, cfg: cfg}, nil
}

// Run sends the jobs. First it validates every job (SendTemplateRequest.
// Validate, the key, one job per recipient and template, comparing numbers
// in canonical form (crispwa.NormalizePhone), and Template.Check against the
// template fetched once per name and language unless
// WithTemplateCheck(false)); invalid jobs are reported in the Summary and
// never sent. Then it skips the keys the journal records as accepted (and,
// without WithRetryUnknown, as unknown; and those waiting for a retry) and
// sends the others, at most WithConcurrency at once and at the WithRate
// pace, recording each send in the journal before it leaves and its outcome
// after. Jobs already accepted are not validated again, only counted.
//
// A send is never retried by Run after an ambiguous failure. Rate limits
// (429/420) are retried by the client's own retries (crispwa.WithMaxRetries),
// and every rate-limit answer pauses all the workers; a job whose retries
// ran out is recorded as rejected and sent by the next run.
//
// Run acts on every failure it learns of, by the send's refusal or by a
// callback recorded in its journal while it runs (see ActionFor): an
// account failure stops the campaign (a *StoppedError, shared through a
// RateStore that is a Stopper), a template failure pauses that template's
// remaining jobs, a retry-later failure is sent again once due (within the
// run when WithCallbackWait leaves time, else by Retry), and a recipient
// failure goes to the WithSuppressions list. An unknown outcome is never
// sent again by any of these.
//
// When ctx ends, Run starts no new send, gives the sends in flight up to the
// WithDrainTimeout to finish, and returns the Summary with ctx's error; the
// journal is left ready for a re-run. Run also returns an error, with the
// Summary so far, when the journal cannot be written (it then stops sending,
// and a failure to make the last records durable is reported too), the
// suppression list fails, or a template cannot be fetched for the check
// (nothing is sent). Jobs that fail one by one are not an error of Run: see
// Summary.OK.
func (r *Runner) Run(ctx context.Context, jobs []Job) (*Summary, error) {
	return r.run(ctx, Jobs(jobs), false)
}

// Jobs returns the jobs of a slice as a sequence for RunSeq and Retry.
func Jobs(jobs []Job) iter.Seq2[Job, error] {
	return func(yield func(Job, error) bool) {
		for _, j := range jobs {
			if !yield(j, nil) {
				return
			}
		}
	}
}

// RunSeq is Run for a campaign of any size, read as it goes (a CSV file, a
// database cursor): memory stays bounded by the journal whatever the number
// of jobs, since no job is kept once handled (Run keeps a few bytes per job
// to detect duplicates). jobs is ranged over more than once (once to
// validate every job before the first send, then to send, then for the
// retries due within the run), and must yield the same jobs in the same
// order each time, like a file read again from its start; a source that
// changes between passes stops Run with ErrJobsChanged, before any send it
// did not validate.
//
// A *JobError yielded with a job marks that job invalid (for example a CSV
// row that does not fit: its Index is ignored, its position used instead);
// any other error ends Run with that error (before the first send when it
// comes in the validation pass).
func (r *Runner) RunSeq(ctx context.Context, jobs iter.Seq2[Job, error]) (*Summary, error) {
	return r.run(ctx, jobs, false)
}

// Retry sends, among jobs, exactly those whose key the journal records as
// due for a retry (a retry-later failure whose wait has passed: see
// Entry.RetryAt and Summary.RetryLater), with the same checks, pace, records
// and actions as RunSeq; every other job is left alone (counted in
// AlreadySent, SkippedUnknown or, not yet due, RetryLater; new and rejected
// keys are neither sent nor counted). It is what `crispwa bulk retry` runs.
func (r *Runner) Retry(ctx context.Context, jobs iter.Seq2[Job, error]) (*Summary, error) {
	return r.run(ctx, jobs, true)
}

func (r *Runner) run(ctx context.Context, jobs iter.Seq2[Job, error], retryOnly bool) (*Summary, error) {
	start := time.Now()
	if err := r.journal.acquire(); err != nil {
		return nil, err
	}
	defer r.journal.release()

	c := newCampaign(ctx, r, jobs, start)
	sum := &Summary{}
	if err := c.plan(ctx, sum, retryOnly); err != nil {
		sum.Duration = time.Since(start)
		return sum, err
	}
	c.sending(func() {
		c.pass(func(i int, _ Job) bool { return c.todo.has(i) }, false)
		if c.stop.Err() == nil && r.cfg.callbackWait > 0 {
			c.awaitCallbacks()
		}
	})

	runErr := c.stopErr
	if err := r.journal.Flush(); err != nil {
		// The last outcomes may not be durable: never leave it unsaid.
		runErr = errors.Join(runErr, fmt.Errorf("bulk: the journal's last records may be lost: %w", err))
	}
	if runErr == nil && ctx.Err() != nil {
		runErr = ctx.Err()
	}
	c.summarise(sum)
	sum.Duration = time.Since(start)
	return sum, runErr
}

// campaign is the state of one Run.
type campaign struct {
	r        *Runner
	jobs     iter.Seq2[Job, error]
	throttle *throttle
	start    time.Time
	seed     maphash.Seed

	// From the validation pass: every job's key hash (to check the later
	// passes see the same jobs) and the first job of each key (byEntry for
	// the keys the journal had, by their position in it; keys for the
	// others), the valid ones and the ones to send.
	hashes  []uint64
	rcs     []uint64 // the hash of each job's recipient and template; 0 none
	byEntry []int32  // 1 + the job, by journal position; 0 none
	keys    firstSeen
	valid   bitset
	todo    bitset
	retries bitset // the jobs of todo sent again after a retry-later failure

	stop       context.Context // ends: no new send
	stopAll    context.CancelFunc
	send       context.Context // ends: the sends in flight are cut short
	cancelSend context.CancelFunc

	mu          sync.Mutex
	toSend      int
	inFlight    int
	accepted    int
	rejected    []*JobError
	unknown     []*JobError
	notSent     int
	skipped     int
	suppressed  int
	retried     int
	awaiting    int                  // this run's accepted sends without a callback yet
	retryDue    map[string]time.Time // this run's retry-later keys, not yet resent
	paused      map[nameLang]*TemplatePause
	pauseOrder  []*TemplatePause
	stopErr     error // why the campaign stopped early
	stopsBefore int64 // the Stopper's count when the run began
}

// nameLang is a template by name and language.
type nameLang struct{ name, language string }

func newCampaign(ctx context.Context, r *Runner, jobs iter.Seq2[Job, error], start time.Time) *campaign {
	c := &campaign{r: r, jobs: jobs, throttle: r.newThrottle(), start: start, seed: maphash.MakeSeed(),
		retryDue: map[string]time.Time{}, paused: map[nameLang]*TemplatePause{}}
	c.stop, c.stopAll = context.WithCancel(ctx)
	// Sends in flight outlive ctx by the drain timeout, so that their
	// outcome is known rather than unknown.
	send, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c.send = crispwa.WithRateLimitObserver(send, c.throttle.hit)
	c.cancelSend = cancel
	return c
}

// plan is the validation pass: it refuses the invalid jobs (in sum), counts
// the ones already settled, and marks the ones to send. It fails when the
// job source or a template fetch fails: nothing has been sent then.
//
// It reads the jobs in batches: the numbers of a batch are parsed on every
// core at once (see parse), then its jobs are checked one by one, in
// order.
func (c *campaign) plan(ctx context.Context, sum *Summary, retryOnly bool) error {
	r := c.r
	p := planner{c: c, sum: sum, retryOnly: retryOnly, now: time.Now(), i: -1,
		templates: map[nameLang]*crispwa.Template{}, missing: map[nameLang]error{}}
	if n := r.journal.entries(); n > 0 && c.hashes == nil {
		// A resumed campaign has about as many jobs as its journal has
		// recipients: size the tables once instead of growing them.
		c.hashes, c.rcs = make([]uint64, 0, n), make([]uint64, 0, n)
		c.byEntry = make([]int32, n)
		p.recipients.reserve(n)
	}
	batch := make([]planned, 0, planBatch)
	near := int32(0) // where the next job's key is likely in the journal
	check := func() error {
		parse(batch, c.seed)
		p.recipients.touch(batch)
		for k := range batch {
			if err := p.check(ctx, &batch[k]); err != nil {
				return err
			}
		}
		batch = batch[:0]
		return nil
	}
	for job, err := range c.jobs {
		b := planned{job: job, err: err, pos: -1}
		if err == nil && job.Key != "" && len(job.Key) <= MaxKeyLength {
			b.entry, b.pos = r.journal.peek(job.Key, near)
			if b.pos >= 0 {
				near = b.pos + 1
			}
			b.settled = b.entry.Status == StatusAccepted && b.entry.RetryAt.IsZero()
		}
		if batch = append(batch, b); len(batch) == planBatch {
			if err := check(); err != nil {
				return err
			}
		}
	}
	if err := check(); err != nil {
		return err
	}
	sum.Jobs = p.i + 1
	return nil
}

// planBatch is how many jobs the validation pass reads before it checks
// them.
const planBatch = 256

// planned is a job of the validation pass, with what was found about it
// before its turn: its journal entry, and its number's parse.
type planned struct {
	job     Job
	err     error // the job source's
	entry   Entry // what the journal says of job.Key
	pos     int32 // the entry's position in the journal; -1 none
	settled bool  // accepted, not waiting for a retry: not sent again
	invalid error // job.Request.Validate's, when the job is not settled
	to      string
	// recipient is the hash of to and the template (see
	// campaign.recipient), when to is set.
	recipient uint64
}

// parse validates the jobs of batch that are not settled, and finds every
// job's recipient in canonical form (to; "" when it has none): a settled
// job's number is read once, from the journal when it kept it, only to
// stop another job of this run from reaching the same person. Numbers are
// parsed with libphonenumber, which takes microseconds: the batch is split
// between the cores.
func parse(batch []planned, seed maphash.Seed) {
	one := func(b *planned) {
		parseOne(b)
		if b.to != "" {
			var h maphash.Hash
			h.SetSeed(seed)
			b.recipient = recipientHash(&h, b.job.Request.Template, b.to)
		}
	}
	cores := min(runtime.GOMAXPROCS(0), len(batch)/16)
	if cores < 2 {
		for k := range batch {
			one(&batch[k])
		}
		return
	}
	var wg sync.WaitGroup
	for w := range cores {
		part := batch[w*len(batch)/cores : (w+1)*len(batch)/cores]
		wg.Go(func() {
			for k := range part {
				one(&part[k])
			}
		})
	}
	wg.Wait()
}

// parseOne is parse for one job.
func parseOne(b *planned) {
	req := b.job.Request
	if b.err != nil || req == nil {
		return
	}
	if !b.settled {
		if b.invalid = req.Validate(); b.invalid != nil {
			return
		}
	} else if b.entry.To != "" {
		b.to = b.entry.To
		return
	}
	b.to, _ = crispwa.NormalizePhone(req.To, "")
}

// planner is the state of one validation pass.
type planner struct {
	c         *campaign
	sum       *Summary
	retryOnly bool
	now       time.Time
	i         int // the job checked last
	// The first job of each recipient and template, found by their hashes
	// in c.rcs (0: a job without a number): a few bytes a job, for
	// campaigns of millions.
	recipients firstSeen
	templates  map[nameLang]*crispwa.Template
	missing    map[nameLang]error
}

// check checks the next job, b: it refuses it (in sum), counts it as
// settled, or marks it to send. It fails when the job source or a template
// fetch fails.
func (p *planner) check(ctx context.Context, b *planned) error {
	c, r, sum, job := p.c, p.c.r, p.sum, b.job
	p.i++
	i := p.i
	c.hashes = append(c.hashes, maphash.String(c.seed, job.Key))
	c.rcs = append(c.rcs, 0)
	refuse := func(err error) error {
		sum.Invalid = append(sum.Invalid, &JobError{Key: job.Key, Index: i, Err: err})
		return nil
	}
	if b.err != nil {
		var je *JobError
		if !errors.As(b.err, &je) {
			return b.err
		}
		return refuse(je.Err)
	}
	switch {
	case job.Key == "":
		return refuse(errors.New("empty key"))
	case len(job.Key) > MaxKeyLength:
		return refuse(fmt.Errorf("key longer than %d bytes", MaxKeyLength))
	}
	if first, dup := c.addKey(i, b.pos); dup {
		return refuse(fmt.Errorf("duplicate key: job %d has it too", first))
	}
	if job.Request == nil {
		return refuse(errors.New("nil request"))
	}
	if b.invalid != nil {
		return refuse(b.invalid)
	}
	if b.to != "" {
		c.rcs[i] = b.recipient
		if first, dup := p.recipients.add(c.rcs, i); dup {
			return refuse(fmt.Errorf("same recipient and template as job %d: a campaign sends once per recipient", first))
		}
	}
	if !b.settled && r.cfg.checkTemplates {
		m := job.Request.Template
		nl := nameLang{m.Name, m.Language}
		t, ok := p.templates[nl]
		if !ok && p.missing[nl] == nil {
			var err error
			t, err = r.client.Templates.Get(ctx, nl.name, nl.language)
			switch {
			case errors.Is(err, crispwa.ErrNotFound):
				p.missing[nl] = err
			case err != nil:
				return fmt.Errorf("bulk: fetching template %q (%s) to check the jobs: %w", nl.name, nl.language, err)
			default:
				p.templates[nl] = t
			}
		}
		if err := p.missing[nl]; err != nil {
			return refuse(err)
		}
		if err := t.Check(m); err != nil {
			return refuse(err)
		}
	}
	c.valid.set(i)
	e := b.entry
	switch {
	case b.settled:
		sum.AlreadySent++
	case e.Status == StatusAccepted && !e.RetryDue(p.now):
		// Waiting for its retry: reported by summarise.
	case e.Status == StatusAccepted: // due for a retry
		c.todo.set(i)
		c.retries.set(i)
		c.toSend++
	case e.Status == StatusUnknown && !r.cfg.retryUnknown:
		sum.SkippedUnknown = append(sum.SkippedUnknown, job.Key)
	case p.retryOnly:
		// Retry sends only the retry-later jobs.
	default:
		c.todo.set(i)
		c.toSend++
	}
	return nil
}

// recipientHash is the hash of a recipient (a number in canonical form)
// and template, for the duplicate check.
func recipientHash(h *maphash.Hash, m crispwa.MessageTemplate, to string) uint64 {
	h.Reset()
	h.WriteString(m.Name)
	h.WriteByte(0)
	h.WriteString(m.Language)
	h.WriteByte(0)
	h.WriteString(to)
	return h.Sum64()
}

// canonical returns job i's number in canonical form, as the validation
// pass found it. The number is parsed again (never guessed from its shape:
// "+330612345678" and "+33612345678" are one person, and the suppression
// list knows only the canonical form) unless it is written as the pass
// found it, which the hash of the recipient it kept tells.
func (c *campaign) canonical(i int, req *crispwa.SendTemplateRequest) string {
	if i < len(c.rcs) && c.rcs[i] != 0 {
		var h maphash.Hash
		h.SetSeed(c.seed)
		if recipientHash(&h, req.Template, req.To) == c.rcs[i] {
			return req.To
		}
	}
	to, _ := crispwa.NormalizePhone(req.To, "")
	return to
}

// addKey adds job i, whose key is at position pos in the journal (-1:
// not in it), unless an earlier job has the same key: it then returns that
// job, and true. The journal's own index found the key: no second table
// holds the keys it has.
func (c *campaign) addKey(i int, pos int32) (first int, dup bool) {
	if pos >= 0 && int(pos) < len(c.byEntry) {
		if f := c.byEntry[pos]; f != 0 {
			return int(f - 1), true
		}
		c.byEntry[pos] = int32(i + 1)
		return 0, false
	}
	return c.keys.add(c.hashes, i)
}

// jobOf returns the job of this run whose key is key, at position pos in
// the journal.
func (c *campaign) jobOf(pos int32, key string) (int, bool) {
	if int(pos) < len(c.byEntry) {
		f := c.byEntry[pos]
		return int(f - 1), f != 0
	}
	return c.keys.find(c.hashes, maphash.String(c.seed, key)) // a key new in this run
}

// sending runs f, the sending phase, with the campaign's helpers around it:
// the abort and drain watch, the progress reports, the watch for another
// runner's stop and the callbacks' actions.
func (c *campaign) sending(f func()) {
	defer c.stopAll()
	defer c.cancelSend()
	if s, ok := c.throttle.store.(Stopper); ok && c.r.cfg.rateStore != nil {
		ctx, cancel := context.WithTimeout(c.stop, storeTimeout)
		n, _, err := s.Stops(ctx, c.throttle.website)
		cancel()
		if err != nil {
			c.log(slog.LevelWarn, "rate store failed: a stop by another runner may not be seen", -1, "error", err)
		}
		c.stopsBefore = n
	}
	detach := c.r.journal.observe(c.onCallback)
	defer detach()

	done := make(chan struct{})
	abort := c.r.cfg.abort
	go func() { // cut the sends in flight short once the drain timeout passes, or at an abort
		select {
		case <-c.stop.Done():
		case <-abort:
			c.stopWith(ErrAborted)
		case <-done:
			return
		}
		t := time.NewTimer(c.r.cfg.drainTimeout)
		defer t.Stop()
		select {
		case <-t.C:
			c.cancelSend()
		case <-abort:
			c.stopWith(ErrAborted)
			c.cancelSend()
		case <-done:
		}
	}()
	watchDone := c.watchStops(done)
	progressDone := c.reportProgress(done)
	f()
	close(done)
	<-progressDone
	<-watchDone
}

// stopPoll is how often a Runner asks a shared Stopper whether another
// runner stopped the campaign.
const stopPoll = 200 * time.Millisecond

// watchStops stops the campaign when another runner sharing the RateStore
// calls its Stop, until done is closed.
func (c *campaign) watchStops(done <-chan struct{}) <-chan struct{} {
	finished := make(chan struct{})
	s, ok := c.throttle.store.(Stopper)
	if !ok || c.r.cfg.rateStore == nil {
		close(finished)
		return finished
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(stopPoll)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-c.stop.Done():
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(c.stop, storeTimeout)
			n, reason, err := s.Stops(ctx, c.throttle.website)
			cancel()
			if err == nil && n > c.stopsBefore {
				c.stopWith(&StoppedError{Class: crispwa.FailureAccount, Reason: reason, Remote: true})
				return
			}
		}
	}()
	return finished
}

// work is one job handed to a worker.
type work struct {
	i     int
	job   Job
	retry bool // sent again after a retry-later failure
}

// pass ranges over the jobs again and sends those filter selects, with the
// configured workers; it returns when each has an outcome or was given up.
func (c *campaign) pass(filter func(i int, job Job) bool, retries bool) {
	queue := make(chan work, c.r.cfg.concurrency) // the feeder keeps ahead of the workers
	var wg sync.WaitGroup
	for range c.r.cfg.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for w := range queue {
				c.sendJob(w)
			}
		}()
	}
	i := -1
	for job, err := range c.jobs {
		i++
		if i >= len(c.hashes) || c.hashes[i] != maphash.String(c.seed, job.Key) {
			c.stopWith(ErrJobsChanged)
			break
		}
		if err != nil || !c.valid.has(i) || !filter(i, job) {
			continue
		}
		if c.stop.Err() != nil {
			c.count(func() { c.notSent++ })
			continue
		}
		queue <- work{i: i, job: job, retry: retries || c.retries.has(i)}
	}
	if c.stop.Err() == nil && i+1 != len(c.hashes) {
		c.stopWith(ErrJobsChanged)
	}
	close(queue)
	wg.Wait()
	if errors.Is(c.stopErr, ErrJobsChanged) { // the jobs not reached are not sent
		c.count(func() {
			c.notSent = max(c.toSend-c.accepted-len(c.rejected)-len(c.unknown), c.notSent) // toSend no longer counts the skipped
		})
	}
}

// sendJob sends one job and records its outcome. Rate limits are retried
// by the client (see crispwa.WithMaxRetries), not here: one layer of retries
// only, each attempt counted by the SDK. Every rate-limit answer pauses all
// the workers through the throttle.
func (c *campaign) sendJob(w work) {
	i, job := w.i, w.job
	j := c.r.journal
	if c.stop.Err() != nil {
		c.count(func() { c.notSent++ })
		return
	}
	tmpl := nameLang{job.Request.Template.Name, job.Request.Template.Language}
	if c.skipPaused(tmpl) {
		return
	}
	to := c.canonical(i, job.Request)
	if s := c.r.cfg.suppressions; s != nil {
		ctx, cancel := context.WithTimeout(c.stop, storeTimeout)
		on, err := s.Contains(ctx, to)
		cancel()
		if err != nil {
			if c.stop.Err() == nil {
				c.stopWith(fmt.Errorf("bulk: reading the suppression list: %w", err))
			}
			c.count(func() { c.notSent++ })
			return
		}
		if on {
			c.count(func() { c.suppressed++; c.skipped++; c.toSend-- })
			c.log(slog.LevelInfo, "suppressed: not sent", i, "to", redact.Phone(to))
			return
		}
	}
	if err := c.throttle.wait(c.stop); err != nil {
		c.count(func() { c.notSent++ })
		return
	}
	if c.stop.Err() != nil || c.skipPaused(tmpl) { // stopped (or paused) while waiting for the slot
		if c.stop.Err() != nil {
			c.count(func() { c.notSent++ })
		}
		return
	}
	wasUnknown := c.wasUnknown(job.Key) // for the Observer
	// The intent is durable before the request can leave: after a crash,
	// this key is "unknown", never silently sent again.
	rec := record{Event: string(StatusSending), Key: job.Key, Template: tmpl.name, Language: tmpl.language, To: to}
	if err := j.write(rec, true); err != nil {
		c.fail(err)
		c.count(func() { c.notSent++ })
		return
	}
	c.count(func() {
		c.inFlight++
		delete(c.retryDue, job.Key)
		if w.retry {
			c.retried++
		}
	})
	res, err := c.r.client.Templates.Send(c.send, job.Request)
	switch {
	case err == nil:
		// Awaiting before the record: a callback may be recorded as soon as
		// the record is written.
		c.count(func() { c.inFlight--; c.accepted++; c.awaiting++ })
		c.outcome(record{Event: string(StatusAccepted), Key: job.Key, RequestID: res.RequestID})
		c.throttle.success()
		c.log(slog.LevelDebug, "accepted", i, "to", redact.Phone(job.Request.To), "request_id", res.RequestID)
	case errors.Is(err, crispwa.ErrSendOutcomeUnknown):
		c.outcome(record{Event: string(StatusUnknown), Key: job.Key, Reason: err.Error()})
		c.count(func() { c.inFlight--; c.unknown = append(c.unknown, &JobError{Key: job.Key, Index: i, Err: err}) })
		c.log(slog.LevelWarn, "outcome unknown: not sent again", i, "to", redact.Phone(job.Request.To), "error", err)
	default:
		rec := record{Event: string(StatusRejected), Key: job.Key, Reason: err.Error()}
		var apiErr *crispwa.APIError
		if errors.As(err, &apiErr) {
			rec.HTTP = apiErr.StatusCode
		}
		c.outcome(rec)
		c.count(func() { c.inFlight--; c.rejected = append(c.rejected, &JobError{Key: job.Key, Index: i, Err: err}) })
		c.log(slog.LevelWarn, "rejected", i, "to", redact.Phone(job.Request.To), "error", err)
		if f := RefusalFailure(err); f != nil {
			c.act(f, job.Key, to, tmpl, err)
		}
	}
	c.observe(err, wasUnknown)
}

// skipPaused reports whether tmpl is paused, counting the job as skipped.
func (c *campaign) skipPaused(tmpl nameLang) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.paused[tmpl]
	if p == nil {
		return false
	}
	p.Skipped++
	c.skipped++
	c.toSend--
	return true
}

// onCallback is told of every callback the journal records while the
// campaign runs (first: the key had none before).
func (c *campaign) onCallback(e Entry, first bool) {
	mine := e.Status == StatusAccepted && !e.Resolved && !e.Time.Before(c.start)
	if e.Delivery == DeliveryFailed {
		// Acted on before the callback counts as come: Run does not end
		// before an opt-out is on the list.
		c.act(e.Failure, e.Key, e.To, nameLang{e.Template, e.Language}, nil)
	}
	c.count(func() {
		if mine && e.Delivery == DeliveryFailed && ActionFor(e.Failure) == ActionRetryLater {
			c.retryDue[e.Key] = e.RetryAt
		}
		if first && mine {
			c.awaiting--
		}
	})
}

// act does what a failure calls for (see ActionFor). err is the send's
// error for a refusal, nil for a callback. Retry-later failures are
// recorded by the journal (Entry.RetryAt) and resent by awaitCallbacks or
// a later Retry.
func (c *campaign) act(f *crispwa.Failure, key, to string, tmpl nameLang, err error) {
	reason := describeFailure(f)
	switch ActionFor(f) {
	case ActionStop:
		c.stopWith(&StoppedError{Class: crispwa.FailureAccount, Code: f.Code, Reason: f.Message, Err: err})
		if s, ok := c.throttle.store.(Stopper); ok && c.r.cfg.rateStore != nil {
			ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
			defer cancel()
			if err := s.Stop(ctx, c.throttle.website, reason); err != nil {
				c.log(slog.LevelWarn, "rate store failed: the stop is not shared with the other runners", -1, "error", err)
			}
		}
	case ActionPauseTemplate:
		if tmpl.name == "" {
			return // an older journal without the template: nothing to pause
		}
		c.mu.Lock()
		_, already := c.paused[tmpl]
		if !already {
			p := &TemplatePause{Name: tmpl.name, Language: tmpl.language, Reason: reason}
			c.paused[tmpl] = p
			c.pauseOrder = append(c.pauseOrder, p)
		}
		c.mu.Unlock()
		if !already && c.r.cfg.logger != nil {
			c.r.cfg.logger.LogAttrs(context.Background(), slog.LevelWarn, "bulk: template paused: its remaining jobs are not sent",
				slog.String("template", tmpl.name), slog.String("language", tmpl.language), slog.String("reason", reason))
		}
	case ActionSuppress:
		s := c.r.cfg.suppressions
		if s == nil || to == "" {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		if err := s.Add(ctx, to, reason); err != nil {
			// Never lose an opt-out silently: the campaign stops with it.
			c.stopWith(fmt.Errorf("bulk: adding %s to the suppression list: %w", redact.Phone(to), err))
		}
	}
}

// describeFailure says a failure in one line: "recipient (#131050): ...".
func describeFailure(f *crispwa.Failure) string {
	if f.Code != 0 {
		return fmt.Sprintf("%s (#%d): %s", f.Class, f.Code, f.Message)
	}
	return fmt.Sprintf("%s: %s", f.Class, f.Message)
}

// awaitCallbacks waits, up to the WithCallbackWait, for the callbacks of
// this run's sends, and sends again the retry-later jobs that come due
// within it.
func (c *campaign) awaitCallbacks() {
	deadline := time.Now().Add(c.r.cfg.callbackWait)
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for c.stop.Err() == nil {
		changed := c.r.journal.changes()
		now := time.Now()
		due := map[string]bool{}
		next := time.Time{}
		c.mu.Lock()
		awaiting := c.awaiting
		for k, at := range c.retryDue {
			switch {
			case !at.After(now):
				due[k] = true
			case at.Before(deadline) && (next.IsZero() || at.Before(next)):
				next = at
			}
		}
		c.mu.Unlock()
		if len(due) > 0 {
			c.count(func() { c.toSend += len(due) })
			c.pass(func(_ int, job Job) bool { return due[job.Key] }, true)
			continue
		}
		if awaiting <= 0 && next.IsZero() {
			return
		}
		wake := deadline
		if !next.IsZero() {
			wake = next
		}
		if !now.Before(deadline) {
			return
		}
		timer.Reset(wake.Sub(now))
		select {
		case <-changed:
			if !timer.Stop() {
				<-timer.C
			}
		case <-timer.C:
		case <-c.stop.Done():
			return
		}
	}
}

// outcome records a send's outcome. It is written at once (it survives the
// process being killed) and made durable with the next intent or at the end.
func (c *campaign) outcome(rec record) {
	if err := c.r.journal.write(rec, false); err != nil {
		c.fail(err)
	}
}

// fail stops the campaign after a journal failure: sending without a
// journal could send twice on the next run.
func (c *campaign) fail(err error) { c.stopWith(err) }

// stopWith stops the campaign: no new send starts, and Run returns err (the
// first one, when several workers stop it).
func (c *campaign) stopWith(err error) {
	c.count(func() {
		if c.stopErr == nil {
			c.stopErr = err
		}
	})
	c.stopAll()
}

func (c *campaign) count(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f()
}

// log writes one record about job i (-1: about the campaign). Keys are not
// logged: they often contain the recipient's number, which logs only show
// masked.
func (c *campaign) log(level slog.Level, msg string, i int, attrs ...any) {
	l := c.r.cfg.logger
	if l == nil {
		return
	}
	if i >= 0 {
		attrs = append([]any{"job", i}, attrs...)
	}
	l.Log(context.Background(), level, "bulk: "+msg, attrs...)
}

// summarise fills sum from the campaign's counts and, for the callbacks,
// from the journal's entries of this run's valid jobs.
func (c *campaign) summarise(sum *Summary) {
	c.mu.Lock()
	sum.Accepted, sum.Rejected, sum.Unknown, sum.NotSent = c.accepted, c.rejected, c.unknown, c.notSent
	sum.Suppressed, sum.Retried, sum.PausedTemplates = c.suppressed, c.retried, c.pauseOrder
	c.mu.Unlock()
	_, sum.RateLimited = c.throttle.state()

	c.r.journal.forEach(func(pos int32, e Entry) {
		if i, ok := c.jobOf(pos, e.Key); !ok || !c.valid.has(i) {
			return
		}
		switch {
		case e.Delivery == DeliveryDelivered:
			sum.Delivered++
		case e.Delivery == DeliveryFailed:
			sum.Failed++
			class := crispwa.FailureUnknown
			if e.Failure != nil {
				class = e.Failure.Class
			}
			if sum.Failures == nil {
				sum.Failures = map[crispwa.FailureClass]int{}
			}
			sum.Failures[class]++
			if class == crispwa.FailureRecipient {
				sum.Suppress = append(sum.Suppress, e.Key)
			}
			if !e.RetryAt.IsZero() && e.Status == StatusAccepted {
				sum.RetryLater = append(sum.RetryLater, RetryDue{Key: e.Key, Due: e.RetryAt})
			}
		case e.Status == StatusAccepted:
			sum.AwaitingCallback++
		}
	})
	for _, je := range sum.Rejected { // refusals of recipient class
		if f := RefusalFailure(je.Err); f != nil && f.Class == crispwa.FailureRecipient {
			sum.Suppress = append(sum.Suppress, je.Key)
		}
	}
}

// snapshot returns the campaign's progress; Rate and ETA are left to the
// caller.
func (c *campaign) snapshot() Progress {
	c.mu.Lock()
	p := Progress{ToSend: c.toSend, Accepted: c.accepted, Rejected: len(c.rejected), Unknown: len(c.unknown),
		InFlight: c.inFlight, Skipped: c.skipped}
	c.mu.Unlock()
	p.Stopping = c.stop.Err() != nil
	p.Done = p.Accepted + p.Rejected + p.Unknown
	p.Remaining = max(p.ToSend-p.Done, 0)
	p.Limit, p.RateLimited = c.throttle.state()
	if until := c.throttle.pausedUntilTime(); time.Now().Before(until) {
		p.PausedUntil = until
	}
	p.Elapsed = time.Since(c.start)
	return p
}

// rateHalfLife is the half-life of Progress.Rate's moving average.
const rateHalfLife = 7 * time.Second

// reportProgress calls the progress function every interval until done is
// closed, then once more; the returned channel is closed after that call.
func (c *campaign) reportProgress(done <-chan struct{}) <-chan struct{} {
	finished := make(chan struct{})
	f := c.r.cfg.progress
	if f == nil {
		close(finished)
		return finished
	}
	go func() {
		defer close(finished)
		ticker := time.NewTicker(c.r.cfg.progressInterval)
		defer ticker.Stop()
		est := rateEstimator{last: time.Now()}
		report := func() {
			p := c.snapshot()
			p.Rate = est.update(p.Done, time.Now())
			p.ETA = eta(p)
			f(p)
		}
		stopping := c.stop.Done()
		for {
			select {
			case <-ticker.C:
				report()
			case <-stopping: // say it at once
				stopping = nil
				report()
			case <-done:
				report()
				return
			}
		}
	}()
	return finished
}

// rateEstimator smooths the finished sends per second: an exponentially
// weighted moving average with a half-life of rateHalfLife, seeded by the
// rate from the start to the first report after sends finished (not by one
// short interval, which would overstate it).
type rateEstimator struct {
	last   time.Time
	done   int
	rate   float64
	seeded bool
}

func (r *rateEstimator) update(done int, now time.Time) float64 {
	dt := now.Sub(r.last)
	if dt <= 0 {
		return r.rate
	}
	inst := float64(done-r.done) / dt.Seconds()
	switch {
	case !r.seeded && inst == 0:
		return 0 // measured from the start until sends finish, not from the last empty report
	case !r.seeded:
		r.rate, r.seeded = inst, true
	case r.seeded:
		keep := math.Exp2(-dt.Seconds() / rateHalfLife.Seconds())
		r.rate = r.rate*keep + inst*(1-keep)
	}
	r.last, r.done = now, done
	return r.rate
}

// eta is Progress.ETA: the remaining jobs at the smaller of the observed
// rate and the limit, after what remains of a pause.
func eta(p Progress) time.Duration {
	if p.Remaining == 0 || p.Rate <= 0 {
		return 0
	}
	rate := min(p.Rate, p.Limit)
	d := time.Duration(float64(p.Remaining) / rate * float64(time.Second))
	if !p.PausedUntil.IsZero() {
		d += max(time.Until(p.PausedUntil), 0)
	}
	return d
}

// bitset is a set of job positions, one bit each.
type bitset []uint64

func (b *bitset) set(i int) {
	for len(*b) <= i/64 {
		*b = append(*b, 0)
	}
	(*b)[i/64] |= 1 << (i % 64)
}

func (b bitset) has(i int) bool { return i/64 < len(b) && b[i/64]&(1<<(i%64)) != 0 }

// firstSeen finds the first job with a given hash among the jobs added so
// far: an open-addressing table, of any size (a resumed campaign's is sized
// to its journal), whose slots hold 1 + a job position in their low 32 bits
// and the low 32 bits of its hash above them (8 bytes a slot), so that a
// probe reads the caller's hashes, kept in a slice indexed by position,
// only when those bits match. A hash's first slot comes from its high bits.
type firstSeen struct {
	slots   []uint64
	n       int
	touched uint64 // what touch read, kept so that the reads are made
}

// home is the first slot to probe for hash h.
func (t *firstSeen) home(h uint64) int {
	k, _ := bits.Mul64(h, uint64(len(t.slots)))
	return int(k)
}

// add adds job i, whose hash is hashes[i], unless an earlier job has the
// same hash: it then returns that job, and true.
func (t *firstSeen) add(hashes []uint64, i int) (first int, dup bool) {
	if (t.n+1)*4 > len(t.slots)*3 { // at most three slots in four used
		old := t.slots
		t.slots = make([]uint64, max(2*len(old), 1024))
		for _, slot := range old {
			if slot != 0 {
				t.put(hashes, slot)
			}
		}
	}
	h := hashes[i]
	for k := t.home(h); ; k++ {
		if k == len(t.slots) {
			k = 0
		}
		switch slot := t.slots[k]; {
		case slot == 0:
			t.slots[k] = h<<32 | uint64(i+1)
			t.n++
			return 0, false
		case slot>>32 == h&(1<<32-1) && hashes[uint32(slot)-1] == h:
			return int(uint32(slot) - 1), true
		}
	}
}

// find returns the first job whose hash is h.
func (t *firstSeen) find(hashes []uint64, h uint64) (int, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	for k := t.home(h); ; k++ {
		if k == len(t.slots) {
			k = 0
		}
		switch slot := t.slots[k]; {
		case slot == 0:
			return 0, false
		case slot>>32 == h&(1<<32-1) && hashes[uint32(slot)-1] == h:
			return int(uint32(slot) - 1), true
		}
	}
}

// touch reads the first slot each recipient of batch would be looked up
// in, one read after the other: each is a likely cache miss, and so close
// together they overlap instead of each waiting for the one before.
func (t *firstSeen) touch(batch []planned) {
	if len(t.slots) == 0 {
		return
	}
	var sum uint64
	for k := range batch {
		sum ^= t.slots[t.home(batch[k].recipient)]
	}
	t.touched ^= sum
}

// reserve sizes an empty table for n jobs.
func (t *firstSeen) reserve(n int) {
	if len(t.slots) == 0 {
		t.slots = make([]uint64, max(n*4/3+1, 1024))
	}
}

// put files a slot of an older table.
func (t *firstSeen) put(hashes []uint64, slot uint64) {
	k := t.home(hashes[uint32(slot)-1])
	for t.slots[k] != 0 {
		if k++; k == len(t.slots) {
			k = 0
		}
	}
	t.slots[k] = slot
}
