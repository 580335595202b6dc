package crispwaotel

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

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
	t := &telemetry{cfg: cfg, tracer: cfg.tp.Tracer(ScopeName, trace.WithInstrumentationVersion(crispwa.Version))}
	t.instruments(cfg.mp.Meter(ScopeName, metric.WithInstrumentationVersion(crispwa.Version)))
	t.sets()
	o := &crispwa.Observer{
		SendStart:       t.sendStart,
		SendDone:        t.sendDone,
		AttemptStart:    t.attemptStart,
		AttemptDone:     t.attemptDone,
		Retry:           t.retry,
		CallbackStart:   t.callbackStart,
		CallbackDone:    t.callbackDone,
		CampaignOutcome: t.campaignOutcome,
	}
	if cfg.prop != nil {
		o.RequestHeader = func(ctx context.Context, h http.Header) { cfg.prop.Inject(ctx, propagation.HeaderCarrier(h)) }
	}
	return o
}

// telemetry turns the Observer's events into spans and metrics.
type telemetry struct {
	cfg    config
	tracer trace.Tracer

	sends        metric.Int64Counter
	sendDuration metric.Float64Histogram
	retries      metric.Int64Counter
	rateWait     metric.Float64Histogram
	httpDuration metric.Float64Histogram
	deliveries   metric.Int64Counter
	delay        metric.Float64Histogram
	bulkOutcomes metric.Int64Counter
	bulkUnknown  metric.Int64UpDownCounter

	// Attribute sets built once, so that recording allocates nothing on
	// the common paths.
	byOutcome map[crispwa.SendOutcome]metric.MeasurementOption
	byReason  map[crispwa.RetryReason]metric.MeasurementOption
	byResult  map[crispwa.CallbackResult]metric.MeasurementOption
	attempts  attemptSets
}

// attemptKey is what an attempt's metric attributes are made of.
type attemptKey struct {
	method, template, server string
	port, status             int
	errorType                string
}

// attemptSets caches the attribute sets of http.client.request.duration:
// there are few (two URL templates, a handful of statuses).
type attemptSets struct {
	mu   sync.RWMutex
	sets map[attemptKey]metric.MeasurementOption
}

// maxAttemptSets bounds attemptSets; beyond it, sets are built per use.
const maxAttemptSets = 256

func (c *attemptSets) get(k attemptKey) metric.MeasurementOption {
	c.mu.RLock()
	o, ok := c.sets[k]
	c.mu.RUnlock()
	if ok {
		return o
	}
	attrs := make([]attribute.KeyValue, 0, 6)
	attrs = append(attrs, keyMethod.String(k.method), keyServer.String(k.server), keyPort.Int(k.port), keyURLTemplate.String(k.template))
	if k.status != 0 {
		attrs = append(attrs, keyStatus.Int(k.status))
	}
	if k.errorType != "" {
		attrs = append(attrs, keyErrorType.String(k.errorType))
	}
	o = metric.WithAttributeSet(attribute.NewSet(attrs...))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sets == nil {
		c.sets = map[attemptKey]metric.MeasurementOption{}
	}
	if len(c.sets) < maxAttemptSets {
		c.sets[k] = o
	}
	return o
}

// sets builds the attribute sets of the common measurements.
func (t *telemetry) sets() {
	t.byOutcome = map[crispwa.SendOutcome]metric.MeasurementOption{}
	for _, o := range []crispwa.SendOutcome{crispwa.OutcomeAccepted, crispwa.OutcomeRejected, crispwa.OutcomeUnknown, crispwa.OutcomeNotSent} {
		t.byOutcome[o] = metric.WithAttributeSet(attribute.NewSet(keyOutcome.String(string(o))))
	}
	t.byReason = map[crispwa.RetryReason]metric.MeasurementOption{}
	for _, r := range []crispwa.RetryReason{crispwa.RetryRateLimited, crispwa.RetryNoConnection, crispwa.RetryServerError, crispwa.RetryTransport} {
		t.byReason[r] = metric.WithAttributeSet(attribute.NewSet(keyReason.String(string(r))))
	}
	t.byResult = map[crispwa.CallbackResult]metric.MeasurementOption{}
	for _, r := range []crispwa.CallbackResult{crispwa.CallbackHandled, crispwa.CallbackDuplicate, crispwa.CallbackRefused, crispwa.CallbackFailed} {
		t.byResult[r] = metric.WithAttributeSet(attribute.NewSet(keyResult.String(string(r))))
	}
}

