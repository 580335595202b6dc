package bulk

import (
	"fmt"
	"hash/maphash"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The index finds every string it was given, whatever its positions
// (dense, or sparse and far above the number of strings), across every
// growth, and forgets the positions a rebuild is told are no longer
// wanted.
func TestIndex(t *testing.T) {
	seed := maphash.MakeSeed()
	for _, tc := range []struct {
		name   string
		n      int
		pos    func(i int) int32
		sizeTo int // reserve for this many first; 0 none
	}{
		{"dense", 20000, func(i int) int32 { return int32(i) }, 0},
		{"sparse", 3000, func(i int) int32 { return int32(i * 997) }, 0},
		{"sparse after reserve", 3000, func(i int) int32 { return int32(i*997 + 5000) }, 3000},
		{"last positions", 2000, func(i int) int32 { return int32(1<<24 + i) }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			strs := map[int32]string{}
			var x index
			x.reserve(tc.sizeTo)
			hashOf := func(p int32) (uint64, bool) {
				s, ok := strs[p]
				return maphash.String(seed, s), ok
			}
			find := func(s string) (int32, bool) {
				return x.find(maphash.String(seed, s), func(p int32) bool { return strs[p] == s })
			}
			for i := range tc.n {
				s, p := fmt.Sprint("s", i), tc.pos(i)
				strs[p] = s
				x.insert(maphash.String(seed, s), p, hashOf)
			}
			for i := range tc.n {
				p, ok := find(fmt.Sprint("s", i))
				require.True(t, ok, i)
				require.Equal(t, tc.pos(i), p)
			}
			_, ok := find("absent")
			assert.False(t, ok)

			// set moves a string to another position, or adds it.
			moved := tc.pos(tc.n-1) + 1
			strs[moved] = "s0"
			x.set(maphash.String(seed, "s0"), func(p int32) bool { return strs[p] == "s0" }, moved, hashOf)
			p, ok := find("s0")
			require.True(t, ok)
			assert.Equal(t, moved, p)
			delete(strs, tc.pos(0))
			// A position whose string changes gets a second slot; the first
			// is no longer found.
			strs[tc.pos(2)] = "renamed"
			x.set(maphash.String(seed, "renamed"), func(p int32) bool { return strs[p] == "renamed" }, tc.pos(2), hashOf)

			// Positions no longer wanted are dropped when the table grows,
			// and each position left has one slot.
			for i := 1; i < tc.n; i += 2 {
				delete(strs, tc.pos(i))
			}
			x.rebuild(2*len(x.slots), 0, hashOf)
			assert.Equal(t, len(strs), x.n)
			p, ok = find("renamed")
			require.True(t, ok)
			assert.Equal(t, tc.pos(2), p)
			for i := range tc.n {
				p, ok := find(fmt.Sprint("s", i))
				switch {
				case i == 0:
					require.True(t, ok)
					assert.Equal(t, moved, p)
				case i == 2:
					assert.False(t, ok, i)
				case i%2 == 1:
					assert.False(t, ok, i)
				default:
					require.True(t, ok, i)
					assert.Equal(t, tc.pos(i), p)
				}
			}
		})
	}
}

// A lowercase UUID is kept in 16 bytes and comes back as written; any
// other request_id is kept as written.
func TestArenaRequestIDs(t *testing.T) {
	var a arena
	for _, id := range []string{
		"6f1c2a9e-0001-4000-8000-00000000abcd",
		"6F1C2A9E-0001-4000-8000-00000000ABCD",
		"6f1c2a9e-0001-4000-8000-00000000abc",
		"6f1c2a9e-0001-4000-8000-00000000abcde",
		"6f1c2a9e00001-4000-8000-00000000abcd",
		"6f1c2a9e-0001-4000-8000-00000000abcg",
		"req-1", "",
	} {
		var buf [16]byte
		rid := makeRequestID([]byte(id), &buf)
		s := a.addID(rid)
		assert.Equal(t, id, a.string(s), id)
		assert.True(t, a.equalID(s, rid), id)
		assert.Equal(t, id == "6f1c2a9e-0001-4000-8000-00000000abcd", s&strPacked != 0, id)
		var other [16]byte
		assert.False(t, a.equalID(s, makeRequestID([]byte(id+"0"), &other)), id)
	}
}
