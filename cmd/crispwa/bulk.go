package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
)

const bulkAbout = `Sends one template to every row of a CSV file, as a campaign, recording each
send in a journal so that re-running the same command resumes it without
sending anyone the message twice.

The CSV's header row names a "to" column (the recipient) and one column per
template parameter: "1", "2", ... for the body of a POSITIONAL template
("header:1" for its TEXT header), the parameter names for a NAMED one; and
"button:N" for the value of button N (a URL suffix, a coupon code, a quick
reply payload). Every row is checked against the template before the first
send; rows that fail are reported with their line number and not sent.
With --dry-run the command only checks.

The journal (--journal FILE, JSON lines) records "sending" before each
request leaves and the outcome after. A re-run skips the rows already
accepted and sends the refused and new ones; a row whose outcome is unknown
(the connection dropped, a 5xx, the process killed mid-send) is not sent
again unless --retry-unknown: first check in Crisp that it was not sent.
A 429 from Crisp pauses every worker and lowers the rate.

Exit status: 0 when every row was accepted (now or in an earlier run),
1 otherwise (invalid rows, refusals, unknown outcomes, interrupted), 2 on
bad usage. Ctrl-C stops sending; the sends in flight finish first.`

// bulkFlags are the flags of "crispwa bulk".
type bulkFlags struct {
	csv, template, language, from, journal string
	rate                                   float64
	concurrency                            int
	dryRun, retryUnknown                   bool
}

func runBulk(ctx context.Context, e *cmdEnv, args []string) int {
	var f bulkFlags
	fs := newFlagSet("bulk", "--csv FILE --template NAME --language CODE --from NUMBER --journal FILE [flags]", bulkAbout)
	fs.StringVar(&f.csv, "csv", "", "the `FILE` of recipients and values (required)")
	fs.StringVar(&f.template, "template", "", "template name (required)")
	fs.StringVar(&f.language, "language", "", "template language, e.g. en_US (required)")
	fs.StringVar(&f.from, "from", "", "the website's WhatsApp number to send from (required)")
	fs.StringVar(&f.journal, "journal", "", "the campaign's journal `FILE`, created if missing (required)")
	fs.Float64Var(&f.rate, "rate", bulk.DefaultRate, "sends per second at most, shared by all workers (0: no limit)")
	fs.IntVar(&f.concurrency, "concurrency", bulk.DefaultConcurrency, "sends in flight at most")
	fs.BoolVar(&f.dryRun, "dry-run", false, "check every row against the template and send nothing")
	fs.BoolVar(&f.retryUnknown, "retry-unknown", false, "send again the rows whose outcome is unknown (those that did go out are sent twice)")
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	if msg := f.validate(fs); msg != "" {
		return usageError(e, "bulk", msg)
	}
	client, err := clientFromEnv(e.getenv)
	if err != nil {
		return failure(e, "bulk", err)
	}
	tmpl, err := client.Templates.Get(ctx, f.template, f.language)
	if err != nil {
		return failure(e, "bulk", err)
	}
	file, err := os.Open(f.csv)
	if err != nil {
		return failure(e, "bulk", err)
	}
	rows, err := readCampaign(file, tmpl, f.from)
	_ = file.Close()
	if err != nil {
		return failure(e, "bulk", fmt.Errorf("%s: %w", f.csv, err))
	}
	var jobs []bulk.Job
	lines := map[string]int{} // key → CSV line, for the report
	var bad []campaignRow
	for _, r := range rows {
		if r.err != nil {
			bad = append(bad, r)
			continue
		}
		jobs = append(jobs, r.job)
		lines[r.job.Key] = r.line
	}
	printRowErrors(e.stderr, f.csv, bad)
	if f.dryRun {
		fmt.Fprintf(e.stdout, "dry run: %d row(s), %d ready to send, %d invalid; nothing sent\n", len(rows), len(jobs), len(bad))
		if len(bad) > 0 {
			return exitFailure
		}
		return exitOK
	}
	return sendCampaign(ctx, e, client, &f, jobs, lines, len(bad))
}

