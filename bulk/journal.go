package bulk

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/crispwa/crispwa"
)

// Errors about the journal file, testable with errors.Is.
var (
	// ErrJournalLocked reports a journal already open, in this process or
	// another one: two runs of one campaign at once could send twice.
	ErrJournalLocked = errors.New("bulk: journal is in use by another run")
	// ErrJournalCorrupt reports a journal line that is not a record, other
	// than a torn last line (which OpenJournal drops).
	ErrJournalCorrupt = errors.New("bulk: journal is corrupt")
	// ErrJournalClosed reports a write to a closed journal.
	ErrJournalClosed = errors.New("bulk: journal is closed")
	// ErrJournalNotRegular reports a journal path that names something other
	// than a regular file (a device such as /dev/null, a FIFO, a directory):
	// such a file cannot keep a campaign's memory.
	ErrJournalNotRegular = errors.New("bulk: journal is not a regular file")
	// ErrUnknownKey reports a Resolve of a key the journal has never seen.
	ErrUnknownKey = errors.New("bulk: no such key in the journal")
)

// Size limits of the journal. A record is a few hundred bytes; a line
// longer than MaxJournalLine is not one this package wrote, so the journal
// is corrupt (a 50 MB line is refused, not loaded).
const (
	// MaxJournalLine is the longest line OpenJournal and ReadJournal read.
	MaxJournalLine = 64 << 10
	// MaxKeyLength is the longest Job.Key Run accepts, in bytes.
	MaxKeyLength = 1024
	// maxReason is the longest reason a record keeps, in bytes.
	maxReason = 2048
)

// Status is where a key's send stands according to the journal.
type Status string

// The statuses of a key.
const (
	// StatusSending: the send is in flight in this process.
	StatusSending Status = "sending"
	// StatusAccepted: Crisp accepted the send and answered a request_id.
	StatusAccepted Status = "accepted"
	// StatusRejected: Crisp refused the send (a 4xx), or it certainly did not
	// reach Crisp. Sending it again cannot deliver the message twice.
	StatusRejected Status = "rejected"
	// StatusUnknown: the send may or may not have reached Crisp (the SDK's
	// ErrSendOutcomeUnknown, or the process stopped while it was in flight).
	StatusUnknown Status = "unknown"
)

// Delivery is what Crisp's callback said about an accepted send.
type Delivery string

// The deliveries of an accepted key.
const (
	// DeliveryNone: no callback recorded (yet).
	DeliveryNone Delivery = ""
	// DeliveryDelivered: the callback said the template was sent.
	DeliveryDelivered Delivery = "delivered"
	// DeliveryFailed: the callback said it was not sent, and why.
	DeliveryFailed Delivery = "failed"
)

// Entry is the journal's knowledge about one key.
type Entry struct {
	Key       string
	Status    Status
	RequestID string // set when Status is StatusAccepted (unless Resolved)
	// Reason says why a send was rejected or its outcome is unknown.
	Reason string
	// Time is when Status was recorded (zero in journals written before it
	// was kept).
	Time time.Time
	// Resolved is true when Status comes from Journal.Resolve: an operator
	// said whether the message went out.
	Resolved bool
	// Delivery and DeliveryReason come from the callback, when one was
	// recorded with Journal.RecordCallback.
	Delivery       Delivery
	DeliveryReason string
	// Failure classifies a failed callback (see crispwa.CallbackEvent.Failure):
	// set when Delivery is DeliveryFailed.
	Failure *crispwa.Failure
	// Template and Language name the template of the key's last send (empty
	// in journals written before they were kept).
	Template, Language string
	// RetryAt is set when the callback failed with a retry-later class
	// (crispwa.FailureRetryLater): the send may be made again from then on
	// (Runner.Retry). Zero otherwise.
	RetryAt time.Time
}

// RetryDue reports whether e is a retry-later failure whose wait has ended
// at now.
func (e *Entry) RetryDue(now time.Time) bool {
	return !e.RetryAt.IsZero() && !now.Before(e.RetryAt)
}

// record is one line of the journal file.
type record struct {
	Time      time.Time `json:"time"`
	Event     string    `json:"event"` // a Status but "sending"'s outcome, or a Delivery
	Key       string    `json:"key,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
	HTTP      int       `json:"http_status,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Resolved  bool      `json:"resolved,omitempty"` // written by Resolve
	// A failed callback's classification; absent in older journals, where it
	// is worked out again from the reason.
	Code  int    `json:"code,omitempty"`
	Class string `json:"class,omitempty"`
	// RetryAfterMS is a retry-later failure's wait, in milliseconds.
	RetryAfterMS int64 `json:"retry_after_ms,omitempty"`
	// The template of a "sending" record.
	Template string `json:"template,omitempty"`
	Language string `json:"language,omitempty"`
}

