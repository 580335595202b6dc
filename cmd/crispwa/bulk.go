package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"math"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/callback"
)

const bulkAbout = `Sends one template to every row of a CSV file, as a campaign, recording each
send in a journal so that re-running the same command resumes it without
sending anyone the message twice.

The CSV's header row (names compared case-insensitively; the separator ","
";" or tab is detected, or given with --delimiter) names a "to" column (the
recipient) and one column per template parameter: "1", "2", ... for the
body of a POSITIONAL template ("header:1" for its TEXT header), the
parameter names for a NAMED one; "header" for the link of an IMAGE, VIDEO or
DOCUMENT header; "latitude" and "longitude" (and optionally "location_name",
"location_address") for a LOCATION header; and "button:N" for the value of
button N (a URL suffix, a coupon code, a quick reply payload). Other columns
are refused unless --ignore-extra-columns. Every row is checked against the
template before the first send; rows that fail are reported (each problem
once, with its lines) and not sent. The file is read row by row, never
whole (--max-rows caps it). Before sending, the command says how many
messages go out, with a sample as the customer will read it and how long
it takes at --rate, and asks to continue when on a terminal (--yes: do not
ask). --limit N sends the first N rows still to send, as a canary.
--dry-run says what a run would do and changes nothing.

The journal (--journal FILE, JSON lines) records "sending" before each
request leaves and the outcome after. A re-run skips the rows already
accepted and sends the refused and new ones; a row whose outcome is unknown
(the connection dropped, a 5xx, the process killed mid-send) is not sent
again unless --retry-unknown: first check in Crisp that it was not sent,
then settle it with the 'crispwa bulk resolve' line the summary prints.
With --listen and --token the command also receives Crisp's callbacks
during the campaign (and up to --callback-wait after it) and records them.

WhatsApp's answers are acted on: an account failure (locked, unpaid)
stops the campaign at once (exit 4); a template failure stops sending that
template; a retry-later failure is sent again by 'crispwa bulk retry' once
its wait has passed (or within the run, when it ends within
--callback-wait); a recipient who cannot or will not receive it is added
to the --suppressions FILE, which every campaign using it skips. A rate
limit from Crisp pauses every worker and lowers the rate; refused
credentials stop the campaign at once (exit 2).

Ctrl-C stops sending and waits up to 30s for the sends in flight; a second
Ctrl-C stops at once, recording those sends as unknown (exit 130).

Also:
  crispwa bulk status --journal FILE [--older-than D] [--output json]
  crispwa bulk resolve --journal FILE (--key KEY... | --all-unknown) (--sent | --not-sent)
  crispwa bulk retry (the same flags as bulk)

` + exitCodesHelp

// bulkFlags are the flags of "crispwa bulk" and "crispwa bulk retry".
type bulkFlags struct {
	csv, template, language, from, journal string
	rate                                   float64
	concurrency                            int
	dryRun, retryUnknown, ignoreExtra      bool
	delimiter                              string
	listen, token                          string
	callbackWait                           time.Duration
	region                                 string
	yes                                    bool
	limit, maxRows                         int
	suppressions                           string
}

// bulkSubcommands are the commands under "crispwa bulk", in the order the
// help lists them.
func bulkSubcommands() []command {
	return []command{
		{"status", "report on a campaign's journal: totals, what remains, the rows to look at", runBulkStatus},
		{"resolve", "record what you found in Crisp about rows whose outcome is unknown", runBulkResolve},
		{"retry", "send again the rows WhatsApp asked to retry later, once their wait has passed", runBulkRetry},
	}
}

func runBulk(ctx context.Context, e *cmdEnv, args []string) int {
	if code, ok := runBulkOnStore(ctx, e, args); ok { // --store: bulk_store.go
		return code
	}
	if len(args) > 0 {
		for _, sub := range bulkSubcommands() {
			if args[0] == sub.name {
				return sub.run(ctx, e, args[1:])
			}
		}
	}
	return runCampaign(ctx, e, args, false)
}

func runBulkRetry(ctx context.Context, e *cmdEnv, args []string) int {
	return runCampaign(ctx, e, args, true)
}

// bulkRetryAbout is the help of "crispwa bulk retry".
const bulkRetryAbout = `Sends again, with the campaign's own command line, exactly the rows whose
callback said WhatsApp will take the message later (retry_later: a
marketing cap, too many messages to one person) and whose wait has passed;
every other row is left alone. 'crispwa bulk status' says when the next
ones are due. Same flags as 'crispwa bulk'.

` + exitCodesHelp

