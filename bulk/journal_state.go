package bulk

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"math/bits"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/crispwa/crispwa"
)

// state is what a journal's records say, key by key. It is built to hold a
// million keys in about 120 bytes each, without a pointer per key for the
// garbage collector to follow and without garbage per record read: the
// strings live back to back in an arena, keys and request IDs are found
// through open-addressing indexes of integers, entries are fixed-size
// structs in chunks (no slice of a million entries copied as it grows), and
// the fields most keys never use sit in a side table.
type state struct {
	seed      maphash.Seed
	strs      arena
	chunks    []*[chunkSize]entry
	n         int   // entries in use
	byKey     index // key -> entry
	byRequest index // request_id -> the entry whose current request_id it is
	// orphans holds the callbacks that came before their accepted record.
	orphans   map[string]callbackOutcome
	extras    []entryExtra
	templates []nameLang
	byTmpl    map[nameLang]int32
	lastTmpl  int32 // 1 + the template last looked up; 0 none
	// delivered is told of each entry whose delivery a record just set (and
	// whether it had none before); nil when nobody listens.
	delivered func(i int32, first bool)
	touched   uint32 // what prepare read, kept so that the reads are made
}

const chunkSize = 4096

// entry is the compact form of an Entry.
type entry struct {
	key, requestID, to str
	time               int64 // Unix nanoseconds of the status; 0 unknown
	extra              int32 // 1 + index in state.extras; 0 none
	tmpl               int32 // 1 + index in state.templates; 0 none
	status             event // evSending, evAccepted, evRejected or evUnknown
	delivery           event // evNone, evDelivered or evFailed
	resolved           bool
}

// entryExtra holds what few entries have: reasons, a failure, a retry time.
type entryExtra struct {
	reason, deliveryReason string
	failure                *crispwa.Failure
	retryAt                int64 // Unix nanoseconds; 0: no retry
}

// event is a record's event: a status, or a callback's delivery.
type event uint8

const (
	evNone event = iota
	evSending
	evAccepted
	evRejected
	evUnknown
	evDelivered
	evFailed
	evOther // a name this version does not know
)

var eventNames = [...]string{evSending: string(StatusSending), evAccepted: string(StatusAccepted),
	evRejected: string(StatusRejected), evUnknown: string(StatusUnknown),
	evDelivered: string(DeliveryDelivered), evFailed: string(DeliveryFailed), evOther: ""}

func parseEvent(b []byte) event {
	for ev := evSending; ev < evOther; ev++ {
		if string(b) == eventNames[ev] {
			return ev
		}
	}
	return evOther
}

func newState() state {
	return state{seed: maphash.MakeSeed(), orphans: map[string]callbackOutcome{},
		byTmpl: map[nameLang]int32{}}
}

func (s *state) at(i int32) *entry { return &s.chunks[i/chunkSize][i%chunkSize] }

// lookup returns the entry of key, or nil.
func (s *state) lookup(key string) *entry {
	i, ok := s.position(key, -1)
	if !ok {
		return nil
	}
	return s.at(i)
}

// position returns the position of key's entry, looking at near first.
func (s *state) position(key string, near int32) (int32, bool) {
	if near >= 0 && int(near) < s.n && s.strs.string(s.at(near).key) == key {
		return near, true
	}
	return s.byKey.find(maphash.String(s.seed, key), func(i int32) bool { return s.strs.string(s.at(i).key) == key })
}

// entry returns the index of key's entry, creating it; h is the key's
// hash.
func (s *state) entry(key []byte, h uint64) int32 {
	if i, ok := s.byKey.find(h, func(i int32) bool { return string(s.strs.bytes(s.at(i).key)) == string(key) }); ok {
		return i
	}
	if s.n == len(s.chunks)*chunkSize {
		s.chunks = append(s.chunks, new([chunkSize]entry))
	}
	i := int32(s.n)
	s.n++
	s.at(i).key = s.strs.add(key)
	s.byKey.insert(h, i, s.keyHash)
	return i
}

func (s *state) keyHash(i int32) (uint64, bool) {
	return maphash.Bytes(s.seed, s.strs.bytes(s.at(i).key)), true
}

