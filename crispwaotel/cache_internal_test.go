package crispwaotel

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The cache keeps up to maxCached values; beyond, values are built per use
// and the cache stays as it is.
func TestCacheIsBounded(t *testing.T) {
	var c cache[int, int]
	builds := 0
	build := func(k int) int { builds++; return 2 * k }
	for i := range maxCached + 10 {
		assert.Equal(t, 2*i, c.get(i, build))
	}
	assert.Len(t, *c.m.Load(), maxCached)
	builds = 0
	assert.Equal(t, 2, c.get(1, build))
	assert.Zero(t, builds, "a cached value is not built again")
	c.get(maxCached+5, build)
	c.get(maxCached+5, build)
	assert.Equal(t, 2, builds, "beyond the cap, built per use")
	assert.Len(t, *c.m.Load(), maxCached)
}