// campaignFlags registers the flags every campaign takes, whether its
// state lives in a journal or in a database (bulk --store): the CSV, the
// template, the sender, the rate and the callback listener. state names
// where callbacks are recorded, for the help text.
func (f *bulkFlags) campaignFlags(fs *flag.FlagSet, state string) {
	fs.StringVar(&f.csv, "csv", "", "the `FILE` of recipients and values (required)")
	fs.StringVar(&f.template, "template", "", "template name (required)")
	fs.StringVar(&f.language, "language", "", "template language, e.g. en_US (required)")
	fs.StringVar(&f.from, "from", "", "the website's WhatsApp number to send from (required)")
	fs.Float64Var(&f.rate, "rate", bulk.DefaultRate, "sends per second at most, shared by every runner or worker sharing the rate (0: no limit)")
	fs.IntVar(&f.concurrency, "concurrency", bulk.DefaultConcurrency, "sends in flight at most in this process")
	fs.BoolVar(&f.ignoreExtra, "ignore-extra-columns", false, "ignore CSV columns the template does not use (a name, an email...)")
	fs.StringVar(&f.delimiter, "delimiter", "", "the CSV's separator: \",\", \";\" or \"tab\" (default: detected from the header row)")
	fs.StringVar(&f.listen, "listen", "", "receive Crisp's callbacks on `ADDR` during the campaign and record them in "+state+" (needs --token)")
	fs.StringVar(&f.token, "token", "", "with --listen: the token callbacks must carry (?token= or the Basic password)")
	fs.StringVar(&f.region, "region", "", "read national numbers (without a country code) as numbers of this country, e.g. FR")
	fs.IntVar(&f.maxRows, "max-rows", defaultMaxRows, "refuse a CSV of more than `N` rows (the file is read row by row; each line is capped at 64 KiB)")
}