// requestHash is the hash of entry i's request_id, if it has one.
func (s *state) requestHash(i int32) (uint64, bool) {
	r := s.at(i).requestID
	if r == 0 {
		return 0, false
	}
	return maphash.Bytes(s.seed, s.strs.bytes(r)), true // as stored: packed or not
}

// byRequestID returns the entry whose current request_id is id, of hash h.
func (s *state) byRequestID(id requestID, h uint64) (int32, bool) {
	return s.byRequest.find(h, func(i int32) bool { return s.strs.equalID(s.at(i).requestID, id) })
}

// prepare hashes f's key and request_id for apply, packing a UUID.
func (s *state) prepare(f *fields) {
	if len(f.key) > 0 {
		f.keyHash = maphash.Bytes(s.seed, f.key)
	}
	if len(f.requestID) > 0 {
		f.id = makeRequestID(f.requestID, &f.packedID)
		f.idHash = maphash.Bytes(s.seed, f.id.b)
	}
	f.prepared = true
}

// applyAll applies recs, in order, up to the first that fails, with the
// index of that one. It prepares them a group at a time, then reads the
// index slots where their look-ups start, one read after the other:
// each is a likely cache miss, and so close together they overlap
// instead of each waiting for the one before.
func (s *state) applyAll(recs []fields) (int, error) {
	const group = 16
	for k := 0; k < len(recs); k += group {
		g := recs[k:min(k+group, len(recs))]
		for i := range g {
			s.prepare(&g[i])
		}
		touched := s.touched
		for i := range g {
			touched ^= s.byKey.first(g[i].keyHash) ^ s.byRequest.first(g[i].idHash)
		}
		s.touched = touched
		for i := range g {
			if err := s.apply(&g[i]); err != nil {
				return k + i, err
			}
		}
	}
	return 0, nil
}

// requestKey returns the key of the entry whose request_id is id, or "".
func (s *state) requestKey(id string) string {
	var buf [16]byte
	rid := makeRequestID([]byte(id), &buf)
	i, ok := s.byRequestID(rid, maphash.Bytes(s.seed, rid.b))
	if !ok {
		return ""
	}
	return s.strs.string(s.at(i).key)
}

// extraOf returns e's side fields, creating them. The pointer is valid
// until the next call.
func (s *state) extraOf(e *entry) *entryExtra {
	if e.extra == 0 {
		s.extras = append(s.extras, entryExtra{})
		e.extra = int32(len(s.extras))
	}
	return &s.extras[e.extra-1]
}

// extra returns e's side fields, or the zero value.
func (s *state) extra(e *entry) entryExtra {
	if e.extra == 0 {
		return entryExtra{}
	}
	return s.extras[e.extra-1]
}

func (s *state) template(name, language []byte) int32 {
	if s.lastTmpl != 0 { // a campaign has few templates, mostly one
		if t := s.templates[s.lastTmpl-1]; t.name == string(name) && t.language == string(language) {
			return s.lastTmpl
		}
	}
	nl := nameLang{string(name), string(language)}
	i, ok := s.byTmpl[nl]
	if !ok {
		s.templates = append(s.templates, nl)
		i = int32(len(s.templates))
		s.byTmpl[nl] = i
	}
	s.lastTmpl = i
	return i
}

// number returns to as kept for key: a part of the key when the key ends
// with it (as "spring/+33612345678" does), else its own string.
func (s *state) number(key str, to []byte) str {
	if k := s.strs.bytes(key); bytes.HasSuffix(k, to) {
		return key.suffix(len(to))
	}
	return s.strs.add(to)
}

// callbackOutcome is what apply keeps of a callback's record.
type callbackOutcome struct {
	event        event
	time         int64
	reason       string
	class        string
	code         int
	retryAfterMS int64
}

