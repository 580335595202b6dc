package crispwatest_test

import (
	"context"
	"flag"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/crispwatest"
	"github.com/crispwa/crispwa/internal/testenv"
)

var screenshots = flag.String("screenshots", "", "TestInboxViewsInBrowser writes its screenshots of each view at 1280 and 390 px to this directory (docs/ for the docs)")

// chromium returns the browser to drive: CRISPWA_CHROMIUM, else chromium on
// the PATH; the test skips (or fails in CI) without one.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CRISPWA_CHROMIUM"); p != "" {
		return p
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		testenv.Missing(t, "Chromium", "apt-get install chromium and set CRISPWA_CHROMIUM=/usr/bin/chromium")
	}
	return p
}

// newBrowser starts a headless Chromium for the test, ended with ctx.
func newBrowser(t *testing.T, ctx context.Context, exe string) context.Context {
	t.Helper()
	// A user data directory of its own; removed best-effort, as Chromium's
	// helper processes may still be writing to it when the test ends.
	profile, err := os.MkdirTemp("", "crispwa-chromium-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(profile) })
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	return browser
}

// byRequestID selects a message's card on the page.
func byRequestID(id, more string) string { return `article[data-request-id="` + id + `"]` + more }

// The inbox page in a real headless Chromium: sends made through the SDK
// appear without a reload, "fail" posts the failure callback to the
// receiver, and a parameter that looks like markup stays text.
func TestInboxInBrowser(t *testing.T) {
	exe := chromium(t)
	tracker := callback.NewTracker()
	receiver := httptest.NewServer(callback.NewHandler(tracker.Handle))
	defer receiver.Close()
	s := newServer(t, crispwatest.WithManualOutcomes())
	s.SetCallbackURL(receiver.URL)
	client := s.Client()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	browser := newBrowser(t, ctx, exe)
	dialogs := make(chan string, 4)
	chromedp.ListenTarget(browser, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs <- d.Message
		}
	})

	require.NoError(t, chromedp.Run(browser,
		chromedp.Navigate(inboxURL(s)),
		chromedp.WaitVisible("#messages", chromedp.ByID),
		chromedp.Evaluate(`window.notReloaded = true`, nil),
	))

	sendMsg := func(tmpl string, comps ...crispwa.Component) string {
		t.Helper()
		res, err := client.Templates.Send(ctx, &crispwa.SendTemplateRequest{From: fromNumber, To: toNumber,
			Template: crispwa.MessageTemplate{Name: tmpl, Language: "en_US", Components: comps}})
		require.NoError(t, err)
		return res.RequestID
	}
	evil := sendMsg("order_update", crispwa.Body(crispwa.Text("Mallory"), crispwa.Text("<script>alert(1)</script>")), crispwa.URLButton(0, "666"))
	delivered := sendMsg("order_update", crispwa.Body(crispwa.Text("Alice"), crispwa.Text("#1042")), crispwa.URLButton(0, "1042"))
	failed := sendMsg("appointment_reminder", crispwa.Body(
		crispwa.NamedText("name", "Bob"), crispwa.NamedText("date", "May 4"), crispwa.NamedText("place", "12 High Street")))
	waiting := sendMsg("new_arrivals", crispwa.HeaderImage("https://example.com/img/new-arrivals.jpg"), crispwa.Body(crispwa.Text("Carol")))

	var evilText string
	var notReloaded bool
	require.NoError(t, chromedp.Run(browser,
		chromedp.WaitVisible(byRequestID(waiting, ""), chromedp.ByQuery),
		chromedp.Text(byRequestID(evil, " .body"), &evilText, chromedp.ByQuery),
		chromedp.Evaluate(`window.notReloaded === true`, &notReloaded),
	))
	assert.True(t, notReloaded, "the messages appeared without a reload")
	assert.Equal(t, "Hi Mallory, your order <script>alert(1)</script> has shipped.", evilText, "shown as text")

	require.NoError(t, chromedp.Run(browser,
		chromedp.Click(byRequestID(delivered, " button.deliver"), chromedp.ByQuery),
		chromedp.SetValue(byRequestID(failed, ` select[name="code"]`), "131026", chromedp.ByQuery),
		chromedp.Click(byRequestID(failed, " button.fail"), chromedp.ByQuery),
	))
	ev, err := tracker.Wait(ctx, failed)
	require.NoError(t, err, "the failure callback reached the receiver")
	assert.False(t, ev.Succeeded())
	assert.Equal(t, "(#131026) Message undeliverable", ev.Reason)
	ev, err = tracker.Wait(ctx, delivered)
	require.NoError(t, err)
	assert.True(t, ev.Succeeded())

	var outcome string
	require.NoError(t, chromedp.Run(browser,
		chromedp.WaitVisible(byRequestID(failed, ".status-failed"), chromedp.ByQuery),
		chromedp.WaitVisible(byRequestID(delivered, " .cb-delivered"), chromedp.ByQuery),
		chromedp.Text(byRequestID(failed, " dd.outcome"), &outcome, chromedp.ByQuery),
	))
	assert.Equal(t, "not sent: (#131026) Message undeliverable (recipient)", outcome, "the card updated live, with crispwa's failure class")
	select {
	case msg := <-dialogs:
		t.Fatalf("a dialog opened: %q", msg)
	default:
	}

}