// runCampaign is "crispwa bulk" and, with retry, "crispwa bulk retry".
func runCampaign(ctx context.Context, e *cmdEnv, args []string, retry bool) int {
	name, about := "bulk", bulkAbout
	if retry {
		name, about = "bulk retry", bulkRetryAbout
	}
	var f bulkFlags
	fs := newFlagSet(name, "--csv FILE --template NAME --language CODE --from NUMBER --journal FILE [flags]", about)
	f.campaignFlags(fs, "the journal")
	fs.StringVar(&f.journal, "journal", "", "the campaign's journal `FILE`, created if missing (required)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "check every row and read the journal: say what a run would do (with a sample message and the time it would take), send nothing, change nothing")
	fs.BoolVar(&f.retryUnknown, "retry-unknown", false, "send again the rows whose outcome is unknown (those that did go out are sent twice)")
	fs.DurationVar(&f.callbackWait, "callback-wait", 0, "with --listen: after the last send, wait up to this long for late callbacks (and the retries due by then)")
	fs.BoolVar(&f.yes, "yes", false, "send without asking for confirmation (without a terminal, nothing is asked anyway)")
	fs.IntVar(&f.limit, "limit", 0, "send the first `N` rows still to send only, e.g. a canary of 5; the same command without --limit sends the rest")
	fs.StringVar(&f.suppressions, "suppressions", "", "never send to the numbers listed in `FILE` (created if missing), and add to it the recipients WhatsApp says cannot or will not receive messages")
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	delim, msg := f.validate()
	if msg != "" {
		return usageError(e, name, msg)
	}
	// The journal first: a file that is not one is refused before anything.
	entries, err := readJournalFile(f.journal)
	if err != nil {
		return failure(e, name, err)
	}
	var supp bulk.Suppressions // nil: none
	if f.suppressions != "" {
		file, err := bulk.OpenSuppressionFile(f.suppressions, f.region)
		if err != nil {
			return failure(e, name, &configError{err})
		}
		supp = file
	}
	client, err := clientFromEnv(e.getenv, crispwa.WithObserver(e.observer))
	if err != nil {
		return failure(e, name, err)
	}
	tmpl, err := getTemplate(ctx, client, f.template, f.language)
	if err != nil {
		return failure(e, name, err)
	}
	if !isApproved(tmpl) { // a problem of the whole file, told once
		return failure(e, name, fmt.Errorf("template %q (%s) is %s, not APPROVED: no row can be sent until it is approved",
			serverText(tmpl.Name), serverText(tmpl.Language), serverText(tmpl.Status)))
	}
	src := &csvSource{path: f.csv, in: campaignInput{t: tmpl, from: f.from, delimiter: delim, ignoreExtra: f.ignoreExtra,
		region: f.region, maxRows: f.maxRows}, adopt: journalKeyAdopter(entries, tmpl, f.region)}
	p, err := planCampaign(ctx, src, entries, supp, &f, retry)
	if err != nil {
		return failure(e, name, err)
	}
	entries = nil // the journal is read again by the run; this copy is not needed any more
	p.problems.print(e.stderr, f.csv, p.rows)
	if f.dryRun {
		return dryRun(e, &f, p)
	}
	if p.toSend > 0 {
		printPlan(e.stderr, &f, p, false)
		if !f.yes && e.interactive && !confirm(ctx, e, p.toSend) {
			if ctx.Err() != nil {
				fmt.Fprintf(e.stderr, "\ncrispwa %s: interrupted: nothing sent\n", name)
				return exitInterrupted
			}
			fmt.Fprintf(e.stderr, "crispwa %s: not confirmed: nothing sent\n", name)
			return exitFailure
		}
	}
	if err := writeCampaignMeta(f.journal, campaignMeta{CSV: f.csv, Template: tmpl.Name, Language: tmpl.Language,
		Rows: p.rows, Valid: p.valid, Invalid: p.problems.rows}); err != nil {
		return failure(e, name, err)
	}
	return sendCampaign(ctx, e, client, &f, src, p, supp, retry)
}

// csvSource is a campaign's CSV, read from its start at each pass.
type csvSource struct {
	path  string
	in    campaignInput
	adopt func(*bulk.Job) // gives a job the key the journal knows it by
}

// scan reads the file once, giving fn each row (its job's key adopted).
func (s *csvSource) scan(fn func(campaignRow) bool) error {
	file, err := os.Open(s.path)
	if err != nil {
		return &configError{err}
	}
	defer file.Close()
	err = scanCampaign(file, s.in, func(r campaignRow) bool {
		if r.err == nil {
			s.adopt(&r.job)
		}
		return fn(r)
	})
	if err != nil { // the file does not fit the template, or is not a CSV: a configuration problem
		return &configError{fmt.Errorf("%s: %w", s.path, err)}
	}
	return nil
}

// campaignPlan is what a run would do, from a first pass over the CSV.
type campaignPlan struct {
	rows, valid                     int
	toSend, already, unknown, later int // later: retry-later rows not due yet
	suppressed                      int
	problems                        rowProblems
	sample                          *bulk.Job // the first row to send
	t                               *crispwa.Template
	nextRetry                       time.Time
	limited                         map[string]bool // with --limit: the keys to send
}

// planCampaign reads the CSV once, checking every row, and counts what a
// run would do given the journal's entries and the suppression list.
func planCampaign(ctx context.Context, src *csvSource, entries []bulk.Entry, supp bulk.Suppressions, f *bulkFlags, retry bool) (*campaignPlan, error) {
	byKey := make(map[string]*bulk.Entry, len(entries))
	for i := range entries {
		byKey[entries[i].Key] = &entries[i]
	}
	p := &campaignPlan{t: src.in.t}
	now := time.Now()
	var suppErr error
	err := src.scan(func(r campaignRow) bool {
		p.rows++
		if r.err != nil {
			p.problems.add(r)
			return true
		}
		p.valid++
		en := byKey[r.job.Key]
		var st bulk.Status
		if en != nil {
			st = en.Status
		}
		due := en != nil && en.RetryDue(now)
		switch {
		case retry && !due:
			if en != nil && !en.RetryAt.IsZero() {
				p.later++
				if p.nextRetry.IsZero() || en.RetryAt.Before(p.nextRetry) {
					p.nextRetry = en.RetryAt
				}
			}
			return true
		case st == bulk.StatusAccepted && !due:
			p.already++
			return true
		case (st == bulk.StatusUnknown || st == bulk.StatusSending) && !f.retryUnknown:
			p.unknown++
			return true
		}
		if supp != nil {
			on, err := supp.Contains(ctx, r.job.Request.To)
			if err != nil {
				suppErr = err
				return false
			}
			if on {
				p.suppressed++
				return true
			}
		}
		if f.limit > 0 && p.toSend == f.limit {
			return true
		}
		p.toSend++
		if f.limit > 0 {
			if p.limited == nil {
				p.limited = map[string]bool{}
			}
			p.limited[r.job.Key] = true
		}
		if p.sample == nil {
			j := r.job
			p.sample = &j
		}
		return true
	})
	if err == nil {
		err = suppErr
	}
	return p, err
}

// estimate is how long sending n messages takes at the rate, or 0 when
// there is no rate limit.
func estimate(n int, rate float64) time.Duration {
	if rate <= 0 || n == 0 {
		return 0
	}
	return time.Duration(float64(n) / rate * float64(time.Second)).Round(time.Second)
}

// printPlan says what the run will send: how many, the template, a sample
// of the message as the customer will read it, and how long it will take.
func printPlan(w io.Writer, f *bulkFlags, p *campaignPlan, dry bool) {
	verb := "to send"
	if dry {
		verb = "would be sent"
	}
	fmt.Fprintf(w, "%d message(s) %s with template %q (%s) from %s", p.toSend, verb, f.template, f.language, f.from)
	if f.limit > 0 {
		fmt.Fprintf(w, " (--limit %d)", f.limit)
	}
	fmt.Fprintln(w)
	if d := estimate(p.toSend, f.rate); f.rate > 0 && p.toSend > 0 {
		about := "about " + d.String()
		if d < time.Second {
			about = "under a second"
		}
		fmt.Fprintf(w, "at %g/s: %s (longer if Crisp rate-limits)\n", f.rate, about)
	} else if p.toSend > 0 {
		fmt.Fprintln(w, "no --rate limit: as fast as Crisp answers")
	}
	if p.sample != nil {
		if text, err := p.sampleText(); err == nil {
			fmt.Fprintf(w, "sample, to %s:\n", p.sample.Request.To)
			for _, l := range strings.Split(sanitizeLines(text), "\n") {
				fmt.Fprintf(w, "  | %s\n", l)
			}
		}
	}
}

// sampleText renders the sample job's message as the customer will read it.
func (p *campaignPlan) sampleText() (string, error) {
	return p.t.RenderMessage(p.sample.Request.Template)
}

// confirm asks "N messages to send, continue? [y/N]" and reads the answer;
// an interrupt (ctx ending) while it waits is a no.
func confirm(ctx context.Context, e *cmdEnv, n int) bool {
	fmt.Fprintf(e.stderr, "%d message(s) to send, continue? [y/N] ", n)
	answer := make(chan string, 1)
	go func() { // a read from a terminal cannot be cancelled: it is left behind at an interrupt
		line, _ := bufio.NewReader(io.LimitReader(e.stdin, 256)).ReadString('\n')
		answer <- line
	}()
	select {
	case line := <-answer:
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes":
			return true
		}
		return false
	case <-ctx.Done():
		return false
	}
}

