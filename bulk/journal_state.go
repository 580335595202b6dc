package bulk

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/crispwa/crispwa"
)

// state is what a journal's records say, key by key. It is built to hold a
// million keys in a few hundred bytes each: entries live in fixed-size
// chunks (no slice of a million entries copied as it grows), the fields
// most keys never use sit behind one pointer, and template names are
// shared.
type state struct {
	chunks    []*[chunkSize]entry
	n         int               // entries in use
	byKey     map[string]int32  // key -> entry
	byRequest map[string]int32  // request_id -> entry, for callbacks
	orphans   map[string]record // callbacks that came before their accepted record
	templates map[nameLang]*nameLang
	// delivered is told of each entry whose delivery a record just set (and
	// whether it had none before); nil when nobody listens.
	delivered func(i int32, first bool)
}

const chunkSize = 4096

// entry is the compact form of an Entry.
type entry struct {
	key, requestID, to string
	tmpl               *nameLang // shared by every entry of the template
	time               int64     // Unix nanoseconds of the status
	retryAt            int64     // Unix nanoseconds; 0: no retry
	status             Status
	delivery           Delivery
	resolved           bool
	extra              *entryExtra // the rarely set fields
}

// entryExtra holds what few entries have: reasons and a failure.
type entryExtra struct {
	reason, deliveryReason string
	failure                *crispwa.Failure
}

func newState() state {
	return state{byKey: map[string]int32{}, byRequest: map[string]int32{}, orphans: map[string]record{},
		templates: map[nameLang]*nameLang{}}
}

func (s *state) at(i int32) *entry { return &s.chunks[i/chunkSize][i%chunkSize] }

// lookup returns the entry of key, or nil.
func (s *state) lookup(key string) *entry {
	i, ok := s.byKey[key]
	if !ok {
		return nil
	}
	return s.at(i)
}

// entry returns the index of key's entry, creating it.
func (s *state) entry(key string) int32 {
	if i, ok := s.byKey[key]; ok {
		return i
	}
	if s.n == len(s.chunks)*chunkSize {
		s.chunks = append(s.chunks, new([chunkSize]entry))
	}
	i := int32(s.n)
	s.n++
	s.at(i).key = key
	s.byKey[key] = i
	return i
}

func (s *state) template(name, language string) *nameLang {
	if name == "" {
		return nil
	}
	nl := nameLang{name, language}
	if p, ok := s.templates[nl]; ok {
		return p
	}
	p := &nl
	s.templates[nl] = p
	return p
}

// apply updates the state with rec. The Journal's mu must be held (or the
// state not yet shared).
func (s *state) apply(rec record) error {
	switch ev := rec.Event; ev {
	case string(StatusSending), string(StatusAccepted), string(StatusRejected), string(StatusUnknown):
		if rec.Key == "" {
			return fmt.Errorf("%q record without a key", ev)
		}
		if ev == string(StatusAccepted) && !rec.Resolved && rec.RequestID == "" {
			return errors.New(`"accepted" record without a request_id`)
		}
		i := s.entry(rec.Key)
		e := s.at(i)
		prev := *e
		*e = entry{key: prev.key, to: prev.to, tmpl: prev.tmpl, status: Status(ev), time: rec.Time.UnixNano(), resolved: rec.Resolved}
		if rec.Reason != "" {
			e.extra = &entryExtra{reason: rec.Reason}
		}
		if ev == string(StatusSending) {
			if rec.Template != "" {
				e.tmpl = s.template(rec.Template, rec.Language)
			}
			if rec.To != "" {
				e.to = rec.To
			}
		}
		if e.status != StatusAccepted {
			return nil
		}
		if rec.Resolved { // the operator says it went out: keep what is known of it
			e.requestID, e.delivery, e.retryAt = prev.requestID, prev.delivery, prev.retryAt
			if prev.extra != nil {
				e.setExtra(func(x *entryExtra) { x.deliveryReason, x.failure = prev.extra.deliveryReason, prev.extra.failure })
			}
			return nil
		}
		e.requestID = rec.RequestID
		s.byRequest[rec.RequestID] = i
		if cb, ok := s.orphans[rec.RequestID]; ok {
			delete(s.orphans, rec.RequestID)
			s.setDelivery(i, cb)
		}
	case string(DeliveryDelivered), string(DeliveryFailed):
		if rec.RequestID == "" {
			return fmt.Errorf("%q record without a request_id", ev)
		}
		i, ok := s.byRequest[rec.RequestID]
		if !ok {
			s.orphans[rec.RequestID] = rec
			return nil
		}
		if s.at(i).requestID == rec.RequestID { // not an earlier send's late callback
			s.setDelivery(i, rec)
		}
	default:
		return fmt.Errorf("unknown event %q", ev)
	}
	return nil
}

