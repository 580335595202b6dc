package main

import (
	"errors"
	"fmt"
	"io"
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

func runBulkStatus(e *cmdEnv, args []string) int {
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
	list("Outcome unknown (settle each with 'crispwa bulk resolve --journal "+path+" --key KEY --sent' or '--not-sent'):", unknown, reason)
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

func runBulkResolve(e *cmdEnv, args []string) int {
	fs := newFlagSet("bulk resolve", "--journal FILE --key KEY (--sent | --not-sent)", bulkResolveAbout)
	journal := fs.String("journal", "", "the campaign's journal `FILE` (required)")
	key := fs.String("key", "", "the row's key, as 'crispwa bulk status' prints it (required)")
	sent := fs.Bool("sent", false, "the message went out: a re-run skips the row")
	notSent := fs.Bool("not-sent", false, "the message did not go out: the next run sends it")
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	switch {
	case *journal == "" || *key == "":
		return usageError(e, "bulk resolve", "--journal and --key are required")
	case *sent == *notSent:
		return usageError(e, "bulk resolve", "give exactly one of --sent and --not-sent")
	}
	if _, err := readJournalFile(*journal); err != nil { // refuse a file that is not a journal before opening it
		return failure(e, "bulk resolve", err)
	}
	j, err := bulk.OpenJournal(*journal)
	if errors.Is(err, bulk.ErrJournalLocked) {
		return failure(e, "bulk resolve", configErrorf("the campaign is running on %s: resolve once it has stopped", *journal))
	}
	if err != nil {
		return failure(e, "bulk resolve", err)
	}
	err = j.Resolve(*key, *sent)
	if cerr := j.Close(); err == nil {
		err = cerr
	}
	switch {
	case errors.Is(err, bulk.ErrUnknownKey):
		return failure(e, "bulk resolve", configErrorf("no row with key %q in %s ('crispwa bulk status --journal %s' lists them)", *key, *journal, *journal))
	case err != nil:
		return failure(e, "bulk resolve", err)
	case *sent:
		fmt.Fprintf(e.stdout, "%s: marked sent; a re-run skips it\n", sanitize(*key, maxServerText))
	default:
		fmt.Fprintf(e.stdout, "%s: marked not sent; the next run sends it\n", sanitize(*key, maxServerText))
	}
	return exitOK
}
