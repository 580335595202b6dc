package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/internal/testenv"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.yaml.in/yaml/v3"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/crispwaotel"
	"github.com/crispwa/crispwa/crispwatest"
)

// rulesPath is the ready-made rules file users load into Prometheus.
const rulesPath = "../../docs/alerts.yml"

// severities are the values of labels.severity the rules use (documented
// at the top of docs/alerts.yml).
var severities = []string{"page", "ticket", "info"}

// Every metric, label and label value the rules select exists in a real
// scrape of crispwaotel through the Prometheus exporter, after a scenario
// that makes every outcome the rules watch; and the file is what
// Prometheus loads. The mutated rows show the check fails on each kind of
// mistake.
func TestAlertRulesMatchTheScrape(t *testing.T) {
	rules, err := os.ReadFile(rulesPath)
	require.NoError(t, err)
	families := scenarioScrape(t)
	require.NoError(t, checkRules(rules, families))

	for _, tc := range []struct {
		name, from, to, want string
	}{
		{"label value misspelt", `failure_class="account"`, `failure_class="acount"`, `no series has failure_class="acount"`},
		{"another label value misspelt", `reason="rate_limited"`, `reason="ratelimited"`, `no series has reason="ratelimited"`},
		{"a value of another label", `{result="refused"}`, `{result="rejected"}`, `no series has result="rejected"`},
		{"metric renamed", `crispwa_client_retries_total`, `crispwa_client_retry_total`, `no metric crispwa_client_retry_total`},
		{"metric without its prefix", `crispwa_bulk_unknown) > 0`, `crispa_bulk_unknown) > 0`, `no metric crispa_bulk_unknown`},
		{"histogram without its unit", `crispwa_callback_delay_seconds_bucket`, `crispwa_callback_delay_bucket`, `no metric crispwa_callback_delay_bucket`},
		{"histogram suffix misspelt", `crispwa_callback_delay_seconds_bucket`, `crispwa_callback_delay_seconds_buckets`, `no metric crispwa_callback_delay_seconds_buckets`},
		{"label of another metric", `crispwa_client_sends_total{outcome="rejected"}`, `crispwa_client_sends_total{result="rejected"}`, `crispwa_client_sends_total has no label result`},
		{"label the SDK never sets", `sum(crispwa_bulk_unknown)`, `sum(crispwa_bulk_unknown{campaign="spring"})`, `crispwa_bulk_unknown has no label campaign`},
		{"grouping by a label that is not there", `sum by (le)`, `sum by (bucket)`, `by (bucket): crispwa_callback_delay_seconds_bucket has no label bucket`},
		{"regex matching nothing", `{result="handled"}[30m]`, `{result=~"handeld|duplicate"}[30m]`, `no series has result="handeld"`},
		{"unknown function", `sum(rate(crispwa_client_retries_total`, `sum(rat(crispwa_client_retries_total`, `unknown function rat`},
		{"range not a duration", `{result="failed"}[10m]`, `{result="failed"}[10mn]`, `range [10mn]`},
		{"for not a duration", `for: 30m`, `for: 30min`, `for: "30min" is not a Prometheus duration`},
		{"unknown severity", `severity: page`, `severity: critical`, `severity "critical"`},
		{"duplicate name", `alert: CrispwaCallbacksFailing`, `alert: CrispwaCallbacksRefused`, `alert CrispwaCallbacksRefused defined twice`},
		{"misspelt key", `        annotations:`, `        anotations:`, `field anotations not found`},
		{"no summary", `summary: "crispwa: callbacks refused`, `summery: "crispwa: callbacks refused`, `CrispwaCallbacksRefused: annotations.summary missing`},
		{"template variable not allowed", `{{ $value | humanize }}`, `{{ .Value }}`, `template {{ .Value }}`},
		{"template label absent after sum", `30 minutes: {{ $value }}`, `30 minutes: {{ $labels.job }}`, `$labels.job`},
		{"empty expr", `expr: sum(crispwa_bulk_unknown) > 0`, `expr: ""`, `expr is empty`},
		{"broken indentation", "\n        labels: {severity: ticket}", "\n      labels: {severity: ticket}", `yaml:`},
		{"unbalanced braces", `{outcome="rejected"}[15m]))`, `{outcome="rejected"[15m]))`, `CrispwaSendsRefused: expr:`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Contains(t, string(rules), tc.from, "the row no longer mutates the rules file")
			mutated := strings.Replace(string(rules), tc.from, tc.to, 1)
			err := checkRules([]byte(mutated), families)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// docs/observability.md shows the rules file in full: the two cannot drift.
func TestAlertRulesInDocs(t *testing.T) {
	rules, err := os.ReadFile(rulesPath)
	require.NoError(t, err)
	doc, err := os.ReadFile("../../docs/observability.md")
	require.NoError(t, err)
	section := string(doc)
	i := strings.Index(section, "\n## Alert rules for Prometheus\n")
	require.GreaterOrEqual(t, i, 0, "docs/observability.md lost its alert section")
	section = section[i:]
	start := strings.Index(section, "\n```yaml\n")
	require.GreaterOrEqual(t, start, 0)
	block := section[start+len("\n```yaml\n"):]
	end := strings.Index(block, "\n```\n")
	require.GreaterOrEqual(t, end, 0)
	assert.Equal(t, string(rules), block[:end+1], "the yaml block of docs/observability.md is docs/alerts.yml byte for byte")
	assert.Contains(t, section, "](alerts.yml)", "the section links to the file")
}

// Prometheus's own engine loads the rules and fires each on the cases of
// testdata/alerts_promtool.yml, and only on them. It needs promtool
// (Debian's prometheus package; or CRISPWA_PROMTOOL=/path/to/promtool).
func TestAlertRulesPromtool(t *testing.T) {
	promtool := os.Getenv("CRISPWA_PROMTOOL")
	if promtool == "" {
		var err error
		if promtool, err = exec.LookPath("promtool"); err != nil {
			testenv.Missing(t, "promtool", "install Debian's prometheus package or set CRISPWA_PROMTOOL=/path/to/promtool")
			return
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, args := range [][]string{
		{"check", "rules", rulesPath},
		{"test", "rules", filepath.Join("testdata", "alerts_promtool.yml")},
	} {
		out, err := exec.CommandContext(ctx, promtool, args...).CombinedOutput()
		require.NoError(t, err, "promtool %s:\n%s", strings.Join(args, " "), out)
	}
}

// Every rule of docs/alerts.yml has a promtool case where it fires and
// one where it stays silent, so that a new rule cannot ship without them
// (this runs without promtool).
func TestAlertRulesEachHavePromtoolCases(t *testing.T) {
	rules, err := os.ReadFile(rulesPath)
	require.NoError(t, err)
	var f ruleFile
	require.NoError(t, yaml.Unmarshal(rules, &f))
	cases, err := os.ReadFile(filepath.Join("testdata", "alerts_promtool.yml"))
	require.NoError(t, err)
	var tests struct {
		RuleFiles []string `yaml:"rule_files"`
		Tests     []struct {
			AlertRuleTest []struct {
				AlertName string           `yaml:"alertname"`
				ExpAlerts []map[string]any `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	require.NoError(t, yaml.Unmarshal(cases, &tests))
	require.Equal(t, []string{"../" + rulesPath}, tests.RuleFiles, "the cases test docs/alerts.yml")
	fires, silent := map[string]bool{}, map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.AlertName] = true
			} else {
				silent[a.AlertName] = true
			}
		}
	}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			assert.True(t, fires[r.Alert], "no promtool case where %s fires", r.Alert)
			assert.True(t, silent[r.Alert], "no promtool case where %s stays silent", r.Alert)
		}
	}
}

// The expression scanner finds each selector, its matchers and the
// grouping labels, and refuses what it cannot read.
func TestParseExpr(t *testing.T) {
	for _, tc := range []struct {
		expr      string
		selectors []selector
		grouping  []string
		err       string
	}{
		{expr: `sum(rate(a_total{x="1", y=~"b|c"}[5m])) by (job) > bool 0.5 # a comment naming b_total`,
			selectors: []selector{{"a_total", []matcher{{"x", "=", "1"}, {"y", "=~", "b|c"}}}}, grouping: []string{"job"}},
		{expr: `histogram_quantile(0.95, sum without (instance) (rate(h_bucket[1h:5m])))`,
			selectors: []selector{{name: "h_bucket"}}, grouping: []string{"instance"}},
		{expr: `a unless on (job) b offset 1h30m or vector(0)`,
			selectors: []selector{{name: "a"}, {name: "b"}}, grouping: []string{"job"}},
		{expr: `a{x="}{[,"}`, selectors: []selector{{"a", []matcher{{"x", "=", "}{[,"}}}}},
		{expr: `a{x!="1",y!~"2"} / ignoring(x) group_left c`,
			selectors: []selector{{"a", []matcher{{"x", "!=", "1"}, {"y", "!~", "2"}}}, {name: "c"}}, grouping: []string{"x"}},
		{expr: `a{x="1"`, err: "unclosed {"},
		{expr: `a]`, err: "unbalanced ]"},
		{expr: `sum(a))`, err: "unbalanced )"},
		{expr: `(sum(a)`, err: "unbalanced ("},
		{expr: `{x="1"}`, err: "without a metric name"},
		{expr: `a{x=1}`, err: "cannot read matcher"},
		{expr: `a offset 5 minutes`, err: "offset 5 is not"},
		{expr: `rate(a[5minutes])`, err: "range [5minutes]"},
		{expr: `sum by job (a)`, err: "by: ( expected"},
		{expr: `sum by (job (a)`, err: `"(" in a label list`},
		{expr: `increase(a[1h]) > sum_of(b)`, err: "unknown function sum_of"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			q, err := parseExpr(tc.expr)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.selectors, q.selectors)
			assert.Equal(t, tc.grouping, q.grouping)
		})
	}
}

// scenarioScrape runs, through crispwaotel and the OpenTelemetry
// Prometheus exporter, every case the rules select (sends accepted,
// rejected, rate-limited then accepted, unknown within a campaign;
// callbacks handled, failed by WhatsApp for an account reason, failed by
// the handler, refused), and returns the scrape parsed.
func scenarioScrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	require.NoError(t, err)
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	// Spans are made (the callback delay is measured from the send span's
	// context the SpanStore keeps) and exported nowhere.
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() {
		_ = mp.Shutdown(context.Background())
		_ = tp.Shutdown(context.Background())
	})
	telemetry := []crispwaotel.Option{crispwaotel.WithTracerProvider(tp), crispwaotel.WithMeterProvider(mp),
		crispwaotel.WithSpanStore(crispwaotel.NewMemorySpanStore(0))}

	// The callback receiver: its HandlerFunc fails the deliveries listed
	// in failing (a store down); answered counts the answered POSTs, so
	// that the scrape waits for refused and failed ones too.
	const token = "callback-token-1234"
	var failing sync.Map
	handler := callback.NewHandler(func(_ context.Context, ev *crispwa.CallbackEvent) error {
		if _, ok := failing.Load(ev.RequestID); ok {
			return errors.New("store down")
		}
		return nil
	}, callback.WithToken(token), crispwaotel.HandlerOption(telemetry...))
	answered := make(chan struct{}, 16)
	mux := http.NewServeMux()
	mux.Handle("/crisp/callback", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.ServeHTTP(w, r)
		answered <- struct{}{}
	}))
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	fake := crispwatest.NewServer(crispwatest.WithTemplates(crispwatest.SampleTemplates()...), crispwatest.WithManualOutcomes())
	t.Cleanup(fake.Close)
	fake.SetCallbackURL(srv.URL + "/crisp/callback?token=" + token)
	client := fake.Client(crispwaotel.ClientOption(telemetry...), crispwa.WithRetryWait(time.Millisecond, 5*time.Millisecond))
	send := func() (string, error) {
		res, err := client.Templates.Send(ctx, request())
		if err != nil {
			return "", err
		}
		return res.RequestID, nil
	}
	callbacks := 0
	decide := func(id string, fail string) {
		t.Helper()
		if fail == "" {
			require.NoError(t, fake.Deliver(id))
		} else {
			require.NoError(t, fake.Fail(id, fail))
		}
		callbacks++
		select {
		case <-answered:
		case <-ctx.Done():
			t.Fatalf("callback %d not answered: %v", callbacks, ctx.Err())
		}
	}

	// Accepted, delivered: handled, with its delay.
	delivered, err := send()
	require.NoError(t, err)
	decide(delivered, "")
	// Accepted, then failed by WhatsApp for an account reason: handled,
	// failure.class=account.
	locked, err := send()
	require.NoError(t, err)
	decide(locked, "(#131031) Business account locked")
	// Accepted, delivered, and the handler fails: failed (a 500).
	storeDown, err := send()
	require.NoError(t, err)
	failing.Store(storeDown, true)
	decide(storeDown, "")
	// Rejected by Crisp.
	fake.FailNext(http.StatusBadRequest, "invalid_data")
	_, err = send()
	require.Equal(t, crispwa.OutcomeRejected, crispwa.SendOutcomeOf(err), "%v", err)
	// Rate-limited once, then accepted; its callback comes without the
	// token: refused (a 401).
	fake.RateLimitNext(1, 0)
	limited, err := send()
	require.NoError(t, err)
	fake.SetCallbackURL(srv.URL + "/crisp/callback")
	decide(limited, "")
	// A campaign whose send is dropped after it was written: unknown, in
	// the client's sends and in the campaign's unknowns.
	fake.DropNextSends(1, true)
	journal, err := bulk.OpenJournal(filepath.Join(t.TempDir(), "campaign.journal"), bulk.WithoutFsync())
	require.NoError(t, err)
	t.Cleanup(func() { _ = journal.Close() })
	runner, err := bulk.NewRunner(client, journal, crispwaotel.BulkOption(telemetry...))
	require.NoError(t, err)
	sum, err := runner.Run(ctx, []bulk.Job{{Key: "spring/1", Request: request()}})
	require.NoError(t, err)
	require.Len(t, sum.Unknown, 1, "%+v", sum)

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/metrics", nil)
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(io.LimitReader(resp.Body, 1<<20))
	require.NoError(t, err)
	return families
}

