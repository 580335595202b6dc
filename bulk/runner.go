package bulk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
// in canonical form (crispwa.NormalizePhone), and Template.Check against the template fetched once
// per name and language unless WithTemplateCheck(false)); invalid jobs are
// reported in the Summary and never sent. Then it skips the keys the journal
// records as accepted (and, without WithRetryUnknown, as unknown) and sends
// the others, at most WithConcurrency at once and at the WithRate pace,
// recording each send in the journal before it leaves and its outcome after.
//
// A send is never retried by Run after an ambiguous failure. Rate limits
// (429/420) are retried by the client's own retries (crispwa.WithMaxRetries),
// and every rate-limit answer pauses all the workers; a job whose retries
// ran out is recorded as rejected and sent by the next run.
//
// When ctx ends, Run starts no new send, gives the sends in flight up to the
// WithDrainTimeout to finish, and returns the Summary with ctx's error; the
// journal is left ready for a re-run. Run also returns an error, with the
// Summary so far, when the journal cannot be written (it then stops sending)
// or a template cannot be fetched for the check (nothing is sent). Jobs that
// fail one by one are not an error of Run: see Summary.OK.
func (r *Runner) Run(ctx context.Context, jobs []Job) (*Summary, error) {
	start := time.Now()
	if err := r.journal.acquire(); err != nil {
		return nil, err
	}
	defer r.journal.release()

	sum := &Summary{Jobs: len(jobs)}
	valid, err := r.validate(ctx, jobs, sum)
	if err != nil {
		sum.Duration = time.Since(start)
		return sum, err
	}
	var todo []int
	for _, i := range valid {
		e, _ := r.journal.Lookup(jobs[i].Key)
		switch {
		case e.Status == StatusAccepted:
			sum.AlreadySent++
		case e.Status == StatusUnknown && !r.cfg.retryUnknown:
			sum.SkippedUnknown = append(sum.SkippedUnknown, jobs[i].Key)
		default:
			todo = append(todo, i)
		}
	}

	c := newCampaign(ctx, r, jobs, len(todo))
	c.run(todo)
	sum.Accepted, sum.Rejected, sum.Unknown, sum.NotSent = c.accepted, c.rejected, c.unknown, c.notSent
	_, sum.RateLimited = c.throttle.state()

	runErr := c.stopErr
	if err := r.journal.Flush(); err != nil && runErr == nil {
		runErr = err
	}
	if runErr == nil && ctx.Err() != nil {
		runErr = ctx.Err()
	}
	if runErr == nil && r.cfg.callbackWait > 0 {
		r.awaitCallbacks(ctx, jobs, c.acceptedIdx)
	}
	for _, i := range valid {
		e, _ := r.journal.Lookup(jobs[i].Key)
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
		case e.Status == StatusAccepted:
			sum.AwaitingCallback++
		}
	}
	sum.Duration = time.Since(start)
	return sum, runErr
}