func (e *entry) setExtra(f func(*entryExtra)) {
	if e.extra == nil {
		e.extra = &entryExtra{}
	} else {
		x := *e.extra // entries share nothing: copy before changing
		e.extra = &x
	}
	f(e.extra)
}

// setDelivery records the callback cb on entry i.
func (s *state) setDelivery(i int32, cb record) {
	e := s.at(i)
	first := e.delivery == DeliveryNone
	e.delivery, e.retryAt = Delivery(cb.Event), 0
	var f *crispwa.Failure
	if e.delivery == DeliveryFailed {
		if cb.Class == "" { // an older journal: classify the reason again
			f = (&crispwa.CallbackEvent{Error: true, Reason: cb.Reason}).Failure()
		} else {
			f = &crispwa.Failure{Code: cb.Code, Class: crispwa.FailureClass(cb.Class), Message: cb.Reason,
				RetryAfter: time.Duration(cb.RetryAfterMS) * time.Millisecond}
		}
		if ActionFor(f) == ActionRetryLater {
			e.retryAt = cb.Time.Add(RetryDelay(f)).UnixNano()
		}
	}
	if cb.Reason != "" || f != nil || (e.extra != nil && (e.extra.deliveryReason != "" || e.extra.failure != nil)) {
		e.setExtra(func(x *entryExtra) { x.deliveryReason, x.failure = cb.Reason, f })
	}
	if s.delivered != nil {
		s.delivered(i, first)
	}
}

// export returns the Entry of e.
func (e *entry) export() Entry {
	out := Entry{Key: e.key, Status: e.status, RequestID: e.requestID, Resolved: e.resolved,
		Delivery: e.delivery, To: e.to}
	if e.time != 0 {
		out.Time = time.Unix(0, e.time).UTC()
	}
	if e.retryAt != 0 {
		out.RetryAt = time.Unix(0, e.retryAt).UTC()
	}
	if e.tmpl != nil {
		out.Template, out.Language = e.tmpl.name, e.tmpl.language
	}
	if x := e.extra; x != nil {
		out.Reason, out.DeliveryReason = x.reason, x.deliveryReason
		if x.failure != nil {
			f := *x.failure
			out.Failure = &f
		}
	}
	return out
}

// list returns a copy of every entry, in order of first appearance.
func (s *state) list() []Entry {
	out := make([]Entry, 0, s.n)
	for i := range s.n {
		out = append(out, s.at(int32(i)).export())
	}
	return out
}

// read applies the records of r (the journal at path) and turns the keys
// left "sending" into StatusUnknown. It returns the length to cut the file
// to when its last line is torn, else -1.
func (s *state) read(r io.Reader, path string) (torn int64, err error) {
	br := bufio.NewReaderSize(r, MaxJournalLine)
	var offset int64
	torn = -1
	dec := recordDecoder{state: s}
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, io.EOF) {
			if len(line) > 0 {
				if !isTornRecord(line) {
					return -1, fmt.Errorf("%w: %s line %d: not a journal record", ErrJournalCorrupt, path, n)
				}
				torn = offset
			}
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			return -1, fmt.Errorf("%w: %s line %d: longer than %d bytes", ErrJournalCorrupt, path, n, MaxJournalLine)
		}
		if err != nil {
			return -1, fmt.Errorf("bulk: reading journal: %w", err)
		}
		offset += int64(len(line))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		rec, err := dec.decode(line)
		if err != nil {
			return -1, fmt.Errorf("%w: %s line %d: not a journal record: %v", ErrJournalCorrupt, path, n, err)
		}
		if err := s.apply(rec); err != nil {
			return -1, fmt.Errorf("%w: %s line %d: %v", ErrJournalCorrupt, path, n, err)
		}
	}
	for i := range s.n {
		if e := s.at(int32(i)); e.status == StatusSending {
			e.status = StatusUnknown
			e.setExtra(func(x *entryExtra) { x.reason = interruptedReason })
		}
	}
	return torn, nil
}

// recordDecoder reads the journal's lines. The lines this package writes
// are flat JSON objects of strings, integers and booleans; it reads those
// without encoding/json's reflection (a million-record journal opens in a
// fraction of the time, with less garbage), and hands anything else to
// encoding/json, which is the authority on what a record is.
type recordDecoder struct {
	events map[string]string // the few event names, shared
	// state, when set, gives the strings it already holds: a key or a
	// request_id seen before is not allocated again (a key has three
	// records or more).
	state *state
}

var errSlowPath = errors.New("not a flat record")