// validate returns a usage problem, or "".
func (f *bulkFlags) validate(fs *flag.FlagSet) string {
	for _, r := range []struct{ flag, val string }{
		{"--csv", f.csv}, {"--template", f.template}, {"--language", f.language}, {"--from", f.from}, {"--journal", f.journal},
	} {
		if r.val == "" {
			return r.flag + " is required"
		}
	}
	switch {
	case f.rate < 0 || math.IsNaN(f.rate) || math.IsInf(f.rate, 0):
		return fmt.Sprintf("--rate must be a number >= 0, got %v", f.rate)
	case f.concurrency < 1:
		return fmt.Sprintf("--concurrency must be at least 1, got %d", f.concurrency)
	}
	return ""
}

// sendCampaign runs the jobs with the journal and prints the summary.
func sendCampaign(ctx context.Context, e *cmdEnv, client *crispwa.Client, f *bulkFlags, jobs []bulk.Job, lines map[string]int, invalid int) int {
	journal, err := bulk.OpenJournal(f.journal)
	if err != nil {
		return failure(e, "bulk", err)
	}
	defer journal.Close()
	progress, every, finish := progressReporter(e.stderr, len(jobs))
	runner, err := bulk.NewRunner(client, journal,
		bulk.WithRate(f.rate), bulk.WithConcurrency(f.concurrency), bulk.WithRetryUnknown(f.retryUnknown),
		bulk.WithTemplateCheck(false), // every row was built and checked from the template already
		bulk.WithProgress(progress, every))
	if err != nil {
		return failure(e, "bulk", err)
	}
	sum, runErr := runner.Run(ctx, jobs)
	finish()
	if err := journal.Close(); err != nil && runErr == nil {
		runErr = err
	}
	if sum != nil {
		printSummary(e.stdout, sum, invalid, lines)
	}
	switch {
	case errors.Is(runErr, context.Canceled):
		fmt.Fprintf(e.stderr, "crispwa bulk: interrupted; run the same command again to resume (journal %s)\n", f.journal)
		return exitFailure
	case runErr != nil:
		return failure(e, "bulk", runErr)
	case !sum.OK() || invalid > 0:
		return exitFailure
	}
	return exitOK
}

// progressReporter returns the progress function and how often to call it:
// a bar when w is a terminal, else a plain line every 5 seconds. finish ends
// the bar.
func progressReporter(w io.Writer, total int) (report func(bulk.Progress), every time.Duration, finish func()) {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("sending"),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond))
		return func(p bulk.Progress) {
			bar.Describe(fmt.Sprintf("sending, %.1f/s", p.Rate))
			_ = bar.Set(p.Done)
		}, 250 * time.Millisecond, func() { _ = bar.Finish() }
	}
	var last time.Time
	return func(p bulk.Progress) {
		if p.ToSend == 0 || (time.Since(last) < 5*time.Second && p.Remaining > 0) {
			return
		}
		last = time.Now()
		fmt.Fprintf(w, "bulk: %d/%d done: %d accepted, %d rejected, %d unknown; %.1f sends/s\n",
			p.Done, p.ToSend, p.Accepted, p.Rejected, p.Unknown, p.Rate)
	}, time.Second, func() {}
}

// printRowErrors lists the rows that cannot be sent.
func printRowErrors(w io.Writer, file string, bad []campaignRow) {
	for i, r := range bad {
		if i == maxRowErrors {
			fmt.Fprintf(w, "... and %d more invalid row(s)\n", len(bad)-maxRowErrors)
			return
		}
		fmt.Fprintf(w, "%s:%d: %s\n", file, r.line, message(r.err))
	}
}

// printSummary prints the outcome table and the rows to look at.
func printSummary(w io.Writer, s *bulk.Summary, invalid int, lines map[string]int) {
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
			fmt.Fprintf(w, "  line %d: %s\n", lines[je.Key], message(je.Err))
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
	if len(s.Unknown)+len(s.SkippedUnknown) > 0 {
		fmt.Fprintln(w, "Check the unknown ones in Crisp. To send those that did not go out, re-run with\n--retry-unknown and a CSV of only those rows (the others would be sent twice).")
	}
}
