package riverbulk

import (
	"testing"
	"time"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("no zone data for %s: %v", name, err)
	}
	return loc
}

// nextAllowed leaves times outside the window alone, moves those inside
// to its end, and with several zones waits until every one is outside.
func TestQuietHoursNextAllowed(t *testing.T) {
	paris, ny := mustZone(t, "Europe/Paris"), mustZone(t, "America/New_York")
	night := &QuietHours{Start: 21 * time.Hour, End: 8 * time.Hour}
	lunch := &QuietHours{Start: 12 * time.Hour, End: 14*time.Hour + 30*time.Minute}
	at := func(loc *time.Location, d, h, m int) time.Time { return time.Date(2026, 6, d, h, m, 0, 0, loc) }
	for _, tc := range []struct {
		name  string
		q     *QuietHours
		t     time.Time
		zones []*time.Location
		want  time.Time
	}{
		{"none", nil, at(paris, 15, 3, 0), []*time.Location{paris}, at(paris, 15, 3, 0)},
		{"day", night, at(paris, 15, 10, 0), []*time.Location{paris}, at(paris, 15, 10, 0)},
		{"morning", night, at(paris, 15, 7, 59), []*time.Location{paris}, at(paris, 15, 8, 0)},
		{"evening", night, at(paris, 15, 21, 0), []*time.Location{paris}, at(paris, 16, 8, 0)},
		{"end is open", night, at(paris, 15, 8, 0), []*time.Location{paris}, at(paris, 15, 8, 0)},
		{"same day window", lunch, at(paris, 15, 12, 10), []*time.Location{paris}, at(paris, 15, 14, 30)},
		{"most restrictive", night, at(paris, 15, 10, 0), []*time.Location{paris, ny}, at(ny, 15, 8, 0)},
		{"both", night, at(paris, 15, 23, 0), []*time.Location{ny, paris}, at(ny, 16, 8, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.q.nextAllowed(tc.t, tc.zones)
			if !got.Equal(tc.want) {
				t.Fatalf("nextAllowed(%s) = %s, want %s", tc.t, got, tc.want)
			}
		})
	}
}

// A number's zones come from its country code (several for a country
// that spans several); unknown numbers fall back to UTC.
func TestZonesOf(t *testing.T) {
	var z zoneCache
	if got := z.zonesOf("+33612345678"); len(got) != 1 || got[0].String() != "Europe/Paris" {
		t.Fatalf("France: %v", got)
	}
	if got := z.zonesOf("not a number"); len(got) != 1 || got[0] != time.UTC {
		t.Fatalf("garbage: %v", got)
	}
}
