package crispwa

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// referenceFields and referenceWire are the envelope as encoding/json
// decodes it: ParseCallback's one-pass scanner must read every body as
// json.Unmarshal into them reads it (accept and refuse the same bodies,
// match keys the same way, let later fields replace earlier ones).
type referenceFields struct {
	Error             errorField  `json:"error"`
	Reason            reasonText  `json:"reason"`
	Message           reasonText  `json:"message"`
	RequestID         idText      `json:"request_id"`
	CrispFingerprint  fingerprint `json:"crisp_fingerprint"`
	WhatsAppMessageID idText      `json:"whatsapp_message_id"`
	SessionID         idText      `json:"session_id"`
}

type referenceWire struct {
	referenceFields
	Data referenceFields `json:"data"`
}

// referenceScan decodes b with encoding/json; the one type error it
// ignores is a "data" that is not an object.
func referenceScan(b []byte) (top, data callbackFields, err error) {
	var w referenceWire
	if err := json.Unmarshal(b, &w); err != nil {
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) || typeErr.Field != "data" {
			return top, data, err
		}
	}
	return callbackFields(w.referenceFields), callbackFields(w.Data), nil
}

// scanSeeds are bodies on the edges of the JSON grammar and of the key
// matching, beside the golden callbacks.
var scanSeeds = []string{
	`{}`, `{"request_id":"a"}`, `{"request_id":"a"}` + "\n", `{ "request_id" : "a" , "error" : true }`,
	`{"request_id":"a",}`, `{"request_id":"a" "error":true}`, `{"request_id"}`, `{"request_id":}`, `{,}`, `{"a":1}x`,
	`{"request_id":"a"}{}`, `{"request_id":"a"`, `{"request_id":"a`, `{"request_id":"a\`, `{"request_id":"\x01"}`,
	`{"request_id":"a\q"}`, `{"request_id":"a\u12"}`, `{"request_id":"a\u12G4"}`, `{"request_id":"\ud800"}`,
	`{"request_id":"a","n":01}`, `{"request_id":"a","n":-}`, `{"request_id":"a","n":-0}`, `{"request_id":"a","n":1.}`,
	`{"request_id":"a","n":1.5e}`, `{"request_id":"a","n":1.5e+}`, `{"request_id":"a","n":1.5E-7}`, `{"request_id":"a","n":.5}`,
	`{"request_id":"a","n":+1}`, `{"request_id":"a","n":[1,2,[3,{"x":null}]]}`, `{"request_id":"a","n":[1,]}`, `{"request_id":"a","n":[,1]}`,
	`{"request_id":"a","n":tru}`, `{"request_id":"a","n":nul}`, `{"request_id":"a","n":falsey}`, `{"request_id":"a","n":NaN}`,
	`{"REQUEST_ID":"a"}`, `{"Request_Id":"a"}`, `{"requeſt_id":"a"}`, `{"request_id":"a","DATA":{"Session_ID":"s"}}`,
	`{"request_id":"a","ſession_id":"s","whatsapp_message_id":"w"}`, "{\"request_id\":\"a\",\"\u212aey\":1}",
	`{"request\u005fid":"a"}`, `{"request_id":"a","error\u0000":true}`, `{"request_id":"a","data":{"data":{"request_id":"b"}}}`,
	`{"request_id":"a","request_id":"b"}`, `{"request_id":"a","request_id":7}`, `{"error":true,"error":"x","request_id":"a"}`,
	`{"error":"boom","error":false,"request_id":"a"}`, `{"data":{"request_id":"a"},"data":{"session_id":"s"}}`,
	`{"data":{"request_id":"a"},"data":"x"}`, `{"data":{"request_id":"a"},"data":null}`, `{"data":7,"request_id":"a"}`,
	`{"data":[{"request_id":"b"}],"request_id":"a"}`, `{"data":true,"request_id":"a"}`, `{"data":{"request_id":"a",}}`,
	`{"request_id":"a","crisp_fingerprint":1e3}`, `{"request_id":"a","crisp_fingerprint":"0012"}`, `{"request_id":"a","crisp_fingerprint":-0}`,
	`{"request_id":"a","reason":{"message":"m","code":12}}`, `{"request_id":"a","error":{"message":"m"},"reason":[1,"b"]}`,
	"{\"request_id\":\"a\xff\xfe\"}", "{\"request_id\":\"a\"}\t\r\n ", "{\"request_id\":\"a\"}\u00a0",
	`{"request_id":"a","x":"` + strings.Repeat(`\"`, 50) + `"}`,
	// The deepest encoding/json accepts (10000), and one deeper.
	`{"request_id":"a","x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`,
	`{"request_id":"a","x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
	`{"request_id":"a","data":{"x":` + strings.Repeat("[", 9998) + strings.Repeat("]", 9998) + `}}`,
	`{"request_id":"a","data":{"x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}}`,
	`{"request_id":"a","x":` + strings.Repeat(`{"y":`, 9999) + "1" + strings.Repeat("}", 9999) + `}`,
	`{"request_id":"a","x":` + strings.Repeat(`{"y":`, 10000) + "1" + strings.Repeat("}", 10000) + `}`,
}

// callbackSeeds are the golden callbacks and the edge bodies.
func callbackSeeds(t testing.TB) [][]byte {
	files, err := filepath.Glob(filepath.Join("testdata", "callbacks", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var seeds [][]byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		require.NoError(t, err)
		seeds = append(seeds, b)
	}
	for _, s := range scanSeeds {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

// sameAsEncodingJSON fails t unless scanCallback reads body as
// encoding/json does.
func sameAsEncodingJSON(t *testing.T, body []byte) {
	t.Helper()
	wantTop, wantData, wantErr := referenceScan(body)
	var top, data callbackFields
	err := scanCallback(body, &top, &data)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("%q: scanner error %v, encoding/json error %v", body, err, wantErr)
	}
	if err == nil && (top != wantTop || data != wantData) {
		t.Fatalf("%q: scanner read\n%+v %+v\nencoding/json read\n%+v %+v", body, top, data, wantTop, wantData)
	}
}

func TestScanCallbackIsEncodingJSON(t *testing.T) {
	for _, body := range callbackSeeds(t) {
		sameAsEncodingJSON(t, body)
	}
	deep := scanSeeds[len(scanSeeds)-6:]
	for i, body := range deep {
		_, _, err := referenceScan([]byte(body))
		assert.Equal(t, i%2 == 1, err != nil, "the seeds reach encoding/json's depth limit: %d", i)
	}
}

// FuzzScanCallback: on any body, the one-pass scanner and encoding/json
// accept the same bodies and read the same fields.
func FuzzScanCallback(f *testing.F) {
	for _, b := range callbackSeeds(f) {
		if len(b) < 4096 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 0 && body[0] == '{' {
			sameAsEncodingJSON(t, body)
		}
	})
}
