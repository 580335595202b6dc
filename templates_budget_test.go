package crispwa

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonList returns a JSON list of n copies of elem.
func jsonList(elem string, n int) string {
	if n == 0 {
		return "[]"
	}
	return "[" + strings.Repeat(elem+",", n-1) + elem + "]"
}

// fillPage returns shape with its LIST replaced by a list of as many
// copies of elem as make the page about size bytes (or its ITEMS by the
// list's elements).
func fillPage(shape, elem string, size int) []byte {
	n := (size - len(shape)) / (len(elem) + 1)
	list := jsonList(elem, n)
	if strings.Contains(shape, "ITEMS") {
		return []byte(strings.Replace(shape, "ITEMS", list[1:len(list)-1], 1))
	}
	return []byte(strings.Replace(shape, "LIST", list, 1))
}

// servePage serves page, with its length, as every templates page.
func servePage(t *testing.T, page []byte) *Client {
	t.Helper()
	c, mux, _ := setup(t)
	mux.HandleFunc(apiPrefix+"templates", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(page)))
		_, _ = w.Write(page)
	})
	return c
}

// allocated returns the bytes f allocated (in the whole process: the
// loopback server's too).
func allocated(f func()) uint64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// hostilePages are pages of maxResponseBytes whose few bytes per element
// decode to large structures: empty templates, components, cards, buttons,
// named examples, example strings and rows, products of them, by the
// scanner and by each encoding/json fallback. Before the page budget they
// decoded to 80 to 270 times their size.
var hostilePages = map[string][2]string{ // shape (LIST is replaced), element
	"empty templates":                {`{"error":false,"data":{"templates":LIST}}`, `{}`},
	"null templates":                 {`{"error":false,"data":{"templates":LIST}}`, `null`},
	"empty components":               {`{"error":false,"data":{"templates":[{"name":"a","components":LIST}]}}`, `{}`},
	"empty buttons":                  {`{"error":false,"data":{"templates":[{"name":"a","components":[{"type":"BUTTONS","buttons":LIST}]}]}}`, `{}`},
	"empty cards":                    {`{"error":false,"data":{"templates":[{"name":"a","components":[{"type":"CAROUSEL","cards":LIST}]}]}}`, `{}`},
	"empty card components":          {`{"error":false,"data":{"templates":[{"name":"a","components":[{"type":"CAROUSEL","cards":[{"components":LIST}]}]}]}}`, `{}`},
	"empty named parameters":         {`{"error":false,"data":{"templates":[{"name":"a","components":[{"example":{"body_text_named_params":LIST}}]}]}}`, `{}`},
	"empty example strings":          {`{"error":false,"data":{"templates":[{"name":"a","components":[{"example":{"header_text":LIST}}]}]}}`, `""`},
	"empty example rows":             {`{"error":false,"data":{"templates":[{"name":"a","components":[{"example":{"body_text":LIST}}]}]}}`, `[]`},
	"empty button examples":          {`{"error":false,"data":{"templates":[{"components":[{"buttons":[{"example":LIST}]}]}]}}`, `""`},
	"templates of 100 components":    {`{"error":false,"data":{"templates":LIST}}`, `{"components":` + jsonList(`{}`, 100) + `}`},
	"components of 8 buttons":        {`{"error":false,"data":{"templates":[{"components":LIST}]}}`, `{"buttons":` + jsonList(`{}`, 8) + `}`},
	"templates the SDK cannot model": {`{"error":false,"data":{"templates":LIST}}`, `{"name":1}`},
	"components of the wrong type":   {`{"error":false,"data":{"templates":LIST}}`, `{"components":{}}`},
	"templates named true":           {`{"error":false,"data":{"templates":LIST}}`, `{"name":true}`},
	"components a string":            {`{"error":false,"data":{"templates":LIST}}`, `{"components":"x"}`},
	"expiry a fraction":              {`{"error":false,"data":{"templates":LIST}}`, `{"components":[{"code_expiration_minutes":0.5}]}`},
	// The same, for encoding/json: a page off the common shape ("Data"),
	// an odd template (a number for a name), an odd leaf (a number in it).
	"page fallback, empty templates":      {`{"error":false,"Data":{"templates":LIST}}`, `{}`},
	"page fallback, empty components":     {`{"error":false,"Data":{"templates":[{"name":"a","components":LIST}]}}`, `{}`},
	"page fallback, empty buttons":        {`{"error":false,"Data":{"templates":[{"components":[{"buttons":LIST}]}]}}`, `{}`},
	"page fallback, empty rows":           {`{"error":false,"Data":{"templates":[{"components":[{"example":{"body_text":LIST}}]}]}}`, `[]`},
	"page fallback, odd templates":        {`{"error":false,"Data":{"templates":LIST}}`, `{"name":1}`},
	"template fallback, empty components": {`{"error":false,"data":{"templates":[{"name":1,"components":LIST}]}}`, `{}`},
	"template fallback, empty cards":      {`{"error":false,"data":{"templates":[{"name":1,"components":[{"cards":LIST}]}]}}`, `{}`},
	"template fallback, many members":     {`{"error":false,"data":{"templates":[{"name":1,LIST}]}}`, `"k":1`},
	"leaf fallback, empty strings":        {`{"error":false,"data":{"templates":[{"components":[{"example":{"header_text":[1,ITEMS]}}]}]}}`, `""`},
	"leaf fallback, empty rows":           {`{"error":false,"data":{"templates":[{"components":[{"example":{"body_text":[1,ITEMS]}}]}]}}`, `[]`},
}

