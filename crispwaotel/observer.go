package crispwaotel

import (
	"context"
	"crypto/tls"
	"errors"
	"maps"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
	"github.com/crispwa/crispwa/callback"
)

// ScopeName is the instrumentation scope of the spans and metrics.
const ScopeName = "github.com/crispwa/crispwa/crispwaotel"

// storeTimeout bounds each SpanStore call: a slow store must not hold a
// send's return or a callback's answer.
const storeTimeout = 500 * time.Millisecond

// ClientOption returns a crispwa.Option that traces and measures a Client's
// calls (see the package documentation).
func ClientOption(opts ...Option) crispwa.Option {
	return crispwa.WithObserver(NewObserver(opts...))
}

// HandlerOption returns a callback.Option that traces and measures the
// deliveries a callback.Handler answers.
func HandlerOption(opts ...Option) callback.Option {
	return callback.WithObserver(NewObserver(opts...))
}

// TrackerOption returns a callback.TrackerOption that traces and measures
// a Tracker's waits: a span per Wait ("crispwa.callback.wait") and the
// crispwa.callback.wait.duration metric, by result (delivered, failed,
// timeout, error).
func TrackerOption(opts ...Option) callback.TrackerOption {
	return callback.WithTrackerObserver(NewObserver(opts...))
}

// BulkOption returns a bulk.Option that measures a Runner's outcomes
// (crispwa.bulk.outcomes, crispwa.bulk.unknown). Its sends are traced by the
// Client's own ClientOption.
func BulkOption(opts ...Option) bulk.Option {
	return bulk.WithObserver(NewObserver(opts...))
}

// NewObserver returns the crispwa.Observer behind ClientOption,
// HandlerOption and BulkOption, for anything else that takes one (a
// campaign engine, or several of the above sharing one set of
// instruments).
//
// OpenTelemetry's no-op providers (packages trace/noop and metric/noop)
// are recognised here: with a no-op tracer provider no span is started
// (metrics only), and with both no-op the Observer has no hook at all, so
// that what it is given to costs what it does unobserved.
func NewObserver(opts ...Option) *crispwa.Observer {
	cfg := config{spanTTL: DefaultSpanTTL}
	for _, o := range opts {
		if o != nil {
			o.apply(&cfg)
		}
	}
	if cfg.tp == nil {
		cfg.tp = otel.GetTracerProvider()
	}
	if cfg.mp == nil {
		cfg.mp = otel.GetMeterProvider()
	}
	t := &telemetry{cfg: cfg, tracer: cfg.tp.Tracer(ScopeName, trace.WithInstrumentationVersion(crispwa.Version)),
		tracing: !noopTracing(cfg.tp)}
	t.instruments(cfg.mp.Meter(ScopeName, metric.WithInstrumentationVersion(crispwa.Version)))
	t.sets()
	t.attrs.New = func() any { s := make([]attribute.KeyValue, 0, 8); return &s }
	o := &crispwa.Observer{}
	if t.tracing || !noopMetrics(cfg.mp) {
		// With no-op providers on both sides, no hook at all: the Client,
		// Handler and Tracker then do what they do unobserved.
		o.SendDone, o.AttemptDone, o.Retry = t.sendDone, t.attemptDone, t.retry
		o.CallbackDone, o.WaitDone, o.CampaignOutcome = t.callbackDone, t.waitDone, t.campaignOutcome
		if t.tracing || cfg.spans != nil {
			o.CallbackStart = t.callbackStart // the delay metric needs the store
		}
	}
	if t.tracing {
		o.SendStart, o.AttemptStart, o.WaitStart = t.sendStart, t.attemptStart, t.waitStart
	}
	if cfg.prop != nil {
		o.RequestHeader = func(ctx context.Context, h http.Header) { cfg.prop.Inject(ctx, propagation.HeaderCarrier(h)) }
	}
	return o
}

// noopTracing reports whether tp is OpenTelemetry's no-op tracer provider:
// then no span is ever started, nor any context made for one.
func noopTracing(tp trace.TracerProvider) bool {
	switch tp.(type) {
	case tracenoop.TracerProvider, *tracenoop.TracerProvider:
		return true
	}
	return false
}

