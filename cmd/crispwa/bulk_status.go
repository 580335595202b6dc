package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
)

const bulkStatusAbout = `Reports on a campaign's journal, without changing it (it may be read while
the campaign runs): how many rows are accepted, refused or unknown, what the
callbacks said, every row whose outcome is unknown or that Crisp did not
send (with its key), and the rows accepted longer ago than --older-than
whose callback never came. Needs none of the CRISP_* variables.`

const bulkResolveAbout = `Records in a campaign's journal what you found out in Crisp about one row
whose outcome is unknown: --sent (the message went out: a re-run skips the
row) or --not-sent (it did not: the next run sends it, without
--retry-unknown for everyone). KEY is the row's key as 'crispwa bulk status'
prints it. Needs none of the CRISP_* variables.`

// defaultStale is how long after acceptance a missing callback is reported.
const defaultStale = 10 * time.Minute

func runBulkStatus(_ context.Context, e *cmdEnv, args []string) int {
	fs := newFlagSet("bulk status", "--journal FILE [--older-than D] [--output text|json]", bulkStatusAbout)
	journal := fs.String("journal", "", "the campaign's journal `FILE` (required)")
	stale := fs.Duration("older-than", defaultStale, "report accepted rows without a callback after this long")
	output := outputFlag(fs)
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	switch {
	case *journal == "":
		return usageError(e, "bulk status", "--journal is required")
	case *stale < 0:
		return usageError(e, "bulk status", "--older-than must not be negative")
	case checkOutput(*output) != "":
		return usageError(e, "bulk status", checkOutput(*output))
	}
	entries, err := readJournalFile(*journal)
	if err != nil {
		return failure(e, "bulk status", err)
	}
	if entries == nil {
		return failure(e, "bulk status", configErrorf("--journal %s does not exist", *journal))
	}
	st := campaignStatus(*journal, entries, readCampaignMeta(*journal), *stale, time.Now())
	if *output == outputJSON {
		if err := writeJSON(e.stdout, st); err != nil {
			return failure(e, "bulk status", err)
		}
		return exitOK
	}
	printStatus(e.stdout, st, *stale)
	return exitOK
}

// statusRow is one row of a campaign's journal that needs a look.
type statusRow struct {
	Key    string `json:"key"`
	Detail string `json:"detail,omitempty"`
	// Resolve is the command that settles an unknown row, ready to paste.
	Resolve string `json:"resolve,omitempty"`
	// RetryAt is when a retry-later row is due.
	RetryAt *time.Time `json:"retry_at,omitempty"`
}

// statusReport is what 'crispwa bulk status' reports, as text or JSON.
type statusReport struct {
	Journal string `json:"journal"`
	// The campaign's CSV and its rows, from the last run's campaign file
	// beside the journal (absent for a journal without one).
	CSV      string `json:"csv,omitempty"`
	Template string `json:"template,omitempty"`
	Language string `json:"language,omitempty"`
	Total    *int   `json:"total,omitempty"`   // the CSV's rows
	Invalid  *int   `json:"invalid,omitempty"` // rows that cannot be sent
	// Remaining is the valid rows not accepted yet and not unknown: what
	// the next run sends.
	Remaining *int `json:"remaining,omitempty"`

	Rows       int `json:"rows"` // rows in the journal
	Accepted   int `json:"accepted"`
	Refused    int `json:"refused"`
	Unknown    int `json:"unknown"`
	Delivered  int `json:"delivered"`
	Failed     int `json:"failed"`
	NoCallback int `json:"no_callback"`
	RetryLater int `json:"retry_later"`
	// Failures counts the failed callbacks by class.
	Failures map[crispwa.FailureClass]int `json:"failures,omitempty"`

	UnknownRows  []statusRow `json:"unknown_rows"`
	RefusedRows  []statusRow `json:"refused_rows"`
	FailedRows   []statusRow `json:"failed_rows"`
	SuppressRows []statusRow `json:"suppress_rows"`
	RetryRows    []statusRow `json:"retry_rows"`
	LateRows     []statusRow `json:"late_rows"`
}

