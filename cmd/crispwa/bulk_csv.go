package main

import (
	"bufio"
	"bytes"
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

// maxRowErrors is how many row problems are printed before "... and N more".
const maxRowErrors = 20

// campaignRow is one CSV row turned into a job, or the reason it cannot be.
type campaignRow struct {
	line int
	job  bulk.Job
	err  error
}

// Column names with a meaning of their own (compared case-insensitively).
const (
	colTo              = "to"
	colHeader          = "header" // a media header's link
	colButtonPrefix    = "button:"
	colHeaderPrefix    = "header:" // a POSITIONAL TEXT header's placeholder
	colLatitude        = "latitude"
	colLongitude       = "longitude"
	colLocationName    = "location_name"
	colLocationAddress = "location_address"
)

// csvColumns says which CSV column fills which part of the template.
type csvColumns struct {
	t       *crispwa.Template
	named   bool
	kind    string // the template's header format, "" without a header
	to      int
	media   int            // a media header's link column, or -1
	loc     map[string]int // location column name → column
	header  map[int]string // column → TEXT header placeholder ("1".., POSITIONAL)
	body    map[int]string // column → body placeholder (NAMED: header ones too)
	buttons map[int]int    // column → button index
}

// mapColumns checks the CSV header row against the template. Names are
// compared case-insensitively. It wants a "to" column and one column per
// placeholder ("1", "2", ... for the body of a POSITIONAL template and
// "header:1"... for its TEXT header; the placeholder names for a NAMED one),
// a "header" column for a media header, "latitude" and "longitude" (and
// optionally "location_name", "location_address") for a LOCATION header,
// and optional "button:N" columns. Other columns are refused, all named in
// one error, unless ignoreExtra.
func mapColumns(header []string, t *crispwa.Template, ignoreExtra bool) (*csvColumns, error) {
	hdr, body := t.Placeholders()
	cols := &csvColumns{t: t, named: strings.EqualFold(t.ParameterFormat, crispwa.ParameterFormatNamed), kind: headerKind(t),
		to: -1, media: -1, loc: map[string]int{}, header: map[int]string{}, body: map[int]string{}, buttons: map[int]int{}}
	lower := func(names []string) []string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = strings.ToLower(n)
		}
		return out
	}
	lhdr, lbody := lower(hdr), lower(body)
	seen := map[string]bool{}
	var extra []string
	for i, raw := range header {
		name := strings.TrimSpace(raw)
		if i == 0 {
			name = strings.TrimPrefix(name, "\ufeff") // a BOM from spreadsheet exports
		}
		key := strings.ToLower(name)
		if seen[key] {
			return nil, fmt.Errorf("column %q appears twice", sanitize(name, maxServerText))
		}
		seen[key] = true
		switch {
		case key == colTo:
			cols.to = i
		case strings.HasPrefix(key, colButtonPrefix):
			n, err := strconv.Atoi(strings.TrimPrefix(key, colButtonPrefix))
			if err != nil || n < 0 {
				return nil, fmt.Errorf("column %q: want button:N with N the button's index from 0", sanitize(name, maxServerText))
			}
			cols.buttons[i] = n
		case key == colHeader && isMediaKind(cols.kind):
			cols.media = i
		case cols.kind == "LOCATION" && slices.Contains([]string{colLatitude, colLongitude, colLocationName, colLocationAddress}, key):
			cols.loc[key] = i
		case cols.named && (slices.Contains(lhdr, key) || slices.Contains(lbody, key)):
			// A NAMED value fills the header and the body alike.
			cols.body[i] = placeholderName(key, hdr, body)
		case !cols.named && slices.Contains(body, key):
			cols.body[i] = key
		case !cols.named && cols.kind == "TEXT" && strings.HasPrefix(key, colHeaderPrefix) && slices.Contains(hdr, strings.TrimPrefix(key, colHeaderPrefix)):
			cols.header[i] = strings.TrimPrefix(key, colHeaderPrefix)
		default:
			extra = append(extra, fmt.Sprintf("%q", sanitize(name, maxServerText)))
		}
	}
	if len(extra) > 0 && !ignoreExtra {
		return nil, fmt.Errorf("%s %s not used by template %q (it takes %s): remove %s, or add --ignore-extra-columns",
			plural(len(extra), "column", "columns"), strings.Join(extra, ", "), serverText(t.Name), cols.expected(hdr, body),
			plural(len(extra), "it", "them"))
	}
	var missing []string
	for _, want := range cols.wanted(hdr, body) {
		if !seen[strings.ToLower(want)] {
			missing = append(missing, fmt.Sprintf("%q", want))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("no %s %s: template %q takes %s", plural(len(missing), "column", "columns"),
			strings.Join(missing, ", "), serverText(t.Name), cols.expected(hdr, body))
	}
	return cols, nil
}

// placeholderName returns the template's spelling of a NAMED placeholder
// whose lower-case form is key.
func placeholderName(key string, hdr, body []string) string {
	for _, n := range append(append([]string(nil), hdr...), body...) {
		if strings.ToLower(n) == key {
			return n
		}
	}
	return key
}

