package crispwa

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// realWorldTemplates returns the real-world templates of testdata, each as
// its file's bytes.
func realWorldTemplates(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "realworld", "templates", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var items []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		items = append(items, string(b))
	}
	return items
}

// realWorldPage is a page holding every real-world template.
func realWorldPage(t testing.TB) string {
	return `{"error":false,"reason":"listed","data":{"templates":[` + strings.Join(realWorldTemplates(t), ",") + `],"paging_next":"c2"}}`
}

// pageSeeds are templates pages in the shapes the page scanner reads and in
// every shape it must leave to encoding/json, which the two decoders must
// decode alike.
var pageSeeds = map[string]string{
	"data null":                `{"error":false,"data":null}`,
	"no data":                  `{"error":false,"reason":"x"}`,
	"templates null":           `{"error":false,"data":{"templates":null}}`,
	"empty":                    `{"error":false,"data":{"templates":[]}}`,
	"null entry":               `{"data":{"templates":[{"name":"a"},null]}}`,
	"odd template":             `{"data":{"templates":[{"name":"a"},{"name":"odd","language":"en","components":{"type":"BODY"}}]}}`,
	"odd nested":               `{"data":{"templates":[{"name":"b","components":[{"type":"BODY","example":{"body_text":7}}]}]}}`,
	"paging null":              `{"data":{"templates":[],"paging_next":null}}`,
	"keys in another case":     `{"Error":false,"DATA":{"Templates":[{"Name":"a"}],"Paging_Next":"n"}}`,
	"unknown keys":             `{"error":false,"extra":[1,{"a":2}],"data":{"more":true,"templates":[{"name":"a","new_field":{"x":1}}]}}`,
	"duplicate data":           `{"data":{"templates":[{"name":"a"}]},"data":{"paging_next":"n"}}`,
	"duplicate templates":      `{"data":{"templates":[{"name":"a"}],"templates":[{"name":"b"}]}}`,
	"white space":              " \n{ \"data\" : { \"templates\" : [ { \"name\" : \"a\" } , { \"name\":\"b\" } ] } } \n",
	"error envelope":           `{"error":true,"reason":"not_found"}`,
	"data of the wrong type":   `{"error":false,"data":[1]}`,
	"templates of wrong type":  `{"error":false,"data":{"templates":{"name":"a"}}}`,
	"reason of the wrong type": `{"error":true,"reason":42}`,
	// One page's templates share the decoder's buffers: nothing of one
	// may leak into the next (fields, buttons, offers, examples), and
	// absent, empty and null components stay apart.
	"templates after templates": `{"data":{"templates":[` +
		`{"name":"a","components":[{"type":"HEADER","format":"TEXT","text":"h","example":{"header_text":["x"]}},{"type":"BODY","text":"b","add_security_recommendation":true},{"type":"LIMITED_TIME_OFFER","limited_time_offer":{"text":"o","has_expiration":true}},{"type":"BUTTONS","buttons":[{"type":"URL","url":"u","example":["e"]}]},{"type":"FOOTER","code_expiration_minutes":5}]},` +
		`{"name":"b","components":[{"type":"BODY"},{"type":"FOOTER"}]},` +
		`{"name":"c"},` +
		`{"name":"d","components":[]},` +
		`{"name":"e","components":null},` +
		`{"name":"f","components":[{"limited_time_offer":{"text":"p"}},{},{},{},{},{}]},` +
		`{"name":"g","components":[{"type":"BODY","text":"x"}],"components":[{"format":"y"}]},` +
		`{"name":"h","components":[{"type":"BODY","example":{"body_text":7}}]},` +
		`{"name":"i","components":[{"text":"after the odd one"}]}` +
		`]}}`,
	"escaped strings and utf-8": `{"data":{"templates":[{"name":"caf\u00e9 \"x\"","components":[{"type":"BODY","text":"Hi {{1}} \ud83d\ude00"}]}]}}`,
	// Keys encoding/json matches to a field other than exactly: the
	// template is read by the general path.
	"key in upper case":      `{"data":{"templates":[{"NAME":"a","language":"en"}]}}`,
	"key with a Kelvin sign": "{\"data\":{\"templates\":[{\"name\":\"a\",\"components\":[{\"type\":\"BODY\",\"\u212aind\":1,\"te\u212at\":\"kelvin\"}]}]}}",
	"key with a long s":      "{\"data\":{\"templates\":[{\"\u017ftatus\":\"APPROVED\",\"name\":\"a\"}]}}",
	"escaped key":            `{"data":{"templates":[{"n\u0061me":"a"}]}}`,
	"escaped envelope key":   `{"d\u0061ta":{"templates":[{"name":"a"}]}}`,
	"upper-case envelope":    `{"ERROR":true,"Reason":"x"}`,
	"unknown non-ASCII key":  `{"data":{"templates":[{"name":"a","ñame":"b","名前":"c"}]}}`,
	"repeated key":           `{"data":{"templates":[{"name":"a","name":"b"}]}}`,
	"repeated button key":    `{"data":{"templates":[{"name":"a","components":[{"type":"BUTTONS","buttons":[{"type":"URL","type":"QUICK_REPLY"}]}]}]}}`,
	// Values: every field's type, null, and the wrong type.
	"every field": `{"error":false,"reason":"ok","data":{"templates":[{"id":"1","name":"n","language":"en_US","status":"APPROVED","category":"MARKETING","parameter_format":"NAMED","quality_score":{"score":"GREEN","date":1},"rejected_reason":"NONE",` +
		`"components":[{"type":"HEADER","format":"TEXT","text":"Hi {{name}}","example":{"header_text":"x","header_text_named_params":[{"param_name":"name","example":"Ann"}],"header_handle":["h"],"body_text":[["a","b"]],"body_text_named_params":[{"param_name":"p","example":"e"}]}},` +
		`{"type":"BODY","text":"b","add_security_recommendation":true,"code_expiration_minutes":10},` +
		`{"type":"LIMITED_TIME_OFFER","limited_time_offer":{"text":"t","has_expiration":false}},` +
		`{"type":"CAROUSEL","cards":[{"components":[{"type":"HEADER","format":"IMAGE","example":{"header_handle":"h"}},{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"q"}]}]},{"components":[]},{"components":null},{}]},` +
		`{"type":"BUTTONS","buttons":[{"type":"URL","text":"u","url":"https://x/{{1}}","example":"https://x/1"},{"type":"PHONE_NUMBER","text":"p","phone_number":"+1"},{"type":"OTP","otp_type":"COPY_CODE","example":["c"]},{"type":"COPY_CODE","example":null},{}]}]}],"paging_next":"next"}}`,
	"every field null": `{"error":null,"reason":null,"data":{"templates":[{"id":null,"name":null,"language":null,"status":null,"category":null,"parameter_format":null,"quality_score":null,"rejected_reason":null,` +
		`"components":[{"type":null,"format":null,"text":null,"buttons":null,"example":null,"cards":null,"limited_time_offer":null,"add_security_recommendation":null,"code_expiration_minutes":null},` +
		`{"example":{"header_text":null,"header_text_named_params":null,"header_handle":null,"body_text":null,"body_text_named_params":null},"buttons":[{"type":null,"text":null,"url":null,"phone_number":null,"example":null,"otp_type":null}],"limited_time_offer":{"text":null,"has_expiration":null},"cards":[{"components":null}]}]},` +
		`{"quality_score":{"score":null}}],"paging_next":null}}`,
	"empty lists": `{"data":{"templates":[{"components":[{"buttons":[],"cards":[],"example":{"header_text":[],"header_text_named_params":[],"header_handle":[],"body_text":[],"body_text_named_params":[]}}]}]}}`,
	"null in lists": `{"data":{"templates":[{"name":"a","components":[null]},{"name":"b","components":[{"buttons":[null,{"type":"URL"}]}]},{"name":"c","components":[{"cards":[null]}]},` +
		`{"name":"d","components":[{"example":{"body_text_named_params":[null]}}]},{"name":"e","components":[{"example":{"header_text":[null]}}]}]}}`,
	"numbers": `{"data":{"templates":[{"name":"a","components":[{"code_expiration_minutes":0}]},{"name":"b","components":[{"code_expiration_minutes":-5}]},{"name":"c","components":[{"code_expiration_minutes":5.0}]},` +
		`{"name":"d","components":[{"code_expiration_minutes":1e2}]},{"name":"e","components":[{"code_expiration_minutes":99999999999999999999}]},{"name":"f","components":[{"code_expiration_minutes":-0}]},` +
		`{"name":"g","components":[{"code_expiration_minutes":9223372036854775807}]},{"name":"h","components":[{"code_expiration_minutes":"5"}]}]}}`,
	"wrong types": `{"data":{"templates":[{"name":1},{"name":"b","status":true},{"name":"c","components":[{"add_security_recommendation":"yes"}]},{"name":"d","quality_score":"GREEN"},` +
		`{"name":"e","components":[{"limited_time_offer":[]}]},{"name":"f","components":[{"cards":{}}]},{"name":"g","components":[{"example":[]}]},{"name":"h","components":[{"buttons":[{"example":{}}]}]},{"name":"i","components":[{"example":{"body_text":[[1]]}}]}]}}`,
	"template not an object":   `{"data":{"templates":[{"name":"a"},1]}}`,
	"template a string":        `{"data":{"templates":["x"]}}`,
	"paging of the wrong type": `{"data":{"templates":[],"paging_next":3}}`,
	"error of the wrong type":  `{"error":"false","data":{"templates":[]}}`,
	"leaf spellings":           `{"data":{"templates":[{"components":[{"example":{"header_text":"one","header_handle":[ "a" , "b" ],"body_text":"row"}},{"example":{"body_text":["a","b"]}},{"example":{"body_text":[[],["x"]]}},{"example":{"body_text":[ [ "a" ] ]}},{"buttons":[{"example":"c"},{"example":["\u0026","\/"]}]}]}]}}`,
	"leaf escapes and UTF-8":   "{\"data\":{\"templates\":[{\"components\":[{\"text\":\"\\ud83d\\ude00 \\ud800 \xff\",\"example\":{\"header_text\":[\"\\ud83d\\ude00\",\"\xc3\"]}}]}]}}",
	"deep unknown value":       `{"data":{"templates":[{"name":"a","x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}]}}`,
	"too deep":                 `{"data":{"templates":[{"name":"a","x":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}]}}`,
	"just under the depth":     `{"data":{"templates":[{"name":"a","x":` + strings.Repeat("[", 9995) + strings.Repeat("]", 9995) + `}]}}`,
	// Carousels nest components in cards in components: through known
	// keys alone, a page can reach encoding/json's nesting limit.
	// An empty list at depth 10001, and one at 10000.
	"cards nested too deep":   `{"data":{"templates":[{"name":"a","components":` + nestCards(2499, `[]`) + `}]}}`,
	"cards nested just under": `{"data":{"templates":[{"name":"a","components":` + nestCards(2498, `[[]]`) + `}]}}`,
	// An empty object at depth 10001, and an empty list at 10000.
	"object nested too deep":   `{"data":{"templates":[{"name":"a","components":` + nestCards(2498, `[{"example":{"body_text_named_params":[{}]}}]`) + `}]}}`,
	"object nested just under": `{"data":{"templates":[{"name":"a","components":` + nestCards(2498, `[{"example":{"body_text_named_params":[]}}]`) + `}]}}`,
	"invalid UTF-8, no escape": "{\"data\":{\"templates\":[{\"name\":\"caf\xe9\",\"components\":[{\"text\":\"\xf0\x9f\x98\",\"example\":{\"header_text\":\"\xff\"}}]}]}}",
	"valid UTF-8, no escape":   `{"data":{"templates":[{"name":"café","components":[{"text":"Olá 😀 مرحبا"}]}]}}`,
	"numbers in unknown keys":  `{"data":{"x":-1.5e+3,"templates":[{"y":0,"z":[1,2.25,-0.0e-1,true,false,null,{}]}]}}`,
	"syntax error":             `{"data":{"templates":[{"name":"a"}`,
	"syntax error in template": `{"data":{"templates":[{"name":"a",}]}}`,
	"syntax error in leaf":     `{"data":{"templates":[{"components":[{"example":{"header_text":["a",]}}]}]}}`,
	"bad number":               `{"data":{"templates":[{"components":[{"code_expiration_minutes":01}]}]}}`,
	"control byte in string":   "{\"data\":{\"templates\":[{\"name\":\"a\tb\"}]}}",
	"trailing bytes":           `{"data":{"templates":[]}} x`,
	"trailing comma":           `{"data":{"templates":[{"name":"a"},]}}`,
	"not an object":            `[1,2]`,
	"no body":                  ``,
	"white space only":         " \n",
	"truncated null":           `{"data":nul`,
	"null page":                `null`,
}

