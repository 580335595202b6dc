package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/crispwatest"
	"github.com/crispwa/crispwa/internal/testenv"
)

// frontEnv puts a handler in front of the fake API and returns the
// environment pointing the command at it: intercept answers a request
// itself by returning true, else the request goes on to the fake.
func frontEnv(t *testing.T, srv *crispwatest.Server, env map[string]string, intercept func(http.ResponseWriter, *http.Request) bool) map[string]string {
	t.Helper()
	target, err := url.Parse(srv.URL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !intercept(w, r) {
			proxy.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(front.Close)
	out := maps.Clone(env)
	out[crispwa.EnvBaseURL] = front.URL + target.Path
	return out
}

func journalArg(args []string) string {
	for i, a := range args {
		if a == "--journal" {
			return args[i+1]
		}
	}
	panic("no --journal")
}

func TestBulkCredentialsRejectedStopsTheCampaign(t *testing.T) {
	srv, env := fakeEnv(t)
	var revoked atomic.Bool
	var posts atomic.Int32
	env = frontEnv(t, srv, env, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost || !revoked.Load() {
			return false
		}
		posts.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":true,"reason":"unauthorized","data":{}}`)
		return true
	})
	var csv strings.Builder
	csv.WriteString("to,1,2,button:0\n")
	for i := range 20 {
		fmt.Fprintf(&csv, "+336000000%02d,Name,#%d,%d\n", i, i, i)
	}
	args := campaignFiles(t, "order_update", csv.String(), "--concurrency", "1")
	revoked.Store(true) // the key was revoked after the template was fetched: every send is refused

	r := runWith(t, env, args...)
	assert.Equal(t, 2, r.code, "configuration")
	assert.EqualValues(t, 1, posts.Load(), "nothing more is sent after the first refusal")
	assert.Equal(t, 1, strings.Count(r.stderr, "credentials rejected: check CRISP_WHATSAPP_IDENTIFIER and CRISP_WHATSAPP_KEY"), r.stderr)
	assert.Contains(t, r.stderr, "Fix the credentials and run the same command again to resume.")
	assert.Regexp(t, `(?m)^\s+19\s+not sent \(interrupted\)$`, r.stdout)

	revoked.Store(false)
	r = runWith(t, env, args...)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `(?m)^\s+20\s+accepted now$`, r.stdout, "the re-run resumes: the refused row certainly did not go out")
	assert.Equal(t, 20, srv.SendCount())
}

func TestBulkDryRunTellsWhatARunWouldDo(t *testing.T) {
	srv, env := fakeEnv(t)
	args := campaignFiles(t, "order_update", orderCSV, "--concurrency", "1")
	srv.DropNextSends(1, true) // line 2: outcome unknown
	r := runWith(t, env, args...)
	require.Equal(t, 3, r.code, r.stderr)

	journal := journalArg(args)
	before, err := os.ReadFile(journal)
	require.NoError(t, err)
	more := orderCSV + "+33600000005,Eve,#1005,1005\n+33600000006,Fay,#1006,1006\nnot a number,Gus,#1007,1007\n"
	require.NoError(t, os.WriteFile(args[2], []byte(more), 0o600))

	r = runWith(t, env, append(args, "--dry-run")...)
	assert.Equal(t, 3, r.code, "a real run would leave an unknown outcome")
	assert.Regexp(t, `(?m)^\s+2\s+to send$`, r.stdout)
	assert.Regexp(t, `(?m)^\s+3\s+already accepted in an earlier run \(skipped\)$`, r.stdout)
	assert.Regexp(t, `(?m)^\s+1\s+outcome unknown in an earlier run \(skipped; --retry-unknown sends them\)$`, r.stdout)
	assert.Regexp(t, `(?m)^\s+1\s+invalid \(not sent\)$`, r.stdout)
	r = runWith(t, env, append(args, "--dry-run", "--retry-unknown")...)
	assert.Regexp(t, `(?m)^\s+3\s+to send$`, r.stdout)

	after, err := os.ReadFile(journal)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the journal is read, not written")
	assert.Equal(t, 4, srv.SendCount())
}

