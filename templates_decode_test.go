package crispwa

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The one-pass page decoder gives exactly what json.Unmarshal of the
// envelope gives, for every real-world template and for odd pages (which
// take the fallback).
func TestTemplatesPageDecoderMatchesUnmarshal(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "realworld", "templates", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var items []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		items = append(items, string(b))
	}
	all := `{"error":false,"reason":"listed","data":{"templates":[` + strings.Join(items, ",") + `],"paging_next":"c2"}}`
	pages := map[string]string{
		"real world":               all,
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
	}
	for name, page := range pages {
		t.Run(name, func(t *testing.T) {
			var want, got envelope[templatesData]
			wantErr := json.Unmarshal([]byte(page), &want)
			gotErr := unmarshalEnvelope([]byte(page), &got)
			require.Equal(t, wantErr, gotErr)
			assert.Equal(t, want, got)
		})
	}
	for name, page := range map[string]string{
		"syntax error":   `{"data":{"templates":[{"name":"a"}`,
		"trailing bytes": `{"data":{"templates":[]}} x`,
		"not an object":  `[1,2]`,
	} {
		t.Run(name, func(t *testing.T) {
			var want, got envelope[templatesData]
			wantErr := json.Unmarshal([]byte(page), &want)
			gotErr := unmarshalEnvelope([]byte(page), &got)
			require.Error(t, gotErr)
			assert.Equal(t, wantErr.Error(), gotErr.Error())
		})
	}
	var page envelope[templatesData]
	require.NoError(t, unmarshalEnvelope([]byte(all), &page))
	assert.Len(t, page.Data.Templates, len(files))
	for i, tpl := range page.Data.Templates {
		assert.JSONEq(t, items[i], string(tpl.Raw), "Raw keeps the template's own bytes")
		assert.Empty(t, tpl.Unmodeled)
	}
}

// The wire types hold the same JSON fields as the public ones: a field
// added to Template (or a part of it) without its wire twin would be
// silently dropped by the one-pass decoder.
func TestWireTypesMirrorTemplateTypes(t *testing.T) {
	for _, pair := range [][2]any{
		{Template{}, wireTemplate{}},
		{TemplateComponent{}, wireComponent{}},
		{TemplateCard{}, wireCard{}},
		{TemplateExample{}, wireExample{}},
		{TemplateButton{}, wireButton{}},
	} {
		assert.Equal(t, jsonFields(reflect.TypeOf(pair[0])), jsonFields(reflect.TypeOf(pair[1])), "%T", pair[0])
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