// noopMetrics reports whether mp is OpenTelemetry's no-op meter provider.
func noopMetrics(mp metric.MeterProvider) bool {
	switch mp.(type) {
	case metricnoop.MeterProvider, *metricnoop.MeterProvider:
		return true
	}
	return false
}

// telemetry turns the Observer's events into spans and metrics.
type telemetry struct {
	cfg    config
	tracer trace.Tracer
	// tracing is false with a no-op tracer provider: the Start hooks are
	// not set, and the Done hooks leave the context's span (the caller's)
	// alone.
	tracing bool
	// attrs pools the []attribute.KeyValue a span's attributes are set
	// from (the SDK copies them).
	attrs sync.Pool

	sends        metric.Int64Counter
	sendDuration metric.Float64Histogram
	retries      metric.Int64Counter
	rateWait     metric.Float64Histogram
	httpDuration metric.Float64Histogram
	deliveries   metric.Int64Counter
	delay        metric.Float64Histogram
	waitDuration metric.Float64Histogram
	bulkOutcomes metric.Int64Counter
	bulkUnknown  metric.Int64UpDownCounter

	// Attribute sets and span options built once, so that recording
	// allocates as little as it can on the common paths.
	byOutcome        map[crispwa.SendOutcome]attrSet
	byReason         map[crispwa.RetryReason]attrSet
	byResult         map[crispwa.CallbackResult]attrSet
	byWait           map[crispwa.WaitResult]attrSet
	failedSends      cache[failedKey, attrSet] // outcome, error.type
	failedDeliveries cache[failedKey, attrSet] // result, failure.class
	attempts         cache[attemptKey, attrSet]
	names            cache[nameKey, string] // attempt span names

	sendOpts, attemptOpts, callbackOpts []trace.SpanStartOption
}

// attemptKey is what an attempt's metric attributes are made of.
type attemptKey struct {
	method, template, server string
	port, status             int
	errorType                string
}

// nameKey is what an attempt span's name is made of.
type nameKey struct{ method, template string }

// failedKey is the attributes of a failed send (outcome, error.type) or of
// a delivery of a failed send (result, failure.class).
type failedKey struct{ a, b string }

// cache keeps a few values built from their key, read without a lock: the
// map is replaced, never written, once published. Keys are few (two URL
// templates, a handful of statuses and error types); beyond maxCached,
// values are built per use.
type cache[K comparable, V any] struct {
	m  atomic.Pointer[map[K]V]
	mu sync.Mutex
}

// maxCached bounds each cache.
const maxCached = 256

func (c *cache[K, V]) get(k K, build func(K) V) V {
	if m := c.m.Load(); m != nil {
		if v, ok := (*m)[k]; ok {
			return v
		}
	}
	v := build(k)
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	if old != nil && len(*old) >= maxCached {
		return v
	}
	m := make(map[K]V, 1+lenOf(old))
	if old != nil {
		maps.Copy(m, *old)
	}
	m[k] = v
	c.m.Store(&m)
	return v
}

func lenOf[K comparable, V any](m *map[K]V) int {
	if m == nil {
		return 0
	}
	return len(*m)
}

// attrSet is one attribute set, as the options of an Add and of a Record:
// slices built once, so that passing them allocates nothing.
type attrSet struct {
	add []metric.AddOption
	rec []metric.RecordOption
}

func newAttrSet(kvs ...attribute.KeyValue) attrSet {
	o := metric.WithAttributeSet(attribute.NewSet(kvs...))
	return attrSet{add: []metric.AddOption{o}, rec: []metric.RecordOption{o}}
}

func attemptSet(k attemptKey) attrSet {
	attrs := make([]attribute.KeyValue, 0, 6)
	attrs = append(attrs, keyMethod.String(k.method), keyServer.String(k.server), keyPort.Int(k.port), keyURLTemplate.String(k.template))
	if k.status != 0 {
		attrs = append(attrs, keyStatus.Int(k.status))
	}
	if k.errorType != "" {
		attrs = append(attrs, keyErrorType.String(k.errorType))
	}
	return newAttrSet(attrs...)
}

func attemptName(k nameKey) string { return k.method + " " + k.template }

