package bulk_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/crispwatest"
)

// A campaign to three customers, run twice: the second run finds everyone
// in the journal and sends nothing. The journal also records Crisp's
// callbacks, so the summary says how many messages went out.
func Example() {
	// A fake Crisp API, so that the example runs offline; use your client.
	api := crispwatest.NewServer()
	defer api.Close()
	for _, t := range crispwatest.SampleTemplates() {
		api.AddTemplate(t)
	}
	client := api.Client()
	ctx := context.Background()

	dir, _ := os.MkdirTemp("", "campaign")
	defer os.RemoveAll(dir)
	journal, err := bulk.OpenJournal(filepath.Join(dir, "spring.jsonl"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer journal.Close()

	// Callbacks go to the journal (in production: your public callback URL).
	receiver := httptest.NewServer(callback.NewHandler(journal.RecordCallback))
	defer receiver.Close()
	api.SetCallbackURL(receiver.URL)

	var jobs []bulk.Job
	for _, c := range []struct{ to, name, order string }{
		{"+33612345001", "Alice", "1001"}, {"+33612345002", "Bob", "1002"}, {"+33612345003", "Chloé", "1003"},
	} {
		jobs = append(jobs, bulk.Job{
			Key: "shipped/" + c.to,
			Request: &crispwa.SendTemplateRequest{From: "+33100000000", To: c.to, Template: crispwa.MessageTemplate{
				Name: "order_update", Language: "en_US",
				Components: []crispwa.Component{
					crispwa.Body(crispwa.Text(c.name), crispwa.Text("#"+c.order)),
					crispwa.URLButton(0, c.order),
				},
			}},
		})
	}
	runner, err := bulk.NewRunner(client, journal, bulk.WithRate(20), bulk.WithCallbackWait(5*time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	for run := 1; run <= 2; run++ {
		sum, err := runner.Run(ctx, jobs)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("run %d: ok=%v accepted=%d already=%d delivered=%d\n", run, sum.OK(), sum.Accepted, sum.AlreadySent, sum.Delivered)
	}
	fmt.Println("sent by the API:", len(api.Sends()))
	// Output:
	// run 1: ok=true accepted=3 already=0 delivered=3
	// run 2: ok=true accepted=0 already=3 delivered=3
	// sent by the API: 3
}