func TestBulkRefusesAJournalThatIsNotOne(t *testing.T) {
	srv, env := fakeEnv(t)
	args := campaignFiles(t, "order_update", orderCSV)
	asCSV := append([]string(nil), args...)
	for i, a := range asCSV {
		if a == "--journal" {
			asCSV[i+1] = args[2] // the CSV given as the journal
		}
	}
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"a CSV", env, asCSV, "is not a crispwa journal (journal is corrupt: " + args[2] + " line 1: not a journal record"},
		{"before the environment is checked", nil, asCSV, "is not a crispwa journal"},
		{"/dev/null", env, append(campaignFiles(t, "order_update", orderCSV), "--journal", "/dev/null"), "/dev/null is a device"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runWith(t, tt.env, tt.args...)
			assert.Equal(t, 2, r.code)
			assert.Contains(t, r.stderr, tt.want)
			assert.Equal(t, 1, strings.Count(r.stderr, "\n"), r.stderr)
		})
	}
	raw, err := os.ReadFile(args[2])
	require.NoError(t, err)
	assert.Equal(t, orderCSV, string(raw), "the CSV is left as it was")
	assert.Zero(t, srv.SendCount())
}

func TestBulkCtrlCTwice(t *testing.T) {
	srv, env := fakeEnv(t)
	arrived := make(chan struct{}, 16)
	var hold atomic.Bool
	hold.Store(true)
	testDone := make(chan struct{})
	env = frontEnv(t, srv, env, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost || !hold.Load() {
			return false
		}
		_, _ = io.Copy(io.Discard, r.Body) // the server notices a closed connection once the body is read
		arrived <- struct{}{}
		select { // held until the client gives up
		case <-r.Context().Done():
		case <-testDone:
		}
		return true
	})
	t.Cleanup(func() { close(testDone) }) // before the front server's Close
	args := campaignFiles(t, "order_update", orderCSV, "--concurrency", "2")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopNow := make(chan struct{})
	var stdout, stderr testenv.Buffer
	done := make(chan int, 1)
	go func() {
		done <- dispatch(ctx, &cmdEnv{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return env[k] }, stopNow: stopNow}, args)
	}()
	<-arrived
	<-arrived
	cancel() // the first Ctrl-C
	require.Eventually(t, func() bool {
		return strings.Contains(stderr.String(), "stopping: waiting up to 30s for 2 send(s) in flight; Ctrl-C again to stop now")
	}, 5*time.Second, 5*time.Millisecond, stderr.String())
	close(stopNow) // the second
	var code int
	select {
	case code = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the second Ctrl-C did not stop the campaign")
	}
	assert.Equal(t, 130, code, "interrupted (the sends cut short are unknown: the summary says so)")
	assert.Regexp(t, `(?m)^\s+2\s+outcome unknown \(not sent again: check in Crisp\)$`, stdout.String())
	assert.Regexp(t, `(?m)^\s+2\s+not sent \(interrupted\)$`, stdout.String())
	assert.Contains(t, stderr.String(), "interrupted; run the same command again to resume")

	hold.Store(false)
	r := runWith(t, env, args...)
	assert.Equal(t, 3, r.code)
	assert.Regexp(t, `(?m)^\s+2\s+accepted now$`, r.stdout)
	assert.Regexp(t, `(?m)^\s+2\s+outcome unknown in an earlier run`, r.stdout, "the sends cut short are not resent")
	assert.Equal(t, 2, srv.SendCount())
}

func TestBulkListenRecordsCallbacks(t *testing.T) {
	srv, env := fakeEnv(t)
	addr := freeAddr(t)
	srv.SetCallbackURL("http://" + addr + "/crisp?token=tok")
	args := campaignFiles(t, "order_update", orderCSV, "--listen", addr, "--token", "tok", "--callback-wait", "10s")
	r := runWith(t, env, args...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "listening for callbacks on "+addr)
	assert.Regexp(t, `(?m)^\s+4\s+delivered \(callback\)$`, r.stdout)
	assert.Regexp(t, `(?m)^\s+0\s+accepted, no callback yet$`, r.stdout)

	r = runWith(t, nil, "bulk", "status", "--journal", journalArg(args))
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `(?m)^\s+4\s+of the accepted: delivered \(callback\)$`, r.stdout)

	t.Run("refused deliveries are printed", func(t *testing.T) {
		srv, env := fakeEnv(t)
		addr := freeAddr(t)
		srv.SetCallbackURL("http://" + addr + "/crisp?token=old")
		args := campaignFiles(t, "order_update", orderCSV, "--listen", addr, "--token", "new", "--callback-wait", "1s")
		r := runWith(t, env, args...)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, 4, strings.Count(r.stderr, "HTTP 401, wrong or missing token"), r.stderr)
		assert.Regexp(t, `(?m)^\s+4\s+accepted, no callback yet$`, r.stdout)
	})
	t.Run("usage", func(t *testing.T) {
		for _, extra := range [][]string{{"--listen", addr}, {"--token", "x"}, {"--callback-wait", "1s"}} {
			r := runWith(t, env, campaignFiles(t, "order_update", orderCSV, extra...)...)
			assert.Equal(t, 2, r.code, extra)
		}
	})
}