// apply updates the state with one record. The Journal's mu must be held
// (or the state not yet shared).
func (s *state) apply(f *fields) error {
	if !f.prepared {
		s.prepare(f)
	}
	switch ev := f.event; ev {
	case evSending, evAccepted, evRejected, evUnknown:
		if len(f.key) == 0 {
			return fmt.Errorf("%q record without a key", eventNames[ev])
		}
		if ev == evAccepted && !f.resolved && len(f.requestID) == 0 {
			return errors.New(`"accepted" record without a request_id`)
		}
		i := s.entry(f.key, f.keyHash)
		e := s.at(i)
		prevRequest, prevDelivery, prev := e.requestID, e.delivery, s.extra(e)
		if e.extra != 0 {
			s.extras[e.extra-1] = entryExtra{} // the slot stays e's
		}
		e.status, e.time, e.resolved, e.requestID, e.delivery = ev, f.time, f.resolved, 0, evNone
		if len(f.reason) > 0 {
			s.extraOf(e).reason = string(f.reason)
		}
		if ev == evSending {
			if len(f.template) > 0 {
				e.tmpl = s.template(f.template, f.language)
			}
			if len(f.to) > 0 {
				e.to = s.number(e.key, f.to)
			}
		}
		if ev == evAccepted && f.resolved { // the operator says it went out: keep what is known of it
			e.requestID, e.delivery = prevRequest, prevDelivery
			if prev.deliveryReason != "" || prev.failure != nil || prev.retryAt != 0 {
				x := s.extraOf(e)
				x.deliveryReason, x.failure, x.retryAt = prev.deliveryReason, prev.failure, prev.retryAt
			}
			return nil
		}
		id := f.id
		if ev == evAccepted && prevRequest != 0 && s.strs.equalID(prevRequest, id) {
			e.requestID = prevRequest // accepted again under the same request_id
		}
		// An earlier request_id of the entry is no longer found: its late
		// callback counts for nothing (kept aside, like an early one).
		if ev != evAccepted || e.requestID != 0 {
			return nil
		}
		e.requestID = s.strs.addID(id)
		match := func(j int32) bool { return s.strs.equalID(s.at(j).requestID, id) }
		s.byRequest.set(f.idHash, match, i, s.requestHash)
		if cb, ok := s.orphans[string(f.requestID)]; ok {
			delete(s.orphans, string(f.requestID))
			s.setDelivery(i, cb)
		}
	case evDelivered, evFailed:
		if len(f.requestID) == 0 {
			return fmt.Errorf("%q record without a request_id", eventNames[ev])
		}
		cb := callbackOutcome{event: ev, time: f.time, code: f.code, retryAfterMS: f.retryAfterMS}
		if len(f.reason) > 0 {
			cb.reason = string(f.reason)
		}
		if len(f.class) > 0 {
			cb.class = string(f.class)
		}
		if i, ok := s.byRequestID(f.id, f.idHash); ok {
			s.setDelivery(i, cb)
		} else {
			s.orphans[string(f.requestID)] = cb
		}
	default:
		return fmt.Errorf("unknown event %q", f.eventName)
	}
	return nil
}

// setDelivery records the callback cb on entry i.
func (s *state) setDelivery(i int32, cb callbackOutcome) {
	e := s.at(i)
	first := e.delivery == evNone
	e.delivery = cb.event
	var f *crispwa.Failure
	var retryAt int64
	if e.delivery == evFailed {
		if cb.class == "" { // an older journal: classify the reason again
			f = (&crispwa.CallbackEvent{Error: true, Reason: cb.reason}).Failure()
		} else {
			f = &crispwa.Failure{Code: cb.code, Class: crispwa.FailureClass(cb.class), Message: cb.reason,
				RetryAfter: time.Duration(cb.retryAfterMS) * time.Millisecond}
		}
		if ActionFor(f) == ActionRetryLater {
			retryAt = unixTime(cb.time).Add(RetryDelay(f)).UnixNano()
		}
	}
	if x := s.extra(e); cb.reason != "" || f != nil || x.deliveryReason != "" || x.failure != nil || x.retryAt != 0 {
		x := s.extraOf(e)
		x.deliveryReason, x.failure, x.retryAt = cb.reason, f, retryAt
	}
	if s.delivered != nil {
		s.delivered(i, first)
	}
}

// unixTime is the time of Unix nanoseconds ns, or the zero time for 0.
func unixTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

// export returns the Entry of e. Its strings share the state's memory,
// which never changes.
func (s *state) export(e *entry) Entry {
	out := Entry{Key: s.strs.string(e.key), Status: Status(eventNames[e.status]), RequestID: s.strs.string(e.requestID),
		Resolved: e.resolved, Delivery: Delivery(eventNames[e.delivery]), To: s.strs.string(e.to),
		Time: unixTime(e.time)}
	if e.tmpl != 0 {
		t := s.templates[e.tmpl-1]
		out.Template, out.Language = t.name, t.language
	}
	if x := s.extra(e); e.extra != 0 {
		out.Reason, out.DeliveryReason, out.RetryAt = x.reason, x.deliveryReason, unixTime(x.retryAt)
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
		out = append(out, s.export(s.at(int32(i))))
	}
	return out
}

