package crispwa

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/crispwa/crispwa/internal/cputime"
)

// allTemplates is how many templates the All benchmarks walk, in pages of
// allPageSize, cycling through the real-world templates of testdata with
// fresh names.
const (
	allTemplates = 1000
	allPageSize  = 100
)

// allServer serves allTemplates real-world-shaped templates in pages, keyed
// by the "after" cursor ("p1", "p2", ...).
func allServer(b *testing.B) *httptest.Server {
	b.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "realworld", "templates", "*.json"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no real-world templates: %v", err)
	}
	var real []map[string]any
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			b.Fatal(err)
		}
		real = append(real, m)
	}
	var pages [][]byte
	for start := 0; start < allTemplates; start += allPageSize {
		var ts []map[string]any
		for i := start; i < start+allPageSize; i++ {
			m := map[string]any{}
			for k, v := range real[i%len(real)] {
				m[k] = v
			}
			m["id"], m["name"], m["status"] = strconv.Itoa(i), fmt.Sprintf("template_%04d", i), "APPROVED"
			ts = append(ts, m)
		}
		data := map[string]any{"templates": ts}
		if next := start/allPageSize + 1; next*allPageSize < allTemplates {
			data["paging_next"] = "p" + strconv.Itoa(next)
		}
		page, err := json.Marshal(map[string]any{"error": false, "reason": "listed", "data": data})
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, page)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := 0
		if after := r.URL.Query().Get("after"); after != "" {
			n, _ = strconv.Atoi(after[1:])
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(pages[n])
	}))
	b.Cleanup(srv.Close)
	return srv
}

// plainTemplate is the floor's template: every field the SDK decodes, in
// plain structs that encoding/json decodes with no method of ours and no
// copy of the raw bytes. Meta's loosely typed examples (a string or a
// list) cannot be a plain Go type: the floor keeps those leaves as raw
// bytes, which costs it less than decoding them.
type plainTemplate struct {
	ID              string           `json:"id"`
	Name            string           `json:"name"`
	Language        string           `json:"language"`
	Status          string           `json:"status"`
	Category        string           `json:"category"`
	ParameterFormat string           `json:"parameter_format"`
	Components      []plainComponent `json:"components"`
	QualityScore    *struct {
		Score string `json:"score"`
	} `json:"quality_score"`
	RejectedReason string `json:"rejected_reason"`
}

type plainComponent struct {
	Type    string `json:"type"`
	Format  string `json:"format"`
	Text    string `json:"text"`
	Example *struct {
		HeaderText            json.RawMessage   `json:"header_text"`
		HeaderTextNamedParams []plainNamedParam `json:"header_text_named_params"`
		HeaderHandle          json.RawMessage   `json:"header_handle"`
		BodyText              json.RawMessage   `json:"body_text"`
		BodyTextNamedParams   []plainNamedParam `json:"body_text_named_params"`
	} `json:"example"`
	Buttons []struct {
		Type        string          `json:"type"`
		Text        string          `json:"text"`
		URL         string          `json:"url"`
		PhoneNumber string          `json:"phone_number"`
		Example     json.RawMessage `json:"example"`
		OTPType     string          `json:"otp_type"`
	} `json:"buttons"`
	Cards []struct {
		Components []plainComponent `json:"components"`
	} `json:"cards"`
	LimitedTimeOffer *struct {
		Text          string `json:"text"`
		HasExpiration bool   `json:"has_expiration"`
	} `json:"limited_time_offer"`
	AddSecurityRecommendation bool `json:"add_security_recommendation"`
	CodeExpirationMinutes     int  `json:"code_expiration_minutes"`
}

type plainNamedParam struct {
	ParamName string `json:"param_name"`
	Example   string `json:"example"`
}

// handAll is the floor: a hand-written GET-and-decode loop over the pages
// with net/http and encoding/json, reading every body whole.
func handAll(ctx context.Context, hc *http.Client, url string) (int, error) {
	n, after := 0, ""
	for {
		u := url
		if after != "" {
			u += "?after=" + after
		}
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return n, err
		}
		r.SetBasicAuth(testIdent, testKey)
		r.Header.Set("Accept", "application/json")
		resp, err := hc.Do(r)
		if err != nil {
			return n, err
		}
		var env struct {
			Error bool `json:"error"`
			Data  struct {
				Templates  []plainTemplate `json:"templates"`
				PagingNext string          `json:"paging_next"`
			} `json:"data"`
		}
		err = json.NewDecoder(io.LimitReader(resp.Body, maxResponseBytes)).Decode(&env)
		// Read the body to its end, as the SDK does: a body closed
		// before EOF costs the connection, and the next page a new one.
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return n, err
		}
		if resp.StatusCode != http.StatusOK || env.Error {
			return n, fmt.Errorf("list failed: %d", resp.StatusCode)
		}
		n += len(env.Data.Templates)
		if env.Data.PagingNext == "" {
			return n, nil
		}
		after = env.Data.PagingNext
	}
}

