package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crispwa/crispwa/bulk"
)

const suppressionsAbout = `Manages a suppression list: the phone numbers a campaign never sends to
('crispwa bulk --suppressions FILE'), to which a campaign adds the
recipients WhatsApp says cannot or will not receive its messages (an
opt-out, an undeliverable number). FILE has one number a line, in any
spelling (with --region for national numbers); lines starting with '#' and
text after the number are ignored. Several campaigns may use one file at
once. Needs none of the CRISP_* variables.

  crispwa suppressions list   --suppressions FILE [--output json]
  crispwa suppressions add    --suppressions FILE [--reason TEXT] NUMBER...
  crispwa suppressions remove --suppressions FILE NUMBER...
  crispwa suppressions import --suppressions FILE [--reason TEXT] LIST...
      LIST: a text or CSV file whose first column is a number (a header
      row and lines that are not numbers are reported and skipped)`

// maxImportLine caps a line of an imported list.
const maxImportLine = 4 << 10

func runSuppressions(ctx context.Context, e *cmdEnv, args []string) int {
	actions := []string{"list", "add", "remove", "import"}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs := newFlagSet("suppressions", "list|add|remove|import --suppressions FILE ...", suppressionsAbout)
		if code, ok := parse(fs, e, args, false); !ok {
			return code
		}
		return usageError(e, "suppressions", "give an action: list, add, remove or import")
	}
	action := args[0]
	name := "suppressions " + action
	found := false
	for _, a := range actions {
		found = found || a == action
	}
	if !found {
		return usageError(e, "suppressions", fmt.Sprintf("unknown action %q%s: give list, add, remove or import",
			sanitize(action, maxServerText), didYouMean(action, actions, "")))
	}
	fs := newFlagSet(name, "--suppressions FILE ...", suppressionsAbout)
	path := fs.String("suppressions", "", "the suppression list `FILE`, created if missing (required)")
	region := fs.String("region", "", "read national numbers (without a country code) as numbers of this country, e.g. FR")
	reason := fs.String("reason", "", "with add and import: why, kept beside each number")
	output := outputFlag(fs)
	positional, code, ok := parseInterleaved(fs, e, args[1:])
	if !ok {
		return code
	}
	switch {
	case *path == "":
		return usageError(e, name, "--suppressions is required")
	case checkRegion(*region) != "":
		return usageError(e, name, checkRegion(*region))
	case checkOutput(*output) != "":
		return usageError(e, name, checkOutput(*output))
	case action == "list" && len(positional) > 0:
		return usageError(e, name, fmt.Sprintf("unexpected argument %q", positional[0]))
	case action != "list" && len(positional) == 0:
		return usageError(e, name, "give at least one "+map[bool]string{true: "LIST file", false: "NUMBER"}[action == "import"])
	}
	list, err := bulk.OpenSuppressionFile(*path, *region)
	if err != nil {
		return failure(e, name, &configError{err})
	}
	switch action {
	case "list":
		return listSuppressions(ctx, e, list, *output)
	case "import":
		return importSuppressions(ctx, e, list, positional, *region, *reason)
	}
	var bad int
	for _, raw := range positional {
		number, err := canonicalPhone("number", raw, *region)
		if err != nil {
			fmt.Fprintf(e.stderr, "crispwa %s: %s\n", name, message(err))
			bad++
			continue
		}
		if action == "add" {
			err = list.Add(ctx, number, *reason)
		} else {
			err = list.Remove(ctx, number)
		}
		if err != nil {
			return failure(e, name, err)
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", number, map[bool]string{true: "added", false: "removed"}[action == "add"])
	}
	if bad > 0 {
		return exitFailure
	}
	return exitOK
}

// parseInterleaved parses flags and positional arguments in any order
// ("add +336... --suppressions FILE"), returning the positional ones.
func parseInterleaved(fs *flag.FlagSet, e *cmdEnv, args []string) ([]string, int, bool) {
	var positional []string
	for {
		code, ok := parse(fs, e, args, true)
		if !ok {
			return nil, code, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, exitOK, true
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

func listSuppressions(ctx context.Context, e *cmdEnv, list bulk.Suppressions, output string) int {
	all, err := list.List(ctx)
	if err != nil {
		return failure(e, "suppressions list", err)
	}
	if output == outputJSON {
		type item struct {
			Number string     `json:"number"`
			Reason string     `json:"reason,omitempty"`
			Time   *time.Time `json:"time,omitempty"`
		}
		items := make([]item, len(all))
		for i, s := range all {
			items[i] = item{Number: s.Number, Reason: s.Reason}
			if !s.Time.IsZero() {
				at := s.Time
				items[i].Time = &at
			}
		}
		if err := writeJSON(e.stdout, items); err != nil {
			return failure(e, "suppressions list", err)
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	for _, s := range all {
		at := "-"
		if !s.Time.IsZero() {
			at = s.Time.Local().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Number, at, sanitize(s.Reason, maxServerText))
	}
	_ = tw.Flush()
	fmt.Fprintf(e.stderr, "%d number(s)\n", len(all))
	return exitOK
}

// importSuppressions adds the numbers of the first column of each file.
func importSuppressions(ctx context.Context, e *cmdEnv, list bulk.Suppressions, files []string, region, reason string) int {
	var added, bad int
	for _, path := range files {
		why := reason
		if why == "" {
			why = "imported from " + path
		}
		err := readNumbers(path, func(line int, field string) error {
			number, err := canonicalPhone("number", field, region)
			if err != nil {
				if line > 1 { // a header row is expected, not reported
					fmt.Fprintf(e.stderr, "%s:%d: %s (skipped)\n", path, line, message(err))
					bad++
				}
				return nil
			}
			added++
			return list.Add(ctx, number, why)
		})
		if err != nil {
			return failure(e, "suppressions import", err)
		}
	}
	fmt.Fprintf(e.stdout, "%d number(s) added", added)
	if bad > 0 {
		fmt.Fprintf(e.stdout, ", %d line(s) skipped", bad)
	}
	fmt.Fprintln(e.stdout)
	if bad > 0 {
		return exitFailure
	}
	return exitOK
}

// readNumbers gives fn the first field of each non-blank, non-comment line
// of the file at path, read as a CSV (separator detected), row by row.
func readNumbers(path string, fn func(line int, field string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return &configError{err}
	}
	defer f.Close()
	br := bufio.NewReaderSize(&lineCapReader{r: f, max: maxImportLine}, 64<<10)
	head, _ := br.Peek(br.Size())
	cr := csv.NewReader(br)
	cr.Comma = detectDelimiter(head)
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return &configError{fmt.Errorf("%s: %w", path, err)}
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 0 || strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if err := fn(line, strings.TrimSpace(rec[0])); err != nil {
			return err
		}
	}
}