func request() *crispwa.SendTemplateRequest {
	return &crispwa.SendTemplateRequest{
		From: "+33100000000", To: "+33612345678",
		Template: crispwa.MessageTemplate{Name: "order_update", Language: "en_US", Components: []crispwa.Component{
			crispwa.Body(crispwa.Text("Alice"), crispwa.Text("#1042")), crispwa.URLButton(0, "1042"),
		}},
	}
}

// A rules file as Prometheus reads it (recording rules left out: the file
// has none). Unknown keys are errors, as they are for Prometheus.
type ruleFile struct {
	Groups []struct {
		Name     string `yaml:"name"`
		Interval string `yaml:"interval"`
		Rules    []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Alert         string            `yaml:"alert"`
	Expr          string            `yaml:"expr"`
	For           string            `yaml:"for"`
	KeepFiringFor string            `yaml:"keep_firing_for"`
	Labels        map[string]string `yaml:"labels"`
	Annotations   map[string]string `yaml:"annotations"`
}

// checkRules checks the rules file text: its structure, then every
// selector of every expr against the scraped families. It returns every
// problem found, each naming its rule.
func checkRules(text []byte, families map[string]*dto.MetricFamily) error {
	var f ruleFile
	dec := yaml.NewDecoder(bytes.NewReader(text))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("yaml: %w", err)
	}
	var errs []error
	if len(f.Groups) == 0 {
		errs = append(errs, errors.New("no groups"))
	}
	alerts := map[string]bool{}
	for _, g := range f.Groups {
		if g.Name == "" {
			errs = append(errs, errors.New("a group has no name"))
		}
		if g.Interval != "" && !isDuration(g.Interval) {
			errs = append(errs, fmt.Errorf("group %s: interval %q is not a Prometheus duration", g.Name, g.Interval))
		}
		for _, r := range g.Rules {
			if err := checkRule(r, alerts, families); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func checkRule(r rule, seen map[string]bool, families map[string]*dto.MetricFamily) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %w", r.Alert, fmt.Errorf(format, args...)))
	}
	switch {
	case r.Alert == "":
		bad("a rule has no alert name")
	case seen[r.Alert]:
		bad("alert %s defined twice", r.Alert)
	}
	seen[r.Alert] = true
	for _, d := range []struct{ key, v string }{{"for", r.For}, {"keep_firing_for", r.KeepFiringFor}} {
		if d.v != "" && !isDuration(d.v) {
			bad("%s: %q is not a Prometheus duration", d.key, d.v)
		}
	}
	if s := r.Labels["severity"]; !slices.Contains(severities, s) {
		bad("labels.severity %q is not one of %v", s, severities)
	}
	if strings.TrimSpace(r.Annotations["summary"]) == "" {
		bad("annotations.summary missing")
	}
	if strings.TrimSpace(r.Expr) == "" {
		bad("expr is empty")
		return errors.Join(errs...)
	}
	q, err := parseExpr(r.Expr)
	if err != nil {
		bad("expr: %v", err)
		return errors.Join(errs...)
	}
	if len(q.selectors) == 0 {
		bad("expr selects no metric")
	}
	// Each selector: its family is in the scrape, with each label it
	// matches, and each value it asks for.
	var labelSets []labelValues
	for _, s := range q.selectors {
		lv, ok := seriesLabels(families, s.name)
		if !ok {
			bad("no metric %s in the scrape", s.name)
			continue
		}
		labelSets = append(labelSets, lv)
		for _, m := range s.matchers {
			if err := m.check(s.name, lv); err != nil {
				bad("%v", err)
			}
		}
	}
	// Grouping labels (by, without, on, ignoring) are on every metric the
	// expr selects.
	for _, l := range q.grouping {
		for i, lv := range labelSets {
			if _, ok := lv[l]; !ok {
				bad("by (%s): %s has no label %s", l, q.selectors[i].name, l)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(r.Annotations)) {
		for _, m := range templateAction.FindAllStringSubmatch(r.Annotations[k], -1) {
			if err := checkTemplate(m[1], q); err != nil {
				bad("annotations.%s: template {{%s}}: %v", k, m[1], err)
			}
		}
	}
	return errors.Join(errs...)
}

// templateAction is a {{ … }} action of an annotation.
var templateAction = regexp.MustCompile(`\{\{(.*?)\}\}`)

// allowedTemplate is what an annotation's action may be: the alert's
// value, plainly or through one of Prometheus's humanize functions, or a
// label of the alert.
var allowedTemplate = regexp.MustCompile(`^\$value(?: \| humanize(?:Duration|Percentage)?)?$|^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$`)

// checkTemplate checks one annotation action: a $labels.name must be a
// label the alert keeps, that is one it is grouped by.
func checkTemplate(action string, q query) error {
	m := allowedTemplate.FindStringSubmatch(strings.TrimSpace(action))
	switch {
	case m == nil:
		return errors.New("only $value, $value | humanize… and $labels.<name> are allowed")
	case m[1] != "" && !slices.Contains(q.by, m[1]):
		return fmt.Errorf("$labels.%s: the expr does not keep that label (sum by (%s))", m[1], m[1])
	}
	return nil
}

// labelValues is, for one metric of the scrape, every label name on its
// series and the values each takes.
type labelValues map[string]map[string]bool

// seriesLabels returns the labels of the series named name, as Prometheus
// stores them: a histogram family f is selected as f_bucket (with le),
// f_count and f_sum.
func seriesLabels(families map[string]*dto.MetricFamily, name string) (labelValues, bool) {
	f, bucket := families[name], false
	if f == nil {
		for _, suffix := range []string{"_bucket", "_count", "_sum"} {
			base, ok := strings.CutSuffix(name, suffix)
			if h := families[base]; ok && h != nil && h.GetType() == dto.MetricType_HISTOGRAM {
				f, bucket = h, suffix == "_bucket"
			}
		}
	}
	if f == nil {
		return nil, false
	}
	lv := labelValues{}
	add := func(k, v string) {
		if lv[k] == nil {
			lv[k] = map[string]bool{}
		}
		lv[k][v] = true
	}
	for _, m := range f.GetMetric() {
		for _, l := range m.GetLabel() {
			add(l.GetName(), l.GetValue())
		}
		if bucket {
			for _, b := range m.GetHistogram().GetBucket() {
				add("le", model.SampleValue(b.GetUpperBound()).String())
			}
			add("le", "+Inf")
		}
	}
	return lv, true
}

// alternation is a regular expression that only lists values: a|b|c.
var alternation = regexp.MustCompile(`^[a-zA-Z0-9_.]+(\|[a-zA-Z0-9_.]+)*$`)

// A matcher of a selector: label op "value".
type matcher struct{ label, op, value string }

func (m matcher) check(metric string, lv labelValues) error {
	values, ok := lv[m.label]
	switch {
	case !ok:
		return fmt.Errorf("%s has no label %s (the SDK never sets it)", metric, m.label)
	case m.op == "=":
		if !values[m.value] {
			return fmt.Errorf("%s: no series has %s=%q (values: %v)", metric, m.label, m.value, slices.Sorted(maps.Keys(values)))
		}
	case m.op == "=~":
		re, err := regexp.Compile("^(?:" + m.value + ")$")
		if err != nil {
			return fmt.Errorf("%s: %s=~%q: %w", metric, m.label, m.value, err)
		}
		// A plain alternation (a|b|c): each value is one the SDK sets.
		if alternation.MatchString(m.value) {
			for v := range strings.SplitSeq(m.value, "|") {
				if !values[v] {
					return fmt.Errorf("%s: no series has %s=%q", metric, m.label, v)
				}
			}
		}
		if !slices.ContainsFunc(slices.Collect(maps.Keys(values)), re.MatchString) {
			return fmt.Errorf("%s: no series has %s=~%q", metric, m.label, m.value)
		}
	case m.op == "!~":
		if _, err := regexp.Compile("^(?:" + m.value + ")$"); err != nil {
			return fmt.Errorf("%s: %s!~%q: %w", metric, m.label, m.value, err)
		}
	}
	return nil
}

// query is what checkRules needs from a PromQL expression: its vector
// selectors, and the labels it groups or matches by.
type query struct {
	selectors []selector
	grouping  []string // by, without, on, ignoring
	by        []string // the labels an aggregation keeps (by only)
}

type selector struct {
	name     string
	matchers []matcher
}

// PromQL's keywords, aggregations and the functions the rules may call. An
// identifier that is none of these is a metric name; one followed by "("
// that is not a function is an error (a misspelt function).
var (
	setKeywords  = []string{"and", "or", "unless", "bool", "offset", "atan2", "inf", "nan", "group_left", "group_right"}
	groupingKeys = []string{"by", "without", "on", "ignoring"}
	aggregations = []string{"sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values"}
	functions    = []string{"rate", "irate", "increase", "delta", "idelta", "deriv", "changes", "resets", "absent", "absent_over_time",
		"histogram_quantile", "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
		"last_over_time", "present_over_time", "quantile_over_time", "clamp_min", "clamp_max", "clamp", "vector", "scalar",
		"time", "timestamp", "abs", "ceil", "floor", "round", "sort", "sort_desc", "label_replace", "label_join", "predict_linear"}
)

// parseExpr extracts the selectors and grouping labels of a PromQL
// expression. It is a scanner, not a full parser: it knows identifiers,
// strings, numbers and durations, {…} matcher lists, […] ranges and the
// keywords above, and checks brackets balance; Prometheus's own parser
// (TestAlertRulesPromtool) checks the rest.
func parseExpr(expr string) (query, error) {
	var q query
	toks, err := lex(expr)
	if err != nil {
		return q, err
	}
	depth := 0
	for i := 0; i < len(toks); i++ {
		tk := toks[i]
		next := func() token {
			if i+1 < len(toks) {
				return toks[i+1]
			}
			return token{}
		}
		switch tk.kind {
		case tokPunct:
			switch tk.text {
			case "(":
				depth++
			case ")":
				if depth--; depth < 0 {
					return q, errors.New("unbalanced )")
				}
			}
		case tokRange:
			for d := range strings.SplitSeq(tk.text, ":") { // a subquery's [range:step]
				if d != "" && !isDuration(d) {
					return q, fmt.Errorf("range [%s] is not a Prometheus duration", tk.text)
				}
			}
		case tokMatchers:
			return q, errors.New("{…} without a metric name before it")
		case tokIdent:
			name := tk.text
			switch {
			case name == "offset":
				if n := next(); n.kind != tokNumber || !isDuration(n.text) {
					return q, fmt.Errorf("offset %s is not a Prometheus duration", n.text)
				}
				i++
			case slices.Contains(setKeywords, name):
			case slices.Contains(groupingKeys, name):
				labels, n, err := labelList(toks[i+1:])
				if err != nil {
					return q, fmt.Errorf("%s: %w", name, err)
				}
				q.grouping = append(q.grouping, labels...)
				if name == "by" {
					q.by = append(q.by, labels...)
				}
				i += n
			case slices.Contains(aggregations, name), slices.Contains(functions, name):
				// by (…) may come between an aggregation and its "(".
			case next().text == "(":
				return q, fmt.Errorf("unknown function %s", name)
			default:
				s := selector{name: name}
				if n := next(); n.kind == tokMatchers {
					ms, err := parseMatchers(n.text)
					if err != nil {
						return q, fmt.Errorf("%s{%s}: %w", name, n.text, err)
					}
					s.matchers = ms
					i++
				}
				q.selectors = append(q.selectors, s)
			}
		}
	}
	if depth != 0 {
		return q, errors.New("unbalanced (")
	}
	return q, nil
}

// labelList reads "( a, b )" at the start of toks; it returns the labels
// and how many tokens it read.
func labelList(toks []token) ([]string, int, error) {
	if len(toks) == 0 || toks[0].text != "(" {
		return nil, 0, errors.New("( expected")
	}
	var labels []string
	for i := 1; i < len(toks); i++ {
		switch t := toks[i]; {
		case t.text == ")":
			return labels, i + 1, nil
		case t.text == ",":
		case t.kind == tokIdent:
			labels = append(labels, t.text)
		default:
			return nil, 0, fmt.Errorf("%q in a label list", t.text)
		}
	}
	return nil, 0, errors.New(") expected")
}

// parseMatchers reads the inside of {…}: label op "value", separated by
// commas.
var matcherRE = regexp.MustCompile(`^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")\s*(?:,|$)`)

func parseMatchers(s string) ([]matcher, error) {
	var ms []matcher
	for strings.TrimSpace(s) != "" {
		m := matcherRE.FindStringSubmatch(s)
		if m == nil {
			return nil, fmt.Errorf("cannot read matcher %q", s)
		}
		v, err := strconv.Unquote(m[3])
		if err != nil {
			return nil, err
		}
		ms = append(ms, matcher{label: m[1], op: m[2], value: v})
		s = s[len(m[0]):]
	}
	return ms, nil
}

type tokenKind int

const (
	tokPunct    tokenKind = iota // ( ) , and operators
	tokIdent                     // a name
	tokNumber                    // a number or a duration (15m)
	tokString                    // "…"
	tokMatchers                  // the inside of {…}
	tokRange                     // the inside of […]
)

type token struct {
	kind tokenKind
	text string
}

// lex splits a PromQL expression into tokens. Strings are only read
// inside {…}, which it keeps whole for parseMatchers.
func lex(s string) ([]token, error) {
	var toks []token
	isIdent := func(c byte, first bool) bool {
		return c == '_' || c == ':' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || !first && '0' <= c && c <= '9'
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#': // a comment, to the end of the line
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case isIdent(c, true):
			j := i + 1
			for j < len(s) && isIdent(s[j], false) {
				j++
			}
			toks = append(toks, token{tokIdent, s[i:j]})
			i = j
		case '0' <= c && c <= '9' || c == '.':
			j := i + 1
			for j < len(s) && (s[j] == '.' || '0' <= s[j] && s[j] <= '9' || 'a' <= s[j] && s[j] <= 'z') {
				j++
			}
			toks = append(toks, token{tokNumber, s[i:j]})
			i = j
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, errors.New("unterminated string")
			}
			toks = append(toks, token{tokString, s[i : j+1]})
			i = j + 1
		case c == '{' || c == '[':
			closing, kind := byte('}'), tokMatchers
			if c == '[' {
				closing, kind = ']', tokRange
			}
			j := i + 1
			for j < len(s) && s[j] != closing && s[j] != '{' && s[j] != '[' && s[j] != '}' && s[j] != ']' {
				if s[j] == '"' { // skip a string: it may hold any character
					for j++; j < len(s) && s[j] != '"'; j++ {
						if s[j] == '\\' {
							j++
						}
					}
				}
				j++
			}
			if j >= len(s) || s[j] != closing {
				return nil, fmt.Errorf("unclosed %c", c)
			}
			toks = append(toks, token{kind, strings.TrimSpace(s[i+1 : j])})
			i = j + 1
		case c == '}' || c == ']':
			return nil, fmt.Errorf("unbalanced %c", c)
		default:
			toks = append(toks, token{tokPunct, string(c)})
			i++
		}
	}
	return toks, nil
}

// promDuration is a Prometheus duration: units from years to
// milliseconds, each at most once, in that order ("1h30m", "15m", "0s").
var promDuration = regexp.MustCompile(`^(?:[0-9]+y)?(?:[0-9]+w)?(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?(?:[0-9]+ms)?$`)

func isDuration(s string) bool { return s != "" && promDuration.MatchString(s) }