// jobRow is where a job comes from: its CSV line and recipient.
type jobRow struct {
	line int
	to   string
}

// isApproved reports a template that can be sent.
func isApproved(t *crispwa.Template) bool { return t.Status == crispwa.StatusApproved }

// validate returns the CSV separator (0: detect) and a usage problem, or "".
func (f *bulkFlags) validate() (rune, string) {
	if msg := missingFlags([2]string{"--csv", f.csv}, [2]string{"--template", f.template}, [2]string{"--language", f.language},
		[2]string{"--from", f.from}, [2]string{"--journal", f.journal}); msg != "" {
		return 0, msg
	}
	delim, err := parseDelimiter(f.delimiter)
	switch {
	case err != nil:
		return 0, err.Error()
	case f.rate < 0 || math.IsNaN(f.rate) || math.IsInf(f.rate, 0):
		return 0, fmt.Sprintf("--rate must be a number >= 0, got %v", f.rate)
	case f.concurrency < 1:
		return 0, fmt.Sprintf("--concurrency must be at least 1, got %d", f.concurrency)
	case f.listen != "" && f.token == "":
		return 0, "--listen needs --token: without one, anybody could post forged callbacks into the journal"
	case f.listen == "" && (f.token != "" || f.callbackWait != 0):
		return 0, "--token and --callback-wait are only used with --listen"
	case f.callbackWait < 0:
		return 0, "--callback-wait must not be negative"
	case f.limit < 0:
		return 0, fmt.Sprintf("--limit must not be negative, got %d", f.limit)
	case f.maxRows < 1:
		return 0, fmt.Sprintf("--max-rows must be at least 1, got %d", f.maxRows)
	}
	if msg := checkRegion(f.region); msg != "" {
		return 0, msg
	}
	from, err := canonicalPhone("--from", f.from, f.region)
	if err != nil {
		return 0, err.Error()
	}
	f.from = from
	return delim, ""
}