func failedSendSet(k failedKey) attrSet {
	return newAttrSet(keyOutcome.String(k.a), keyErrorType.String(k.b))
}

func failedDeliverySet(k failedKey) attrSet {
	return newAttrSet(keyResult.String(k.a), keyFailureClass.String(k.b))
}

// sets builds the attribute sets of the common measurements.
func (t *telemetry) sets() {
	t.byOutcome = map[crispwa.SendOutcome]attrSet{}
	for _, o := range []crispwa.SendOutcome{crispwa.OutcomeAccepted, crispwa.OutcomeRejected, crispwa.OutcomeUnknown, crispwa.OutcomeNotSent} {
		t.byOutcome[o] = newAttrSet(keyOutcome.String(string(o)))
	}
	t.byReason = map[crispwa.RetryReason]attrSet{}
	for _, r := range []crispwa.RetryReason{crispwa.RetryRateLimited, crispwa.RetryNoConnection, crispwa.RetryServerError, crispwa.RetryTransport} {
		t.byReason[r] = newAttrSet(keyReason.String(string(r)))
	}
	t.byResult = map[crispwa.CallbackResult]attrSet{}
	for _, r := range []crispwa.CallbackResult{crispwa.CallbackHandled, crispwa.CallbackDuplicate, crispwa.CallbackRefused, crispwa.CallbackFailed} {
		t.byResult[r] = newAttrSet(keyResult.String(string(r)))
	}
	t.byWait = map[crispwa.WaitResult]attrSet{}
	for _, r := range []crispwa.WaitResult{crispwa.WaitDelivered, crispwa.WaitFailed, crispwa.WaitTimeout, crispwa.WaitError} {
		t.byWait[r] = newAttrSet(keyResult.String(string(r)))
	}
	t.sendOpts = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal)}
	t.attemptOpts = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}
	t.callbackOpts = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindConsumer)}
}

// outcomeSet is the attribute set of outcome o.
func (t *telemetry) outcomeSet(o crispwa.SendOutcome) attrSet {
	if s, ok := t.byOutcome[o]; ok {
		return s
	}
	return newAttrSet(keyOutcome.String(string(o)))
}

// instruments creates the instruments on m. An instrument m cannot create
// (a misconfigured view) is a no-op one: telemetry never fails a call.
func (t *telemetry) instruments(m metric.Meter) {
	t.sends, _ = m.Int64Counter("crispwa.client.sends",
		metric.WithDescription("Template sends, by outcome (accepted, rejected, unknown, not_sent)."), metric.WithUnit("{send}"))
	t.sendDuration, _ = m.Float64Histogram("crispwa.client.send.duration",
		metric.WithDescription("Duration of Templates.Send, retries and waits included."), metric.WithUnit("s"))
	t.retries, _ = m.Int64Counter("crispwa.client.retries",
		metric.WithDescription("HTTP attempts tried again, by reason."), metric.WithUnit("{retry}"))
	t.rateWait, _ = m.Float64Histogram("crispwa.client.rate_limit.wait",
		metric.WithDescription("Waits before retrying after a rate-limit answer (429 or 420)."), metric.WithUnit("s"))
	t.httpDuration, _ = m.Float64Histogram("http.client.request.duration",
		metric.WithDescription("Duration of each HTTP attempt to the Crisp API, to its answer's headers."), metric.WithUnit("s"))
	t.deliveries, _ = m.Int64Counter("crispwa.callback.deliveries",
		metric.WithDescription("Callback deliveries answered, by result (handled, duplicate, refused, failed) and failure class."), metric.WithUnit("{delivery}"))
	t.delay, _ = m.Float64Histogram("crispwa.callback.delay",
		metric.WithDescription("Time from a send accepted by Crisp to its callback's arrival."), metric.WithUnit("s"))
	t.waitDuration, _ = m.Float64Histogram("crispwa.callback.wait.duration",
		metric.WithDescription("Time a Tracker's Wait waited for a callback, by result (delivered, failed, timeout, error)."), metric.WithUnit("s"))
	t.bulkOutcomes, _ = m.Int64Counter("crispwa.bulk.outcomes",
		metric.WithDescription("Outcomes recorded by campaigns, by outcome."), metric.WithUnit("{send}"))
	t.bulkUnknown, _ = m.Int64UpDownCounter("crispwa.bulk.unknown",
		metric.WithDescription("Campaign sends whose outcome is unknown and not yet resolved."), metric.WithUnit("{send}"))
	noop := noopInstruments() // an instrument the provider failed to make: a no-op
	orNoop(&t.sends, noop.sends)
	orNoop(&t.sendDuration, noop.sendDuration)
	orNoop(&t.retries, noop.retries)
	orNoop(&t.rateWait, noop.rateWait)
	orNoop(&t.httpDuration, noop.httpDuration)
	orNoop(&t.deliveries, noop.deliveries)
	orNoop(&t.delay, noop.delay)
	orNoop(&t.waitDuration, noop.waitDuration)
	orNoop(&t.bulkOutcomes, noop.bulkOutcomes)
	orNoop(&t.bulkUnknown, noop.bulkUnknown)
}