// read applies the records of r (the journal at path, of size bytes) and
// turns the keys left "sending" into StatusUnknown. It reads one line at a
// time, at most MaxJournalLine bytes, and keeps nothing of a line once
// applied. It returns the length to cut the file to when its last line is
// torn, else -1.
//
// Two goroutines share the work: one reads and decodes the lines, in
// batches (see readLines), while this one applies them, in order. The
// first line that is not a record, or cannot be applied, ends the read
// with its error, as if the lines were read and applied one by one.
func (s *state) read(r io.Reader, path string, size int64) (torn int64, err error) {
	// A key takes three records or more (sending, its outcome, a callback),
	// some 300 bytes: the indexes are sized once rather than grown (each
	// growth reads every key again).
	if keys := int(min(size/300, math.MaxInt32/2)); keys > 1024 {
		s.byKey.reserve(keys)
		s.byRequest.reserve(keys)
	}
	batches, free := make(chan *lineBatch, 2), make(chan *lineBatch, 4)
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		defer close(batches)
		readLines(r, path, batches, free, done)
	}()
	defer func() {
		close(done) // the reader stops, if it has not, and no longer uses r
		<-finished
	}()
	for b := range batches {
		if k, err := s.applyAll(b.recs); err != nil {
			return -1, fmt.Errorf("%w: %s line %d: %v", ErrJournalCorrupt, path, b.lines[k], err)
		}
		if b.err != nil {
			return -1, b.err
		}
		if b.last {
			torn = b.torn
		}
		select {
		case free <- b:
		default:
		}
	}
	for i := range s.n {
		if e := s.at(int32(i)); e.status == evSending {
			e.status = evUnknown
			s.extraOf(e).reason = interruptedReason
		}
	}
	return torn, nil
}

// lineBatch is a run of lines of a journal, decoded: recs point into buf.
type lineBatch struct {
	buf   []byte
	recs  []fields
	lines []int // the line number of each of recs
	// err ends the read, after recs: the error of the line after them.
	err error
	// last marks the batch of the end of the file; torn is then the
	// length to cut the file to when its last line is torn, else -1.
	last bool
	torn int64
}

const (
	batchBytes = 4 * MaxJournalLine // a batch's lines, at least one of any length
	batchRecs  = 1024
)

// readLines reads the lines of r (the journal at path), decodes them and
// sends them in batches on out, the last one marked, until the end of r, a
// line that is not a record or done. It takes the batches to fill from
// free when there are some.
func readLines(r io.Reader, path string, out chan<- *lineBatch, free <-chan *lineBatch, done <-chan struct{}) {
	next := func() *lineBatch {
		select {
		case b := <-free:
			b.buf, b.recs, b.lines, b.err = b.buf[:0], b.recs[:0], b.lines[:0], nil
			return b
		default:
			return &lineBatch{buf: make([]byte, 0, batchBytes), recs: make([]fields, 0, batchRecs), lines: make([]int, 0, batchRecs)}
		}
	}
	send := func(b *lineBatch) bool {
		select {
		case out <- b:
			return true
		case <-done:
			return false
		}
	}
	br := bufio.NewReaderSize(r, MaxJournalLine)
	var d recordDecoder
	var offset int64
	b := next()
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, io.EOF) {
			b.last, b.torn = true, -1
			if len(line) > 0 {
				if !isTornRecord(line) {
					b.err = fmt.Errorf("%w: %s line %d: not a journal record", ErrJournalCorrupt, path, n)
				}
				b.torn = offset
			}
			send(b)
			return
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			b.err = fmt.Errorf("%w: %s line %d: longer than %d bytes", ErrJournalCorrupt, path, n, MaxJournalLine)
		case err != nil:
			b.err = fmt.Errorf("bulk: reading journal: %w", err)
		}
		if b.err != nil {
			send(b)
			return
		}
		offset += int64(len(line))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if len(b.buf)+len(line) > cap(b.buf) || len(b.recs) == cap(b.recs) {
			if !send(b) {
				return
			}
			b = next()
		}
		start := len(b.buf)
		b.buf = append(b.buf, line...) // never grown: recs keep pointing into it
		b.recs = append(b.recs, fields{})
		if err := d.decode(b.buf[start:], &b.recs[len(b.recs)-1]); err != nil {
			b.recs = b.recs[:len(b.recs)-1]
			b.err = fmt.Errorf("%w: %s line %d: not a journal record: %v", ErrJournalCorrupt, path, n, err)
			send(b)
			return
		}
		b.lines = append(b.lines, n)
	}
}