func (d *recordDecoder) decode(line []byte) (record, error) {
	rec, err := d.fast(line)
	if err == nil {
		return rec, nil
	}
	rec = record{}
	if err := json.Unmarshal(line, &rec); err != nil {
		return record{}, err
	}
	return rec, nil
}

// fast decodes a flat object whose strings have no escapes; errSlowPath
// (or another error) sends the line to encoding/json.
func (d *recordDecoder) fast(line []byte) (record, error) {
	var rec record
	p := bytes.TrimSpace(line)
	if len(p) < 2 || p[0] != '{' || p[len(p)-1] != '}' {
		return rec, errSlowPath
	}
	p = p[1 : len(p)-1]
	seen := 0
	for len(p) > 0 {
		name, rest, ok := quoted(p)
		if !ok || len(rest) == 0 || rest[0] != ':' {
			return rec, errSlowPath
		}
		p = rest[1:]
		var str []byte
		var num []byte
		var isStr bool
		if len(p) > 0 && p[0] == '"' {
			if str, p, ok = quoted(p); !ok {
				return rec, errSlowPath
			}
			isStr = true
		} else {
			end := bytes.IndexByte(p, ',')
			if end < 0 {
				end = len(p)
			}
			num, p = p[:end], p[end:]
		}
		if len(p) > 0 {
			if p[0] != ',' {
				return rec, errSlowPath
			}
			p = p[1:]
		}
		seen++
		var err error
		switch string(name) {
		case "time":
			if !isStr {
				return rec, errSlowPath
			}
			rec.Time, err = time.Parse(time.RFC3339Nano, string(str))
		case "event":
			if !isStr {
				return rec, errSlowPath
			}
			rec.Event = d.event(str)
		case "key":
			if isStr && d.state != nil {
				if e := d.state.lookup(string(str)); e != nil { // no allocation for the lookup
					rec.Key = e.key
					break
				}
			}
			rec.Key, err = asString(str, isStr)
		case "request_id":
			if isStr && d.state != nil {
				if i, ok := d.state.byRequest[string(str)]; ok && d.state.at(i).requestID == string(str) {
					rec.RequestID = d.state.at(i).requestID
					break
				}
			}
			rec.RequestID, err = asString(str, isStr)
		case "reason":
			rec.Reason, err = asString(str, isStr)
		case "class":
			rec.Class, err = asString(str, isStr)
		case "template":
			rec.Template, err = asString(str, isStr)
		case "language":
			rec.Language, err = asString(str, isStr)
		case "to":
			rec.To, err = asString(str, isStr)
		case "http_status":
			rec.HTTP, err = asInt(num, isStr)
		case "code":
			rec.Code, err = asInt(num, isStr)
		case "retry_after_ms":
			var v int
			v, err = asInt(num, isStr)
			rec.RetryAfterMS = int64(v)
		case "resolved":
			switch string(num) {
			case "true":
				rec.Resolved = true
			case "false":
			default:
				return rec, errSlowPath
			}
		default: // a field of a later version: encoding/json ignores it too
			return rec, errSlowPath
		}
		if err != nil {
			return rec, errSlowPath
		}
	}
	if seen == 0 {
		return rec, errSlowPath
	}
	return rec, nil
}

func (d *recordDecoder) event(b []byte) string {
	if d.events == nil {
		d.events = map[string]string{}
	}
	if s, ok := d.events[string(b)]; ok {
		return s
	}
	if len(d.events) > 16 {
		return string(b)
	}
	s := string(b)
	d.events[s] = s
	return s
}

// quoted reads a JSON string without escapes at the start of p.
func quoted(p []byte) (s, rest []byte, ok bool) {
	if len(p) == 0 || p[0] != '"' {
		return nil, nil, false
	}
	end := bytes.IndexByte(p[1:], '"')
	if end < 0 {
		return nil, nil, false
	}
	s = p[1 : 1+end]
	if bytes.IndexByte(s, '\\') >= 0 || !utf8.Valid(s) {
		return nil, nil, false
	}
	for _, c := range s {
		if c < 0x20 {
			return nil, nil, false
		}
	}
	return s, p[2+end:], true
}

func asString(b []byte, isStr bool) (string, error) {
	if !isStr {
		return "", errSlowPath
	}
	return string(b), nil
}

func asInt(b []byte, isStr bool) (int, error) {
	if isStr {
		return 0, errSlowPath
	}
	return strconv.Atoi(string(b))
}

// recordStart is how every record this package writes begins.
const recordStart = `{"time":"`

// isTornRecord reports whether a last line without its newline can be the
// beginning of a record this package was writing when its process died.
func isTornRecord(line []byte) bool {
	if len(line) <= len(recordStart) {
		return bytes.HasPrefix([]byte(recordStart), line)
	}
	return bytes.HasPrefix(line, []byte(recordStart))
}