// A hostile page is refused with a clear error, having allocated a small
// multiple of its size (the body and the budget), and All stops on
// it instead of going on.
func TestHostilePagesAreRefused(t *testing.T) {
	for name, shape := range hostilePages {
		t.Run(name, func(t *testing.T) {
			page := fillPage(shape[0], shape[1], maxResponseBytes-64)
			if name == "template fallback, many members" { // distinct keys
				var b strings.Builder
				for i := 0; b.Len() < maxResponseBytes-100; i++ {
					b.WriteString(`,"k` + strconv.Itoa(i) + `":1`)
				}
				page = []byte(`{"error":false,"data":{"templates":[{"name":1` + b.String() + `}]}}`)
			}
			require.LessOrEqual(t, len(page), maxResponseBytes)
			c := servePage(t, page)
			var err error
			bytes := allocated(func() { _, err = c.Templates.List(context.Background(), nil) })
			require.Error(t, err)
			assert.Contains(t, err.Error(), "templates page would decode to more than 8 bytes per byte of the page")
			assert.NotErrorIs(t, err, ErrSendOutcomeUnknown)
			ratio := float64(bytes) / float64(len(page))
			t.Logf("%d bytes allocated for a page of %d: %.1f times", bytes, len(page), ratio)
			assert.Less(t, ratio, 11.0, "allocated %d bytes for a page of %d", bytes, len(page))

			var yields, errs int
			for tpl, err := range c.Templates.All(context.Background(), nil) {
				yields++
				if err != nil {
					errs++
					assert.Nil(t, tpl)
					assert.ErrorIs(t, err, errPageTooLarge)
				}
			}
			assert.Equal(t, 1, yields, "All yields the error once, and stops")
			assert.Equal(t, 1, errs)
		})
	}
}

// realPages are pages of the real-world templates of testdata: each alone,
// all of them, and as many copies as fit in maxResponseBytes.
func realPages(t *testing.T) map[string][]byte {
	items := realWorldTemplates(t)
	pages := map[string][]byte{"all": []byte(realWorldPage(t))}
	for i, item := range items {
		pages["template "+strconv.Itoa(i)] = []byte(`{"error":false,"reason":"listed","data":{"templates":[` + item + `],"paging_next":"c2"}}`)
	}
	all := strings.Join(items, ",")
	var b strings.Builder
	b.WriteString(`{"error":false,"reason":"listed","data":{"templates":[`)
	b.WriteString(all)
	for b.Len()+len(all)+100 < maxResponseBytes {
		b.WriteString("," + all)
	}
	b.WriteString(`],"paging_next":"c2"}}`)
	pages["full"] = []byte(b.String())
	return pages
}

// No real page comes near the budget: the scanner spends at most a quarter
// of it, and a page it reads to the end before handing it to encoding/json
// (an envelope key in upper case, last) still decodes, as json.Unmarshal
// decodes it, although fallbackCost is pessimistic (it counts json's
// growth and state generously).
func TestRealPagesFitTheBudget(t *testing.T) {
	var worstScan, worstFallback float64
	for name, page := range realPages(t) {
		var env envelope[templatesData]
		ok, left := scanTemplatesPage(page, &env)
		require.True(t, ok, name)
		spent := pageBudget(len(page)) - left
		perByte := float64(spent) / float64(len(page))
		worstScan = max(worstScan, perByte)
		assert.LessOrEqual(t, perByte, pageBudgetPerByte/4.0, "%s: the scanner spent %d bytes for %d", name, spent, len(page))

		odd := append(page[:len(page)-1:len(page)-1], `,"REASON":"listed"}`...)
		worstFallback = max(worstFallback, float64(fallbackCost(odd, costEnvelope))/float64(len(odd)))
		ok, _ = scanTemplatesPage(odd, &env)
		require.False(t, ok, "%s: the scanner leaves the page to encoding/json", name)
		checkPage(t, odd)
	}
	t.Logf("per byte of the page, at most: scanner %.2f, encoding/json (costed) %.2f; budget %d", worstScan, worstFallback, pageBudgetPerByte)
}