const statusJournal = `{"time":"2026-01-01T10:00:00Z","event":"sending","key":"late"}
{"time":"2026-01-01T10:00:01Z","event":"accepted","key":"late","request_id":"req-late"}
{"time":"2026-01-01T10:00:02Z","event":"sending","key":"lost"}
{"time":"2026-01-01T10:00:03Z","event":"unknown","key":"lost","reason":"crispwa: send outcome unknown: EOF"}
{"time":"2026-01-01T10:00:04Z","event":"sending","key":"refused"}
{"time":"2026-01-01T10:00:05Z","event":"rejected","key":"refused","http_status":400,"reason":"crispwa: POST x: HTTP 400 Bad Request: \u001b[2Jinvalid_data"}
{"time":"2026-01-01T10:00:06Z","event":"sending","key":"paused"}
{"time":"2026-01-01T10:00:07Z","event":"accepted","key":"paused","request_id":"req-paused"}
{"time":"2026-01-01T10:00:08Z","event":"failed","request_id":"req-paused","reason":"template paused"}
`

func TestBulkStatusAndResolve(t *testing.T) {
	path := filepath.Join(t.TempDir(), "campaign.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(statusJournal), 0o600))

	r := runWith(t, nil, "bulk", "status", "--journal", path)
	require.Equal(t, 0, r.code, r.stderr)
	out := r.stdout
	assert.Contains(t, out, "Journal "+path+": 4 row(s)")
	assert.Regexp(t, `(?m)^\s+2\s+accepted$`, out)
	assert.Regexp(t, `(?m)^\s+1\s+refused \(the next run sends them\)$`, out)
	assert.Regexp(t, `(?m)^\s+1\s+outcome unknown`, out)
	assert.Contains(t, out, "Outcome unknown: check each in Crisp, then paste its line (--not-sent instead if it did not go out):\n"+
		"  crispwa bulk resolve --journal "+path+" --key lost --sent   # send outcome unknown: EOF\n")
	assert.Contains(t, out, "Refused:\n  refused  POST x: HTTP 400 Bad Request: ?[2Jinvalid_data\n")
	assert.Contains(t, out, "Not sent by Crisp (callback):\n  paused  unknown: template paused\n")
	assert.Regexp(t, `Accepted more than 10m0s ago, no callback yet.*\n  late  accepted \d+h\d+m\d+s ago, request_id req-late\n`, out)
	assert.NotContains(t, out, "\x1b")

	r = runWith(t, nil, "bulk", "resolve", "--journal", path, "--key", "lost", "--sent")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "lost: marked sent; a re-run skips it\n", r.stdout)
	r = runWith(t, nil, "bulk", "resolve", "--journal", path, "--key", "paused", "--not-sent")
	require.Equal(t, 0, r.code, r.stderr)
	r = runWith(t, nil, "bulk", "status", "--journal", path)
	assert.Regexp(t, `(?m)^\s+2\s+accepted$`, r.stdout, "lost is now accepted, paused refused")
	assert.Regexp(t, `(?m)^\s+2\s+refused`, r.stdout)
	assert.NotContains(t, r.stdout, "Outcome unknown:")

	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown key", []string{"--journal", path, "--key", "nope", "--sent"}, 2, `no row with key "nope"`},
		{"both", []string{"--journal", path, "--key", "lost", "--sent", "--not-sent"}, 2, "exactly one of --sent and --not-sent"},
		{"neither", []string{"--journal", path, "--key", "lost"}, 2, "exactly one of --sent and --not-sent"},
		{"not a journal", []string{"--journal", "bulk_test.go", "--key", "lost", "--sent"}, 2, "is not a crispwa journal"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runWith(t, nil, append([]string{"bulk", "resolve"}, tt.args...)...)
			assert.Equal(t, tt.code, r.code)
			assert.Contains(t, r.stderr, tt.want)
		})
	}
	r = runWith(t, nil, "bulk", "status", "--journal", filepath.Join(t.TempDir(), "missing.jsonl"))
	assert.Equal(t, 2, r.code)
	r = runWith(t, nil, "bulk", "status", "--help")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "Usage: crispwa bulk status --journal FILE")
}