// orNoop sets *inst to noop when it is nil.
func orNoop[T comparable](inst *T, noop T) {
	var none T
	if *inst == none {
		*inst = noop
	}
}

// Attribute keys. The HTTP ones are OpenTelemetry's semantic conventions.
const (
	keyOutcome      = attribute.Key("outcome")
	keyReason       = attribute.Key("reason")
	keyResult       = attribute.Key("result")
	keyFailureClass = attribute.Key("failure.class")
	keyErrorType    = attribute.Key("error.type")
	keyMethod       = attribute.Key("http.request.method")
	keyStatus       = attribute.Key("http.response.status_code")
	keyResend       = attribute.Key("http.request.resend_count")
	keyServer       = attribute.Key("server.address")
	keyPort         = attribute.Key("server.port")
	keyURLTemplate  = attribute.Key("url.template")
	keyTemplate     = attribute.Key("crispwa.template.name")
	keyLanguage     = attribute.Key("crispwa.template.language")
	keyRecipient    = attribute.Key("crispwa.recipient")
	keySendOutcome  = attribute.Key("crispwa.send.outcome")
	keyRequestID    = attribute.Key("crispwa.request_id")
	keyVerdict      = attribute.Key("crispwa.attempt.verdict")
	keyCbResult     = attribute.Key("crispwa.callback.result")
	keyWaitResult   = attribute.Key("crispwa.wait.result")
	keyWhatsAppCode = attribute.Key("crispwa.failure.code")
)

// attrBuf is a pooled attribute slice, empty.
func (t *telemetry) attrBuf() *[]attribute.KeyValue {
	p := t.attrs.Get().(*[]attribute.KeyValue)
	*p = (*p)[:0]
	return p
}

// setAttributes sets *p on span in one call and returns p to the pool.
func (t *telemetry) setAttributes(span trace.Span, p *[]attribute.KeyValue) {
	span.SetAttributes(*p...)
	clear(*p) // drop the strings it points to
	t.attrs.Put(p)
}

// recording reports whether span records what is set on it. A sampled
// span does (until it ends), and asking it is free; the SDK's IsRecording
// takes the span's lock, which the attributes' SetAttributes and End take
// again right after.
func recording(span trace.Span) bool {
	return span.SpanContext().IsSampled() || span.IsRecording()
}

// span is the span of a hook's context when this telemetry started it;
// nil when it traces nothing (the context's span is then the caller's).
func (t *telemetry) span(ctx context.Context) trace.Span {
	if !t.tracing {
		return nil
	}
	return trace.SpanFromContext(ctx)
}

func (t *telemetry) sendStart(ctx context.Context, _ crispwa.SendInfo) context.Context {
	// The attributes are set once, when the send is done (SendDone has
	// them all): one SetAttributes per span.
	ctx, _ = t.tracer.Start(ctx, "crispwa.send", t.sendOpts...)
	return ctx
}

