package inbox

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Page sizes of the page and the JSON API.
const (
	pageSize       = 50
	threadSize     = 100
	apiDefaultSize = 50
	apiMaxSize     = 1000
)

// Classes are the failure classes a filter can name.
var Classes = []string{"recipient", "template", "retry_later", "account", "unknown"}

// ParseFilter reads a Filter from a query string: q, to, template, status,
// class, request_id, after, before (RFC 3339, or the local
// 2006-01-02T15:04 of a browser's date-time field), offset and limit (at
// most maxLimit; defLimit when absent).
func ParseFilter(q url.Values, defLimit, maxLimit int) (Filter, error) {
	f := Filter{
		Query:     strings.TrimSpace(q.Get("q")),
		To:        strings.TrimSpace(q.Get("to")),
		Template:  strings.TrimSpace(q.Get("template")),
		Status:    strings.TrimSpace(q.Get("status")),
		Class:     strings.TrimSpace(q.Get("class")),
		RequestID: strings.TrimSpace(q.Get("request_id")),
		Limit:     defLimit,
	}
	switch f.Status {
	case "", StatusWaiting, StatusSent, StatusFailed:
	default:
		return f, fmt.Errorf("status %q: want waiting, sent or failed", f.Status)
	}
	if f.Class != "" && !contains(Classes, f.Class) {
		return f, fmt.Errorf("class %q: want one of %s", f.Class, strings.Join(Classes, ", "))
	}
	var err error
	if f.After, err = parseTime("after", q.Get("after")); err != nil {
		return f, err
	}
	if f.Before, err = parseTime("before", q.Get("before")); err != nil {
		return f, err
	}
	if f.Offset, err = intParam("offset", q.Get("offset"), 0, 1<<31-1, 0); err != nil {
		return f, err
	}
	if f.Limit, err = intParam("limit", q.Get("limit"), 1, maxLimit, defLimit); err != nil {
		return f, err
	}
	return f, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func parseTime(name, v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s %q: want a time like 2006-01-02T15:04:05Z07:00", name, v)
}

func intParam(name, v string, lo, hi, def int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s %q: want a number from %d to %d", name, v, lo, hi)
	}
	return n, nil
}

// Values is f as a query string, for links; without the paging.
func (f Filter) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", f.Query)
	set("to", f.To)
	set("template", f.Template)
	set("status", f.Status)
	set("class", f.Class)
	set("request_id", f.RequestID)
	if !f.After.IsZero() {
		v.Set("after", f.After.Format(time.RFC3339))
	}
	if !f.Before.IsZero() {
		v.Set("before", f.Before.Format(time.RFC3339))
	}
	return v
}

// Digits returns the digits of a phone number, for comparing recipients
// written differently.
func Digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