// arena holds the journal's strings back to back, in chunks that are never
// reallocated and whose bytes are never written again once added: a string
// viewing them stays valid and unchanged for the arena's life. A chunk has
// no pointer for the garbage collector to scan. Request IDs written as
// Crisp writes them (lowercase UUIDs) are kept in 16 bytes rather than 36.
type arena struct {
	chunks [][]byte
}

// str is a string of an arena (0 is ""): whether it is a packed UUID, its
// chunk, offset and length.
type str uint64

const (
	arenaChunk = 1 << strOffsetBits // bytes in a chunk
	// A string is shorter than a journal line (MaxJournalLine), far below
	// these bounds.
	strLenBits    = 20
	strOffsetBits = 20
	strPacked     = str(1) << 63
	uuidLen       = 36
)

func makeStr(chunk, offset, length int) str {
	return str(uint64(chunk)<<(strOffsetBits+strLenBits) | uint64(offset)<<strLenBits | uint64(length))
}

func (s str) parts() (chunk, offset, length int) {
	return int(s &^ strPacked >> (strOffsetBits + strLenBits)), int(s>>strLenBits) & (1<<strOffsetBits - 1),
		int(s) & (1<<strLenBits - 1)
}

// suffix returns the last n bytes of s, which is not packed.
func (s str) suffix(n int) str {
	chunk, offset, length := s.parts()
	return makeStr(chunk, offset+length-n, n)
}

// add copies b into the arena.
func (a *arena) add(b []byte) str {
	if len(b) == 0 {
		return 0
	}
	b = b[:min(len(b), 1<<strLenBits-1)] // cannot happen: lines are capped
	last := len(a.chunks) - 1
	if last < 0 || cap(a.chunks[last])-len(a.chunks[last]) < len(b) {
		a.chunks = append(a.chunks, make([]byte, 0, arenaChunk))
		last++
	}
	offset := len(a.chunks[last])
	a.chunks[last] = append(a.chunks[last], b...)
	return makeStr(last, offset, len(b))
}

// requestID is a request_id as the arena keeps it: a lowercase UUID in 16
// bytes, any other as written.
type requestID struct {
	b      []byte
	packed bool
}

// makeRequestID returns the request_id written as text, packed in buf
// when it is a lowercase UUID.
func makeRequestID(text []byte, buf *[16]byte) requestID {
	if packUUID(text, buf) {
		return requestID{b: buf[:], packed: true}
	}
	return requestID{b: text}
}

// addID copies a request_id into the arena.
func (a *arena) addID(id requestID) str {
	s := a.add(id.b)
	if id.packed {
		s |= strPacked
	}
	return s
}

// equalID reports whether s is the request_id id.
func (a *arena) equalID(s str, id requestID) bool {
	return (s&strPacked != 0) == id.packed && string(a.bytes(s)) == string(id.b)
}

// bytes returns the bytes of s, which must not be changed. For a packed
// UUID, they are its 16 bytes.
func (a *arena) bytes(s str) []byte {
	if s == 0 {
		return nil
	}
	chunk, offset, length := s.parts()
	return a.chunks[chunk][offset : offset+length : offset+length]
}

// string returns s as a string; without copying it (the arena never
// changes bytes it has handed out) unless it is a packed UUID.
func (a *arena) string(s str) string {
	if s&strPacked != 0 {
		var text [uuidLen]byte
		return string(a.text(s, &text))
	}
	b := a.bytes(s)
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// text returns the bytes of s as written, in buf when it is packed.
func (a *arena) text(s str, buf *[uuidLen]byte) []byte {
	if s&strPacked == 0 {
		return a.bytes(s)
	}
	const hex = "0123456789abcdef"
	b := a.bytes(s)
	k := 0
	for i := range buf {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			buf[i] = '-'
			continue
		}
		if k%2 == 0 {
			buf[i] = hex[b[k/2]>>4]
		} else {
			buf[i] = hex[b[k/2]&0xf]
		}
		k++
	}
	return buf[:]
}

