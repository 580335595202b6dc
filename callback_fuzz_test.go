package crispwa

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseCallback: whatever the body, ParseCallback never panics, never
// returns (nil, nil), and an accepted event always has a request_id and the
// original bytes. The seed corpus (golden payloads and broken shapes) runs in
// every go test.
func FuzzParseCallback(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "callbacks", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no golden callbacks: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{"", "null", "[]", "{}", `{"data":{}}`, `{"request_id":1}`, `{"data":{"data":{"request_id":"x"}}}`,
		`{"request_id":"a","crisp_fingerprint":"-0"}`, `{"request_id":"\u0000"}`, "{\"request_id\":\"a\"}\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseCallback(body)
		switch {
		case err == nil && ev == nil:
			t.Fatal("(nil, nil)")
		case err != nil && ev != nil:
			t.Fatal("both an event and an error")
		case err == nil && (ev.RequestID == "" || string(ev.Raw) != string(body)):
			t.Fatalf("accepted event without request_id or raw bytes: %+v", ev)
		}
	})
}