// interruptedReason is the Reason of a key found "sending" when the journal
// is opened: the process stopped before the send's answer was recorded.
const interruptedReason = "interrupted while sending: the send may have reached Crisp"

// JournalOption configures OpenJournal. A nil JournalOption is ignored.
type JournalOption interface {
	applyJournal(*Journal)
}

// journalOptionFunc turns a function into a JournalOption.
type journalOptionFunc func(*Journal)

func (f journalOptionFunc) applyJournal(j *Journal) { f(j) }

// WithoutFsync makes the journal write its records without waiting for them
// to reach the disk (no fsync). Records still survive the process being
// killed, since the operating system has them, but not a power loss or an
// operating-system crash, after which a send may be made twice. It makes a
// campaign faster on slow disks; the default, with fsync, is the safe one.
func WithoutFsync() JournalOption {
	return journalOptionFunc(func(j *Journal) { j.fsync = false })
}

// Journal is an append-only JSON-lines file recording, per key, each send
// attempt and its outcome, and the callbacks of accepted sends. It is the
// memory of a campaign across runs: see the package documentation. Its
// methods are safe for concurrent use. Open it with OpenJournal and Close it
// when done; while open, no other OpenJournal of the same file succeeds
// (on Linux, macOS and the BSDs, where it is locked with flock).
type Journal struct {
	path   string
	f      *os.File
	fsync  bool
	unlock func() error

	mu      sync.Mutex
	synced  *sync.Cond // signalled when a sync ends
	state              // what the records say, key by key
	written uint64     // records written
	durable uint64     // records known to be on disk
	syncing bool
	err     error // the first write or sync failure: the journal is then read-only
	closed  bool
	changed chan struct{} // closed and replaced when a callback is recorded
	inUse   bool          // a Runner is running on it
}

