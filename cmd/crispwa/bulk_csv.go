package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
)

// maxRowErrors is how many row errors are printed before "... and N more".
const maxRowErrors = 20

// campaignRow is one CSV row turned into a job, or the reason it cannot be.
type campaignRow struct {
	line int
	job  bulk.Job
	err  error
}

// csvColumns says which CSV column fills which part of the template.
type csvColumns struct {
	to      int
	header  map[int]string // column → header placeholder ("1".., or a name)
	body    map[int]string // column → body placeholder
	buttons map[int]int    // column → button index
	named   bool
}

// mapColumns checks the CSV header row against the template: a "to" column,
// one column per placeholder ("1", "2", ... for the body of a POSITIONAL
// template and "header:1"... for its TEXT header; the placeholder names for
// a NAMED one), optional "button:N" columns, and nothing else.
func mapColumns(header []string, t *crispwa.Template) (*csvColumns, error) {
	hdr, body := t.Placeholders()
	cols := &csvColumns{to: -1, header: map[int]string{}, body: map[int]string{}, buttons: map[int]int{},
		named: strings.EqualFold(t.ParameterFormat, crispwa.ParameterFormatNamed)}
	seen := map[string]bool{}
	for i, raw := range header {
		name := strings.TrimSpace(raw)
		if i == 0 {
			name = strings.TrimPrefix(name, "\ufeff") // a BOM from spreadsheet exports
		}
		if seen[name] {
			return nil, fmt.Errorf("column %q appears twice", name)
		}
		seen[name] = true
		switch {
		case strings.EqualFold(name, "to"):
			cols.to = i
		case strings.HasPrefix(name, "button:"):
			n, err := strconv.Atoi(strings.TrimPrefix(name, "button:"))
			if err != nil || n < 0 {
				return nil, fmt.Errorf("column %q: want button:N with N the button's index from 0", name)
			}
			cols.buttons[i] = n
		case cols.named && (slices.Contains(hdr, name) || slices.Contains(body, name)):
			// A NAMED value fills the header and the body alike.
			cols.body[i] = name
		case !cols.named && slices.Contains(body, name):
			cols.body[i] = name
		case !cols.named && strings.HasPrefix(name, "header:") && slices.Contains(hdr, strings.TrimPrefix(name, "header:")):
			cols.header[i] = strings.TrimPrefix(name, "header:")
		default:
			return nil, fmt.Errorf("column %q is not a parameter of template %q (%s)", name, t.Name, expected(hdr, body, cols.named))
		}
	}
	if cols.to < 0 {
		return nil, errors.New(`no "to" column`)
	}
	for _, want := range wanted(hdr, body, cols.named) {
		if !seen[want] {
			return nil, fmt.Errorf("no column %q: template %q needs %s", want, t.Name, expected(hdr, body, cols.named))
		}
	}
	return cols, nil
}

// wanted lists the column names a template's placeholders need.
func wanted(hdr, body []string, named bool) []string {
	var out []string
	if named {
		for _, n := range append(append([]string(nil), hdr...), body...) {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
		return out
	}
	for _, n := range hdr {
		out = append(out, "header:"+n)
	}
	return append(out, body...)
}

func expected(hdr, body []string, named bool) string {
	w := wanted(hdr, body, named)
	if len(w) == 0 {
		return `it takes no parameter column; "button:N" columns are allowed`
	}
	return "columns: to, " + strings.Join(w, ", ") + `, and "button:N" where a button takes a value`
}

// readCampaign reads the CSV and builds one job per row, checked against the
// template. Rows that cannot be sent carry their error and line number.
func readCampaign(r io.Reader, t *crispwa.Template, from string) ([]campaignRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 0 // every row as wide as the header
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the CSV is empty")
	}
	if err != nil {
		return nil, err
	}
	cols, err := mapColumns(header, t)
	if err != nil {
		return nil, fmt.Errorf("line 1: %w", err)
	}
	var rows []campaignRow
	firstLine := map[string]int{} // recipient → line
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) && errors.Is(err, csv.ErrFieldCount) {
			rows = append(rows, campaignRow{line: perr.StartLine, err: fmt.Errorf("%d fields, the header has %d", len(rec), len(header))})
			continue
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		row := campaignRow{line: line}
		to := strings.TrimSpace(rec[cols.to])
		row.job, row.err = cols.job(rec, t, from, to)
		if first, dup := firstLine[to]; dup && row.err == nil {
			row.err = fmt.Errorf("recipient %s is also on line %d: a campaign sends once per recipient", to, first)
		} else if !dup {
			firstLine[to] = line
		}
		rows = append(rows, row)
	}
}

// job builds the send of one row.
func (c *csvColumns) job(rec []string, t *crispwa.Template, from, to string) (bulk.Job, error) {
	v := crispwa.TemplateValues{}
	if c.named {
		v.Named = map[string]string{}
		for col, name := range c.body {
			v.Named[name] = rec[col]
		}
	} else {
		hdr, body := t.Placeholders()
		v.Body = make([]string, len(body))
		for col, name := range c.body {
			v.Body[slices.Index(body, name)] = rec[col]
		}
		v.Header = make([]string, len(hdr))
		for col, name := range c.header {
			v.Header[slices.Index(hdr, name)] = rec[col]
		}
	}
	for col, idx := range c.buttons {
		if rec[col] == "" {
			continue // an optional value (a quick reply's payload) left empty
		}
		if v.Buttons == nil {
			v.Buttons = map[int]string{}
		}
		v.Buttons[idx] = rec[col]
	}
	msg, err := t.Build(v)
	if err != nil {
		return bulk.Job{}, err
	}
	req := &crispwa.SendTemplateRequest{From: from, To: to, Template: msg}
	if err := req.Validate(); err != nil {
		return bulk.Job{}, err
	}
	// The key names the campaign's template and the recipient: re-running the
	// same file with the same journal skips whoever was already sent it.
	return bulk.Job{Key: t.Name + "/" + t.Language + "/" + to, Request: req}, nil
}