// outcomeSet is the attribute set of outcome o.
func (t *telemetry) outcomeSet(o crispwa.SendOutcome) metric.MeasurementOption {
	if s, ok := t.byOutcome[o]; ok {
		return s
	}
	return metric.WithAttributes(keyOutcome.String(string(o)))
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
	t.bulkOutcomes, _ = m.Int64Counter("crispwa.bulk.outcomes",
		metric.WithDescription("Outcomes recorded by campaigns, by outcome."), metric.WithUnit("{send}"))
	t.bulkUnknown, _ = m.Int64UpDownCounter("crispwa.bulk.unknown",
		metric.WithDescription("Campaign sends whose outcome is unknown and not yet resolved."), metric.WithUnit("{send}"))
	noop := noopInstruments()
	if t.sends == nil {
		t.sends = noop.sends
	}
	if t.sendDuration == nil {
		t.sendDuration = noop.sendDuration
	}
	if t.retries == nil {
		t.retries = noop.retries
	}
	if t.rateWait == nil {
		t.rateWait = noop.rateWait
	}
	if t.httpDuration == nil {
		t.httpDuration = noop.httpDuration
	}
	if t.deliveries == nil {
		t.deliveries = noop.deliveries
	}
	if t.delay == nil {
		t.delay = noop.delay
	}
	if t.bulkOutcomes == nil {
		t.bulkOutcomes = noop.bulkOutcomes
	}
	if t.bulkUnknown == nil {
		t.bulkUnknown = noop.bulkUnknown
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
	keyWhatsAppCode = attribute.Key("crispwa.failure.code")
)

func (t *telemetry) sendStart(ctx context.Context, s crispwa.SendInfo) context.Context {
	ctx, span := t.tracer.Start(ctx, "crispwa.send", trace.WithSpanKind(trace.SpanKindInternal))
	if span.IsRecording() {
		span.SetAttributes(keyTemplate.String(s.Template), keyLanguage.String(s.Language), keyRecipient.String(s.To))
	}
	return ctx
}

func (t *telemetry) sendDone(ctx context.Context, d crispwa.SendDone) {
	span := trace.SpanFromContext(ctx)
	outcome := t.outcomeSet(d.Outcome)
	if d.Err == nil {
		if span.IsRecording() {
			span.SetAttributes(keySendOutcome.String(string(d.Outcome)), keyRequestID.String(d.RequestID))
		}
		t.keepSpan(ctx, span, d.RequestID)
		t.sends.Add(ctx, 1, outcome)
	} else {
		et := sendErrorType(d.Err)
		span.SetAttributes(keySendOutcome.String(string(d.Outcome)), keyErrorType.String(et))
		span.SetStatus(codes.Error, et) // never the message: it may quote a server's text
		t.sends.Add(ctx, 1, metric.WithAttributes(keyOutcome.String(string(d.Outcome)), keyErrorType.String(et)))
	}
	t.sendDuration.Record(ctx, d.Duration.Seconds(), outcome)
	span.End()
}

// keepSpan keeps the accepted send's span context for its callback.
func (t *telemetry) keepSpan(ctx context.Context, span trace.Span, requestID string) {
	sc := span.SpanContext()
	if t.cfg.spans == nil || requestID == "" || !sc.IsValid() {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := t.cfg.spans.PutSpan(sctx, requestID, encodeSpan(sc, time.Now()), t.cfg.spanTTL); err != nil {
		span.AddEvent("crispwa.span_store.failed", trace.WithAttributes(keyErrorType.String(errorType(err))))
	}
}

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
	ctx, span := t.tracer.Start(ctx, a.Method+" "+a.URLTemplate, trace.WithSpanKind(trace.SpanKindClient))
	if span.IsRecording() {
		span.SetAttributes(keyMethod.String(a.Method), keyServer.String(a.ServerAddress), keyPort.Int(a.ServerPort), keyURLTemplate.String(a.URLTemplate))
		if a.Number > 1 {
			span.SetAttributes(keyResend.Int(a.Number - 1))
		}
	}
	return ctx
}

func (t *telemetry) attemptDone(ctx context.Context, a crispwa.AttemptDone) {
	span := trace.SpanFromContext(ctx)
	var et string
	switch {
	case a.Err != nil:
		et = errorType(a.Err)
	case a.StatusCode >= 400:
		et = strconv.Itoa(a.StatusCode)
	}
	if span.IsRecording() {
		if a.StatusCode != 0 {
			span.SetAttributes(keyStatus.Int(a.StatusCode))
		}
		if et != "" {
			span.SetAttributes(keyErrorType.String(et))
			span.SetStatus(codes.Error, et)
		}
		span.SetAttributes(keyVerdict.String(string(a.Verdict)))
	}
	t.httpDuration.Record(ctx, a.Duration.Seconds(), t.attempts.get(attemptKey{
		method: a.Method, template: a.URLTemplate, server: a.ServerAddress, port: a.ServerPort, status: a.StatusCode, errorType: et}))
	span.End()
}

func (t *telemetry) retry(ctx context.Context, r crispwa.Retry) {
	reason := keyReason.String(string(r.Reason))
	if set, ok := t.byReason[r.Reason]; ok {
		t.retries.Add(ctx, 1, set)
	} else {
		t.retries.Add(ctx, 1, metric.WithAttributes(reason))
	}
	if r.Reason == crispwa.RetryRateLimited {
		t.rateWait.Record(ctx, r.Wait.Seconds())
	}
	trace.SpanFromContext(ctx).AddEvent("crispwa.retry", trace.WithAttributes(
		reason, attribute.Int("crispwa.attempt", r.Attempt), attribute.Float64("crispwa.retry.wait_s", r.Wait.Seconds())))
}

// callbackKey is the context key of a callback's span state.
type callbackKey struct{}

// callbackState is what callbackStart found, for callbackDone.
type callbackState struct {
	span     trace.Span
	accepted time.Time // when the send was accepted; zero when unknown
}

func (t *telemetry) callbackStart(ctx context.Context, ev *crispwa.CallbackEvent) context.Context {
	st := &callbackState{}
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindConsumer)}
	var lookupErr error
	if t.cfg.spans != nil {
		sctx, cancel := context.WithTimeout(ctx, storeTimeout)
		v, err := t.cfg.spans.GetSpan(sctx, ev.RequestID)
		cancel()
		lookupErr = err
		if sc, at, ok := decodeSpan(v); err == nil && ok {
			opts = append(opts, trace.WithLinks(trace.Link{SpanContext: sc, Attributes: []attribute.KeyValue{attribute.String("crispwa.link", "send")}}))
			st.accepted = at
		}
	}
	ctx, st.span = t.tracer.Start(ctx, "crispwa.callback", opts...)
	if st.span.IsRecording() {
		st.span.SetAttributes(keyRequestID.String(ev.RequestID))
	}
	if lookupErr != nil {
		st.span.AddEvent("crispwa.span_store.failed", trace.WithAttributes(keyErrorType.String(errorType(lookupErr))))
	}
	return context.WithValue(ctx, callbackKey{}, st)
}

