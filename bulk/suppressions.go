package bulk

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crispwa/crispwa"
)

// Suppressions is a list of phone numbers a campaign never sends to: the
// people who opted out, and the numbers WhatsApp said cannot or will not
// receive the message (crispwa.FailureRecipient). A Runner given one
// (WithSuppressions) consults it before every send and adds to it every
// recipient-class failure it sees, so that the next campaign does not send
// to them again.
//
// Numbers are keys in canonical E.164 form, as crispwa.NormalizePhone
// returns them ("+33612345678"); the Runner normalises before every call.
// Implementations: NewMemorySuppressions, OpenSuppressionFile, and
// redisstore's (*Store).Suppressions; every method must be safe for
// concurrent use and honour ctx.
type Suppressions interface {
	// Contains reports whether number is on the list.
	Contains(ctx context.Context, number string) (bool, error)
	// Add puts number on the list, with a reason kept beside it (for
	// example "recipient (#131050): stopped marketing messages"). Adding a
	// number already there is not an error.
	Add(ctx context.Context, number, reason string) error
	// Remove takes number off the list. Removing a number not there is not
	// an error.
	Remove(ctx context.Context, number string) error
	// List returns every number on the list, sorted by number.
	List(ctx context.Context) ([]Suppression, error)
}

// Suppression is one number of a Suppressions list.
type Suppression struct {
	Number string    // canonical E.164
	Reason string    // why it is there, when known
	Time   time.Time // when it was added, when known
}

// ErrSuppressionsCorrupt reports a suppression file line that is neither a
// comment, nor blank, nor a phone number.
var ErrSuppressionsCorrupt = errors.New("bulk: suppression file has a line that is not a phone number")

// maxSuppressionLine caps a suppression file's line: a number and a short
// reason fit in far less.
const maxSuppressionLine = 4 << 10

// maxSuppressionReason caps the reason kept beside a number.
const maxSuppressionReason = 256

// MemorySuppressions is a Suppressions list in memory, for tests and for
// programs that load their list from elsewhere. The zero value is not
// usable: create it with NewMemorySuppressions.
type MemorySuppressions struct {
	mu   sync.Mutex
	list map[string]Suppression
}

// NewMemorySuppressions returns an empty list in memory.
func NewMemorySuppressions() *MemorySuppressions {
	return &MemorySuppressions{list: map[string]Suppression{}}
}

// Contains implements Suppressions.
func (m *MemorySuppressions) Contains(_ context.Context, number string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.list[number]
	return ok, nil
}

// Add implements Suppressions.
func (m *MemorySuppressions) Add(_ context.Context, number, reason string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.list[number]; !ok {
		m.list[number] = Suppression{Number: number, Reason: truncate(reason, maxSuppressionReason), Time: time.Now().UTC()}
	}
	return nil
}

// Remove implements Suppressions.
func (m *MemorySuppressions) Remove(_ context.Context, number string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.list, number)
	return nil
}

// List implements Suppressions.
func (m *MemorySuppressions) List(context.Context) ([]Suppression, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Suppression, 0, len(m.list))
	for _, s := range m.list {
		out = append(out, s)
	}
	sortSuppressions(out)
	return out, nil
}

func sortSuppressions(s []Suppression) {
	slices.SortFunc(s, func(a, b Suppression) int { return strings.Compare(a.Number, b.Number) })
}

// SuppressionFile is a Suppressions list in a text file: one number a line,
// in any spelling crispwa.NormalizePhone reads ("+33 6 12 34 56 78",
// "0033612345678", or a national number with the file's default region);
// blank lines, lines starting with '#', and text after the number (from a
// '#', or from the first word starting with a letter) are ignored. Add
// appends "+E164 # time reason" and fsyncs it; several processes may append
// to one file at once. Remove rewrites the file without the number (its
// comments kept), atomically. Every call sees what other processes wrote
// since: the file is read again when it grew or was replaced.
type SuppressionFile struct {
	path   string
	region string

	mu     sync.Mutex
	list   map[string]Suppression
	offset int64       // bytes of the file read into list
	file   os.FileInfo // the file read, to notice it was replaced
}

