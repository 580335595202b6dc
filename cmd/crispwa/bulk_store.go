package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/riverbulk"
)

const bulkStoreAbout = `With --store postgres://..., the campaign's state lives in that PostgreSQL
database instead of a journal file, and its sends are River jobs that any
number of 'crispwa worker --store' processes, on any machines, share. The
command checks every CSV row against the template as without --store,
enqueues the new recipients of campaign --campaign (a recipient already in
it is not enqueued again, however its number is written), then works the
jobs itself beside any workers, unless --enqueue-only, and returns when
every recipient is accepted, refused for good, suppressed, held (campaign
stopped or template paused) or unknown. It creates or upgrades the schema
it needs (River's and the campaigns') on first use.

A recipient is sent at most once: its row says "sending" before the request
leaves, and a row found "sending" after a crash becomes "unknown", never a
second send. Settle unknown outcomes with 'crispwa bulk resolve --store'.

--suppressions FILE puts the numbers of FILE on the database's suppression
list, which every worker consults before each send (so no campaign of the
database sends to them); when the campaign ends (not with --enqueue-only),
its recipients WhatsApp refused for good are added to FILE.

Also:
  crispwa bulk status --store URL --campaign NAME [--output json]
  crispwa bulk resolve --store URL --campaign NAME (--key KEY ... | --all-unknown) (--sent | --not-sent)

Exit status: 0 every recipient accepted (or suppressed); 1 some refused,
held or invalid; 2 bad usage or configuration; 3 some outcomes unknown;
4 the campaign was stopped by an account failure; 130 interrupted.`

// storeFlag reports whether args name a --store, so that bulk and its
// subcommands run on the database instead of a journal.
func storeFlag(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "store" {
			return true
		}
	}
	return false
}

// runBulkOnStore runs "crispwa bulk [status|resolve] --store ...", and
// reports false when args have no --store.
func runBulkOnStore(ctx context.Context, e *cmdEnv, args []string) (int, bool) {
	if !storeFlag(args) {
		return 0, false
	}
	if len(args) > 0 {
		switch args[0] {
		case "status":
			return runStoreStatus(ctx, e, args[1:]), true
		case "resolve":
			return runStoreResolve(ctx, e, args[1:]), true
		}
	}
	return runBulkStore(ctx, e, args), true
}

// openStore connects to the database at url, migrates it and returns its
// Store. The pool (sized for concurrency jobs, unless the URL sets
// pool_max_conns) is closed by the returned function.
func openStore(ctx context.Context, url string, concurrency int) (*riverbulk.Store, func(), error) {
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return nil, nil, configErrorf("--store must be a postgres:// URL")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, nil, configErrorf("--store: %s", redactPassword(err.Error(), url))
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = int32(max(4, riverbulk.PoolSize(concurrency)))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, configErrorf("--store: %s", redactPassword(err.Error(), url))
	}
	if err := riverbulk.Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("preparing the database: %s", redactPassword(err.Error(), url))
	}
	store, err := riverbulk.New(pool)
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	return store, pool.Close, nil
}

// redactPassword removes the password of the database URL url from s.
func redactPassword(s, url string) string {
	if cfg, err := pgx.ParseConfig(url); err == nil && cfg.Password != "" {
		s = strings.ReplaceAll(s, cfg.Password, "xxxxx")
	}
	return s
}

type bulkStoreFlags struct {
	bulkFlags
	store, campaign string
	enqueueOnly     bool
	quiet           string
	rescueAfter     time.Duration
}