// nestCards returns a components list holding a carousel whose card holds
// a carousel, n times (4 levels of JSON nesting each), around inner. The
// template's components list is at nesting depth 5, so inner's list is at
// 5+4n.
func nestCards(n int, inner string) string {
	return strings.Repeat(`[{"type":"CAROUSEL","cards":[{"components":`, n) + inner + strings.Repeat(`}]}]`, n)
}

// The one-pass page decoder gives exactly what json.Unmarshal of the
// envelope gives (the same values, the same error), for every seed, and
// keeps each template's bytes in Raw.
func TestTemplatesPageDecoderMatchesUnmarshal(t *testing.T) {
	items := realWorldTemplates(t)
	all := realWorldPage(t)
	pages := map[string]string{"real world": all}
	for name, page := range pageSeeds {
		pages[name] = page
	}
	for name, page := range pages {
		t.Run(name, func(t *testing.T) { checkPage(t, []byte(page)) })
	}
	var page envelope[templatesData]
	require.NoError(t, unmarshalEnvelope([]byte(all), &page))
	assert.Len(t, page.Data.Templates, len(items))
	for i, tpl := range page.Data.Templates {
		assert.JSONEq(t, items[i], string(tpl.Raw), "Raw keeps the template's own bytes")
		assert.Empty(t, tpl.Unmodeled)
	}
}