// readJournalFile reads the journal without changing it: no entries for a
// file that does not exist yet, a configuration error for one that is not
// a journal.
func readJournalFile(path string) ([]bulk.Entry, error) {
	entries, err := bulk.ReadJournal(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case errors.Is(err, bulk.ErrJournalCorrupt), errors.Is(err, bulk.ErrJournalNotRegular):
		return nil, configErrorf("--journal %s is not a crispwa journal (%s): give the campaign's journal, or the name of a new file", path, message(err))
	case err != nil:
		return nil, &configError{err}
	}
	return entries, nil
}

// openJournal opens the campaign's journal for writing; a journal another
// process holds is a configuration error.
func openJournal(path string) (*bulk.Journal, error) {
	j, err := bulk.OpenJournal(path)
	if errors.Is(err, bulk.ErrJournalLocked) {
		return nil, configErrorf("%s is in use by another crispwa (a campaign running, or a resolve): wait for it to stop, or give another --journal", path)
	}
	return j, err
}

// dryRun says what a real run would do, from the plan.
func dryRun(e *cmdEnv, f *bulkFlags, p *campaignPlan) int {
	fmt.Fprintf(e.stdout, "dry run: %d row(s) in %s; nothing sent, journal not changed\n", p.rows, f.csv)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%d\t  to send\n", p.toSend)
	fmt.Fprintf(tw, "%d\t  already accepted in an earlier run (skipped)\n", p.already)
	fmt.Fprintf(tw, "%d\t  outcome unknown in an earlier run (skipped; --retry-unknown sends them)\n", p.unknown)
	if f.suppressions != "" {
		fmt.Fprintf(tw, "%d\t  on the suppression list (skipped)\n", p.suppressed)
	}
	if p.later > 0 {
		fmt.Fprintf(tw, "%d\t  to retry later, not due yet (next at %s)\n", p.later, clock(p.nextRetry))
	}
	fmt.Fprintf(tw, "%d\t  invalid (not sent)\n", p.problems.rows)
	_ = tw.Flush()
	printPlan(e.stdout, f, p, true)
	switch {
	case p.unknown > 0:
		return exitUnknown
	case p.problems.rows > 0:
		return exitFailure
	}
	return exitOK
}

