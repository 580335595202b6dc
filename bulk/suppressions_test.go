package bulk_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa/bulk"
)

func TestSuppressionFileReadsAnySpelling(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.txt")
	require.NoError(t, os.WriteFile(path, []byte(strings.Join([]string{
		"# opted out by phone",
		"",
		"+33 6 12 34 56 78",
		"0033611111111 asked on 2026-01-02",
		"06 22 22 22 22 # national, read with the region",
		"+1 (415) 555-0100\tfrom the old CRM",
		"+33633333333 2026-02-03 by email",
		"  +33644444444", // no newline at the end: a file edited by hand
	}, "\n")), 0o600))
	s, err := bulk.OpenSuppressionFile(path, "FR")
	require.NoError(t, err)
	ctx := context.Background()
	list, err := s.List(ctx)
	require.NoError(t, err)
	var numbers []string
	for _, e := range list {
		numbers = append(numbers, e.Number)
	}
	assert.Equal(t, []string{"+14155550100", "+33611111111", "+33612345678", "+33622222222", "+33633333333", "+33644444444"}, numbers)
	for _, n := range numbers {
		on, err := s.Contains(ctx, n)
		require.NoError(t, err)
		assert.True(t, on, n)
	}
	on, err := s.Contains(ctx, "+33699999999")
	require.NoError(t, err)
	assert.False(t, on)
}

func TestSuppressionFileRefusesALineThatIsNotANumber(t *testing.T) {
	for name, content := range map[string]string{
		"words":     "+33612345678\nnot a number\n",
		"too short": "12\n",
		"long line": strings.Repeat("1", 5000) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.txt")
			require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
			_, err := bulk.OpenSuppressionFile(path, "")
			assert.ErrorIs(t, err, bulk.ErrSuppressionsCorrupt)
		})
	}
}

func TestSuppressionFileAddRemoveAcrossInstances(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.txt")
	a, err := bulk.OpenSuppressionFile(path, "")
	require.NoError(t, err)
	b, err := bulk.OpenSuppressionFile(path, "")
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, a.Add(ctx, "+33612345678", "recipient (#131050): stopped\nmarketing"))
	require.NoError(t, a.Add(ctx, "+33 6 12 34 56 78", "twice: one line"))
	on, err := b.Contains(ctx, "+33612345678")
	require.NoError(t, err)
	assert.True(t, on, "b sees a's append")
	list, err := b.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "recipient (#131050): stopped marketing", list[0].Reason, "the time Add wrote is not part of the reason")
	assert.WithinDuration(t, time.Now(), list[0].Time, time.Minute, "the time Add wrote is read back")
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(raw), "\n"), "one line, the reason's newline replaced: %q", raw)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	require.NoError(t, b.Add(ctx, "+33622222222", ""))
	require.NoError(t, b.Remove(ctx, "+33 6 12 34 56 78"))
	on, err = a.Contains(ctx, "+33612345678")
	require.NoError(t, err)
	assert.False(t, on, "a sees b's removal (the file was replaced)")
	on, err = a.Contains(ctx, "+33622222222")
	require.NoError(t, err)
	assert.True(t, on)
	assert.Error(t, a.Add(ctx, "not a number", ""))
}

func TestSuppressionFileConcurrentAppendsKeepEveryLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.txt")
	const writers, each = 8, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := bulk.OpenSuppressionFile(path, "") // its own file handle, as another process would
			if !assert.NoError(t, err) {
				return
			}
			for i := range each {
				assert.NoError(t, s.Add(context.Background(), fmt.Sprintf("+3361%03d%04d", w, i), strings.Repeat("r", 200)))
			}
		}()
	}
	wg.Wait()
	s, err := bulk.OpenSuppressionFile(path, "")
	require.NoError(t, err)
	list, err := s.List(context.Background())
	require.NoError(t, err)
	assert.Len(t, list, writers*each)
}

func TestMemorySuppressions(t *testing.T) {
	m := bulk.NewMemorySuppressions()
	ctx := context.Background()
	require.NoError(t, m.Add(ctx, "+2", "b"))
	require.NoError(t, m.Add(ctx, "+1", "a"))
	require.NoError(t, m.Add(ctx, "+1", "again"))
	list, err := m.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "+1", list[0].Number)
	assert.Equal(t, "a", list[0].Reason)
	require.NoError(t, m.Remove(ctx, "+1"))
	on, err := m.Contains(ctx, "+1")
	require.NoError(t, err)
	assert.False(t, on)
}