func runBulkStore(ctx context.Context, e *cmdEnv, args []string) int {
	var f bulkStoreFlags
	fs := newFlagSet("bulk", "--store URL --campaign NAME --csv FILE --template NAME --language CODE --from NUMBER [flags]", bulkStoreAbout)
	fs.StringVar(&f.store, "store", "", "the campaigns' PostgreSQL database, postgres://... (required)")
	fs.StringVar(&f.campaign, "campaign", "", "the campaign's `NAME` in the database (required)")
	f.campaignFlags(fs, "the database")
	fs.BoolVar(&f.enqueueOnly, "enqueue-only", false, "enqueue the recipients and return: leave the sends to 'crispwa worker'")
	fs.DurationVar(&f.rescueAfter, "rescue-after", riverbulk.DefaultRescueAfter, "how long a job may run before another worker takes it over (as unknown if it was sending)")
	fs.StringVar(&f.quiet, "quiet-hours", "", "send nothing between these times in each recipient's local time, e.g. 21:00-08:00")
	fs.StringVar(&f.suppressions, "suppressions", "", "never send to the numbers listed in `FILE` (created if missing: they join the database's suppression list, which every campaign of the database skips), and add to it the recipients WhatsApp says cannot or will not receive messages")
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	var missing []string
	for _, r := range []struct{ flag, val string }{
		{"--store", f.store}, {"--campaign", f.campaign}, {"--csv", f.csv}, {"--template", f.template}, {"--language", f.language}, {"--from", f.from},
	} {
		if r.val == "" {
			missing = append(missing, r.flag)
		}
	}
	if len(missing) > 0 {
		return usageError(e, "bulk", strings.Join(missing, ", ")+" required")
	}
	f.journal = "-" // no journal with --store; the shared checks below want one
	delim, msg := f.validate()
	if msg != "" {
		return usageError(e, "bulk", msg)
	}
	if f.rescueAfter < riverbulk.MinRescueAfter {
		return usageError(e, "bulk", fmt.Sprintf("--rescue-after must be at least %s", riverbulk.MinRescueAfter))
	}
	quiet, err := parseQuietHours(f.quiet)
	if err != nil {
		return usageError(e, "bulk", "--quiet-hours: "+err.Error())
	}
	client, err := clientFromEnv(e.getenv)
	if err != nil {
		return failure(e, "bulk", err)
	}
	tmpl, err := getTemplate(ctx, client, f.template, f.language)
	if err != nil {
		return failure(e, "bulk", err)
	}
	if !isApproved(tmpl) {
		return failure(e, "bulk", fmt.Errorf("template %q (%s) is %s, not APPROVED: no row can be sent until it is approved",
			serverText(tmpl.Name), serverText(tmpl.Language), serverText(tmpl.Status)))
	}
	file, err := os.Open(f.csv)
	if err != nil {
		return failure(e, "bulk", &configError{err})
	}
	defer file.Close()
	var supp *bulk.SuppressionFile // nil: none
	if f.suppressions != "" {
		if supp, err = bulk.OpenSuppressionFile(f.suppressions, f.region); err != nil {
			return failure(e, "bulk", &configError{err})
		}
	}
	store, closeStore, err := openStore(ctx, f.store, f.concurrency)
	if err != nil {
		return failure(e, "bulk", err)
	}
	defer closeStore()
	if supp != nil {
		if err := importSuppressionFile(ctx, e, store, supp); err != nil {
			return failure(e, "bulk", err)
		}
	}

	start := time.Now()
	var res *riverbulk.EnqueueResult
	rows := &csvRows{file: f.csv, stderr: e.stderr}
	err = pgx.BeginFunc(ctx, store.Pool(), func(tx pgx.Tx) error {
		var err error
		res, err = store.Enqueue(ctx, tx, riverbulk.Campaign{Name: f.campaign, QuietHours: quiet},
			rows.jobs(file, tmpl, f.from, f.region, delim, f.ignoreExtra))
		if err == nil {
			err = rows.err
		}
		return err
	})
	if err != nil {
		return failure(e, "bulk", fmt.Errorf("%s: %w", f.csv, err))
	}
	invalid := rows.invalid + len(res.Invalid)
	fmt.Fprintf(e.stderr, "campaign %s: %d recipient(s) enqueued, %d already in it, %d invalid, in %s\n",
		f.campaign, res.Added, res.AlreadyIn, invalid, time.Since(start).Round(time.Millisecond))
	if f.enqueueOnly {
		if invalid > 0 {
			return exitFailure
		}
		return exitOK
	}
	return workCampaign(ctx, e, store, client, &f, supp, invalid)
}

// importSuppressionFile puts the numbers of the --suppressions file on the
// database's suppression list, which every worker consults before each
// send: the file's numbers are never sent to, by whichever worker, however
// they were enqueued.
func importSuppressionFile(ctx context.Context, e *cmdEnv, store *riverbulk.Store, supp *bulk.SuppressionFile) error {
	list, err := supp.List(ctx)
	if err != nil {
		return &configError{err}
	}
	for i := range list {
		if list[i].Reason == "" {
			list[i].Reason = "from " + supp.Path()
		}
	}
	added, err := store.Suppressions().Import(ctx, list)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "suppression list %s: %d number(s), %d new to the database's list\n", supp.Path(), len(list), added)
	return nil
}