// campaignStatus reads the journal's entries into a report.
func campaignStatus(path string, entries []bulk.Entry, meta *campaignMeta, stale time.Duration, now time.Time) *statusReport {
	st := &statusReport{Journal: path, Rows: len(entries), Failures: map[crispwa.FailureClass]int{},
		UnknownRows: []statusRow{}, RefusedRows: []statusRow{}, FailedRows: []statusRow{}, SuppressRows: []statusRow{},
		RetryRows: []statusRow{}, LateRows: []statusRow{}}
	reason := func(en bulk.Entry) string { return message(errors.New(en.Reason)) }
	for _, en := range entries {
		key := sanitize(en.Key, maxServerText)
		switch en.Status {
		case bulk.StatusUnknown, bulk.StatusSending:
			st.Unknown++
			st.UnknownRows = append(st.UnknownRows, statusRow{Key: key, Detail: reason(en),
				Resolve: fmt.Sprintf("crispwa bulk resolve --journal %s --key %s --sent", shellQuote(path), shellQuote(key))})
		case bulk.StatusRejected:
			st.Refused++
			st.RefusedRows = append(st.RefusedRows, statusRow{Key: key, Detail: reason(en)})
		case bulk.StatusAccepted:
			st.Accepted++
			switch en.Delivery {
			case bulk.DeliveryDelivered:
				st.Delivered++
			case bulk.DeliveryFailed:
				st.Failed++
				class := crispwa.FailureUnknown
				if en.Failure != nil {
					class = en.Failure.Class
				}
				st.Failures[class]++
				st.FailedRows = append(st.FailedRows, statusRow{Key: key, Detail: string(class) + ": " + serverText(en.DeliveryReason)})
				if class == crispwa.FailureRecipient {
					st.SuppressRows = append(st.SuppressRows, statusRow{Key: key})
				}
				if !en.RetryAt.IsZero() {
					st.RetryLater++
					at := en.RetryAt
					st.RetryRows = append(st.RetryRows, statusRow{Key: key, RetryAt: &at})
				}
			default:
				st.NoCallback++
				if !en.Time.IsZero() && !en.Resolved && now.Sub(en.Time) > stale {
					st.LateRows = append(st.LateRows, statusRow{Key: key,
						Detail: fmt.Sprintf("accepted %s ago, request_id %s", now.Sub(en.Time).Round(time.Second), serverText(en.RequestID))})
				}
			}
		}
	}
	if meta != nil {
		st.CSV, st.Template, st.Language = meta.CSV, serverText(meta.Template), serverText(meta.Language)
		total, invalid := meta.Rows, meta.Invalid
		// The valid rows less those settled: accepted (a retry-later one
		// is counted in remaining again), or unknown (not sent again).
		remaining := max(0, meta.Valid-st.Accepted-st.Unknown+st.RetryLater)
		st.Total, st.Invalid, st.Remaining = &total, &invalid, &remaining
	}
	return st
}

// printStatus writes the report of runBulkStatus as text.
func printStatus(w io.Writer, st *statusReport, stale time.Duration) {
	path := st.Journal
	if st.Total != nil {
		fmt.Fprintf(w, "Campaign %s: %d row(s) in %s, template %q (%s)\n", path, *st.Total, st.CSV, st.Template, st.Language)
		fmt.Fprintf(w, "%d remaining to send (the next run sends them), %d invalid\n", *st.Remaining, *st.Invalid)
	}
	fmt.Fprintf(w, "Journal %s: %d row(s)\n", path, st.Rows)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(n int, what string) { fmt.Fprintf(tw, "%d\t  %s\n", n, what) }
	row(st.Accepted, "accepted")
	row(st.Refused, "refused (the next run sends them)")
	row(st.Unknown, "outcome unknown (check in Crisp, then 'crispwa bulk resolve')")
	row(st.Delivered, "  of the accepted: delivered (callback)")
	row(st.Failed, "  of the accepted: not sent by Crisp (callback)")
	for _, fc := range failureClasses {
		if n := st.Failures[fc.class]; n > 0 {
			row(n, fmt.Sprintf("    %s: %s", fc.class, fc.what))
		}
	}
	if st.RetryLater > 0 {
		row(st.RetryLater, "    to send again later ('crispwa bulk retry' once due)")
	}
	row(st.NoCallback, "  of the accepted: no callback yet")
	_ = tw.Flush()
	list := func(title string, rows []statusRow) {
		if len(rows) == 0 {
			return
		}
		fmt.Fprintln(w, "\n"+title)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for i, r := range rows {
			if i == maxRowErrors {
				fmt.Fprintf(tw, "  ... and %d more\n", len(rows)-maxRowErrors)
				break
			}
			detail := r.Detail
			if r.RetryAt != nil {
				detail = "due at " + r.RetryAt.Local().Format(time.DateTime)
			}
			if detail == "" {
				fmt.Fprintf(tw, "  %s\n", r.Key)
				continue
			}
			fmt.Fprintf(tw, "  %s\t%s\n", r.Key, detail)
		}
		_ = tw.Flush()
	}
	if len(st.UnknownRows) > 0 {
		keys := make([]string, len(st.UnknownRows))
		reasons := make([]string, len(st.UnknownRows))
		for i, r := range st.UnknownRows {
			keys[i], reasons[i] = r.Key, r.Detail
		}
		fmt.Fprintln(w)
		printResolveCommands(w, path, keys, reasons)
	}
	list("Refused:", st.RefusedRows)
	list("Not sent by Crisp (callback):", st.FailedRows)
	list("Recipients to suppress (WhatsApp says they cannot or will not receive it):", st.SuppressRows)
	list("To send again later (crispwa bulk retry ...):", st.RetryRows)
	list(fmt.Sprintf("Accepted more than %s ago, no callback yet (is the callback URL set in the Crisp plugin?):", stale), st.LateRows)
}