func TestBulkCSVAsPeopleHaveIt(t *testing.T) {
	tests := []struct {
		name  string
		csv   string
		extra []string
	}{
		{"semicolons", "To;1;2;Button:0\n+33600000001;Alice;#1;1\n", nil},
		{"tabs", "TO\t1\t2\tBUTTON:0\n+33600000001\tAlice\t#1\t1\n", nil},
		{"given delimiter", "to|1|2|button:0\n+33600000001|Alice|#1|1\n", []string{"--delimiter", "|"}},
		{"quoted commas in a semicolon file", "to;1;2;button:0\n+33600000001;\"Alice, Jr.\";#1;1\n", nil},
		{"extra columns ignored", "name,to,1,email,2,button:0\nAlice A.,+33600000001,Alice,a@example.com,#1,1\n", []string{"--ignore-extra-columns"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, env := fakeEnv(t)
			r := runWith(t, env, campaignFiles(t, "order_update", tt.csv, tt.extra...)...)
			require.Equal(t, 0, r.code, r.stderr)
			require.Equal(t, 1, srv.SendCount())
			assert.Equal(t, "+33600000001", srv.Sends()[0].To)
			assert.True(t, strings.HasPrefix(srv.Sends()[0].Template.Components[0].Parameters[0].Text, "Alice"))
		})
	}
	_, env := fakeEnv(t)
	r := runWith(t, env, campaignFiles(t, "order_update", orderCSV, "--delimiter", ";;")...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--delimiter must be one character")
}

func TestBulkMediaAndLocationHeaders(t *testing.T) {
	srv, env := fakeEnv(t)
	csv := "to,header,1\n+33600000001,https://example.com/a.jpg,Alice\n+33600000002,not a link,Bob\n"
	r := runWith(t, env, campaignFiles(t, "new_arrivals", csv)...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `rows.csv:3: the template's header is IMAGE: the header value must be the image's link (https://...), got "not a link"`)
	require.Equal(t, 1, srv.SendCount(), "new_arrivals can be sent from the command")
	hdr := srv.Sends()[0].Template.Components[0]
	assert.Equal(t, "HEADER", hdr.Type)
	require.NotNil(t, hdr.Parameters[0].Image)
	assert.Equal(t, "https://example.com/a.jpg", hdr.Parameters[0].Image.Link)

	srv.AddTemplate(crispwa.Template{Name: "store_location", Language: "en_US", Status: crispwa.StatusApproved,
		ParameterFormat: crispwa.ParameterFormatPositional, Components: []crispwa.TemplateComponent{
			{Type: "HEADER", Format: "LOCATION"}, {Type: "BODY", Text: "Your order {{1}} waits for you here."}}})
	csv = "to,Latitude,longitude,location_name,1\n+33600000003,48.85,2.35,Shop,#1\n"
	r = runWith(t, env, campaignFiles(t, "store_location", csv)...)
	require.Equal(t, 0, r.code, r.stderr)
	loc := srv.Sends()[1].Template.Components[0].Parameters[0].Location
	require.NotNil(t, loc)
	assert.InDelta(t, 48.85, loc.Latitude, 1e-9)
	assert.Equal(t, "Shop", loc.Name)

	r = runWith(t, env, "send", "--to", "+33600000004", "--from", "+33100000000", "--template", "new_arrivals",
		"--language", "en_US", "--header", "https://example.com/b.jpg", "--param", "Dan")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "https://example.com/b.jpg", srv.Sends()[2].Template.Components[0].Parameters[0].Image.Link)
	r = runWith(t, env, "send", "--to", "+33600000004", "--from", "+33100000000", "--template", "store_location",
		"--language", "en_US", "--latitude", "48.85", "--longitude", "2.35", "--param", "#2")
	require.Equal(t, 0, r.code, r.stderr)
	r = runWith(t, env, "send", "--to", "+33600000004", "--from", "+33100000000", "--template", "new_arrivals",
		"--language", "en_US", "--param", "Dan")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "give its image link with `--header LINK` (or a `header` column)")
	assert.NotContains(t, r.stderr, "HeaderMedia")
}