// exportSuppressions adds to the --suppressions file the recipients of the
// campaign on the database's suppression list (those WhatsApp refused for
// good, and those on it already), and lists the ones it added.
func exportSuppressions(ctx context.Context, e *cmdEnv, store *riverbulk.Store, supp *bulk.SuppressionFile, campaign string) error {
	list, err := store.Suppressions().InCampaign(ctx, campaign)
	if err != nil {
		return err
	}
	var added []string
	for _, s := range list {
		on, err := supp.Contains(ctx, s.Number)
		if err != nil {
			return err
		}
		if on {
			continue
		}
		if err := supp.Add(ctx, s.Number, s.Reason); err != nil {
			return err
		}
		added = append(added, s.Number)
	}
	if len(added) == 0 {
		return nil
	}
	fmt.Fprintf(e.stdout, "Recipients WhatsApp says cannot or will not receive it (added to %s):\n", supp.Path())
	for i, n := range added {
		if i == maxRowErrors {
			fmt.Fprintf(e.stdout, "  ... and %d more\n", len(added)-maxRowErrors)
			break
		}
		fmt.Fprintf(e.stdout, "  %s\n", n)
	}
	return nil
}

// workCampaign works the database's jobs beside any workers until the
// campaign has nothing left to send, then prints its status.
func workCampaign(ctx context.Context, e *cmdEnv, store *riverbulk.Store, client *crispwa.Client, f *bulkStoreFlags, supp *bulk.SuppressionFile, invalid int) int {
	if f.listen != "" {
		srv, err := serveCallbacks(f.listen, callbackHandler(store.HandleCallback, f.token, (&refusalLog{print: func(s string) { fmt.Fprintln(e.stderr, s) }}).add))
		if err != nil {
			return failure(e, "bulk", &configError{err})
		}
		defer srv.close()
		fmt.Fprintf(e.stderr, "listening for callbacks on %s\n", srv.addr)
	}
	w, err := riverbulk.NewWorker(store, client, riverbulk.WithConcurrency(f.concurrency), riverbulk.WithRate(f.rate),
		riverbulk.WithRescueAfter(f.rescueAfter), riverbulk.WithPollInterval(200*time.Millisecond), riverbulk.WithWorkerObserver(e.observer))
	if err != nil {
		return failure(e, "bulk", err)
	}
	wctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	defer func() { stop(); <-done }()

	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	lastReport := time.Now()
	var st *riverbulk.CampaignStatus
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(e.stderr, "crispwa bulk: interrupted; the campaign stays in the database: run the same command, or 'crispwa worker', to go on")
			return exitInterrupted
		case err := <-done:
			return failure(e, "bulk", fmt.Errorf("the worker stopped: %w", err))
		case <-tick.C:
		}
		st, err = store.Status(ctx, f.campaign)
		if err != nil {
			if ctx.Err() != nil {
				continue
			}
			fmt.Fprintf(e.stderr, "crispwa bulk: reading the campaign's status: %v (retrying)\n", err)
			continue
		}
		if st.Done() {
			break
		}
		if time.Since(lastReport) >= 5*time.Second {
			lastReport = time.Now()
			fmt.Fprintf(e.stderr, "%d of %d done, %d remaining\n", st.Total-st.Remaining, st.Total, st.Remaining)
		}
	}
	printStoreStatus(e.stdout, st)
	if supp != nil {
		if err := exportSuppressions(ctx, e, store, supp, f.campaign); err != nil {
			return failure(e, "bulk", err)
		}
	}
	switch {
	case st.Stopped != "":
		return exitStopped
	case st.ByStatus[bulk.StatusUnknown] > 0:
		return exitUnknown
	case invalid > 0 || st.ByStatus[bulk.StatusRejected] > 0 || st.ByStatus[riverbulk.StatusHeld] > 0:
		return exitFailure
	}
	return exitOK
}

// csvRows turns the CSV into jobs as Enqueue reads them: memory stays flat.
// Rows that cannot be sent are reported on stderr (the first 20) and
// counted.
type csvRows struct {
	file    string
	stderr  io.Writer
	invalid int
	err     error // the CSV could not be read
}

