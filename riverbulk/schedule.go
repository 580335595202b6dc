package riverbulk

import (
	"fmt"
	"sync"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// QuietHours is a daily window, in the recipient's local time, during which
// a campaign sends nothing: a job whose time falls in it is scheduled for
// the window's end. Start and End are offsets from local midnight; a window
// with Start after End spans midnight (21:00 to 08:00 is Start 21h, End 8h).
type QuietHours struct {
	Start, End time.Duration
}

// validate reports a window that cannot be applied.
func (q *QuietHours) validate() error {
	if q == nil {
		return nil
	}
	day := 24 * time.Hour
	if q.Start < 0 || q.Start >= day || q.End < 0 || q.End >= day || q.Start == q.End {
		return fmt.Errorf("riverbulk: quiet hours %s to %s: need two different times of day", q.Start, q.End)
	}
	return nil
}

// quietEnd returns the end of the quiet window t falls in, in loc, or the
// zero time when t is outside it.
func (q *QuietHours) quietEnd(t time.Time, loc *time.Location) time.Time {
	lt := t.In(loc)
	midnight := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
	since := lt.Sub(midnight)
	switch {
	case q.Start < q.End: // 01:00-06:00
		if since >= q.Start && since < q.End {
			return atLocal(midnight, q.End)
		}
	case since >= q.Start: // 21:00-08:00, evening part: ends tomorrow
		return atLocal(midnight.AddDate(0, 0, 1), q.End)
	case since < q.End: // morning part
		return atLocal(midnight, q.End)
	}
	return time.Time{}
}

// atLocal is the wall-clock time of day off after midnight (a DST change
// during the night moves it by the change, as a wall clock does).
func atLocal(midnight time.Time, off time.Duration) time.Time {
	h, m := int(off/time.Hour), int(off%time.Hour/time.Minute)
	s := int(off % time.Minute / time.Second)
	return time.Date(midnight.Year(), midnight.Month(), midnight.Day(), h, m, s, 0, midnight.Location())
}

// nextAllowed returns the first time at or after t that is outside the
// quiet window in every one of zones: a number whose country spans several
// time zones is sent only when it is outside quiet hours in all of them
// (the most restrictive reading).
func (q *QuietHours) nextAllowed(t time.Time, zones []*time.Location) time.Time {
	if q == nil {
		return t
	}
	for range 8 { // each pass moves t to a window's end; zones overlap at most a few times
		moved := false
		for _, loc := range zones {
			if end := q.quietEnd(t, loc); !end.IsZero() {
				t, moved = end, true
			}
		}
		if !moved {
			return t
		}
	}
	return t
}

// zoneCache maps a canonical number's time zones, looked up once per
// prefix the phonenumbers tables know.
type zoneCache struct {
	mu    sync.Mutex
	names map[string]*time.Location // IANA name -> location
}

// zonesOf returns the time zones of the canonical number e164 (UTC when
// phonenumbers knows none, or the system lacks the zone data).
func (z *zoneCache) zonesOf(e164 string) []*time.Location {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return []*time.Location{time.UTC}
	}
	names, err := phonenumbers.GetTimezonesForNumber(num)
	if err != nil || len(names) == 0 {
		return []*time.Location{time.UTC}
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.names == nil {
		z.names = map[string]*time.Location{}
	}
	locs := make([]*time.Location, 0, len(names))
	for _, n := range names {
		loc, ok := z.names[n]
		if !ok {
			var err error
			if loc, err = time.LoadLocation(n); err != nil {
				loc = nil // "Etc/Unknown" and friends: no zone data
			}
			z.names[n] = loc
		}
		if loc != nil {
			locs = append(locs, loc)
		}
	}
	if len(locs) == 0 {
		return []*time.Location{time.UTC}
	}
	return locs
}