func (t *telemetry) sendDone(ctx context.Context, d crispwa.SendDone) {
	span := t.span(ctx)
	outcome := t.outcomeSet(d.Outcome)
	counted := outcome
	var et string
	if d.Err != nil {
		et = sendErrorType(d.Err)
		counted = t.failedSends.get(failedKey{string(d.Outcome), et}, failedSendSet)
	}
	t.sends.Add(ctx, 1, counted.add...)
	t.sendDuration.Record(ctx, d.Duration.Seconds(), outcome.rec...)
	if span == nil {
		return
	}
	if recording(span) {
		p := t.attrBuf()
		*p = append(*p, keyTemplate.String(d.Template), keyLanguage.String(d.Language), keyRecipient.String(d.To),
			keySendOutcome.String(string(d.Outcome)))
		if d.Err == nil {
			*p = append(*p, keyRequestID.String(d.RequestID))
		} else {
			*p = append(*p, keyErrorType.String(et))
		}
		t.setAttributes(span, p)
		if d.Err != nil {
			span.SetStatus(codes.Error, et) // never the message: it may quote a server's text
		}
	}
	if t.cfg.spans != nil && d.Err == nil && d.RequestID != "" {
		t.keepSpan(ctx, span, d.RequestID)
	}
	span.End()
}

// storeCtx bounds a SpanStore call by storeTimeout; the memory store needs
// no bound.
func (t *telemetry) storeCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, mem := t.cfg.spans.(*memSpans); mem {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, storeTimeout)
}

// keepSpan keeps the accepted send's span context in the SpanStore (there
// is one) for its callback, and links the send's span to a callback that came first (it
// left its own span context there).
func (t *telemetry) keepSpan(ctx context.Context, span trace.Span, requestID string) {
	sc := span.SpanContext()
	if !sc.IsValid() {
		return
	}
	sctx, cancel := t.storeCtx(context.WithoutCancel(ctx))
	defer cancel()
	value := encodeSpan(sc, time.Now())
	var (
		earlier string
		err     error
	)
	if sw, ok := t.cfg.spans.(SpanSwapper); ok {
		earlier, err = sw.SwapSpan(sctx, requestID, value, t.cfg.spanTTL)
	} else {
		err = t.cfg.spans.PutSpan(sctx, requestID, value, t.cfg.spanTTL)
	}
	if err != nil {
		span.AddEvent("crispwa.span_store.failed", trace.WithAttributes(keyErrorType.String(errorType(err))))
		return
	}
	if cb, ok := decodeCallbackSpan(earlier); ok {
		span.AddLink(trace.Link{SpanContext: cb, Attributes: linkToCallback})
	}
}

// The attributes of the links between a send's span and its callback's.
var (
	linkToSend     = []attribute.KeyValue{attribute.String("crispwa.link", "send")}
	linkToCallback = []attribute.KeyValue{attribute.String("crispwa.link", "callback")}
)

// sendErrorType names a send's failure in a few words (never its text).
func sendErrorType(err error) string {
	var apiErr *crispwa.APIError
	switch {
	case errors.Is(err, crispwa.ErrSendOutcomeUnknown):
		if errors.As(err, &apiErr) {
			return strconv.Itoa(apiErr.StatusCode)
		}
		return "outcome_unknown"
	case errors.As(err, &apiErr):
		return strconv.Itoa(apiErr.StatusCode)
	case errors.Is(err, crispwa.ErrInvalidRequest):
		return "invalid_request"
	}
	return errorType(err)
}

// errorType names a transport failure in a few words, per OpenTelemetry's
// error.type: low cardinality, never the message.
func errorType(err error) string {
	var (
		netErr  net.Error
		opErr   *net.OpError
		certErr *tls.CertificateVerificationError
	)
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.As(err, &certErr):
		return "tls"
	case errors.As(err, &opErr):
		return "connection"
	}
	return "_OTHER"
}

func (t *telemetry) attemptStart(ctx context.Context, a crispwa.Attempt) context.Context {
	// The attributes are set when the attempt is done (AttemptDone has
	// them all): one SetAttributes per span.
	ctx, _ = t.tracer.Start(ctx, t.names.get(nameKey{a.Method, a.URLTemplate}, attemptName), t.attemptOpts...)
	return ctx
}