func (c *csvRows) jobs(r io.Reader, t *crispwa.Template, from, region string, delim rune, ignoreExtra bool) func(func(riverbulk.Job) bool) {
	return func(yield func(riverbulk.Job) bool) {
		br := bufio.NewReaderSize(r, 64<<10)
		if delim == 0 {
			head, _ := br.Peek(br.Size())
			delim = detectDelimiter(head)
		}
		cr := csv.NewReader(br)
		cr.Comma = delim
		cr.ReuseRecord = true
		header, err := cr.Read()
		if err != nil {
			c.err = fmt.Errorf("reading the header row: %w", err)
			return
		}
		cols, err := mapColumns(header, t, ignoreExtra)
		if err != nil {
			c.err = fmt.Errorf("line 1: %w", err)
			return
		}
		for {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			line, _ := cr.FieldPos(0)
			if err != nil {
				var perr *csv.ParseError
				if !errors.As(err, &perr) || !errors.Is(err, csv.ErrFieldCount) {
					c.err = err
					return
				}
				c.bad(perr.StartLine, fmt.Errorf("%d fields, the header has %d", len(rec), len(header)))
				continue
			}
			to, err := canonicalPhone("recipient", strings.TrimSpace(rec[cols.to]), region)
			if err != nil {
				c.bad(line, err)
				continue
			}
			job, err := cols.build(rec, from, to) // Enqueue validates it
			if err != nil {
				c.bad(line, err)
				continue
			}
			if !yield(riverbulk.Job{Job: job}) {
				return
			}
		}
	}
}

func (c *csvRows) bad(line int, err error) {
	c.invalid++
	switch {
	case c.invalid <= 20:
		fmt.Fprintf(c.stderr, "%s:%d: %s (not sent)\n", c.file, line, sanitize(err.Error(), maxServerText))
	case c.invalid == 21:
		fmt.Fprintf(c.stderr, "%s: more invalid rows follow; only their count is reported\n", c.file)
	}
}

// parseQuietHours reads "21:00-08:00" ("" for none).
func parseQuietHours(s string) (*riverbulk.QuietHours, error) {
	if s == "" {
		return nil, nil
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return nil, errors.New("want START-END, e.g. 21:00-08:00")
	}
	var q riverbulk.QuietHours
	for _, p := range []struct {
		s string
		d *time.Duration
	}{{a, &q.Start}, {b, &q.End}} {
		t, err := time.Parse("15:04", strings.TrimSpace(p.s))
		if err != nil {
			return nil, fmt.Errorf("%q is not a time of day like 08:00", p.s)
		}
		*p.d = time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	}
	if q.Start == q.End {
		return nil, errors.New("start and end are the same time")
	}
	return &q, nil
}

func runStoreStatus(ctx context.Context, e *cmdEnv, args []string) int {
	fs := newFlagSet("bulk status", "--store URL --campaign NAME [--output json]", "Reports where a campaign on a --store database stands: totals by status,\nremaining, deliveries and failures by class, whether it was stopped, the\npaused templates and the keys whose outcome is unknown.")
	url := fs.String("store", "", "the campaigns' PostgreSQL database, postgres://... (required)")
	name := fs.String("campaign", "", "the campaign's `NAME` (required)")
	output := fs.String("output", "text", "text or json")
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	switch {
	case *url == "" || *name == "":
		return usageError(e, "bulk status", "--store and --campaign are required")
	case *output != "text" && *output != "json":
		return usageError(e, "bulk status", "--output must be text or json")
	}
	store, closeStore, err := openStore(ctx, *url, 0)
	if err != nil {
		return failure(e, "bulk status", err)
	}
	defer closeStore()
	st, err := store.Status(ctx, *name)
	if errors.Is(err, riverbulk.ErrNoCampaign) {
		return failure(e, "bulk status", configErrorf("no campaign %q in that database", *name))
	}
	if err != nil {
		return failure(e, "bulk status", err)
	}
	if *output == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(st); err != nil {
			return failure(e, "bulk status", err)
		}
		return exitOK
	}
	printStoreStatus(e.stdout, st)
	return exitOK
}