// packUUID packs a lowercase UUID (8-4-4-4-12 hexadecimal digits) into
// out, and reports whether b was one. Two bytes of text make one of out,
// read through lowerHex; a byte that is not a lowercase hexadecimal digit
// sets lowerHex's high bit, checked once at the end.
func packUUID(b []byte, out *[16]byte) bool {
	if len(b) != uuidLen || b[8] != '-' || b[13] != '-' || b[18] != '-' || b[23] != '-' {
		return false
	}
	var bad byte
	k := 0
	for _, g := range [...][2]int{{0, 8}, {9, 13}, {14, 18}, {19, 23}, {24, 36}} {
		for i := g[0]; i < g[1]; i += 2 {
			hi, lo := lowerHex[b[i]], lowerHex[b[i+1]]
			bad |= hi | lo
			out[k] = hi<<4 | lo&0xf
			k++
		}
	}
	return bad&0x80 == 0
}

// lowerHex is the value of a lowercase hexadecimal digit, indexed by
// byte, and 0x80 for any other byte.
const lowerHex = "" +
	"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80" +
	"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x80\x80\x80\x80\x80\x80" +
	"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80" +
	"\x80\x0a\x0b\x0c\x0d\x0e\x0f\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80" +
	"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80" +
	"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80" +
	"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80" +
	"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80"

// index maps strings to positions (entries) with open addressing over a
// power-of-two table of 32-bit slots: a slot holds 1 + the position in its
// low bits and the top bits of the string's hash above them, so that a
// probe compares a string only when those bits match. The table has no
// pointer for the garbage collector to scan, and takes 4 to 8 bytes a
// string. The caller keeps the strings: it says which position holds the
// one looked for, and, when the table grows, the hash of a position's.
type index struct {
	slots   []uint32
	n       int
	posBits uint // the slot's bits holding 1 + the position
}

func (x *index) tag(h uint64) uint32 { return uint32(h >> (32 + x.posBits)) }

// first returns the slot where a look-up of hash h starts.
func (x *index) first(h uint64) uint32 {
	if len(x.slots) == 0 {
		return 0
	}
	return x.slots[h&uint64(len(x.slots)-1)]
}

// find returns the position whose string has hash h and satisfies match.
func (x *index) find(h uint64, match func(pos int32) bool) (int32, bool) {
	k, ok := x.slot(h, match)
	if !ok {
		return 0, false
	}
	return int32(x.slots[k]&(1<<x.posBits-1)) - 1, true
}

// slot returns the slot of the position found as find does.
func (x *index) slot(h uint64, match func(pos int32) bool) (int, bool) {
	if len(x.slots) == 0 {
		return 0, false
	}
	tag, mask, posMask := x.tag(h), uint64(len(x.slots)-1), uint32(1)<<x.posBits-1
	for k := h & mask; ; k = (k + 1) & mask {
		slot := x.slots[k]
		if slot == 0 {
			return 0, false
		}
		if slot>>x.posBits == tag && match(int32(slot&posMask)-1) {
			return int(k), true
		}
	}
}

// set points the slot found by find(h, match) at pos, or adds one for it.
// hashOf gives the hash of the string of a position already in the index,
// for when the table is rebuilt; it may say a position is no longer
// wanted.
func (x *index) set(h uint64, match func(pos int32) bool, pos int32, hashOf func(pos int32) (h uint64, keep bool)) {
	x.fit(pos, hashOf)
	if k, ok := x.slot(h, match); ok {
		x.slots[k] = x.tag(h)<<x.posBits | uint32(pos+1)
		return
	}
	x.put(h, pos)
}

// reserve sizes the table for n strings, with positions below n.
func (x *index) reserve(n int) {
	if n > len(x.slots)*3/4 && x.n == 0 {
		size := 1 << bits.Len(uint(n*4/3))
		x.slots, x.posBits = make([]uint32, size), uint(bits.Len(uint(size-1)))
	}
}