// validate returns the indexes of the valid jobs and records the others in
// sum. It fails only when a template cannot be fetched for the check.
func (r *Runner) validate(ctx context.Context, jobs []Job, sum *Summary) ([]int, error) {
	seen := make(map[string]int, len(jobs))
	type recipient struct{ name, language, to string }
	recipients := make(map[recipient]int, len(jobs)) // one person, however the number is written
	valid := make([]int, 0, len(jobs))
	refuse := func(i int, err error) {
		sum.Invalid = append(sum.Invalid, &JobError{Key: jobs[i].Key, Index: i, Err: err})
	}
	for i, job := range jobs {
		if job.Key == "" {
			refuse(i, errors.New("empty key"))
			continue
		}
		if len(job.Key) > MaxKeyLength {
			refuse(i, fmt.Errorf("key longer than %d bytes", MaxKeyLength))
			continue
		}
		if first, dup := seen[job.Key]; dup {
			refuse(i, fmt.Errorf("duplicate key: job %d has it too", first))
			continue
		}
		seen[job.Key] = i
		if job.Request == nil {
			refuse(i, errors.New("nil request"))
			continue
		}
		if err := job.Request.Validate(); err != nil {
			refuse(i, err)
			continue
		}
		if to, err := crispwa.NormalizePhone(job.Request.To, ""); err == nil {
			rc := recipient{job.Request.Template.Name, job.Request.Template.Language, to}
			if first, dup := recipients[rc]; dup {
				refuse(i, fmt.Errorf("same recipient and template as job %d (%s): a campaign sends once per recipient", first, jobs[first].Key))
				continue
			}
			recipients[rc] = i
		}
		valid = append(valid, i)
	}
	if !r.cfg.checkTemplates {
		return valid, nil
	}
	type nameLang struct{ name, language string }
	templates := map[nameLang]*crispwa.Template{}
	missing := map[nameLang]error{}
	checked := valid[:0:0]
	for _, i := range valid {
		m := jobs[i].Request.Template
		nl := nameLang{m.Name, m.Language}
		t, ok := templates[nl]
		if !ok && missing[nl] == nil {
			var err error
			t, err = r.client.Templates.Get(ctx, nl.name, nl.language)
			switch {
			case errors.Is(err, crispwa.ErrNotFound):
				missing[nl] = err
			case err != nil:
				return nil, fmt.Errorf("bulk: fetching template %q (%s) to check the jobs: %w", nl.name, nl.language, err)
			default:
				templates[nl] = t
			}
		}
		if err := missing[nl]; err != nil {
			refuse(i, err)
			continue
		}
		if err := t.Check(m); err != nil {
			refuse(i, err)
			continue
		}
		checked = append(checked, i)
	}
	return checked, nil
}