func (t *telemetry) callbackDone(ctx context.Context, d crispwa.CallbackDone) {
	st, _ := ctx.Value(callbackKey{}).(*callbackState)
	if st == nil { // refused before it parsed: a span of its own
		st = &callbackState{}
		_, st.span = t.tracer.Start(ctx, "crispwa.callback", trace.WithSpanKind(trace.SpanKindConsumer), trace.WithTimestamp(d.Start))
	}
	if st.span.IsRecording() {
		st.span.SetAttributes(keyCbResult.String(string(d.Result)), keyStatus.Int(d.Status))
	}
	var class string
	if d.Event != nil && d.Event.Error {
		if f := d.Event.Failure(); f != nil {
			class = string(f.Class)
			st.span.SetAttributes(keyFailureClass.String(class))
			if f.Code != 0 {
				st.span.SetAttributes(keyWhatsAppCode.Int(f.Code))
			}
		}
	}
	if d.Result == crispwa.CallbackFailed || d.Result == crispwa.CallbackRefused {
		st.span.SetStatus(codes.Error, string(d.Result))
	}
	switch set, ok := t.byResult[d.Result]; {
	case ok && class == "":
		t.deliveries.Add(ctx, 1, set)
	case class == "":
		t.deliveries.Add(ctx, 1, metric.WithAttributes(keyResult.String(string(d.Result))))
	default:
		t.deliveries.Add(ctx, 1, metric.WithAttributes(keyResult.String(string(d.Result)), keyFailureClass.String(class)))
	}
	if d.Result == crispwa.CallbackHandled && !st.accepted.IsZero() {
		t.delay.Record(ctx, max(d.Start.Sub(st.accepted), 0).Seconds())
	}
	st.span.End()
}

func (t *telemetry) campaignOutcome(ctx context.Context, o crispwa.CampaignOutcome) {
	t.bulkOutcomes.Add(ctx, 1, metric.WithAttributes(keyOutcome.String(string(o.Outcome))))
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