// insert adds pos under hash h; its string must not be in the index.
func (x *index) insert(h uint64, pos int32, hashOf func(pos int32) (h uint64, keep bool)) {
	x.fit(pos, hashOf)
	x.put(h, pos)
}

// fit makes room for one more slot, and for pos in a slot.
func (x *index) fit(pos int32, hashOf func(pos int32) (uint64, bool)) {
	posBits := uint(bits.Len32(uint32(pos + 1)))
	switch {
	case (x.n+1)*4 > len(x.slots)*3: // at most three slots in four used
		x.rebuild(max(2*len(x.slots), 1024), posBits, hashOf)
	case posBits > x.posBits:
		x.rebuild(len(x.slots), posBits, hashOf)
	}
}

func (x *index) put(h uint64, pos int32) {
	mask := uint64(len(x.slots) - 1)
	k := h & mask
	for x.slots[k] != 0 {
		k = (k + 1) & mask
	}
	x.slots[k] = x.tag(h)<<x.posBits | uint32(pos+1)
	x.n++
}

// rebuild makes a table of size slots whose positions take at least
// posBits bits, and files the positions of the old one in it.
func (x *index) rebuild(size int, posBits uint, hashOf func(pos int32) (uint64, bool)) {
	old, oldMask := x.slots, uint32(1)<<x.posBits-1
	x.slots, x.n = make([]uint32, size), 0
	x.posBits = max(x.posBits, posBits, uint(bits.Len(uint(size-1))))
	for _, slot := range old {
		if slot == 0 {
			continue
		}
		pos := int32(slot&oldMask) - 1
		h, keep := hashOf(pos)
		if !keep {
			continue
		}
		if _, dup := x.find(h, func(p int32) bool { return p == pos }); !dup {
			x.put(h, pos)
		}
	}
}

// fields is one record as the decoder read it. Its byte slices point into
// the line read: they are valid until the next line.
type fields struct {
	time         int64 // Unix nanoseconds; 0 when absent
	event        event
	eventName    []byte // as written, for an error about an unknown event
	key          []byte
	requestID    []byte
	reason       []byte
	class        []byte
	template     []byte
	language     []byte
	to           []byte
	code         int
	retryAfterMS int64
	resolved     bool

	// Set by state.prepare: the hashes of key and requestID, and the
	// request_id as the arena keeps it (packed in packedID when a UUID).
	prepared        bool
	keyHash, idHash uint64
	id              requestID
	packedID        [16]byte
}

// decodeRecord reads one line into f, as a recordDecoder does.
func decodeRecord(line []byte, f *fields) error {
	var d recordDecoder
	return d.decode(line, f)
}

// recordDecoder reads the lines of one journal. The lines this package
// writes are flat JSON objects of strings without escapes, integers and
// booleans; it reads those itself, without encoding/json's reflection and
// without allocating (a million-record journal opens in a fraction of the
// time), and hands anything else to encoding/json, which is the authority
// on what a record is. It remembers the last second a time was parsed at:
// records written within one second share it.
type recordDecoder struct {
	second [len("2006-01-02T15:04:05")]byte // as written
	unix   int64                            // second in Unix seconds
	known  bool                             // second and unix are set
}

// decode reads one line into f.
func (d *recordDecoder) decode(line []byte, f *fields) error {
	if d.flat(line, f) {
		return nil
	}
	var rec record
	if err := json.Unmarshal(line, &rec); err != nil {
		return err
	}
	*f = fields{event: parseEvent([]byte(rec.Event)), eventName: []byte(rec.Event), key: []byte(rec.Key),
		requestID: []byte(rec.RequestID), reason: []byte(rec.Reason), class: []byte(rec.Class),
		template: []byte(rec.Template), language: []byte(rec.Language), to: []byte(rec.To),
		code: rec.Code, retryAfterMS: rec.RetryAfterMS, resolved: rec.Resolved}
	if !rec.Time.IsZero() {
		f.time = rec.Time.UnixNano()
	}
	return nil
}

