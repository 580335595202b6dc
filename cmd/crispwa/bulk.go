package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

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
once, with its lines) and not sent. --dry-run reads the journal without
changing it and says what a real run would do.

The journal (--journal FILE, JSON lines) records "sending" before each
request leaves and the outcome after. A re-run skips the rows already
accepted and sends the refused and new ones; a row whose outcome is unknown
(the connection dropped, a 5xx, the process killed mid-send) is not sent
again unless --retry-unknown: first check in Crisp that it was not sent, or
settle it with 'crispwa bulk resolve'. 'crispwa bulk status' reports on a
journal. With --listen and --token the command also receives Crisp's
callbacks during the campaign (and --callback-wait after it) and records
them in the journal. A rate limit from Crisp pauses every worker and lowers
the rate; refused credentials stop the campaign at once.

Ctrl-C stops sending and waits up to 30s for the sends in flight; a second
Ctrl-C stops at once, recording those sends as unknown.

Also:
  crispwa bulk status --journal FILE [--older-than D]
  crispwa bulk resolve --journal FILE --key KEY (--sent | --not-sent)

` + exitCodesHelp

// bulkFlags are the flags of "crispwa bulk".
type bulkFlags struct {
	csv, template, language, from, journal string
	rate                                   float64
	concurrency                            int
	dryRun, retryUnknown, ignoreExtra      bool
	delimiter                              string
	listen, token                          string
	callbackWait                           time.Duration
	region                                 string
}

func runBulk(ctx context.Context, e *cmdEnv, args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "status":
			return runBulkStatus(e, args[1:])
		case "resolve":
			return runBulkResolve(e, args[1:])
		}
	}
	var f bulkFlags
	fs := newFlagSet("bulk", "--csv FILE --template NAME --language CODE --from NUMBER --journal FILE [flags]", bulkAbout)
	fs.StringVar(&f.csv, "csv", "", "the `FILE` of recipients and values (required)")
	fs.StringVar(&f.template, "template", "", "template name (required)")
	fs.StringVar(&f.language, "language", "", "template language, e.g. en_US (required)")
	fs.StringVar(&f.from, "from", "", "the website's WhatsApp number to send from (required)")
	fs.StringVar(&f.journal, "journal", "", "the campaign's journal `FILE`, created if missing (required)")
	fs.Float64Var(&f.rate, "rate", bulk.DefaultRate, "sends per second at most, shared by all workers (0: no limit)")
	fs.IntVar(&f.concurrency, "concurrency", bulk.DefaultConcurrency, "sends in flight at most")
	fs.BoolVar(&f.dryRun, "dry-run", false, "check every row and read the journal: say what a run would do, send nothing, change nothing")
	fs.BoolVar(&f.retryUnknown, "retry-unknown", false, "send again the rows whose outcome is unknown (those that did go out are sent twice)")
	fs.BoolVar(&f.ignoreExtra, "ignore-extra-columns", false, "ignore CSV columns the template does not use (a name, an email...)")
	fs.StringVar(&f.delimiter, "delimiter", "", "the CSV's separator: \",\", \";\" or \"tab\" (default: detected from the header row)")
	fs.StringVar(&f.listen, "listen", "", "receive Crisp's callbacks on `ADDR` during the campaign and record them in the journal (needs --token)")
	fs.StringVar(&f.token, "token", "", "with --listen: the token callbacks must carry (?token= or the Basic password)")
	fs.DurationVar(&f.callbackWait, "callback-wait", 0, "with --listen: after the last send, wait up to this long for the callbacks")
	fs.StringVar(&f.region, "region", "", "read national numbers (without a country code) as numbers of this country, e.g. FR")
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	delim, msg := f.validate()
	if msg != "" {
		return usageError(e, "bulk", msg)
	}
	// The journal first: a file that is not one is refused before anything.
	entries, err := readJournalFile(f.journal)
	if err != nil {
		return failure(e, "bulk", err)
	}
	client, err := clientFromEnv(e.getenv, crispwa.WithObserver(e.observer))
	if err != nil {
		return failure(e, "bulk", err)
	}
	tmpl, err := getTemplate(ctx, client, f.template, f.language)
	if err != nil {
		return failure(e, "bulk", err)
	}
	if !isApproved(tmpl) { // a problem of the whole file, told once
		return failure(e, "bulk", fmt.Errorf("template %q (%s) is %s, not APPROVED: no row can be sent until it is approved",
			serverText(tmpl.Name), serverText(tmpl.Language), serverText(tmpl.Status)))
	}
	file, err := os.Open(f.csv)
	if err != nil {
		return failure(e, "bulk", &configError{err})
	}
	rows, err := readCampaign(file, campaignInput{t: tmpl, from: f.from, delimiter: delim, ignoreExtra: f.ignoreExtra, region: f.region})
	_ = file.Close()
	if err != nil {
		return failure(e, "bulk", fmt.Errorf("%s: %w", f.csv, err))
	}
	var jobs []bulk.Job
	var jobLines []int
	var bad []campaignRow
	for _, r := range rows {
		if r.err != nil {
			bad = append(bad, r)
			continue
		}
		jobs = append(jobs, r.job)
		jobLines = append(jobLines, r.line)
	}
	adoptJournalKeys(jobs, entries, tmpl, f.region)
	rowsByKey := map[string]jobRow{} // key → CSV line and recipient, for the report
	for i, j := range jobs {
		rowsByKey[j.Key] = jobRow{line: jobLines[i], to: j.Request.To}
	}
	printRowErrors(e.stderr, f.csv, bad, len(rows))
	if f.dryRun {
		return dryRun(e, &f, entries, jobs, len(rows), len(bad))
	}
	return sendCampaign(ctx, e, client, &f, jobs, rowsByKey, len(bad))
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
	for _, r := range []struct{ flag, val string }{
		{"--csv", f.csv}, {"--template", f.template}, {"--language", f.language}, {"--from", f.from}, {"--journal", f.journal},
	} {
		if r.val == "" {
			return 0, r.flag + " is required"
		}
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

// dryRun says what a real run would do with the jobs, given the journal.
func dryRun(e *cmdEnv, f *bulkFlags, entries []bulk.Entry, jobs []bulk.Job, rows, invalid int) int {
	status := map[string]bulk.Status{}
	for _, en := range entries {
		status[en.Key] = en.Status
	}
	var toSend, already, unknown int
	for _, j := range jobs {
		switch st := status[j.Key]; {
		case st == bulk.StatusAccepted:
			already++
		case st == bulk.StatusUnknown && !f.retryUnknown:
			unknown++
		default:
			toSend++
		}
	}
	fmt.Fprintf(e.stdout, "dry run: %d row(s) in %s; nothing sent, journal not changed\n", rows, f.csv)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%d\t  to send\n", toSend)
	fmt.Fprintf(tw, "%d\t  already accepted in an earlier run (skipped)\n", already)
	fmt.Fprintf(tw, "%d\t  outcome unknown in an earlier run (skipped; --retry-unknown sends them)\n", unknown)
	fmt.Fprintf(tw, "%d\t  invalid (not sent)\n", invalid)
	_ = tw.Flush()
	switch {
	case unknown > 0:
		return exitUnknown
	case invalid > 0:
		return exitFailure
	}
	return exitOK
}

// sendCampaign runs the jobs with the journal and prints the summary.
func sendCampaign(ctx context.Context, e *cmdEnv, client *crispwa.Client, f *bulkFlags, jobs []bulk.Job, rows map[string]jobRow, invalid int) int {
	journal, err := bulk.OpenJournal(f.journal)
	if err != nil {
		return failure(e, "bulk", err)
	}
	defer journal.Close()
	var out sync.Mutex // stderr is shared by the progress, the callbacks and the interrupt
	say := func(format string, args ...any) {
		out.Lock()
		defer out.Unlock()
		fmt.Fprintf(e.stderr, format+"\n", args...)
	}
	opts := []bulk.Option{
		bulk.WithRate(f.rate), bulk.WithConcurrency(f.concurrency), bulk.WithRetryUnknown(f.retryUnknown),
		bulk.WithTemplateCheck(false), // every row was built and checked from the template already
		bulk.WithAbort(e.stopNow), bulk.WithDrainTimeout(bulk.DefaultDrainTimeout), bulk.WithObserver(e.observer),
	}
	if f.listen != "" {
		refused := &refusalLog{print: func(s string) { say("%s", s) }}
		srv, err := serveCallbacks(f.listen, callbackHandler(journal.RecordCallback, f.token, refused.add, callback.WithObserver(e.observer)))
		if err != nil {
			return failure(e, "bulk", &configError{err})
		}
		defer srv.close()
		say("listening for callbacks on %s", srv.addr)
		opts = append(opts, bulk.WithCallbackWait(f.callbackWait))
	}
	progress, every, finish := progressReporter(e.stderr, &out, len(jobs))
	var stopping sync.Once
	opts = append(opts, bulk.WithProgress(func(p bulk.Progress) {
		if p.Stopping && ctx.Err() != nil {
			stopping.Do(func() {
				say("stopping: waiting up to %s for %d send(s) in flight; Ctrl-C again to stop now", bulk.DefaultDrainTimeout, p.InFlight)
			})
		}
		progress(p)
	}, every))
	runner, err := bulk.NewRunner(client, journal, opts...)
	if err != nil {
		return failure(e, "bulk", err)
	}
	sum, runErr := runner.Run(ctx, jobs)
	finish()
	if err := journal.Close(); err != nil && runErr == nil {
		runErr = err
	}
	if sum != nil {
		printSummary(e.stdout, sum, invalid, rows, f.listen != "")
	}
	unknown := sum != nil && len(sum.Unknown)+len(sum.SkippedUnknown) > 0
	switch {
	case errors.Is(runErr, context.Canceled) || errors.Is(runErr, bulk.ErrAborted):
		say("crispwa bulk: interrupted; run the same command again to resume (journal %s)", f.journal)
		if unknown {
			return exitUnknown
		}
		return exitFailure
	case runErr != nil:
		code := failure(e, "bulk", runErr)
		if errors.Is(runErr, crispwa.ErrUnauthorized) {
			say("Nothing more was sent. Fix the credentials and run the same command again to resume.")
		}
		return code
	case unknown:
		return exitUnknown
	case !sum.OK() || invalid > 0:
		return exitFailure
	}
	return exitOK
}

// progressReporter returns the progress function and how often to call it:
// a bar when w is a terminal, else a plain line every 5 seconds. finish ends
// the bar. Writes to w hold mu.
func progressReporter(w io.Writer, mu *sync.Mutex, total int) (report func(bulk.Progress), every time.Duration, finish func()) {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("sending"),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond))
		return func(p bulk.Progress) {
				mu.Lock()
				defer mu.Unlock()
				bar.Describe(fmt.Sprintf("sending, %.1f/s", p.Rate))
				_ = bar.Set(p.Done)
			}, 250 * time.Millisecond, func() {
				mu.Lock()
				defer mu.Unlock()
				_ = bar.Finish()
			}
	}
	var last time.Time
	return func(p bulk.Progress) {
		if p.ToSend == 0 || (time.Since(last) < 5*time.Second && p.Remaining > 0) {
			return
		}
		last = time.Now()
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "bulk: %d/%d done: %d accepted, %d rejected, %d unknown; %.1f sends/s\n",
			p.Done, p.ToSend, p.Accepted, p.Rejected, p.Unknown, p.Rate)
	}, time.Second, func() {}
}

// printSummary prints the outcome table and the rows to look at.
func printSummary(w io.Writer, s *bulk.Summary, invalid int, rows map[string]jobRow, callbacks bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(n int, what string) { fmt.Fprintf(tw, "%d\t  %s\n", n, what) }
	fmt.Fprintln(w, "\nCampaign summary:")
	row(s.Accepted, "accepted now")
	row(s.AlreadySent, "already accepted in an earlier run (skipped)")
	row(len(s.Rejected), "refused (re-run to send them again)")
	row(len(s.Unknown), "outcome unknown (not sent again: check in Crisp)")
	row(len(s.SkippedUnknown), "outcome unknown in an earlier run (skipped; --retry-unknown)")
	row(invalid+len(s.Invalid), "invalid rows (not sent)")
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
	list := func(title string, errs []*bulk.JobError) {
		for i, je := range errs {
			if i == maxRowErrors {
				fmt.Fprintf(w, "  ... and %d more\n", len(errs)-maxRowErrors)
				break
			}
			if i == 0 {
				fmt.Fprintln(w, title)
			}
			fmt.Fprintf(w, "  line %d: %s\n", rows[je.Key].line, message(je.Err))
		}
	}
	earlier := make([]*bulk.JobError, len(s.SkippedUnknown))
	for i, key := range s.SkippedUnknown {
		earlier[i] = &bulk.JobError{Key: key, Err: errors.New("outcome unknown in an earlier run")}
	}
	list("Refused:", s.Rejected)
	list("Outcome unknown:", s.Unknown)
	list("Skipped, outcome unknown:", earlier)
	list("Invalid:", s.Invalid)
	for i, key := range s.Suppress {
		if i == 0 {
			fmt.Fprintln(w, "Recipients to suppress (WhatsApp says they cannot or will not receive it; do not send to them again):")
		}
		if i == maxRowErrors {
			fmt.Fprintf(w, "  ... and %d more ('crispwa bulk status' lists them all)\n", len(s.Suppress)-maxRowErrors)
			break
		}
		fmt.Fprintf(w, "  line %d: %s\n", rows[key].line, rows[key].to)
	}
	if len(s.Unknown)+len(s.SkippedUnknown) > 0 {
		fmt.Fprintln(w, "Check the unknown ones in Crisp, then settle each with 'crispwa bulk resolve --journal FILE\n--key KEY --sent' (or --not-sent, and the next run sends it); 'crispwa bulk status' lists them.")
	}
}