// printStoreStatus writes a campaign's status, with the commands that
// settle its unknown outcomes.
func printStoreStatus(w io.Writer, st *riverbulk.CampaignStatus) {
	fmt.Fprintf(w, "campaign %s: %d recipient(s), %d remaining\n", sanitize(st.Name, maxServerText), st.Total, st.Remaining)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, s := range []bulk.Status{bulk.StatusAccepted, bulk.StatusRejected, bulk.StatusUnknown, riverbulk.StatusSuppressed, riverbulk.StatusHeld, riverbulk.StatusPending, bulk.StatusSending} {
		if n := st.ByStatus[s]; n > 0 {
			fmt.Fprintf(tw, "%d\t  %s\n", n, s)
		}
	}
	if st.Waiting > 0 {
		fmt.Fprintf(tw, "%d\t  waiting to be sent again (retry later)\n", st.Waiting)
	}
	if st.Delivered+st.Failed > 0 {
		fmt.Fprintf(tw, "%d\t  delivered (callback)\n", st.Delivered)
		fmt.Fprintf(tw, "%d\t  failed (callback)\n", st.Failed)
	}
	_ = tw.Flush()
	for class, n := range st.Failures {
		fmt.Fprintf(w, "  %d failed with class %s\n", n, class)
	}
	if st.Stopped != "" {
		fmt.Fprintf(w, "STOPPED: %s: nothing more is sent until the account is fixed\n", sanitize(st.Stopped, maxServerText))
	}
	for _, p := range st.PausedTemplates {
		fmt.Fprintf(w, "template paused: %s\n", sanitize(p, maxServerText))
	}
	if len(st.Unknown) > 0 {
		fmt.Fprintf(w, "%d outcome(s) unknown: check in Crisp, then settle them with\n  crispwa bulk resolve --store \"$STORE\" --campaign %q --all-unknown --sent    (or --not-sent to send them)\n",
			st.ByStatus[bulk.StatusUnknown], st.Name)
	}
}

// keyList is a repeatable --key flag.
type keyList []string

func (k *keyList) String() string     { return strings.Join(*k, ",") }
func (k *keyList) Set(s string) error { *k = append(*k, s); return nil }

func runStoreResolve(ctx context.Context, e *cmdEnv, args []string) int {
	fs := newFlagSet("bulk resolve", "--store URL --campaign NAME (--key KEY ... | --all-unknown) (--sent | --not-sent)",
		"Settles unknown outcomes of a campaign on a --store database once you have\nchecked in Crisp: --sent records them as accepted; --not-sent makes the\nworkers send them.")
	url := fs.String("store", "", "the campaigns' PostgreSQL database, postgres://... (required)")
	name := fs.String("campaign", "", "the campaign's `NAME` (required)")
	var keys keyList
	fs.Var(&keys, "key", "a row's key, as 'crispwa bulk status' prints it (repeatable)")
	all := fs.Bool("all-unknown", false, "every row whose outcome is unknown")
	sent := fs.Bool("sent", false, "the messages went out")
	notSent := fs.Bool("not-sent", false, "the messages did not go out: the workers send them")
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	switch {
	case *url == "" || *name == "":
		return usageError(e, "bulk resolve", "--store and --campaign are required")
	case (len(keys) > 0) == *all:
		return usageError(e, "bulk resolve", "give --key (one or more) or --all-unknown")
	case *sent == *notSent:
		return usageError(e, "bulk resolve", "give exactly one of --sent and --not-sent")
	}
	store, closeStore, err := openStore(ctx, *url, 0)
	if err != nil {
		return failure(e, "bulk resolve", err)
	}
	defer closeStore()
	if *all {
		rs, err := store.Recipients(ctx, *name, bulk.StatusUnknown)
		if err != nil {
			return failure(e, "bulk resolve", err)
		}
		for _, r := range rs {
			keys = append(keys, r.Key)
		}
	}
	code := exitOK
	for _, k := range keys {
		err := store.Resolve(ctx, *name, k, *sent)
		switch {
		case errors.Is(err, riverbulk.ErrNotUnknown):
			fmt.Fprintf(e.stderr, "%s: no unknown outcome with that key in campaign %s\n", sanitize(k, maxServerText), sanitize(*name, maxServerText))
			code = exitFailure
		case err != nil:
			return failure(e, "bulk resolve", err)
		case *sent:
			reportResolved(ctx, e, true, true)
			fmt.Fprintf(e.stdout, "%s: marked sent\n", sanitize(k, maxServerText))
		default:
			reportResolved(ctx, e, true, false)
			fmt.Fprintf(e.stdout, "%s: marked not sent; the workers send it\n", sanitize(k, maxServerText))
		}
	}
	return code
}