// printResolveCommands lists the unknown keys as commands ready to paste,
// one a line, each with its reason when reasons is not nil.
func printResolveCommands(w io.Writer, journal string, keys, reasons []string) {
	fmt.Fprintln(w, "Outcome unknown: check each in Crisp, then paste its line (--not-sent instead if it did not go out):")
	for i, k := range keys {
		if i == maxRowErrors {
			fmt.Fprintf(w, "  ... and %d more ('crispwa bulk status --journal %s' lists them all)\n", len(keys)-maxRowErrors, shellQuote(journal))
			break
		}
		line := fmt.Sprintf("  crispwa bulk resolve --journal %s --key %s --sent", shellQuote(journal), shellQuote(sanitize(k, maxServerText)))
		if reasons != nil && reasons[i] != "" {
			line += "   # " + reasons[i]
		}
		fmt.Fprintln(w, line)
	}
	if len(keys) > 1 {
		fmt.Fprintf(w, "  or, for all of them at once: crispwa bulk resolve --journal %s --all-unknown --sent (or --not-sent)\n", shellQuote(journal))
	}
}

// shellQuote quotes s for a POSIX shell: as it is when it is made of safe
// characters only, else in single quotes.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-./:@%+=,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func runBulkResolve(ctx context.Context, e *cmdEnv, args []string) int {
	fs := newFlagSet("bulk resolve", "--journal FILE (--key KEY... | --all-unknown) (--sent | --not-sent)", bulkResolveAbout)
	journal := fs.String("journal", "", "the campaign's journal `FILE` (required)")
	var keys []string
	fs.Func("key", "a row's `KEY`, as 'crispwa bulk status' prints it; repeatable", func(v string) error {
		keys = append(keys, v)
		return nil
	})
	allUnknown := fs.Bool("all-unknown", false, "every row whose outcome is unknown")
	sent := fs.Bool("sent", false, "the message went out: a re-run skips the row")
	notSent := fs.Bool("not-sent", false, "the message did not go out: the next run sends it")
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	switch {
	case *journal == "" && len(keys) == 0 && !*allUnknown:
		return usageError(e, "bulk resolve", "--journal and --key (or --all-unknown) are required")
	case *journal == "":
		return usageError(e, "bulk resolve", "--journal is required")
	case len(keys) == 0 && !*allUnknown:
		return usageError(e, "bulk resolve", "give the rows: --key KEY (repeatable) or --all-unknown")
	case len(keys) > 0 && *allUnknown:
		return usageError(e, "bulk resolve", "give either --key or --all-unknown, not both")
	case *sent == *notSent:
		return usageError(e, "bulk resolve", "give exactly one of --sent and --not-sent")
	}
	if _, err := readJournalFile(*journal); err != nil { // refuse a file that is not a journal before opening it
		return failure(e, "bulk resolve", err)
	}
	j, err := openJournal(*journal)
	if err != nil {
		return failure(e, "bulk resolve", err)
	}
	defer j.Close()
	if *allUnknown {
		for _, en := range j.Entries() {
			if en.Status == bulk.StatusUnknown || en.Status == bulk.StatusSending {
				keys = append(keys, en.Key)
			}
		}
		if len(keys) == 0 {
			fmt.Fprintf(e.stdout, "no row of %s has an unknown outcome: nothing to resolve\n", *journal)
			return exitOK
		}
	}
	// Every key is checked before any is written: a typo changes nothing.
	var missing []string
	for _, k := range keys {
		if _, ok := j.Lookup(k); !ok {
			missing = append(missing, fmt.Sprintf("%q", sanitize(k, maxServerText)))
		}
	}
	if len(missing) > 0 {
		return failure(e, "bulk resolve", configErrorf("no row with key %s in %s, nothing changed ('crispwa bulk status --journal %s' lists them)",
			strings.Join(missing, ", "), *journal, *journal))
	}
	what := "marked not sent; the next run sends it"
	if *sent {
		what = "marked sent; a re-run skips it"
	}
	for _, k := range keys {
		was, _ := j.Lookup(k)
		if err := j.Resolve(k, *sent); err != nil {
			return failure(e, "bulk resolve", err)
		}
		reportResolved(ctx, e, was.Status == bulk.StatusUnknown || was.Status == bulk.StatusSending, *sent)
		fmt.Fprintf(e.stdout, "%s: %s\n", sanitize(k, maxServerText), what)
	}
	if err := j.Close(); err != nil {
		return failure(e, "bulk resolve", err)
	}
	return exitOK
}