// OpenSuppressionFile opens the suppression list at path, creating the
// file (mode 0600) when it does not exist, and reads it. defaultRegion
// (ISO 3166 alpha-2, e.g. "FR", or "") reads national numbers. A line that
// is not a number is an error wrapping ErrSuppressionsCorrupt naming the
// line: a list that cannot be read fully could let a message reach someone
// who opted out.
func OpenSuppressionFile(path, defaultRegion string) (*SuppressionFile, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("bulk: opening suppression file: %w", err)
	}
	_ = f.Close()
	s := &SuppressionFile{path: path, region: defaultRegion}
	if err := s.refreshLocked(); err != nil {
		return nil, err
	}
	return s, nil
}

// Path returns the file's name, as given to OpenSuppressionFile.
func (s *SuppressionFile) Path() string { return s.path }

// Contains implements Suppressions.
func (s *SuppressionFile) Contains(_ context.Context, number string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.refreshLocked(); err != nil {
		return false, err
	}
	_, ok := s.list[number]
	return ok, nil
}

// Add implements Suppressions: it appends the number with the time and
// reason, and returns once the line is on disk.
func (s *SuppressionFile) Add(_ context.Context, number, reason string) error {
	canon, err := crispwa.NormalizePhone(number, s.region)
	if err != nil {
		return fmt.Errorf("bulk: suppressing %q: %w", number, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.refreshLocked(); err != nil {
		return err
	}
	if _, ok := s.list[canon]; ok {
		return nil
	}
	now := time.Now().UTC()
	reason = oneLine(truncate(reason, maxSuppressionReason))
	line := canon + " # " + now.Format(time.RFC3339)
	if reason != "" {
		line += " " + reason
	}
	line += "\n"
	err = s.withFileLock(func(f *os.File) error {
		if _, err := f.Write([]byte(line)); err != nil { // one write: O_APPEND keeps concurrent lines whole
			return err
		}
		return f.Sync()
	})
	if err != nil {
		return fmt.Errorf("bulk: appending to suppression file %s: %w", s.path, err)
	}
	// The next refresh reads the line back; record it now for this process.
	s.list[canon] = Suppression{Number: canon, Reason: reason, Time: now}
	return nil
}

// Remove implements Suppressions: it rewrites the file without the lines
// naming number, through a temporary file renamed over it.
func (s *SuppressionFile) Remove(_ context.Context, number string) error {
	canon, err := crispwa.NormalizePhone(number, s.region)
	if err != nil {
		return fmt.Errorf("bulk: unsuppressing %q: %w", number, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	err = s.withFileLock(func(f *os.File) error {
		data, err := io.ReadAll(f)
		if err != nil {
			return err
		}
		var out bytes.Buffer
		for line := range bytes.Lines(data) {
			if sup, ok, _ := s.parseLine(line); ok && sup.Number == canon {
				continue
			}
			out.Write(line)
		}
		tmp, err := os.CreateTemp(filepath.Dir(s.path), ".suppressions-*")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		if _, err := tmp.Write(out.Bytes()); err != nil {
			_ = tmp.Close()
			return err
		}
		if err := tmp.Chmod(0o600); err != nil {
			_ = tmp.Close()
			return err
		}
		if err := tmp.Sync(); err != nil {
			_ = tmp.Close()
			return err
		}
		if err := tmp.Close(); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), s.path); err != nil {
			return err
		}
		syncDir(filepath.Dir(s.path))
		return nil
	})
	if err != nil {
		return fmt.Errorf("bulk: removing from suppression file %s: %w", s.path, err)
	}
	s.list, s.offset = nil, 0 // read the new file from the start
	return s.refreshLocked()
}

// List implements Suppressions.
func (s *SuppressionFile) List(context.Context) ([]Suppression, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.refreshLocked(); err != nil {
		return nil, err
	}
	out := make([]Suppression, 0, len(s.list))
	for _, v := range s.list {
		out = append(out, v)
	}
	sortSuppressions(out)
	return out, nil
}

// withFileLock runs f on the file opened for appending, under an exclusive
// lock that other processes' Add and Remove wait for.
func (s *SuppressionFile) withFileLock(fn func(*os.File) error) error {
	f, err := os.OpenFile(s.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	unlock, err := lockFileWait(f)
	if err != nil {
		return err
	}
	defer func() { _ = unlock() }()
	return fn(f)
}

// refreshLocked reads what was appended to the file since the last read, or
// all of it when it was replaced or shrank. s.mu must be held.
func (s *SuppressionFile) refreshLocked() error {
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("bulk: reading suppression file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("bulk: reading suppression file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return notRegular(s.path, st.Mode())
	}
	if s.list == nil || s.file == nil || !os.SameFile(s.file, st) || st.Size() < s.offset {
		s.list, s.offset = map[string]Suppression{}, 0
	}
	s.file = st
	if st.Size() == s.offset {
		return nil
	}
	if _, err := f.Seek(s.offset, io.SeekStart); err != nil {
		return fmt.Errorf("bulk: reading suppression file: %w", err)
	}
	br := bufio.NewReaderSize(f, maxSuppressionLine)
	lineNo := 0
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return fmt.Errorf("%w: %s: a line longer than %d bytes", ErrSuppressionsCorrupt, s.path, maxSuppressionLine)
		}
		if len(line) > 0 && line[len(line)-1] != '\n' {
			break // an append in progress (or a last line without newline): read it next time whole
		}
		lineNo++
		if len(line) > 0 {
			sup, ok, perr := s.parseLine(line)
			if perr != nil {
				return fmt.Errorf("%w: %s: %q: %v", ErrSuppressionsCorrupt, s.path, clip(string(line), 80), perr)
			}
			if ok {
				if _, dup := s.list[sup.Number]; !dup {
					s.list[sup.Number] = sup
				}
			}
			s.offset += int64(len(line))
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return fmt.Errorf("bulk: reading suppression file: %w", err)
		}
	}
	// A last line without its newline, written by hand: take it too (it
	// is read again, harmlessly, when the file grows).
	return s.readUnterminatedTail(f)
}

// readUnterminatedTail reads a last line that has no newline (a file
// edited by hand) without moving the offset past it.
func (s *SuppressionFile) readUnterminatedTail(f *os.File) error {
	if _, err := f.Seek(s.offset, io.SeekStart); err != nil {
		return fmt.Errorf("bulk: reading suppression file: %w", err)
	}
	rest, err := io.ReadAll(io.LimitReader(f, maxSuppressionLine+1))
	if err != nil {
		return fmt.Errorf("bulk: reading suppression file: %w", err)
	}
	if len(rest) == 0 || bytes.IndexByte(rest, '\n') >= 0 {
		return nil
	}
	if len(rest) > maxSuppressionLine {
		return fmt.Errorf("%w: %s: a line longer than %d bytes", ErrSuppressionsCorrupt, s.path, maxSuppressionLine)
	}
	sup, ok, perr := s.parseLine(rest)
	if perr != nil {
		return fmt.Errorf("%w: %s: %q: %v", ErrSuppressionsCorrupt, s.path, clip(string(rest), 80), perr)
	}
	if ok {
		if _, dup := s.list[sup.Number]; !dup {
			s.list[sup.Number] = sup
		}
	}
	return nil
}

// parseLine reads one line: ok false for a blank or comment line. The text
// after the number is the reason; a leading RFC 3339 time in it (as Add
// writes) is the time the number was added.
func (s *SuppressionFile) parseLine(line []byte) (sup Suppression, ok bool, err error) {
	text := strings.TrimSpace(string(line))
	if text == "" || text[0] == '#' {
		return Suppression{}, false, nil
	}
	num, rest := text, ""
	if i := strings.IndexFunc(text, func(r rune) bool {
		return r == '#' || r == '\t' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
	}); i >= 0 {
		num, rest = text[:i], text[i:]
	}
	num = strings.TrimSpace(num)
	canon, nerr := crispwa.NormalizePhone(num, s.region)
	if nerr != nil {
		// "+33612345678 2026-01-02": the number is the first field.
		first, after, _ := strings.Cut(num, " ")
		if canon, err = crispwa.NormalizePhone(first, s.region); err != nil {
			return Suppression{}, false, nerr
		}
		rest = strings.TrimSpace(after + " " + rest)
	}
	sup = Suppression{Number: canon, Reason: strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), "#"))}
	if stamp, reason, _ := strings.Cut(sup.Reason, " "); len(stamp) >= len("2006-01-02T15:04:05Z") {
		if t, err := time.Parse(time.RFC3339, stamp); err == nil {
			sup.Time, sup.Reason = t.UTC(), strings.TrimSpace(reason)
		}
	}
	return sup, true, nil
}

// oneLine replaces line breaks so that a reason stays on its number's line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

// clip cuts s to n bytes for an error message.
func clip(s string, n int) string { return truncate(strings.TrimRight(s, "\r\n"), n) }