// wanted lists the columns the template needs.
func (c *csvColumns) wanted(hdr, body []string) []string {
	out := []string{colTo}
	switch {
	case isMediaKind(c.kind):
		out = append(out, colHeader)
	case c.kind == "LOCATION":
		out = append(out, colLatitude, colLongitude)
	}
	if c.named {
		for _, n := range append(append([]string(nil), hdr...), body...) {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
		return out
	}
	for _, n := range hdr {
		out = append(out, colHeaderPrefix+n)
	}
	return append(out, body...)
}

// expected describes the columns the template takes.
func (c *csvColumns) expected(hdr, body []string) string {
	w := c.wanted(hdr, body)
	if c.kind == "LOCATION" {
		w = append(w, colLocationName+" (optional)", colLocationAddress+" (optional)")
	}
	if len(w) == 1 {
		return `a "to" column, and "button:N" columns where a button takes a value`
	}
	return "the columns " + strings.Join(w, ", ") + `, and "button:N" where a button takes a value`
}

// csvDelimiters are the separators detected in a CSV header row.
var csvDelimiters = []rune{',', ';', '\t'}

// detectDelimiter returns the separator used most, outside quotes, in the
// first line of head; ',' when none is.
func detectDelimiter(head []byte) rune {
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	counts := map[rune]int{}
	quoted := false
	for _, r := range string(head) {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && slices.Contains(csvDelimiters, r):
			counts[r]++
		}
	}
	best := ','
	for _, d := range csvDelimiters {
		if counts[d] > counts[best] {
			best = d
		}
	}
	return best
}

// parseDelimiter reads --delimiter: one character, or "tab".
func parseDelimiter(s string) (rune, error) {
	switch strings.ToLower(s) {
	case "":
		return 0, nil
	case "tab", `\t`:
		return '\t', nil
	}
	r := []rune(s)
	if len(r) != 1 || r[0] == '"' || r[0] == '\n' || r[0] == '\r' {
		return 0, fmt.Errorf(`--delimiter must be one character such as "," ";" or "tab", got %q`, s)
	}
	return r[0], nil
}

// campaignInput is what scanCampaign needs besides the CSV.
type campaignInput struct {
	t           *crispwa.Template
	from        string
	delimiter   rune // 0: detect
	ignoreExtra bool
	region      string // reads national numbers
	maxRows     int    // rows past the header at most (0: defaultMaxRows)
}

// The CSV's caps: a campaign file is read row by row, never whole, and
// these bound what a row and the file can make the command hold.
const (
	// defaultMaxRows is --max-rows' default.
	defaultMaxRows = 1_000_000
	// maxCSVLine caps one line of the CSV (a row, or one line of a quoted
	// multi-line value): far more than a phone number and its values need.
	maxCSVLine = 64 << 10
)

// errCSVTooBig is the error past a cap: the file is refused before any send.
var errCSVTooBig = errors.New("the CSV is too big")

// scanCampaign reads the CSV row by row and gives fn one job per row,
// checked against the template; rows that cannot be sent carry their error
// and line number. It keeps no row once fn has it: memory is bounded by
// the caps (the recipients seen, to refuse a duplicate, are the only state
// that grows, up to maxRows). fn returning false stops the scan.
func scanCampaign(r io.Reader, in campaignInput, fn func(campaignRow) bool) error {
	maxRows := in.maxRows
	if maxRows <= 0 {
		maxRows = defaultMaxRows
	}
	br := bufio.NewReaderSize(&lineCapReader{r: r, max: maxCSVLine}, 64<<10)
	if in.delimiter == 0 {
		head, _ := br.Peek(br.Size())
		in.delimiter = detectDelimiter(head)
	}
	cr := csv.NewReader(br)
	cr.Comma = in.delimiter
	cr.FieldsPerRecord = 0 // every row as wide as the header
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return errors.New("the CSV is empty")
	}
	if err != nil {
		return err
	}
	header = slices.Clone(header)
	cols, err := mapColumns(header, in.t, in.ignoreExtra)
	if err != nil {
		return fmt.Errorf("line 1: %w", err)
	}
	firstLine := map[string]int{} // recipient → line
	for n := 0; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if n == maxRows {
			return fmt.Errorf("%w: more than %d rows (--max-rows): split it into several campaigns, or raise --max-rows", errCSVTooBig, maxRows)
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) && errors.Is(err, csv.ErrFieldCount) {
			if !fn(campaignRow{line: perr.StartLine, err: fmt.Errorf("%d fields, the header has %d", len(rec), len(header))}) {
				return nil
			}
			continue
		}
		if err != nil {
			return err
		}
		line, _ := cr.FieldPos(0)
		row := campaignRow{line: line}
		raw := strings.TrimSpace(rec[cols.to])
		to, err := canonicalPhone("recipient", raw, in.region)
		if err != nil {
			row.err = err
		} else {
			row.job, row.err = cols.job(rec, in.from, to)
			if first, dup := firstLine[to]; dup && row.err == nil {
				who := sanitize(raw, 40)
				if raw != to {
					who += " (" + to + ")"
				}
				row.err = fmt.Errorf("recipient %s is also on line %d: a campaign sends once per recipient", who, first)
			} else if !dup {
				firstLine[to] = line
			}
		}
		if !fn(row) {
			return nil
		}
	}
}