// The scanner reads every real-world template itself: none takes the
// general path, which would make All as slow as before.
func TestPageScannerReadsRealWorldTemplates(t *testing.T) {
	for _, item := range realWorldTemplates(t) {
		s := pageScanner{callbackScanner: callbackScanner{b: []byte(item)}, budget: pageBudget(len(item))}
		var tpl Template
		require.True(t, s.template(&tpl, 4), "%s", item)
		s.space()
		require.Equal(t, len(item), s.i)
	}
	var env envelope[templatesData]
	ok, _ := scanTemplatesPage([]byte(realWorldPage(t)), &env)
	require.True(t, ok)
}

func FuzzTemplatesPage(f *testing.F) {
	f.Add([]byte(realWorldPage(f)))
	for _, page := range pageSeeds {
		f.Add([]byte(page))
	}
	f.Fuzz(checkPage)
}

// checkPage compares the page decoder with json.Unmarshal on one page.
func checkPage(t *testing.T, page []byte) {
	var want, got envelope[templatesData]
	wantErr := json.Unmarshal(page, &want)
	gotErr := unmarshalEnvelope(page, &got)
	if wantErr != nil {
		require.Error(t, gotErr, "%q", page)
		require.Equal(t, wantErr.Error(), gotErr.Error(), "%q", page)
	} else {
		require.NoError(t, gotErr, "%q", page)
	}
	require.Equal(t, want, got, "%q", page)
	if gotErr != nil || got.Data == nil {
		return
	}
	for i, tpl := range got.Data.Templates {
		if tpl != nil {
			require.True(t, json.Valid(tpl.Raw), "%q: template %d: Raw %q", page, i, tpl.Raw)
		}
	}
}