// awaitCallbacks waits, up to the WithCallbackWait, until the journal has a
// callback for every job in idx.
func (r *Runner) awaitCallbacks(ctx context.Context, jobs []Job, idx []int) {
	timer := time.NewTimer(r.cfg.callbackWait)
	defer timer.Stop()
	for {
		changed := r.journal.changes()
		pending := 0
		for _, i := range idx {
			if e, _ := r.journal.Lookup(jobs[i].Key); e.Delivery == DeliveryNone {
				pending++
			}
		}
		if pending == 0 {
			return
		}
		select {
		case <-changed:
		case <-timer.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// campaign is the state of one Run's sending phase.
type campaign struct {
	r        *Runner
	jobs     []Job
	throttle *throttle
	toSend   int
	start    time.Time

	stop       context.Context // ends: no new send
	stopAll    context.CancelFunc
	send       context.Context // ends: the sends in flight are cut short
	cancelSend context.CancelFunc

	mu          sync.Mutex
	inFlight    int
	accepted    int
	acceptedIdx []int
	rejected    []*JobError
	unknown     []*JobError
	notSent     int
	stopErr     error // why the campaign stopped early: the journal failed, or the key was refused
}

func newCampaign(ctx context.Context, r *Runner, jobs []Job, toSend int) *campaign {
	c := &campaign{r: r, jobs: jobs, throttle: r.newThrottle(), toSend: toSend, start: time.Now()}
	c.stop, c.stopAll = context.WithCancel(ctx)
	// Sends in flight outlive ctx by the drain timeout, so that their
	// outcome is known rather than unknown.
	send, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c.send = crispwa.WithRateLimitObserver(send, c.throttle.hit)
	c.cancelSend = cancel
	return c
}

// run sends the jobs in todo with the configured workers and reports
// progress; it returns when every job has an outcome or was given up.
func (c *campaign) run(todo []int) {
	defer c.stopAll()
	defer c.cancelSend()
	queue := make(chan int, len(todo))
	for _, i := range todo {
		queue <- i
	}
	close(queue)

	drained := make(chan struct{})
	abort := c.r.cfg.abort
	go func() { // cut the sends in flight short once the drain timeout passes, or at an abort
		select {
		case <-c.stop.Done():
		case <-abort:
			c.stopWith(ErrAborted)
		case <-drained:
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
		case <-drained:
		}
	}()
	progressDone := c.reportProgress(drained)

	var wg sync.WaitGroup
	for range min(c.r.cfg.concurrency, max(len(todo), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range queue {
				if c.stop.Err() != nil {
					c.count(func() { c.notSent++ })
					continue
				}
				c.sendJob(i)
			}
		}()
	}
	wg.Wait()
	close(drained)
	<-progressDone
}

// sendJob sends one job and records its outcome. Rate limits are retried
// by the client (see crispwa.WithMaxRetries), not here: one layer of retries
// only, each attempt counted by the SDK. Every rate-limit answer pauses all
// the workers through the throttle.
func (c *campaign) sendJob(i int) {
	job := c.jobs[i]
	j := c.r.journal
	if err := c.throttle.wait(c.stop); err != nil {
		c.count(func() { c.notSent++ })
		return
	}
	wasUnknown := c.wasUnknown(job.Key) // for the Observer
	// The intent is durable before the request can leave: after a crash,
	// this key is "unknown", never silently sent again.
	if err := j.write(record{Event: string(StatusSending), Key: job.Key}, true); err != nil {
		c.fail(err)
		c.count(func() { c.notSent++ })
		return
	}
	c.count(func() { c.inFlight++ })
	res, err := c.r.client.Templates.Send(c.send, job.Request)
	c.count(func() { c.inFlight-- })
	switch {
	case err == nil:
		c.outcome(record{Event: string(StatusAccepted), Key: job.Key, RequestID: res.RequestID})
		c.throttle.success()
		c.count(func() { c.accepted++; c.acceptedIdx = append(c.acceptedIdx, i) })
		c.log(slog.LevelDebug, "accepted", i, "request_id", res.RequestID)
	case errors.Is(err, crispwa.ErrSendOutcomeUnknown):
		c.outcome(record{Event: string(StatusUnknown), Key: job.Key, Reason: err.Error()})
		c.count(func() { c.unknown = append(c.unknown, &JobError{Key: job.Key, Index: i, Err: err}) })
		c.log(slog.LevelWarn, "outcome unknown: not sent again", i, "error", err)
	default:
		rec := record{Event: string(StatusRejected), Key: job.Key, Reason: err.Error()}
		var apiErr *crispwa.APIError
		if errors.As(err, &apiErr) {
			rec.HTTP = apiErr.StatusCode
		}
		c.outcome(rec)
		c.count(func() { c.rejected = append(c.rejected, &JobError{Key: job.Key, Index: i, Err: err}) })
		c.log(slog.LevelWarn, "rejected", i, "error", err)
		if errors.Is(err, crispwa.ErrUnauthorized) {
			// Every other send would be refused the same way: stop now.
			c.stopWith(&StoppedError{Err: err})
		}
	}
	c.observe(err, wasUnknown)
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

// log writes one record about job i. Keys are not logged: they often
// contain the recipient's number, which logs only show masked.
func (c *campaign) log(level slog.Level, msg string, i int, attrs ...any) {
	l := c.r.cfg.logger
	if l == nil {
		return
	}
	l.Log(context.Background(), level, "bulk: "+msg, append([]any{"job", i, "to", redact.Phone(c.jobs[i].Request.To)}, attrs...)...)
}

// snapshot returns the campaign's progress; rate is left to the caller.
func (c *campaign) snapshot() Progress {
	c.mu.Lock()
	p := Progress{ToSend: c.toSend, Accepted: c.accepted, Rejected: len(c.rejected), Unknown: len(c.unknown), InFlight: c.inFlight}
	c.mu.Unlock()
	p.Stopping = c.stop.Err() != nil
	p.Done = p.Accepted + p.Rejected + p.Unknown
	p.Remaining = p.ToSend - p.Done
	p.Limit, p.RateLimited = c.throttle.state()
	p.Elapsed = time.Since(c.start)
	return p
}

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
		lastDone, lastTime := 0, c.start
		report := func() {
			p := c.snapshot()
			now := time.Now()
			if dt := now.Sub(lastTime).Seconds(); dt > 0 {
				p.Rate = float64(p.Done-lastDone) / dt
			}
			lastDone, lastTime = p.Done, now
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
