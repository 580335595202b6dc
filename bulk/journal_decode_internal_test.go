package bulk

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// A time read in the second of the one before it is read as time.Time
// reads it, whatever came before; so is any time read on its own.
func TestRecordDecoderTimes(t *testing.T) {
	times := []string{
		"2026-12-01T10:00:00Z", "2026-12-01T10:00:00.5Z", "2026-12-01T10:00:00.123456789Z",
		"2026-12-01T10:00:00.000000001Z", "2026-12-01T10:00:00.1234567891Z", "2026-12-01T10:00:00.Z",
		"2026-12-01T10:00:00.12a4Z", "2026-12-01T10:00:00,5Z", "2026-12-01T10:00:00.5", "2026-12-01T10:00:00.5+02:00",
		"2026-12-01T10:00:01.5Z", "2026-12-01T10:00:0", "2026-12-01T10:00:00", "2026-12-01T10:00:00ZZ", "Z",
		"", "0001-01-01T00:00:00Z", "1969-12-31T23:59:59.9Z", "2026-12-01T10:00:60Z", "2026-02-30T10:00:00Z",
		"2026-12-01t10:00:00Z", "2026-12-01T10:00:00.999999999Z", "2300-01-01T00:00:00.5Z",
	}
	want := func(s string) (int64, bool) {
		var tm time.Time
		if tm.UnmarshalText([]byte(s)) != nil {
			return 0, false
		}
		if tm.IsZero() {
			return 0, true
		}
		return tm.UnixNano(), true
	}
	for _, first := range times {
		for _, s := range times {
			var d recordDecoder
			d.time([]byte(first))
			ns, ok := d.time([]byte(s))
			wantNS, wantOK := want(s)
			assert.Equal(t, wantOK, ok, "%s after %s", s, first)
			assert.Equal(t, wantNS, ns, "%s after %s", s, first)
		}
	}
	// The second is remembered: a later time of it is read without
	// parsing its date (an invalid date in that second could not be told).
	var d recordDecoder
	d.time([]byte("2026-12-01T10:00:00.5Z"))
	assert.True(t, d.known)
	assert.Equal(t, "2026-12-01T10:00:00", string(d.second[:]))
}

// packUUID packs exactly the lowercase UUIDs, as written.
func TestPackUUID(t *testing.T) {
	const id = "6f1c2a9e-0b1c-4d2e-8f3a-0123456789ab"
	var out [16]byte
	assert.True(t, packUUID([]byte(id), &out))
	assert.Equal(t, []byte{0x6f, 0x1c, 0x2a, 0x9e, 0x0b, 0x1c, 0x4d, 0x2e, 0x8f, 0x3a, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab}, out[:])
	for i := range len(id) {
		for c := range 256 {
			b := []byte(id)
			b[i] = byte(c)
			isHex := '0' <= c && c <= '9' || 'a' <= c && c <= 'f'
			want := isHex && b[i] != '-' && i != 8 && i != 13 && i != 18 && i != 23 || c == '-' && (i == 8 || i == 13 || i == 18 || i == 23)
			assert.Equal(t, want, packUUID(b, &out), "byte %d = %q", i, c)
		}
	}
}
