package main

import (
	"context"

	"github.com/crispwa/crispwa/bulk"
)

// resumeJobs streams the jobs (RunSeq): no slice of a million jobs.
func resumeJobs(r *bulk.Runner, n int) (*bulk.Summary, error) {
	return r.RunSeq(context.Background(), func(yield func(bulk.Job, error) bool) {
		for i := range n {
			if !yield(job(i), nil) {
				return
			}
		}
	})
}
