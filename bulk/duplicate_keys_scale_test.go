package bulk_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
)

// A duplicate key is found however many jobs come before it (the table of
// keys grows past its first 1024 slots), and only a duplicate is refused as
// one. The jobs have no request, so nothing is sent: each is refused as a
// duplicate or as a nil request.
func TestDuplicateKeysFoundAmongThousands(t *testing.T) {
	for _, tc := range []struct {
		n    int   // distinct keys
		dups []int // jobs whose key is repeated after the n
	}{
		{10, []int{0, 9}},
		{1000, []int{0, 500, 999}},
		{5000, []int{0, 767, 768, 1024, 2500, 4999}},
		{3000, every(3000)},
	} {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			var jobs []bulk.Job
			for i := range tc.n {
				jobs = append(jobs, bulk.Job{Key: fmt.Sprintf("k%d", i)})
			}
			for _, d := range tc.dups {
				jobs = append(jobs, bulk.Job{Key: fmt.Sprintf("k%d", d)})
			}
			srv := newFake(t)
			sum, err := run(t, srv.Client(), openJournal(t), jobs, bulk.WithTemplateCheck(false))
			require.NoError(t, err)
			require.Len(t, sum.Invalid, len(jobs))
			var dups []string
			for _, je := range sum.Invalid {
				if je.Index >= tc.n {
					dups = append(dups, je.Err.Error())
				} else {
					assert.Equal(t, "nil request", je.Err.Error(), "job %d", je.Index)
				}
			}
			var want []string
			for _, d := range tc.dups {
				want = append(want, fmt.Sprintf("duplicate key: job %d has it too", d))
			}
			assert.Equal(t, strings.Join(want, "\n"), strings.Join(dups, "\n"))
			assert.Zero(t, srv.SendCount())
		})
	}
}

// every returns 0 to n-1.
func every(n int) []int {
	l := make([]int, n)
	for i := range l {
		l[i] = i
	}
	return l
}