// OpenJournal opens the journal at path, creating it (mode 0600) if it does
// not exist, and reads what it records. A torn last line, left by a process
// killed while writing it, is dropped from the file; any other line that is
// not a record (or is longer than MaxJournalLine) is an error wrapping
// ErrJournalCorrupt, and a path that is not a regular file an error wrapping
// ErrJournalNotRegular. Keys found "sending" (their process stopped while
// the send was in flight) become StatusUnknown.
func OpenJournal(path string, opts ...JournalOption) (*Journal, error) {
	st, statErr := os.Stat(path)
	created := errors.Is(statErr, fs.ErrNotExist)
	if statErr == nil && !st.Mode().IsRegular() {
		return nil, notRegular(path, st.Mode())
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("bulk: opening journal: %w", err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() { // replaced since the Stat above
		_ = f.Close()
		if err != nil {
			return nil, fmt.Errorf("bulk: opening journal: %w", err)
		}
		return nil, notRegular(path, st.Mode())
	}
	unlock, err := lockFile(f)
	if err != nil {
		_ = f.Close()
		if errors.Is(err, ErrJournalLocked) {
			return nil, fmt.Errorf("%w: %s", ErrJournalLocked, path)
		}
		return nil, fmt.Errorf("bulk: locking journal %s: %w", path, err)
	}
	j := &Journal{
		path: path, f: f, fsync: true, unlock: unlock,
		state: newState(), changed: make(chan struct{}),
	}
	j.synced = sync.NewCond(&j.mu)
	for _, o := range opts {
		if o != nil {
			o.applyJournal(j)
		}
	}
	if err := j.load(); err != nil {
		_ = unlock()
		_ = f.Close()
		return nil, err
	}
	if created && j.fsync {
		syncDir(filepath.Dir(path)) // make the new file's name durable too
	}
	return j, nil
}

// ReadJournal returns what the journal at path records, key by key in order
// of first appearance, without creating, locking or changing the file: for a
// dry run or a report while another process may be running the campaign. A
// torn last line is ignored; the other errors are OpenJournal's. A path that
// does not exist is an error wrapping fs.ErrNotExist.
func ReadJournal(path string) ([]Entry, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("bulk: reading journal: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, notRegular(path, st.Mode())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("bulk: reading journal: %w", err)
	}
	defer f.Close()
	s := newState()
	if _, err := s.read(f, path); err != nil {
		return nil, err
	}
	return s.list(), nil
}

func notRegular(path string, mode fs.FileMode) error {
	kind := "not a regular file"
	switch {
	case mode.IsDir():
		kind = "a directory"
	case mode&fs.ModeNamedPipe != 0:
		kind = "a named pipe"
	case mode&(fs.ModeDevice|fs.ModeCharDevice) != 0:
		kind = "a device"
	case mode&fs.ModeSocket != 0:
		kind = "a socket"
	}
	return fmt.Errorf("%w: %s is %s", ErrJournalNotRegular, path, kind)
}

// load reads the file's records into memory and cuts a torn last line.
func (j *Journal) load() error {
	if _, err := j.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("bulk: reading journal: %w", err)
	}
	keep, err := j.state.read(j.f, j.path)
	if err != nil {
		return err
	}
	if keep < 0 {
		return nil
	}
	// Torn: the write never finished, so its send never started.
	if err := j.f.Truncate(keep); err != nil {
		return fmt.Errorf("bulk: cutting the torn last line of %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("bulk: cutting the torn last line of %s: %w", j.path, err)
	}
	return nil
}

// state is what a journal's records say, key by key.
type state struct {
	entries   map[string]*Entry
	order     []string          // keys in order of first appearance
	byRequest map[string]string // request_id → key, for callbacks
	orphans   map[string]record // callbacks that came before their accepted record
	strings   map[string]string // interned template names and languages
}

func newState() state {
	return state{entries: map[string]*Entry{}, byRequest: map[string]string{}, orphans: map[string]record{},
		strings: map[string]string{}}
}

// recordStart is how every record this package writes begins.
const recordStart = `{"time":"`

// read applies the records of r (the journal at path) and turns the keys
// left "sending" into StatusUnknown. It returns the length to cut the file
// to when its last line is torn, else -1.
func (s *state) read(r io.Reader, path string) (torn int64, err error) {
	br := bufio.NewReaderSize(r, MaxJournalLine)
	var offset int64
	torn = -1
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
		var rec record
		if err := json.Unmarshal(line, &rec); err != nil {
			return -1, fmt.Errorf("%w: %s line %d: not a journal record: %v", ErrJournalCorrupt, path, n, err)
		}
		if err := s.apply(rec); err != nil {
			return -1, fmt.Errorf("%w: %s line %d: %v", ErrJournalCorrupt, path, n, err)
		}
	}
	for _, e := range s.entries {
		if e.Status == StatusSending {
			e.Status, e.Reason = StatusUnknown, interruptedReason
		}
	}
	return torn, nil
}

// isTornRecord reports whether a last line without its newline can be the
// beginning of a record this package was writing when its process died.
func isTornRecord(line []byte) bool {
	if len(line) <= len(recordStart) {
		return bytes.HasPrefix([]byte(recordStart), line)
	}
	return bytes.HasPrefix(line, []byte(recordStart))
}

// entry returns the entry of key, creating it.
func (s *state) entry(key string) *Entry {
	e, ok := s.entries[key]
	if !ok {
		e = &Entry{Key: key}
		s.entries[key] = e
		s.order = append(s.order, key)
	}
	return e
}

// apply updates the state with rec. The Journal's mu must be held (or the
// state not yet shared).
func (s *state) apply(rec record) error {
	switch ev := rec.Event; ev {
	case string(StatusSending), string(StatusAccepted), string(StatusRejected), string(StatusUnknown):
		if rec.Key == "" {
			return fmt.Errorf("%q record without a key", ev)
		}
		e := s.entry(rec.Key)
		prev := *e
		*e = Entry{Key: rec.Key, Status: Status(ev), Reason: rec.Reason, Time: rec.Time, Resolved: rec.Resolved,
			Template: prev.Template, Language: prev.Language}
		if ev == string(StatusSending) && rec.Template != "" {
			e.Template, e.Language = s.intern(rec.Template), s.intern(rec.Language)
		}
		if e.Status != StatusAccepted {
			return nil
		}
		if rec.Resolved { // the operator says it went out: keep what is known of it
			e.RequestID, e.Delivery, e.DeliveryReason, e.Failure = prev.RequestID, prev.Delivery, prev.DeliveryReason, prev.Failure
			return nil
		}
		if rec.RequestID == "" {
			return errors.New(`"accepted" record without a request_id`)
		}
		e.RequestID = rec.RequestID
		s.byRequest[rec.RequestID] = rec.Key
		if cb, ok := s.orphans[rec.RequestID]; ok {
			delete(s.orphans, rec.RequestID)
			setDelivery(e, cb)
		}
	case string(DeliveryDelivered), string(DeliveryFailed):
		if rec.RequestID == "" {
			return fmt.Errorf("%q record without a request_id", ev)
		}
		key, ok := s.byRequest[rec.RequestID]
		if !ok {
			s.orphans[rec.RequestID] = rec
			return nil
		}
		if e := s.entries[key]; e.RequestID == rec.RequestID { // not an earlier send's late callback
			setDelivery(e, rec)
		}
	default:
		return fmt.Errorf("unknown event %q", ev)
	}
	return nil
}

// setDelivery records the callback cb on e.
func setDelivery(e *Entry, cb record) {
	e.Delivery, e.DeliveryReason, e.Failure, e.RetryAt = Delivery(cb.Event), cb.Reason, nil, time.Time{}
	if e.Delivery != DeliveryFailed {
		return
	}
	if cb.Class == "" { // an older journal: classify the reason again
		e.Failure = (&crispwa.CallbackEvent{Error: true, Reason: cb.Reason}).Failure()
	} else {
		e.Failure = &crispwa.Failure{Code: cb.Code, Class: crispwa.FailureClass(cb.Class), Message: cb.Reason,
			RetryAfter: time.Duration(cb.RetryAfterMS) * time.Millisecond}
	}
	if ActionFor(e.Failure) == ActionRetryLater {
		e.RetryAt = cb.Time.Add(RetryDelay(e.Failure))
	}
}

// intern returns s, shared with every equal string already interned: a
// million entries of one template hold one copy of its name.
func (s *state) intern(v string) string {
	if v == "" {
		return ""
	}
	if old, ok := s.strings[v]; ok {
		return old
	}
	s.strings[v] = v
	return v
}

// list returns a copy of every entry, in order of first appearance.
func (s *state) list() []Entry {
	out := make([]Entry, 0, len(s.order))
	for _, k := range s.order {
		out = append(out, *s.entries[k])
	}
	return out
}

// write appends rec to the file and applies it. With durable, it returns
// only once rec is on disk (unless WithoutFsync): concurrent durable writes
// share one fsync.
func (j *Journal) write(rec record, durable bool) error {
	rec.Time = time.Now().UTC()
	rec.Reason = truncate(rec.Reason, maxReason)
	line, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("bulk: encoding journal record: %w", err)
	}
	line = append(line, '\n')

	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.closed:
		return ErrJournalClosed
	case j.err != nil:
		return j.err
	}
	// One write per record: a crash can tear only the last line.
	if _, err := j.f.Write(line); err != nil {
		j.err = fmt.Errorf("bulk: writing journal %s: %w", j.path, err)
		return j.err
	}
	if err := j.apply(rec); err != nil {
		return err // cannot happen: records are built by this package
	}
	j.written++
	if rec.Event == string(DeliveryDelivered) || rec.Event == string(DeliveryFailed) {
		close(j.changed)
		j.changed = make(chan struct{})
	}
	if !durable || !j.fsync {
		return nil
	}
	return j.syncLocked(j.written)
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// syncLocked returns once the first seq records are on disk, or with the
// journal's failure. One goroutine at a time calls fsync, for every record
// written before it started; the others wait for it. A failed fsync fails
// the journal for good: no write or sync is tried after it. j.mu must be
// held.
func (j *Journal) syncLocked(seq uint64) error {
	for j.durable < seq {
		if j.err != nil {
			return j.err
		}
		if j.syncing {
			j.synced.Wait()
			continue
		}
		j.syncing = true
		target := j.written
		j.mu.Unlock()
		err := j.f.Sync()
		j.mu.Lock()
		j.syncing = false
		if err != nil && j.err == nil {
			j.err = fmt.Errorf("bulk: syncing journal %s: %w", j.path, err)
		} else if err == nil {
			j.durable = max(j.durable, target)
		}
		j.synced.Broadcast()
	}
	return nil
}