// The bound is sharp and what it lets through is decoded as before: the
// largest page of empty templates within the budget decodes to what
// json.Unmarshal gives, and one template more is refused; so for a page
// left to encoding/json ("Data") at fallbackCost's bound.
func TestPageAtTheBudget(t *testing.T) {
	for name, shape := range map[string]string{
		"scanner":        `{"error":false,"data":{"templates":LIST}}`,
		"encoding/json":  `{"error":false,"Data":{"templates":LIST}}`,
		"odd template":   `{"error":false,"data":{"templates":[{"name":1,"components":LIST}]}}`,
		"components":     `{"error":false,"data":{"templates":[{"name":"a","components":LIST}]}}`,
		"example rows":   `{"error":false,"data":{"templates":[{"components":[{"example":{"body_text":LIST}}]}]}}`,
		"named examples": `{"error":false,"data":{"templates":[{"components":[{"example":{"body_text_named_params":LIST}}]}]}}`,
	} {
		t.Run(name, func(t *testing.T) {
			elem := `{}`
			if name == "example rows" {
				elem = `[]`
			}
			page := func(n int) []byte { return []byte(strings.Replace(shape, "LIST", jsonList(elem, n), 1)) }
			fits := func(n int) bool {
				var env envelope[templatesData]
				return unmarshalEnvelope(page(n), &env) == nil
			}
			lo, hi := 0, 1
			for fits(hi) {
				require.Less(t, hi, 1<<20, "no bound")
				lo, hi = hi, 2*hi
			}
			for hi-lo > 1 { // fits(lo), !fits(hi)
				mid := (lo + hi) / 2
				if fits(mid) {
					lo = mid
				} else {
					hi = mid
				}
			}
			t.Logf("%d elements (%d bytes) fit, %d do not", lo, len(page(lo)), hi)
			assert.Greater(t, lo, 1000, "the slack alone lets a thousand through")
			checkPage(t, page(lo))
			var env envelope[templatesData]
			assert.ErrorIs(t, unmarshalEnvelope(page(hi), &env), errPageTooLarge)
		})
	}
}

// fallbackCost bounds what encoding/json allocates: on the hostile shapes
// (smaller), the real pages and the decoder's seeds, json.Unmarshal of the
// page allocates no more than the cost plus the strings it copies (each
// byte of the page at most three times: a string, Raw, the map of an odd
// template), a few kilobytes of its own, and its parse stacks (256 bytes
// per level of nesting).
func TestFallbackCostBoundsEncodingJSON(t *testing.T) {
	pages := map[string][]byte{}
	for name, shape := range hostilePages {
		pages[name] = fillPage(shape[0], shape[1], 64<<10)
	}
	for name, page := range realPages(t) {
		pages["real "+name] = page
	}
	for name, page := range pageSeeds {
		pages["seed "+name] = []byte(page)
	}
	for name, page := range pages {
		cost := fallbackCost(page, costEnvelope)
		var env envelope[templatesData]
		_ = json.Unmarshal(page, &env) // encoding/json caches each type's fields on first use
		got := allocated(func() { _ = json.Unmarshal(page, &env) })
		assert.LessOrEqual(t, got, uint64(cost+3*len(page)+4096+256*nesting(page)), "%s: %d bytes allocated, costed at %d, for %d", name, got, cost, len(page))
	}
}

// nesting returns how deep the JSON in b nests.
func nesting(b []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// fallbackCost knows every JSON field of Template and its parts, with the
// type it decodes to: a field it did not know would be skipped, and a value
// of the wrong type in it would not count its template as one the SDK
// cannot model.
func TestFallbackCostKnowsEveryField(t *testing.T) {
	for kind, typ := range map[costKind]any{
		costEnvelope: envelope[templatesData]{}, costData: templatesData{}, costTemplate: Template{},
		costQualityScore: QualityScore{}, costComponent: TemplateComponent{}, costCard: TemplateCard{},
		costOffer: TemplateLimitedTimeOffer{}, costExample: TemplateExample{}, costNamedParam: NamedParamExample{},
		costButton: TemplateButton{},
	} {
		var keys []string
		for _, m := range costMembers[kind] {
			keys = append(keys, string(m.key))
		}
		slices.Sort(keys)
		assert.Equal(t, jsonFields(reflect.TypeOf(typ)), keys, "%T", typ)
	}
	assert.Len(t, costMembers, 10)
}

// BenchmarkHostilePage decodes a 4 MiB hostile page, as the SDK does (it
// refuses it) and as json.Unmarshal does with no budget (the floor: what
// the page cost before), and reports the bytes each allocates per byte of
// the page.
//
//	go test -run '^$' -bench HostilePage -benchtime 5x .
func BenchmarkHostilePage(b *testing.B) {
	for _, name := range []string{"empty templates", "empty components", "empty buttons", "page fallback, empty templates"} {
		shape := hostilePages[name]
		page := fillPage(shape[0], shape[1], maxResponseBytes-64)
		b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
			var sdk, plain uint64
			for b.Loop() {
				var env envelope[templatesData]
				sdk += allocated(func() { _ = unmarshalEnvelope(page, &env) })
				plain += allocated(func() { _ = json.Unmarshal(page, &env) })
			}
			b.ReportMetric(float64(sdk)/float64(b.N)/float64(len(page)), "sdk-B/page-B")
			b.ReportMetric(float64(plain)/float64(b.N)/float64(len(page)), "json-B/page-B")
		})
	}
}
