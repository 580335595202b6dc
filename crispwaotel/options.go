package crispwaotel

import (
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Option configures the telemetry; pass options to ClientOption,
// HandlerOption, BulkOption or NewObserver. A nil Option is ignored.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	tp      trace.TracerProvider // nil: otel's global
	mp      metric.MeterProvider // nil: otel's global
	prop    propagation.TextMapPropagator
	spans   SpanStore
	spanTTL time.Duration
}

// DefaultSpanTTL is how long a send's span context is kept in the
// SpanStore for its callback to link to, unless WithSpanTTL says otherwise.
// Crisp posts the callback within seconds of the send.
const DefaultSpanTTL = time.Hour

// WithTracerProvider sets where spans go (default: otel.GetTracerProvider(),
// looked up when the option is used). Nil keeps the default.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) { c.tp = tp })
}

// WithMeterProvider sets where metrics go (default: otel.GetMeterProvider(),
// looked up when the option is used). Nil keeps the default.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.mp = mp })
}

// WithPropagation makes every HTTP attempt to Crisp carry the trace context,
// written by p (propagation.TraceContext{} for W3C's traceparent). Without
// it (the default), nothing about your traces is sent to Crisp.
func WithPropagation(p propagation.TextMapPropagator) Option {
	return optionFunc(func(c *config) { c.prop = p })
}

// WithSpanStore links each callback's span to the span of the send it
// reports on: a send accepted by Crisp keeps its span context (and the time
// it was accepted) in s under its request_id, and the callback handler
// looks it up there. Give the same store to the Client's and the
// Handler's options; with several replicas, give them a shared one
// (*redisstore.Store implements SpanStore). It also enables the
// crispwa.callback.delay metric. When s is also a SpanSwapper (both of
// those are), a callback that arrives before Send returned is linked the
// other way: the send's span links to the callback's. A failing store never fails a send or a
// callback: the link is then missing (an event on the span says why).
func WithSpanStore(s SpanStore) Option {
	return optionFunc(func(c *config) { c.spans = s })
}

// WithSpanTTL sets how long a send's span context stays in the SpanStore
// (default DefaultSpanTTL). A d <= 0 keeps the default.
func WithSpanTTL(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.spanTTL = d
		}
	})
}