// Flush makes every record written so far durable (unless WithoutFsync).
func (j *Journal) Flush() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return ErrJournalClosed
	}
	if !j.fsync {
		return j.err
	}
	return j.syncLocked(j.written)
}

// Close flushes the journal, releases its lock and closes the file. It is
// idempotent. It returns the journal's write or sync failure, if it had one. Close does not wait for a Runner still running on the
// journal; its later writes fail with ErrJournalClosed.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil
	}
	// Closed first: from now on no record is written, so the sync below
	// covers every record there will be, and no writer waiting for it
	// starts a sync of its own on a file about to be closed.
	j.closed = true
	err := j.err // a journal that failed did not record everything: say so again
	if j.fsync && err == nil {
		err = j.syncLocked(j.written)
	}
	for j.syncing { // a failed journal may still have a sync running
		j.synced.Wait()
	}
	return errors.Join(err, j.unlock(), j.f.Close())
}

// Path returns the journal's file name, as given to OpenJournal.
func (j *Journal) Path() string { return j.path }

// Lookup returns what the journal knows about key.
func (j *Journal) Lookup(key string) (Entry, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	e, ok := j.entries[key]
	if !ok {
		return Entry{}, false
	}
	return *e, true
}

// Entries returns what the journal knows about every key, in the order the
// keys first appeared in it. The result is a copy.
func (j *Journal) Entries() []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.list()
}