// sendCampaign runs the campaign with the journal and prints the summary.
func sendCampaign(ctx context.Context, e *cmdEnv, client *crispwa.Client, f *bulkFlags, src *csvSource, p *campaignPlan, supp bulk.Suppressions, retry bool) int {
	name := "bulk"
	if retry {
		name = "bulk retry"
	}
	journal, err := openJournal(f.journal)
	if err != nil {
		return failure(e, name, err)
	}
	defer journal.Close()
	out := newStatusLine(e.stderr) // stderr is shared by the progress, the callbacks and the interrupt
	opts := []bulk.Option{
		bulk.WithRate(f.rate), bulk.WithConcurrency(f.concurrency), bulk.WithRetryUnknown(f.retryUnknown),
		bulk.WithTemplateCheck(false), // every row was built and checked from the template already
		bulk.WithAbort(e.stopNow), bulk.WithDrainTimeout(bulk.DefaultDrainTimeout), bulk.WithObserver(e.observer),
	}
	if supp != nil {
		opts = append(opts, bulk.WithSuppressions(supp))
	}
	if f.listen != "" {
		refused := &refusalLog{print: func(s string) { out.say("%s", s) }}
		srv, err := serveCallbacks(f.listen, callbackHandler(journal.RecordCallback, f.token, refused.add, callback.WithObserver(e.observer)))
		if err != nil {
			return failure(e, name, &configError{err})
		}
		defer srv.close()
		out.say("listening for callbacks on %s", srv.addr)
		opts = append(opts, bulk.WithCallbackWait(f.callbackWait))
	}
	var stopping sync.Once
	progress, every := progressReporter(out)
	opts = append(opts, bulk.WithProgress(func(pr bulk.Progress) {
		if pr.Stopping && ctx.Err() != nil {
			stopping.Do(func() {
				out.say("stopping: waiting up to %s for %d send(s) in flight; Ctrl-C again to stop now", bulk.DefaultDrainTimeout, pr.InFlight)
			})
		}
		progress(pr)
	}, every))
	runner, err := bulk.NewRunner(client, journal, opts...)
	if err != nil {
		return failure(e, name, err)
	}
	jobs := src.jobs(f, p, retry)
	var sum *bulk.Summary
	var runErr error
	if retry {
		sum, runErr = runner.Retry(ctx, jobs)
	} else {
		sum, runErr = runner.RunSeq(ctx, jobs)
	}
	out.finish()
	if err := journal.Close(); err != nil && runErr == nil {
		runErr = err
	}
	if sum != nil {
		printSummary(e.stdout, sum, p.problems.rows, src.lines(sum), f)
	}
	unknown := sum != nil && len(sum.Unknown)+len(sum.SkippedUnknown) > 0
	var stopped *bulk.StoppedError
	switch {
	case errors.Is(runErr, context.Canceled) || errors.Is(runErr, bulk.ErrAborted):
		out.say("crispwa %s: interrupted; run the same command again to resume (journal %s)", name, f.journal)
		return exitInterrupted
	case errors.As(runErr, &stopped) && !errors.Is(runErr, crispwa.ErrUnauthorized):
		out.say("crispwa %s: %s", name, message(runErr))
		out.say("The campaign stopped: WhatsApp refuses this account's messages, so nothing more was sent. Fix the account in Meta's Business Manager, then run the same command again to resume.")
		return exitStopped
	case runErr != nil:
		code := failure(e, name, runErr)
		if errors.Is(runErr, crispwa.ErrUnauthorized) {
			out.say("Nothing more was sent. Fix the credentials and run the same command again to resume.")
		}
		return code
	case unknown:
		return exitUnknown
	case !sum.OK() || p.problems.rows > 0:
		return exitFailure
	}
	return exitOK
}

// jobs is the campaign's jobs as the runner ranges over them: the CSV read
// again at each pass, its invalid rows left out (they were reported); with
// --limit, only the first rows still to send.
func (s *csvSource) jobs(f *bulkFlags, p *campaignPlan, retry bool) iter.Seq2[bulk.Job, error] {
	return func(yield func(bulk.Job, error) bool) {
		var stop bool
		err := s.scan(func(r campaignRow) bool {
			if r.err != nil || (f.limit > 0 && !p.limited[r.job.Key]) {
				return true
			}
			if !yield(r.job, nil) {
				stop = true
				return false
			}
			return true
		})
		if err != nil && !stop {
			yield(bulk.Job{}, err)
		}
	}
}

// lines finds the CSV line and recipient of the keys the summary lists,
// reading the file once more (only when there is something to list).
func (s *csvSource) lines(sum *bulk.Summary) map[string]jobRow {
	want := map[string]bool{}
	add := func(keys ...string) {
		for _, k := range keys[:min(len(keys), maxRowErrors)] {
			want[k] = true
		}
	}
	for _, list := range [][]*bulk.JobError{sum.Rejected, sum.Unknown, sum.Invalid} {
		keys := make([]string, len(list))
		for i, je := range list {
			keys[i] = je.Key
		}
		add(keys...)
	}
	add(sum.SkippedUnknown...)
	add(sum.Suppress...)
	out := map[string]jobRow{}
	if len(want) == 0 {
		return out
	}
	_ = s.scan(func(r campaignRow) bool {
		if r.err == nil && want[r.job.Key] {
			out[r.job.Key] = jobRow{line: r.line, to: r.job.Request.To}
		}
		return len(out) < len(want)
	})
	return out
}