func TestBulkWholeFileProblemsToldOnce(t *testing.T) {
	rows := strings.Repeat("+33600000001,Alice,#1\n", 1) + "+33600000002,Bob,#2\n+33600000003,Chloé,#3\n"
	tests := []struct {
		name, template, csv string
		extra               []string
		want                string
	}{
		{"pending template", "spring_sale", "to\n+33600000001\n+33600000002\n", nil, `template "spring_sale" (en_US) is PENDING, not APPROVED`},
		{"missing button value", "order_update", "to,1,2\n" + rows, nil,
			"every row (3): button[0]: the template's URL button \"Track my order\" needs a value: add `--button 0=VALUE` or a `button:0` column"},
		{"bad --from", "order_update", "to,1,2,button:0\n+33600000001,A,#1,1\n+33600000002,B,#2,2\n", []string{"--from", "nope"},
			`crispwa bulk: --from "nope" is not a phone number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, env := fakeEnv(t)
			r := runWith(t, env, campaignFiles(t, tt.template, tt.csv, tt.extra...)...)
			assert.NotEqual(t, 0, r.code)
			assert.Contains(t, r.stderr, tt.want)
			assert.Equal(t, 1, strings.Count(strings.TrimSuffix(r.stderr, "Run 'crispwa bulk --help' for usage.\n"), "\n"), r.stderr)
			assert.NotContains(t, r.stderr, "Buttons[")
			assert.Zero(t, srv.SendCount())
		})
	}
}

func TestBulkServerTextIsSanitized(t *testing.T) {
	srv, env := fakeEnv(t)
	const evil = "\x1b[2Jgone\x1b]0;pwned\x07\u202e"
	srv.FailNext(http.StatusBadRequest, evil)
	r := runWith(t, env, campaignFiles(t, "order_update", "to,1,2,button:0\n+33600000001,A,#1,1\n")...)
	assert.Equal(t, 1, r.code, "the template fetch was refused: %s", r.stderr)
	assert.Contains(t, r.stderr, "?[2Jgone?]0;pwned??")

	env = frontEnv(t, srv, env, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost {
			return false
		}
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":true,"reason":%q,"data":{}}`, evil+strings.Repeat("x", 5000))
		return true
	})
	r = runWith(t, env, campaignFiles(t, "order_update", "to,1,2,button:0\n+33600000001,A,#1,1\n")...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "Refused:\n  line 2: POST ")
	for _, out := range []string{r.stdout, r.stderr} {
		assert.NotContains(t, out, "\x1b")
		assert.NotContains(t, out, "\x07")
		assert.NotContains(t, out, "\u202e")
		for _, line := range strings.Split(out, "\n") {
			assert.LessOrEqual(t, len([]rune(line)), maxMessage+20, "capped")
		}
	}
}

func TestListenPrintsRefusals(t *testing.T) {
	addr, stdout, stop := startListenErr(t, "--token", "s3cret")
	assert.Equal(t, http.StatusUnauthorized, post(t, "http://"+addr+"/", `{"request_id":"r1"}`))
	assert.Equal(t, http.StatusBadRequest, post(t, "http://"+addr+"/?token=s3cret", `{"nope":1}`))
	resp, err := http.Get("http://" + addr + "/?token=s3cret")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Less(t, post(t, "http://"+addr+"/?token=s3cret", `{"request_id":"r2","error":true,"reason":"\u009b2J\u001b[2J"}`), 300)
	assert.Equal(t, 0, stop())
	errs := stdout.stderr.String()
	assert.Contains(t, errs, "HTTP 401, wrong or missing token")
	assert.Contains(t, errs, "HTTP 400, not a Crisp callback")
	assert.Contains(t, errs, "HTTP 405, not a POST")
	line := stdout.stdout.String()
	assert.NotContains(t, line, "\u009b", "C1 controls escaped in the JSON line")
	assert.Contains(t, line, `\u009b2J\u001b[2J`)
}