// Resolve records what an operator found out, in Crisp, about a key's send:
// sent true marks it accepted (a re-run skips it), false marks it rejected
// (a re-run sends it again, without WithRetryUnknown). It is the way out of
// StatusUnknown one key at a time. The key must be in the journal (else an
// error wrapping ErrUnknownKey). It returns once the record is durable.
func (j *Journal) Resolve(key string, sent bool) error {
	if _, ok := j.Lookup(key); !ok {
		return fmt.Errorf("%w: %q", ErrUnknownKey, key)
	}
	return j.write(resolveRecord(key, sent), true)
}

// ResolveKeys is Resolve for many keys at once: every key must be in the
// journal (else nothing is recorded and the error wraps ErrUnknownKey,
// naming the first missing key), and the records are made durable with one
// fsync.
func (j *Journal) ResolveKeys(keys []string, sent bool) error {
	for _, k := range keys {
		if _, ok := j.Lookup(k); !ok {
			return fmt.Errorf("%w: %q", ErrUnknownKey, k)
		}
	}
	for _, k := range keys {
		if err := j.write(resolveRecord(k, sent), false); err != nil {
			return err
		}
	}
	return j.Flush()
}

// ResolveUnknown resolves every key whose outcome is unknown
// (StatusUnknown) as sent or not, like Resolve, and returns those keys in
// journal order. Use it once you know what became of all of them (for
// example, none reached Crisp because its host was down).
func (j *Journal) ResolveUnknown(sent bool) ([]string, error) {
	var keys []string
	j.mu.Lock()
	for _, k := range j.order {
		if j.entries[k].Status == StatusUnknown {
			keys = append(keys, k)
		}
	}
	j.mu.Unlock()
	if err := j.ResolveKeys(keys, sent); err != nil {
		return nil, err
	}
	return keys, nil
}

// resolveRecord is the record of an operator's Resolve.
func resolveRecord(key string, sent bool) record {
	rec := record{Event: string(StatusRejected), Key: key, Resolved: true, Reason: "marked not sent by the operator"}
	if sent {
		rec.Event, rec.Reason = string(StatusAccepted), "marked sent by the operator"
	}
	return rec
}

// RecordCallback records a callback's outcome (delivered, or failed with
// Crisp's reason and its crispwa.Failure classification) against the key whose send got its request_id. Its
// signature is callback.HandlerFunc's: give it to callback.NewHandler, alone
// or called from your own handler. It returns once the record is durable,
// so that a callback acknowledged to Crisp is not lost. A callback may come
// before the send's "accepted" record (Crisp can be that fast); it is kept
// and matched when that record comes. Callbacks of request IDs the journal
// never sees are written but count for no key.
func (j *Journal) RecordCallback(_ context.Context, ev *crispwa.CallbackEvent) error {
	if ev == nil || ev.RequestID == "" {
		return fmt.Errorf("bulk: callback without a request_id")
	}
	rec := record{Event: string(DeliveryDelivered), RequestID: ev.RequestID}
	if !ev.Succeeded() {
		rec.Event, rec.Reason = string(DeliveryFailed), ev.Reason
		if f := ev.Failure(); f != nil {
			rec.Code, rec.Class, rec.RetryAfterMS = f.Code, string(f.Class), f.RetryAfter.Milliseconds()
		}
	}
	j.mu.Lock()
	rec.Key = j.byRequest[ev.RequestID]
	j.mu.Unlock()
	return j.write(rec, true)
}

// changes returns a channel closed at the next recorded callback.
func (j *Journal) changes() <-chan struct{} {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.changed
}

// acquire marks the journal as used by a run; release ends it.
func (j *Journal) acquire() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.closed:
		return ErrJournalClosed
	case j.inUse:
		return fmt.Errorf("%w: %s (another Run in this process)", ErrJournalLocked, j.path)
	}
	j.inUse = true
	return nil
}

func (j *Journal) release() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.inUse = false
}

// syncDir fsyncs a directory so that a file just created in it survives a
// crash. Best effort: some systems cannot sync directories.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