// flat decodes a flat object whose strings have no escapes into f, and
// reports whether it could; when it could not, f is to be filled by
// encoding/json.
func (d *recordDecoder) flat(line []byte, f *fields) bool {
	*f = fields{event: evOther}
	p := bytes.TrimSpace(line)
	if len(p) < 2 || p[0] != '{' || p[len(p)-1] != '}' {
		return false
	}
	p = p[1 : len(p)-1]
	seen := false
	for len(p) > 0 {
		name, rest, ok := quoted(p)
		if !ok || len(rest) == 0 || rest[0] != ':' {
			return false
		}
		p = rest[1:]
		var val []byte
		isStr := len(p) > 0 && p[0] == '"'
		if isStr {
			if val, p, ok = quoted(p); !ok {
				return false
			}
		} else {
			end := bytes.IndexByte(p, ',')
			if end < 0 {
				end = len(p)
			}
			val, p = p[:end], p[end:]
		}
		if len(p) > 0 {
			if p[0] != ',' || len(p) == 1 {
				return false
			}
			p = p[1:]
		}
		seen = true
		switch string(name) {
		case "time":
			if !isStr {
				return false
			}
			if f.time, ok = d.time(val); !ok {
				return false
			}
		case "event":
			f.event, f.eventName = parseEvent(val), val
			if !isStr {
				return false
			}
		case "key":
			f.key = val
		case "request_id":
			f.requestID = val
		case "reason":
			f.reason = val
		case "class":
			f.class = val
		case "template":
			f.template = val
		case "language":
			f.language = val
		case "to":
			f.to = val
		case "http_status", "code", "retry_after_ms":
			v, ok := flatInt(val, isStr)
			if !ok {
				return false
			}
			switch string(name) {
			case "code":
				f.code = int(v)
			case "retry_after_ms":
				f.retryAfterMS = v
			}
			continue
		case "resolved":
			switch string(val) {
			case "true":
				f.resolved = true
			case "false":
				f.resolved = false
			default:
				return false
			}
			continue
		default: // a field of a later version: encoding/json ignores it too
			return false
		}
		if !isStr {
			return false
		}
	}
	return seen
}

// time reads a record's time, as time.Time's UnmarshalText does, in Unix
// nanoseconds (0 for the zero time). A UTC time ("...Z") in the second of
// the last one is read without parsing its date again.
func (d *recordDecoder) time(val []byte) (int64, bool) {
	n := len(val)
	utc := n > len(d.second) && val[n-1] == 'Z'
	if utc && d.known && string(val[:len(d.second)]) == string(d.second[:]) {
		if ns, ok := fraction(val[len(d.second) : n-1]); ok {
			return d.unix*1e9 + ns, true
		}
	}
	var t time.Time
	if t.UnmarshalText(val) != nil {
		return 0, false
	}
	if t.IsZero() {
		return 0, true
	}
	if utc && t.Year() >= 1970 && t.Year() < 2200 {
		if _, ok := fraction(val[len(d.second) : n-1]); ok { // val is the second, then its fraction
			copy(d.second[:], val)
			d.unix, d.known = t.Unix(), true
		}
	}
	return t.UnixNano(), true
}

// fraction reads the fraction of a second after the seconds of an RFC
// 3339 time, "" or "." and one to nine digits, in nanoseconds.
func fraction(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	if b[0] != '.' || len(b) < 2 || len(b) > 10 {
		return 0, false
	}
	var ns int64
	for _, c := range b[1:] {
		if c < '0' || c > '9' {
			return 0, false
		}
		ns = ns*10 + int64(c-'0')
	}
	for range 10 - len(b) {
		ns *= 10
	}
	return ns, true
}

// flatInt reads a JSON integer as this package writes it (no exponent, no
// fraction, no leading zero, at most 18 digits).
func flatInt(b []byte, isStr bool) (int64, bool) {
	if isStr || len(b) == 0 {
		return 0, false
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 || (b[0] == '0' && len(b) > 1) {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
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
	ascii := true
	b := s
	// Eight bytes at a time: a control byte or a backslash ends the fast
	// path; a byte of 0x80 or more asks for a UTF-8 check.
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(b) >= 8 {
		x := binary.LittleEndian.Uint64(b)
		y := x ^ '\\'*ones
		if (x-0x20*ones)&^x&highs != 0 || (y-ones)&^y&highs != 0 {
			return nil, nil, false
		}
		if x&highs != 0 {
			ascii = false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c == '\\' || c < 0x20 {
			return nil, nil, false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(s) {
		return nil, nil, false
	}
	return s, p[1+end+1:], true
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