func (t *telemetry) attemptDone(ctx context.Context, a crispwa.AttemptDone) {
	span := t.span(ctx)
	var et string
	switch {
	case a.Err != nil:
		et = errorType(a.Err)
	case a.StatusCode >= 400:
		et = strconv.Itoa(a.StatusCode)
	}
	t.httpDuration.Record(ctx, a.Duration.Seconds(), t.attempts.get(attemptKey{
		method: a.Method, template: a.URLTemplate, server: a.ServerAddress, port: a.ServerPort, status: a.StatusCode, errorType: et}, attemptSet).rec...)
	if span == nil {
		return
	}
	if recording(span) {
		p := t.attrBuf()
		*p = append(*p, keyMethod.String(a.Method), keyServer.String(a.ServerAddress), keyPort.Int(a.ServerPort),
			keyURLTemplate.String(a.URLTemplate), keyVerdict.String(string(a.Verdict)))
		if a.Number > 1 {
			*p = append(*p, keyResend.Int(a.Number-1))
		}
		if a.StatusCode != 0 {
			*p = append(*p, keyStatus.Int(a.StatusCode))
		}
		if et != "" {
			*p = append(*p, keyErrorType.String(et))
		}
		t.setAttributes(span, p)
		if et != "" {
			span.SetStatus(codes.Error, et)
		}
	}
	span.End()
}

func (t *telemetry) retry(ctx context.Context, r crispwa.Retry) {
	reason := keyReason.String(string(r.Reason))
	if set, ok := t.byReason[r.Reason]; ok {
		t.retries.Add(ctx, 1, set.add...)
	} else {
		t.retries.Add(ctx, 1, metric.WithAttributes(reason))
	}
	if r.Reason == crispwa.RetryRateLimited {
		t.rateWait.Record(ctx, r.Wait.Seconds())
	}
	if span := t.span(ctx); span != nil && recording(span) {
		span.AddEvent("crispwa.retry", trace.WithAttributes(
			reason, attribute.Int("crispwa.attempt", r.Attempt), attribute.Float64("crispwa.retry.wait_s", r.Wait.Seconds())))
	}
}

// callbackKey is the context key of a callbackCtx.
type callbackKey struct{}

// callbackCtx is the context callbackStart returns: the callback span's,
// with what callbackDone needs (one allocation for both).
type callbackCtx struct {
	context.Context
	span     trace.Span
	accepted time.Time // when the send was accepted; zero when unknown
}

func (c *callbackCtx) Value(key any) any {
	if key == (callbackKey{}) {
		return c
	}
	return c.Context.Value(key)
}

func (t *telemetry) callbackStart(ctx context.Context, ev *crispwa.CallbackEvent) context.Context {
	if !t.tracing {
		// Metrics only: what the delay metric needs from the store.
		accepted := t.acceptedAt(ctx, ev.RequestID)
		if accepted.IsZero() {
			return nil
		}
		return &callbackCtx{Context: ctx, accepted: accepted}
	}
	sctx, span := t.tracer.Start(ctx, "crispwa.callback", t.callbackOpts...)
	if t.cfg.spans == nil {
		// Nothing more to carry: callbackDone finds the span in sctx (a
		// tracing telemetry's CallbackStart never returns nil, so the
		// context CallbackDone gets for a parsed delivery is this one).
		return sctx
	}
	return &callbackCtx{Context: sctx, span: span, accepted: t.linkSend(sctx, span, ev.RequestID)}
}

// acceptedAt is when the send of requestID was accepted, as the SpanStore
// keeps it; zero when it is not there.
func (t *telemetry) acceptedAt(ctx context.Context, requestID string) time.Time {
	sctx, cancel := t.storeCtx(ctx)
	defer cancel()
	v, err := t.cfg.spans.GetSpan(sctx, requestID)
	if err != nil {
		return time.Time{}
	}
	_, at, _ := decodeSpan(v)
	return at
}