// sdkAll walks the same pages with Templates.All.
func sdkAll(ctx context.Context, c *Client) (int, error) {
	n := 0
	for _, err := range c.Templates.All(ctx, nil) {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// BenchmarkAll compares Templates.All over 1,000 real-world-shaped
// templates (10 pages) with the hand-written loop decoding into a plain
// struct. BenchmarkAllRatio reports the ratio as the median of alternating
// rounds, which a drifting machine load moves alike.
func BenchmarkAll(b *testing.B) {
	srv := allServer(b)
	ctx := context.Background()
	listURL := srv.URL + "/website/" + testWebsite + "/templates"
	b.Run("SDK", func(b *testing.B) {
		c := benchClient(b, srv)
		serial(b, func() error { return expect(sdkAll(ctx, c)) })
	})
	b.Run("Hand", func(b *testing.B) {
		hc := handClient(b)
		serial(b, func() error { return expect(handAll(ctx, hc, listURL)) })
	})
}

func BenchmarkAllRatio(b *testing.B) {
	srv := allServer(b)
	ctx := context.Background()
	listURL := srv.URL + "/website/" + testWebsite + "/templates"
	c, hc := benchClient(b, srv), handClient(b)
	must := func(f func() error) func() {
		return func() {
			if err := f(); err != nil {
				b.Fatal(err)
			}
		}
	}
	sdk := must(func() error { return expect(sdkAll(ctx, c)) })
	hand := must(func() error { return expect(handAll(ctx, hc, listURL)) })
	medianRatio(b, "sdk/hand", 4, sdk, hand)
}

// medianRatio times n runs of x and n runs of y per round, in alternating
// order, until b.Loop ends, and reports the median of x's time over y's as
// metric: a machine whose load drifts moves both sides of each round alike.
// Beside it, metric+"-cpu" is the same median of the process's CPU time
// (client and loopback server together), which other processes' load
// hardly moves.
func medianRatio(b *testing.B, metric string, n int, x, y func()) {
	type cost struct{ wall, cpu time.Duration }
	timed := func(f func()) cost {
		start, cpu := time.Now(), cputime.Process()
		for range n {
			f()
		}
		return cost{time.Since(start), cputime.Process() - cpu}
	}
	var wall, cpu []float64
	for i := 0; b.Loop(); i++ {
		var cx, cy cost
		if i%2 == 0 {
			cx, cy = timed(x), timed(y)
		} else {
			cy, cx = timed(y), timed(x)
		}
		wall = append(wall, float64(cx.wall)/float64(cy.wall))
		if cy.cpu > 0 {
			cpu = append(cpu, float64(cx.cpu)/float64(cy.cpu))
		}
	}
	median := func(r []float64) float64 {
		slices.Sort(r)
		return r[len(r)/2]
	}
	b.ReportMetric(median(wall), metric)
	if len(cpu) > 0 {
		b.ReportMetric(median(cpu), metric+"-cpu")
	}
}

// expect checks that a walk saw every template.
func expect(n int, err error) error {
	if err == nil && n != allTemplates {
		err = fmt.Errorf("walked %d templates, want %d", n, allTemplates)
	}
	return err
}

// decoders returns one page of allPageSize templates and two functions that
// decode it: the SDK's envelope and Template decoder, and encoding/json
// into plainTemplate.
func decoders(b *testing.B) (sdk, plain func()) {
	srv := allServer(b)
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		b.Fatal(err)
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		b.Fatal(err)
	}
	sdk = func() {
		var env envelope[templatesData]
		if err := unmarshalEnvelope(page, &env); err != nil || len(env.Data.Templates) != allPageSize {
			b.Fatal(err)
		}
	}
	plain = func() {
		var env struct {
			Data struct {
				Templates []plainTemplate `json:"templates"`
			} `json:"data"`
		}
		if err := json.Unmarshal(page, &env); err != nil || len(env.Data.Templates) != allPageSize {
			b.Fatal(err)
		}
	}
	return sdk, plain
}

// BenchmarkTemplateDecode isolates the decoding of one page of 100
// real-world-shaped templates, SDK against plain.
func BenchmarkTemplateDecode(b *testing.B) {
	sdk, plain := decoders(b)
	for name, f := range map[string]func(){"SDK": sdk, "Plain": plain} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f()
			}
		})
	}
}

// BenchmarkTemplateDecodeRatio reports the SDK's page decoding time over
// the plain decode's, as the median of alternating rounds.
func BenchmarkTemplateDecodeRatio(b *testing.B) {
	sdk, plain := decoders(b)
	medianRatio(b, "sdk/plain", 8, sdk, plain)
}

// The floor decodes the same fields as the SDK: a floor that skipped some
// would flatter it.
func TestAllFloorDecodesTheSameFields(t *testing.T) {
	component := reflect.TypeFor[plainComponent]()
	field := func(t reflect.Type, name string) reflect.Type {
		f, _ := t.FieldByName(name)
		for f.Type.Kind() == reflect.Pointer || f.Type.Kind() == reflect.Slice {
			f.Type = f.Type.Elem()
		}
		return f.Type
	}
	for _, pair := range [][2]reflect.Type{
		{reflect.TypeFor[Template](), reflect.TypeFor[plainTemplate]()},
		{reflect.TypeFor[QualityScore](), field(reflect.TypeFor[plainTemplate](), "QualityScore")},
		{reflect.TypeFor[TemplateComponent](), component},
		{reflect.TypeFor[TemplateExample](), field(component, "Example")},
		{reflect.TypeFor[TemplateButton](), field(component, "Buttons")},
		{reflect.TypeFor[TemplateCard](), field(component, "Cards")},
		{reflect.TypeFor[TemplateLimitedTimeOffer](), field(component, "LimitedTimeOffer")},
		{reflect.TypeFor[NamedParamExample](), reflect.TypeFor[plainNamedParam]()},
	} {
		if got, want := jsonFields(pair[1]), jsonFields(pair[0]); !slices.Equal(got, want) {
			t.Errorf("%v: floor decodes %v, SDK %v", pair[0], got, want)
		}
	}
}
