package crispwaotel

import (
	"context"
	"fmt"
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
	s, ok := m.lru.Get(id)
	if !ok {
		return "", nil
	}
	if time.Now().After(s.expires) {
		m.lru.Remove(id)
		return "", nil
	}
	return s.value, nil
}

// maxSpanValue caps a value read from the store: it is untrusted input.
const maxSpanValue = 128

// encodeSpan is what a send keeps: its span context in the W3C traceparent
// form, and when it was accepted (Unix nanoseconds).
func encodeSpan(sc trace.SpanContext, accepted time.Time) string {
	return fmt.Sprintf("00-%s-%s-%s %d", sc.TraceID(), sc.SpanID(), sc.TraceFlags(), accepted.UnixNano())
}

// decodeSpan reads encodeSpan's value; ok is false when it is malformed.
func decodeSpan(v string) (sc trace.SpanContext, accepted time.Time, ok bool) {
	if len(v) > maxSpanValue {
		return sc, accepted, false
	}
	tp, at, _ := strings.Cut(v, " ")
	parts := strings.Split(tp, "-")
	if len(parts) != 4 || parts[0] != "00" || len(parts[3]) != 2 {
		return sc, accepted, false
	}
	tid, err1 := trace.TraceIDFromHex(parts[1])
	sid, err2 := trace.SpanIDFromHex(parts[2])
	flags, err3 := strconv.ParseUint(parts[3], 16, 8)
	if err1 != nil || err2 != nil || err3 != nil {
		return sc, accepted, false
	}
	sc = trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.TraceFlags(flags), Remote: true})
	if !sc.IsValid() {
		return sc, accepted, false
	}
	if ns, err := strconv.ParseInt(at, 10, 64); err == nil && ns > 0 {
		accepted = time.Unix(0, ns)
	}
	return sc, accepted, true
}