// linkSend links the callback's span to its send's, found in the SpanStore
// by request_id, and returns when the send was accepted (zero when not
// found). When the store is a SpanSwapper and the send's span context is
// not there yet (the callback beat Send's return), it leaves the
// callback's own span context there, for the send to link to.
func (t *telemetry) linkSend(ctx context.Context, span trace.Span, requestID string) time.Time {
	sctx, cancel := t.storeCtx(ctx)
	defer cancel()
	var (
		v   string
		err error
	)
	own := span.SpanContext()
	if sw, ok := t.cfg.spans.(SpanSwapper); ok && own.IsValid() {
		v, err = sw.AddSpan(sctx, requestID, encodeCallbackSpan(own), t.cfg.spanTTL)
	} else {
		v, err = t.cfg.spans.GetSpan(sctx, requestID)
	}
	if err != nil {
		span.AddEvent("crispwa.span_store.failed", trace.WithAttributes(keyErrorType.String(errorType(err))))
		return time.Time{}
	}
	sc, at, ok := decodeSpan(v)
	if !ok {
		return time.Time{}
	}
	span.AddLink(trace.Link{SpanContext: sc, Attributes: linkToSend})
	return at
}

func (t *telemetry) callbackDone(ctx context.Context, d crispwa.CallbackDone) {
	var st *callbackCtx
	if t.cfg.spans != nil {
		st, _ = ctx.Value(callbackKey{}).(*callbackCtx)
	}
	var span trace.Span
	switch {
	case st != nil:
		span = st.span
	case !t.tracing:
	case d.Event != nil: // callbackStart's context, without a store
		span = trace.SpanFromContext(ctx)
	default: // refused before it parsed: a span of its own
		_, span = t.tracer.Start(ctx, "crispwa.callback", trace.WithSpanKind(trace.SpanKindConsumer), trace.WithTimestamp(d.Start))
	}
	var (
		class string
		code  int
	)
	if d.Event != nil && d.Event.Error {
		if f := d.Event.Failure(); f != nil {
			class, code = string(f.Class), f.Code
		}
	}
	if span != nil && recording(span) {
		p := t.attrBuf()
		*p = append(*p, keyCbResult.String(string(d.Result)), keyStatus.Int(d.Status))
		if d.Event != nil {
			*p = append(*p, keyRequestID.String(d.Event.RequestID))
		}
		if class != "" {
			*p = append(*p, keyFailureClass.String(class))
		}
		if code != 0 {
			*p = append(*p, keyWhatsAppCode.Int(code))
		}
		t.setAttributes(span, p)
		if d.Result == crispwa.CallbackFailed || d.Result == crispwa.CallbackRefused {
			span.SetStatus(codes.Error, string(d.Result))
		}
	}
	switch set, ok := t.byResult[d.Result]; {
	case ok && class == "":
		t.deliveries.Add(ctx, 1, set.add...)
	case class == "":
		t.deliveries.Add(ctx, 1, metric.WithAttributes(keyResult.String(string(d.Result))))
	default:
		t.deliveries.Add(ctx, 1, t.failedDeliveries.get(failedKey{string(d.Result), class}, failedDeliverySet).add...)
	}
	if d.Result == crispwa.CallbackHandled && st != nil && !st.accepted.IsZero() {
		t.delay.Record(ctx, max(d.Start.Sub(st.accepted), 0).Seconds())
	}
	if span != nil {
		span.End()
	}
}

func (t *telemetry) waitStart(ctx context.Context, _ string) context.Context {
	ctx, _ = t.tracer.Start(ctx, "crispwa.callback.wait", t.sendOpts...)
	return ctx
}

func (t *telemetry) waitDone(ctx context.Context, w crispwa.WaitDone) {
	span := t.span(ctx)
	if span != nil && recording(span) {
		span.SetAttributes(keyRequestID.String(w.RequestID), keyWaitResult.String(string(w.Result)))
		if w.Result == crispwa.WaitTimeout || w.Result == crispwa.WaitError {
			span.SetStatus(codes.Error, string(w.Result))
		}
	}
	set, ok := t.byWait[w.Result]
	if !ok {
		set = newAttrSet(keyResult.String(string(w.Result)))
	}
	t.waitDuration.Record(ctx, w.Duration.Seconds(), set.rec...)
	if span != nil {
		span.End()
	}
}

func (t *telemetry) campaignOutcome(ctx context.Context, o crispwa.CampaignOutcome) {
	t.bulkOutcomes.Add(ctx, 1, t.outcomeSet(o.Outcome).add...)
	n := int64(0)
	if o.Outcome == crispwa.OutcomeUnknown {
		n++
	}
	if o.WasUnknown {
		n--
	}
	if n != 0 {
		t.bulkUnknown.Add(ctx, n)
	}
}