func TestBulkOnePersonManySpellings(t *testing.T) {
	srv, env := fakeEnv(t)
	csv := "to,1,2,button:0\n" +
		"+33 6 00 00 00 01,A,#1,1\n" +
		"0033600000001,A,#1,1\n" +
		"33600000001,A,#1,1\n" +
		"(+33) 6-00-00-00-01,A,#1,1\n" +
		"06 00 00 00 02,B,#2,2\n"
	args := campaignFiles(t, "order_update", csv, "--region", "FR")
	r := runWith(t, env, args...)
	assert.Equal(t, 1, r.code, "the duplicates are refused")
	for line := 3; line <= 5; line++ {
		assert.Contains(t, r.stderr, fmt.Sprintf("rows.csv:%d: recipient ", line))
	}
	assert.Contains(t, r.stderr, "(+33600000001) is also on line 2: a campaign sends once per recipient")
	assert.Equal(t, map[string]int{"+33600000001": 1, "+33600000002": 1}, sendsByRecipient(srv))

	// Another file, another spelling, same journal: nobody is sent twice.
	require.NoError(t, os.WriteFile(args[2], []byte("to,1,2,button:0\n0600000001,A,#1,1\n+33-6-00-00-00-02,B,#2,2\n"), 0o600))
	r = runWith(t, env, args...)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `(?m)^\s+2\s+already accepted in an earlier run \(skipped\)$`, r.stdout)
	assert.Equal(t, 2, srv.SendCount())

	r = runWith(t, env, campaignFiles(t, "order_update", "to,1,2,button:0\n0600000001,A,#1,1\n")...)
	assert.Equal(t, 1, r.code, "a national number without --region")
	assert.Contains(t, r.stderr, `rows.csv:2: recipient "0600000001" `)
	r = runWith(t, env, campaignFiles(t, "order_update", csv, "--region", "XX")...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--region: unknown default region")
}

func sendsByRecipient(srv *crispwatest.Server) map[string]int {
	n := map[string]int{}
	for _, s := range srv.Sends() {
		n[s.To]++
	}
	return n
}

func TestBulkResumesAJournalWrittenBeforeCanonicalKeys(t *testing.T) {
	old, err := os.ReadFile(filepath.Join("testdata", "journal_before_canonical_keys.jsonl"))
	require.NoError(t, err)
	srv, env := fakeEnv(t)
	csv := "to,1,2,button:0\n+33600000001,A,#1,1\n+33600000002,B,#2,2\n+33600000003,C,#3,3\n+33600000004,D,#4,4\n+33600000005,E,#5,5\n"
	args := campaignFiles(t, "order_update", csv)
	require.NoError(t, os.WriteFile(journalArg(args), old, 0o600))

	r := runWith(t, env, append(args, "--dry-run")...)
	assert.Regexp(t, `(?m)^\s+2\s+to send$`, r.stdout, "4 was refused, 5 is new")
	assert.Regexp(t, `(?m)^\s+2\s+already accepted in an earlier run \(skipped\)$`, r.stdout)
	assert.Regexp(t, `(?m)^\s+1\s+outcome unknown in an earlier run`, r.stdout)

	r = runWith(t, env, args...)
	assert.Equal(t, 3, r.code, "one outcome is still unknown")
	assert.Equal(t, map[string]int{"+33600000004": 1, "+33600000005": 1}, sendsByRecipient(srv), "nobody the old journal knows as sent or unknown is sent again")
	assert.Regexp(t, `(?m)^\s+1\s+not sent by Crisp \(callback\)$`, r.stdout)
	assert.Regexp(t, `(?m)^\s+1\s+recipient: the recipient cannot or will not receive it: do not resend$`, r.stdout)
	assert.Contains(t, r.stdout, "Recipients to suppress (WhatsApp says they cannot or will not receive it; do not send to them again, e.g. with --suppressions FILE):\n  line 3: +33600000002\n")

	r = runWith(t, nil, "bulk", "status", "--journal", journalArg(args))
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `(?m)^\s+1\s+recipient: the recipient cannot`, r.stdout)
	assert.Contains(t, r.stdout, "Recipients to suppress (WhatsApp says they cannot or will not receive it):\n  order_update/en_US/+33 (6) 00-00-00-02")
	assert.Contains(t, r.stdout, "  order_update/en_US/+33 (6) 00-00-00-02  recipient: (#131026) Message undeliverable")
}

func TestSendRegion(t *testing.T) {
	srv, env := fakeEnv(t)
	r := runWith(t, env, "send", "--to", "06 12 34 56 78", "--from", "01 00 00 00 00", "--region", "fr",
		"--template", "order_update", "--language", "en_US", "--param", "Alice", "--param", "#1", "--button", "0=1")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "+33612345678", srv.Sends()[0].To)
	assert.Equal(t, "+33100000000", srv.Sends()[0].From)
	r = runWith(t, env, "send", "--to", "06 12 34 56 78", "--from", "+33100000000",
		"--template", "order_update", "--language", "en_US", "--param", "Alice", "--param", "#1", "--button", "0=1")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `--to "06 12 34 56 78" `)
	assert.Equal(t, 1, srv.SendCount())
}
