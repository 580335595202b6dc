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
	fs := newFlagSet("bulk status", "--journal FILE [--older-than D]", bulkStatusAbout)
	journal := fs.String("journal", "", "the campaign's journal `FILE` (required)")
	stale := fs.Duration("older-than", defaultStale, "report accepted rows without a callback after this long")
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	switch {
	case *journal == "":
		return usageError(e, "bulk status", "--journal is required")
	case *stale < 0:
		return usageError(e, "bulk status", "--older-than must not be negative")
	}
	entries, err := readJournalFile(*journal)
	if err != nil {
		return failure(e, "bulk status", err)
	}
	if entries == nil {
		return failure(e, "bulk status", configErrorf("--journal %s does not exist", *journal))
	}
	printStatus(e.stdout, *journal, entries, *stale, time.Now())
	return exitOK
}

// printStatus writes the report of runBulkStatus.
func printStatus(w io.Writer, path string, entries []bulk.Entry, stale time.Duration, now time.Time) {
	var byStatus = map[bulk.Status]int{}
	var delivered, failed, waiting int
	var unknown, rejected, notSent, late, suppress []bulk.Entry
	classes := map[crispwa.FailureClass]int{}
	for _, en := range entries {
		byStatus[en.Status]++
		switch en.Status {
		case bulk.StatusUnknown:
			unknown = append(unknown, en)
		case bulk.StatusRejected:
			rejected = append(rejected, en)
		case bulk.StatusAccepted:
			switch en.Delivery {
			case bulk.DeliveryDelivered:
				delivered++
			case bulk.DeliveryFailed:
				failed++
				notSent = append(notSent, en)
				class := crispwa.FailureUnknown
				if en.Failure != nil {
					class = en.Failure.Class
				}
				classes[class]++
				if class == crispwa.FailureRecipient {
					suppress = append(suppress, en)
				}
			default:
				waiting++
				if !en.Time.IsZero() && !en.Resolved && now.Sub(en.Time) > stale {
					late = append(late, en)
				}
			}
		}
	}
	fmt.Fprintf(w, "Journal %s: %d row(s)\n", path, len(entries))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(n int, what string) { fmt.Fprintf(tw, "%d\t  %s\n", n, what) }
	row(byStatus[bulk.StatusAccepted], "accepted")
	row(byStatus[bulk.StatusRejected], "refused (the next run sends them)")
	row(byStatus[bulk.StatusUnknown], "outcome unknown (check in Crisp, then 'crispwa bulk resolve')")
	row(delivered, "  of the accepted: delivered (callback)")
	row(failed, "  of the accepted: not sent by Crisp (callback)")
	for _, fc := range failureClasses {
		if n := classes[fc.class]; n > 0 {
			row(n, fmt.Sprintf("    %s: %s", fc.class, fc.what))
		}
	}
	row(waiting, "  of the accepted: no callback yet")
	_ = tw.Flush()
	list := func(title string, es []bulk.Entry, detail func(bulk.Entry) string) {
		if len(es) == 0 {
			return
		}
		fmt.Fprintln(w, "\n"+title)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for i, en := range es {
			if i == maxRowErrors {
				fmt.Fprintf(tw, "  ... and %d more\n", len(es)-maxRowErrors)
				break
			}
			fmt.Fprintf(tw, "  %s\t%s\n", sanitize(en.Key, maxServerText), detail(en))
		}
		_ = tw.Flush()
	}
	reason := func(en bulk.Entry) string { return message(errors.New(en.Reason)) }
	if len(unknown) > 0 {
		keys := make([]string, len(unknown))
		reasons := make([]string, len(unknown))
		for i, en := range unknown {
			keys[i], reasons[i] = en.Key, reason(en)
		}
		fmt.Fprintln(w)
		printResolveCommands(w, path, keys, reasons)
	}
	list("Refused:", rejected, reason)
	list("Not sent by Crisp (callback):", notSent, func(en bulk.Entry) string {
		if en.Failure != nil {
			return string(en.Failure.Class) + ": " + serverText(en.DeliveryReason)
		}
		return serverText(en.DeliveryReason)
	})
	list("Recipients to suppress (WhatsApp says they cannot or will not receive it):", suppress, func(bulk.Entry) string { return "" })
	list(fmt.Sprintf("Accepted more than %s ago, no callback yet (is the callback URL set in the Crisp plugin?):", stale), late,
		func(en bulk.Entry) string {
			return fmt.Sprintf("accepted %s ago, request_id %s", now.Sub(en.Time).Round(time.Second), serverText(en.RequestID))
		})
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

func runBulkResolve(_ context.Context, e *cmdEnv, args []string) int {
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
		if err := j.Resolve(k, *sent); err != nil {
			return failure(e, "bulk resolve", err)
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", sanitize(k, maxServerText), what)
	}
	if err := j.Close(); err != nil {
		return failure(e, "bulk resolve", err)
	}
	return exitOK
}