// lineCapReader fails a read once a line runs past max bytes: a file
// without newlines (or a runaway quoted value) is refused instead of being
// read into memory whole.
type lineCapReader struct {
	r   io.Reader
	max int
	cur int // bytes since the last newline
}

func (l *lineCapReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, b := range p[:n] {
		if b == '\n' {
			l.cur = 0
			continue
		}
		if l.cur++; l.cur > l.max {
			return 0, fmt.Errorf("%w: a line longer than %d KiB (is it a CSV file?)", errCSVTooBig, l.max>>10)
		}
	}
	return n, err
}

// job builds the send of one row and checks it (Validate).
func (c *csvColumns) job(rec []string, from, to string) (bulk.Job, error) {
	j, err := c.build(rec, from, to)
	if err != nil {
		return bulk.Job{}, err
	}
	if err := j.Request.Validate(); err != nil {
		return bulk.Job{}, err
	}
	return j, nil
}

// build builds the send of one row, from and to canonical, without
// Validate (riverbulk's Enqueue runs it).
func (c *csvColumns) build(rec []string, from, to string) (bulk.Job, error) {
	t := c.t
	v := crispwa.TemplateValues{}
	var texts []string // the header's values: a media link, or a POSITIONAL TEXT header's values
	if c.media >= 0 {
		texts = []string{rec[c.media]}
	}
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
		if len(hdr) > 0 {
			texts = make([]string, len(hdr))
			for col, name := range c.header {
				texts[slices.Index(hdr, name)] = rec[col]
			}
		}
	}
	var loc location
	for name, col := range c.loc {
		switch name {
		case colLatitude:
			loc.latitude = rec[col]
		case colLongitude:
			loc.longitude = rec[col]
		case colLocationName:
			loc.name = rec[col]
		case colLocationAddress:
			loc.address = rec[col]
		}
	}
	if err := headerValue(t, &v, texts, loc); err != nil {
		return bulk.Job{}, err
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
	// The key names the campaign's template and the recipient's canonical
	// number: re-running the same file with the same journal skips whoever
	// was already sent it, however the number is written.
	return bulk.Job{Key: campaignKey(t, to), Request: req}, nil
}

// rowProblem is one problem and the lines that have it (the first few,
// and how many).
type rowProblem struct {
	msg   string
	lines []int
	count int
}

// maxProblemKinds bounds the distinct problems kept; the others are only
// counted.
const maxProblemKinds = 1000

// rowProblems collects the rows that cannot be sent, grouped by message in
// order of first appearance, so that a problem of the whole file is told
// once; its memory is bounded whatever the number of bad rows.
type rowProblems struct {
	list  []*rowProblem
	byMsg map[string]*rowProblem
	rows  int // bad rows
	other int // bad rows whose problem is past maxProblemKinds
}

// add records a bad row.
func (rp *rowProblems) add(r campaignRow) {
	rp.rows++
	msg := message(r.err)
	p, ok := rp.byMsg[msg]
	if !ok {
		if len(rp.list) == maxProblemKinds {
			rp.other++
			return
		}
		if rp.byMsg == nil {
			rp.byMsg = map[string]*rowProblem{}
		}
		p = &rowProblem{msg: msg}
		rp.byMsg[msg] = p
		rp.list = append(rp.list, p)
	}
	p.count++
	if len(p.lines) < lineListShow+1 {
		p.lines = append(p.lines, r.line)
	}
}

// print lists the problems, each once, total being the CSV's rows.
func (rp *rowProblems) print(w io.Writer, file string, total int) {
	for i, p := range rp.list {
		if i == maxRowErrors {
			fmt.Fprintf(w, "... and %d more problem(s)\n", len(rp.list)-maxRowErrors)
			return
		}
		switch {
		case p.count == 1:
			fmt.Fprintf(w, "%s:%d: %s\n", file, p.lines[0], p.msg)
		case p.count == total:
			fmt.Fprintf(w, "%s: every row (%d): %s\n", file, p.count, p.msg)
		default:
			fmt.Fprintf(w, "%s: %d rows (%s): %s\n", file, p.count, lineList(p.lines, p.count), p.msg)
		}
	}
	if rp.other > 0 {
		fmt.Fprintf(w, "... and %d more row(s) with other problems\n", rp.other)
	}
}

// lineListShow is how many lines lineList names.
const lineListShow = 5

// lineList names up to five of lines, then how many more of count.
func lineList(lines []int, count int) string {
	parts := make([]string, 0, lineListShow)
	for _, l := range lines[:min(lineListShow, len(lines))] {
		parts = append(parts, strconv.Itoa(l))
	}
	s := "lines " + strings.Join(parts, ", ")
	if count > lineListShow {
		s += fmt.Sprintf(" and %d more", count-lineListShow)
	}
	return s
}
