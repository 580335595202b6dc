package riverbulk

import (
	"github.com/riverqueue/river"
)

// Queue is the River queue of the send jobs.
const Queue = "crispwa_send"

// maxJobAttempts bounds River's retries of one job. They never send twice
// (the row decides), they only let a job outlive a database outage.
const maxJobAttempts = 25

// SendArgs is the River job that sends one recipient of a campaign. The
// row (Campaign, Key) decides what the job does: it holds the request and
// where its send stands. Round tells apart the jobs of one row: a
// retry-later failure reschedules the row as a new job with the next round.
type SendArgs struct {
	Campaign string `json:"campaign" river:"unique"`
	Key      string `json:"key" river:"unique"`
	Round    int    `json:"round" river:"unique"`
}

// Kind is River's name for the job.
func (SendArgs) Kind() string { return "crispwa_send" }

// InsertOpts puts the jobs in their queue and makes each (campaign, key,
// round) unique, so that no row is ever enqueued twice.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       Queue,
		MaxAttempts: maxJobAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true},
	}
}