// printSummary prints the outcome table and the rows to look at.
func printSummary(w io.Writer, s *bulk.Summary, invalid int, rows map[string]jobRow, f *bulkFlags) {
	callbacks := f.listen != ""
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(n int, what string) { fmt.Fprintf(tw, "%d\t  %s\n", n, what) }
	fmt.Fprintln(w, "\nCampaign summary:")
	row(s.Accepted, "accepted now")
	if s.Retried > 0 {
		row(s.Retried, "  of which sent again after a retry-later answer")
	}
	row(s.AlreadySent, "already accepted in an earlier run (skipped)")
	row(len(s.Rejected), "refused (re-run to send them again)")
	row(len(s.Unknown), "outcome unknown (not sent again: check in Crisp)")
	row(len(s.SkippedUnknown), "outcome unknown in an earlier run (skipped; --retry-unknown)")
	row(invalid+len(s.Invalid), "invalid rows (not sent)")
	if f.suppressions != "" || s.Suppressed > 0 {
		row(s.Suppressed, "on the suppression list (not sent)")
	}
	var paused int
	for _, tp := range s.PausedTemplates {
		paused += tp.Skipped
	}
	if paused > 0 {
		row(paused, "not sent: their template was paused by WhatsApp")
	}
	if len(s.RetryLater) > 0 {
		row(len(s.RetryLater), "to retry later ('crispwa bulk retry' once due)")
	}
	row(s.NotSent, "not sent (interrupted)")
	row(s.RateLimited, "rate-limit answers from Crisp")
	if callbacks || s.Delivered+s.Failed > 0 {
		row(s.Delivered, "delivered (callback)")
		row(s.Failed, "not sent by Crisp (callback)")
		for _, fc := range failureClasses {
			if n := s.Failures[fc.class]; n > 0 {
				row(n, fmt.Sprintf("  %s: %s", fc.class, fc.what))
			}
		}
		row(s.AwaitingCallback, "accepted, no callback yet")
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "in %s\n", s.Duration.Round(time.Millisecond))
	where := func(key string) string {
		if r, ok := rows[key]; ok {
			return fmt.Sprintf("line %d", r.line)
		}
		return sanitize(key, maxServerText)
	}
	list := func(title string, errs []*bulk.JobError) {
		for i, je := range errs {
			if i == maxRowErrors {
				fmt.Fprintf(w, "  ... and %d more\n", len(errs)-maxRowErrors)
				break
			}
			if i == 0 {
				fmt.Fprintln(w, title)
			}
			fmt.Fprintf(w, "  %s: %s\n", where(je.Key), message(je.Err))
		}
	}
	list("Refused:", s.Rejected)
	list("Invalid:", s.Invalid)
	for _, tp := range s.PausedTemplates {
		fmt.Fprintf(w, "Template %q (%s) paused after: %s; %d row(s) not sent: fix the template in WhatsApp Manager, then run the same command again.\n",
			serverText(tp.Name), serverText(tp.Language), serverText(tp.Reason), tp.Skipped)
	}
	if len(s.RetryLater) > 0 {
		next := s.RetryLater[0].Due
		for _, r := range s.RetryLater {
			if r.Due.Before(next) {
				next = r.Due
			}
		}
		fmt.Fprintf(w, "%d row(s) WhatsApp asked to retry later: the first is due at %s; then run the same command as 'crispwa bulk retry ...'.\n",
			len(s.RetryLater), clock(next))
	}
	for i, key := range s.Suppress {
		if i == 0 {
			if f.suppressions != "" {
				fmt.Fprintf(w, "Recipients WhatsApp says cannot or will not receive it (added to %s):\n", f.suppressions)
			} else {
				fmt.Fprintln(w, "Recipients to suppress (WhatsApp says they cannot or will not receive it; do not send to them again, e.g. with --suppressions FILE):")
			}
		}
		if i == maxRowErrors {
			fmt.Fprintf(w, "  ... and %d more ('crispwa bulk status' lists them all)\n", len(s.Suppress)-maxRowErrors)
			break
		}
		to := rows[key].to
		if to == "" {
			to = sanitize(key, maxServerText)
		}
		fmt.Fprintf(w, "  %s: %s\n", where(key), to)
	}
	var keys, reasons []string
	for _, je := range s.Unknown {
		keys, reasons = append(keys, je.Key), append(reasons, where(je.Key)+": "+message(je.Err))
	}
	for _, k := range s.SkippedUnknown {
		keys, reasons = append(keys, k), append(reasons, where(k)+": outcome unknown in an earlier run")
	}
	if len(keys) > 0 {
		printResolveCommands(w, f.journal, keys, reasons)
	}
}

// clock is t as the operator reads it: the time of day when it is today,
// else the date too.
func clock(t time.Time) string {
	t = t.Local()
	if y, m, d := t.Date(); y == time.Now().Year() && m == time.Now().Month() && d == time.Now().Day() {
		return t.Format(time.TimeOnly)
	}
	return t.Format(time.DateTime)
}