// The page scanner knows every JSON field of Template and its parts: a
// field added to a type without its key in the scanner's list would be
// silently dropped from every page. (This replaces the wire types' mirror
// test: the scanner decodes into the public types themselves.)
func TestPageScannerKnowsEveryField(t *testing.T) {
	for _, pair := range []struct {
		typ  any
		keys []string
	}{
		{Template{}, templateKeys},
		{QualityScore{}, qualityScoreKeys},
		{TemplateComponent{}, componentKeys},
		{TemplateCard{}, cardKeys},
		{TemplateLimitedTimeOffer{}, offerKeys},
		{TemplateExample{}, exampleKeys},
		{NamedParamExample{}, namedParamKeys},
		{TemplateButton{}, buttonKeys},
		{templatesData{}, pageDataKeys},
		{envelope[templatesData]{}, envelopeKeys},
	} {
		keys := slices.Sorted(slices.Values(pair.keys))
		assert.Equal(t, jsonFields(reflect.TypeOf(pair.typ)), keys, "%T", pair.typ)
		assert.LessOrEqual(t, len(keys), 32, "%T: object.seen holds 32 keys", pair.typ)
	}
}

// jsonFields lists the JSON names of a struct's decoded fields.
func jsonFields(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// leafSeeds are example leaves in every spelling Meta's answers use, and
// the odd ones the fast path must leave to json.Unmarshal.
var leafSeeds = []string{
	`null`, `"a"`, `""`, `[]`, `["a"]`, `["a","b"]`, `[ "a" , "b" ] `, ` "a"`, `"a" `, "[\n\t\"a\"\r\n]",
	`[[]]`, `[["a","b"],["c"]]`, `[ [ "a" ] , [ ] ]`, `[["a"],"b"]`, `["a",["b"]]`,
	`"caf\u00e9"`, `["a\"b"]`, `"\ud83d\ude00"`, `"\u0000\u001f\u007f\uFFFF\uabcd"`, `"\b\f\n\r\t\/\\"`, `"\ud800"`, `"\udc00x"`, `"\u12"`, `"\u12g4"`, `"\x"`, `"a\"`, `["\u0026", "x\u0026y"]`, "\"\xff\"", "[\"ok\",\"\xc3\"]", `"tab	in"`,
	`"héllo 😀"`, `[null]`, `["a",null]`, `[1]`, `7`, `true`, `{}`, `nul`, `nullx`, `"a" "b"`,
	`["a",]`, `["a"`, `[`, `"`, ``, ` `, `[["a"]`, `[["a"],]`, `[[["a"]]]`, `["a"]]`,
}

// The fast path of the example leaves gives exactly what their general
// path (json.Unmarshal) gives, and leaves to it whatever it cannot read.
func TestPlainLeavesMatchTheGeneralPath(t *testing.T) {
	for _, leaf := range leafSeeds {
		checkPlainLeaf(t, []byte(leaf))
	}
	// The fast path does take the common shapes.
	for _, leaf := range []string{`null`, `"a"`, `[]`, `["a","b"]`, `[ "é" ] `, `["a\u0026b","\/"]`} {
		_, ok := plainStrings([]byte(leaf))
		assert.True(t, ok, "plainStrings(%s)", leaf)
	}
	for _, leaf := range []string{`null`, `"a"`, `[]`, `["a","b"]`, `[["a"],[]]`, `[[]]`} {
		_, ok := plainRows([]byte(leaf))
		assert.True(t, ok, "plainRows(%s)", leaf)
	}
}

func FuzzPlainLeaves(f *testing.F) {
	for _, leaf := range leafSeeds {
		f.Add([]byte(leaf))
	}
	f.Fuzz(checkPlainLeaf)
}

// checkPlainLeaf compares the fast and the general path on one leaf.
func checkPlainLeaf(t *testing.T, leaf []byte) {
	if strs, ok := plainStrings(leaf); ok {
		var want lenientStrings
		require.NoError(t, want.decode(leaf), "%q: the fast path read what the general path refuses", leaf)
		require.Equal(t, want, strs, "%q", leaf)
		require.Equal(t, want == nil, strs == nil, "%q: nil and empty differ", leaf)
	}
	if rows, ok := plainRows(leaf); ok {
		var want lenientRows
		require.NoError(t, want.decode(leaf), "%q: the fast path read what the general path refuses", leaf)
		require.Equal(t, want, rows, "%q", leaf)
		require.Equal(t, want == nil, rows == nil, "%q: nil and empty differ", leaf)
		for i := range want {
			require.Equal(t, want[i] == nil, rows[i] == nil, "%q: row %d: nil and empty differ", leaf, i)
		}
	}
	// Through UnmarshalJSON, the result is the general path's either way.
	var got, want lenientStrings
	gotErr, wantErr := got.UnmarshalJSON(leaf), want.decode(leaf)
	require.Equal(t, wantErr == nil, gotErr == nil, "%q", leaf)
	require.Equal(t, want, got, "%q", leaf)
	var gotRows, wantRows lenientRows
	gotErr, wantErr = gotRows.UnmarshalJSON(leaf), wantRows.decode(leaf)
	require.Equal(t, wantErr == nil, gotErr == nil, "%q", leaf)
	require.Equal(t, wantRows, gotRows, "%q", leaf)
}

// The page decoder matches json.Unmarshal on real-world pages changed in
// the ways servers differ: any value replaced by one of another type, keys
// in another case or escaped, repeated members, nulls in lists. The byte
// fuzzer rarely builds these; here they are built on purpose, from a fixed
// seed.
func TestPageDecoderOnPerturbedPages(t *testing.T) {
	var compact bytes.Buffer
	require.NoError(t, json.Compact(&compact, []byte(realWorldPage(t))))
	page := compact.Bytes()
	values := []string{`null`, `true`, `false`, `0`, `7`, `-3`, `5.0`, `1e2`, `99999999999999999999`, `""`, `"x"`,
		`"caf\u00e9"`, `"\ud83d\ude00"`, "\"\xff\"", `"a\nb"`, `[]`, `["a"]`, `"a"`, `[["a"],[]]`, `[null]`, `["a",1]`, `{}`,
		`{"a":[1,{"b":null}]}`, `[{}]`, `[{"type":"BODY"}]`, `{"text":"t"}`, `[{"param_name":"p","example":"e"}]`}
	rng := rand.New(rand.NewPCG(22, 2026))
	const runs = 600
	var fast, odd int
	for range runs {
		b := slices.Clone(page)
		for range 1 + rng.IntN(3) {
			b = perturb(rng, b, values)
		}
		checkPage(t, b)
		var env envelope[templatesData]
		if ok, _ := scanTemplatesPage(b, &env); ok && env.Data != nil {
			fast++
			for _, tpl := range env.Data.Templates {
				if tpl != nil && tpl.Unmodeled != "" {
					odd++
				}
			}
		}
	}
	// Both paths ran: pages the scanner read, with templates it handed to
	// Template.UnmarshalJSON, and pages it left to json.Unmarshal.
	t.Logf("%d pages read by the scanner (%d odd templates among them), %d by json.Unmarshal", fast, odd, runs-fast)
	assert.Greater(t, fast, runs/2)
	assert.Greater(t, odd, runs/4)
	assert.Greater(t, runs-fast, 0)
}

// perturb makes one change to a page's JSON at a random member: its value
// replaced, its key changed in case or escaped, the member repeated with
// another value, or a null put first in its list.
func perturb(rng *rand.Rand, b []byte, values []string) []byte {
	var keys []int // offsets of the '"' opening each key
	for i := 1; i+1 < len(b); i++ {
		if b[i] == '"' && b[i+1] == ':' {
			j := bytes.LastIndexByte(b[:i], '"')
			for j > 0 && b[j-1] == '\\' {
				j = bytes.LastIndexByte(b[:j-1], '"')
			}
			if j > 0 && (b[j-1] == '{' || b[j-1] == ',') {
				keys = append(keys, j)
			}
		}
	}
	if len(keys) == 0 {
		return b
	}
	k := keys[rng.IntN(len(keys))]
	s := callbackScanner{b: b, i: k}
	if _, err := s.str(); err != nil {
		return b
	}
	keyEnd := s.i
	s.i++ // ':'
	v := s.i
	if s.value(1) != nil {
		return b
	}
	key, value := b[k:keyEnd], b[v:s.i]
	var out []byte
	switch rng.IntN(6) {
	case 0, 1:
		out = slices.Concat(b[:v], []byte(values[rng.IntN(len(values))]), b[s.i:])
	case 2:
		upper := bytes.ToUpper(key)
		if rng.IntN(2) == 0 {
			upper = slices.Concat(key[:2], []byte{}, key[2:])
			upper[1] = bytes.ToUpper(upper[1:2])[0]
		}
		out = slices.Concat(b[:k], upper, b[keyEnd:])
	case 3:
		escaped := fmt.Appendf(nil, `"\u%04x`, key[1])
		out = slices.Concat(b[:k], escaped, key[2:], b[keyEnd:])
	case 4:
		other := values[rng.IntN(len(values))]
		if rng.IntN(2) == 0 {
			other = string(value)
		}
		out = slices.Concat(b[:s.i], []byte(","), key, []byte(":"), []byte(other), b[s.i:])
	case 5:
		if value[0] != '[' {
			return b
		}
		sep := ","
		if bytes.Equal(value, []byte("[]")) {
			sep = ""
		}
		out = slices.Concat(b[:v+1], []byte("null"+sep), b[v+1:])
	}
	return out
}
