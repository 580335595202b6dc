package bulk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
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
	// Template and Language name the template of the key's last send, and
	// To its recipient in canonical form (empty in journals written before
	// they were kept).
	Template, Language, To string
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
	To       string `json:"to,omitempty"` // canonical E.164
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
	// observer is told of each callback recorded (see observe).
	observer func(e Entry, first bool)
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
	if _, err := s.read(f, path, st.Size()); err != nil {
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
	var size int64
	if st, err := j.f.Stat(); err == nil {
		size = st.Size()
	}
	keep, err := j.state.read(j.f, j.path, size)
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

// write appends rec to the file and applies it. With durable, it returns
// only once rec is on disk (unless WithoutFsync): concurrent durable writes
// share one fsync (group commit), each written before the fsync starts
// being covered by it.
func (j *Journal) write(rec record, durable bool) error {
	rec.Time = time.Now().UTC()
	rec.Reason = truncate(rec.Reason, maxReason)
	line, ok := appendRecord(make([]byte, 0, 256), &rec)
	var err error
	if !ok {
		if line, err = json.Marshal(rec); err != nil {
			return fmt.Errorf("bulk: encoding journal record: %w", err)
		}
	}
	line = append(line, '\n')
	if len(line) >= MaxJournalLine { // it could not be read back
		return fmt.Errorf("bulk: journal record of %d bytes, longer than %d: not written", len(line), MaxJournalLine)
	}
	// The memory is what the file says: the line written is the line
	// applied, read as OpenJournal reads it.
	var f fields
	if err := decodeRecord(line, &f); err != nil {
		return fmt.Errorf("bulk: encoding journal record: %w", err) // cannot happen
	}

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
	var notify []Entry
	var firsts []bool
	if j.observer != nil {
		j.delivered = func(i int32, first bool) {
			notify, firsts = append(notify, j.export(j.at(i))), append(firsts, first)
		}
	}
	err = j.apply(&f)
	j.delivered = nil
	if err != nil {
		return err // cannot happen: records are built by this package
	}
	j.written++
	if durable && j.fsync {
		err = j.syncLocked(j.written)
	}
	if obs := j.observer; len(notify) > 0 {
		// Told outside the lock, in the order of the records: the observer
		// may use the journal.
		j.mu.Unlock()
		for k, e := range notify {
			obs(e, firsts[k])
		}
		j.mu.Lock()
	}
	if f.event == evDelivered || f.event == evFailed || len(notify) > 0 {
		close(j.changed) // after the observer: a waiter sees what it did
		j.changed = make(chan struct{})
	}
	return err
}

// appendRecord appends rec to b as json.Marshal writes it, without its
// reflection, and reports whether it could: a string json.Marshal would
// escape or check (a quote, a backslash, a control byte, <, > or &, a byte
// of 0x80 or more) and a time outside years 0-9999 are left to
// json.Marshal.
func appendRecord(b []byte, rec *record) ([]byte, bool) {
	if y := rec.Time.Year(); y < 0 || y > 9999 {
		return b, false
	}
	b = append(b, `{"time":"`...)
	b = rec.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	ok := true
	str := func(name, v string) {
		if v == "" {
			return
		}
		for i := range len(v) {
			if c := v[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				ok = false
				return
			}
		}
		b = append(b, `,"`...)
		b = append(b, name...)
		b = append(b, `":"`...)
		b = append(b, v...)
		b = append(b, '"')
	}
	num := func(name string, v int64) {
		if v != 0 {
			b = append(b, `,"`...)
			b = append(b, name...)
			b = append(b, `":`...)
			b = strconv.AppendInt(b, v, 10)
		}
	}
	if rec.Event == "" { // not omitted
		b = append(b, `,"event":""`...)
	}
	str("event", rec.Event)
	str("key", rec.Key)
	str("request_id", rec.RequestID)
	num("http_status", int64(rec.HTTP))
	str("reason", rec.Reason)
	if rec.Resolved {
		b = append(b, `,"resolved":true`...)
	}
	num("code", int64(rec.Code))
	str("class", rec.Class)
	num("retry_after_ms", rec.RetryAfterMS)
	str("template", rec.Template)
	str("language", rec.Language)
	str("to", rec.To)
	return append(b, '}'), ok
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
// journal's failure. One goroutine at a time syncs the file, for every
// record written before it started; the others wait for it, and the first
// of them to wake syncs the records written meanwhile, all at once (group
// commit). A failed sync fails the journal for good: no write or sync is
// tried after it. j.mu must be held.
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
		err := syncData(j.f)
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
	e := j.lookup(key)
	if e == nil {
		return Entry{}, false
	}
	return j.export(e), true
}

// peek is Lookup for the runner's validation pass: only what it needs,
// without copying the entry's reasons and failure, and without allocating,
// with the entry's position in the journal (-1: key has none). near is a
// position to look at first: a campaign resumed in the order its journal
// recorded it finds each key right after the one before, without a look
// in the index.
func (j *Journal) peek(key string, near int32) (Entry, int32) {
	j.mu.Lock()
	defer j.mu.Unlock()
	i, ok := j.position(key, near)
	if !ok {
		return Entry{}, -1
	}
	e := j.at(i)
	out := Entry{Key: j.strs.string(e.key), Status: Status(eventNames[e.status]), To: j.strs.string(e.to)}
	if e.extra != 0 {
		out.RetryAt = unixTime(j.extras[e.extra-1].retryAt)
	}
	return out, i
}

// forEach calls f with every entry and its position, in order, under the
// journal's lock, without its RequestID (which may cost an allocation to
// export).
func (j *Journal) forEach(f func(pos int32, e Entry)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for i := range j.n {
		e := *j.at(int32(i))
		e.requestID = 0
		f(int32(i), j.export(&e))
	}
}

// observe makes the journal tell f of every callback it records, with the
// entry as it now is and whether it had no callback before, until the
// returned function is called. One observer at a time: the Runner's.
func (j *Journal) observe(f func(e Entry, first bool)) (detach func()) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.observer = f
	return func() {
		j.mu.Lock()
		defer j.mu.Unlock()
		j.observer = nil
	}
}

// Entries returns what the journal knows about every key, in the order the
// keys first appeared in it. The result is a copy.
func (j *Journal) Entries() []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.list()
}

// entries returns how many recipients the journal holds.
func (j *Journal) entries() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.n
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
	for i := range j.n {
		if e := j.at(int32(i)); e.status == evUnknown {
			keys = append(keys, j.strs.string(e.key))
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
	rec.Key = j.requestKey(ev.RequestID)
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
