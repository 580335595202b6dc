package crispwaotel

import (
	"context"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"go.opentelemetry.io/otel/trace"
)

// SpanStore keeps a short value per request_id for a while: a send's span
// context, for the span of its callback to link to (WithSpanStore). It is a
// small key-value store with a time to live; *redisstore.Store implements it
// on Redis for several replicas, and NewMemorySpanStore in one process.
// Methods must be safe for concurrent use and honour ctx.
type SpanStore interface {
	// PutSpan keeps value under requestID for ttl, replacing any earlier
	// value.
	PutSpan(ctx context.Context, requestID, value string, ttl time.Duration) error
	// GetSpan returns the value kept under requestID; "" and no error
	// when there is none (never kept, or expired).
	GetSpan(ctx context.Context, requestID string) (string, error)
}

// SpanSwapper is a SpanStore that can also replace a value and read the
// one it replaced in one step. With one, a callback that arrives before
// Send returned (Crisp can be that fast) is still linked: the callback,
// not finding the send's span context, leaves its own (AddSpan); the send
// then replaces it with its own (SwapSpan) and links its span to the
// callback's. Without one, such a callback's span has no link.
// *redisstore.Store and NewMemorySpanStore's store implement it.
type SpanSwapper interface {
	SpanStore
	// SwapSpan keeps value under requestID for ttl, replacing any earlier
	// value, and returns the value it replaced ("" when none).
	SwapSpan(ctx context.Context, requestID, value string, ttl time.Duration) (previous string, err error)
	// AddSpan keeps value under requestID for ttl unless a value is kept
	// there already, and returns that value ("" when value was kept).
	AddSpan(ctx context.Context, requestID, value string, ttl time.Duration) (existing string, err error)
}

// DefaultMemorySpans is the capacity of a memory SpanStore unless
// NewMemorySpanStore is given another.
const DefaultMemorySpans = 100_000

// NewMemorySpanStore returns a SpanStore in memory for one process: the
// values of the capacity most recent request_ids (DefaultMemorySpans when
// capacity < 1), each until its TTL. It starts no goroutine.
func NewMemorySpanStore(capacity int) SpanStore {
	if capacity < 1 {
		capacity = DefaultMemorySpans
	}
	lru, _ := simplelru.NewLRU[string, memSpan](capacity, nil) // capacity >= 1
	return &memSpans{lru: lru}
}

type memSpans struct {
	mu  sync.Mutex
	lru *simplelru.LRU[string, memSpan]
}

type memSpan struct {
	value   string
	expires time.Time
}

func (m *memSpans) PutSpan(_ context.Context, id, value string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lru.Add(id, memSpan{value: value, expires: time.Now().Add(ttl)})
	return nil
}

func (m *memSpans) GetSpan(_ context.Context, id string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.get(id, time.Now()), nil
}

func (m *memSpans) SwapSpan(_ context.Context, id, value string, ttl time.Duration) (string, error) {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.get(id, now)
	m.lru.Add(id, memSpan{value: value, expires: now.Add(ttl)})
	return old, nil
}

func (m *memSpans) AddSpan(_ context.Context, id, value string, ttl time.Duration) (string, error) {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if old := m.get(id, now); old != "" {
		return old, nil
	}
	m.lru.Add(id, memSpan{value: value, expires: now.Add(ttl)})
	return "", nil
}

// get returns id's value unless it expired by now; m.mu is held.
func (m *memSpans) get(id string, now time.Time) string {
	s, ok := m.lru.Get(id)
	if !ok {
		return ""
	}
	if now.After(s.expires) {
		m.lru.Remove(id)
		return ""
	}
	return s.value
}

// maxSpanValue caps a value read from the store: it is untrusted input.
const maxSpanValue = 128

// encodeSpan is what a send keeps: its span context in the W3C traceparent
// form, and when it was accepted (Unix nanoseconds).
func encodeSpan(sc trace.SpanContext, accepted time.Time) string {
	b := make([]byte, 0, 76)
	b = appendTraceparent(b, sc)
	b = append(b, ' ')
	return string(strconv.AppendInt(b, accepted.UnixNano(), 10))
}

// callbackMark starts what a callback that came before its send keeps.
const callbackMark = "c "

// encodeCallbackSpan is what a callback keeps when it came before its send:
// its span context, marked as a callback's (decodeSpan refuses it).
func encodeCallbackSpan(sc trace.SpanContext) string {
	b := make([]byte, 0, 57)
	b = append(b, callbackMark...)
	return string(appendTraceparent(b, sc))
}

// appendTraceparent appends sc in the W3C traceparent form.
func appendTraceparent(b []byte, sc trace.SpanContext) []byte {
	tid, sid := sc.TraceID(), sc.SpanID()
	b = append(b, "00-"...)
	b = hex.AppendEncode(b, tid[:])
	b = append(b, '-')
	b = hex.AppendEncode(b, sid[:])
	b = append(b, '-')
	return hex.AppendEncode(b, []byte{byte(sc.TraceFlags())})
}

// decodeSpan reads encodeSpan's value; ok is false when it is malformed
// (or a callback's).
func decodeSpan(v string) (sc trace.SpanContext, accepted time.Time, ok bool) {
	if len(v) > maxSpanValue {
		return sc, accepted, false
	}
	tp, at, _ := strings.Cut(v, " ")
	if sc, ok = parseTraceparent(tp); !ok {
		return sc, accepted, false
	}
	if ns, err := strconv.ParseInt(at, 10, 64); err == nil && ns > 0 {
		accepted = time.Unix(0, ns)
	}
	return sc, accepted, true
}

// decodeCallbackSpan reads encodeCallbackSpan's value; ok is false when v
// is not one.
func decodeCallbackSpan(v string) (trace.SpanContext, bool) {
	tp, found := strings.CutPrefix(v, callbackMark)
	if !found || len(v) > maxSpanValue {
		return trace.SpanContext{}, false
	}
	return parseTraceparent(tp)
}

// parseTraceparent reads a W3C traceparent (version 00).
func parseTraceparent(tp string) (sc trace.SpanContext, ok bool) {
	parts := strings.Split(tp, "-")
	if len(parts) != 4 || parts[0] != "00" || len(parts[3]) != 2 {
		return sc, false
	}
	tid, err1 := trace.TraceIDFromHex(parts[1])
	sid, err2 := trace.SpanIDFromHex(parts[2])
	flags, err3 := strconv.ParseUint(parts[3], 16, 8)
	if err1 != nil || err2 != nil || err3 != nil {
		return sc, false
	}
	sc = trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.TraceFlags(flags), Remote: true})
	return sc, sc.IsValid()
}
