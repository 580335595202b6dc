package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/crispwaotel"
)

// otelHelp explains the global --otel flag (crispwa help lists it).
const otelHelp = `crispwa --otel <command> [flags] sends the command's traces and metrics
(see docs/observability.md) over OTLP/HTTP to the collector named by the
standard variables: OTEL_EXPORTER_OTLP_ENDPOINT (or the per-signal
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and OTEL_EXPORTER_OTLP_METRICS_ENDPOINT),
with OTEL_EXPORTER_OTLP_HEADERS, OTEL_SERVICE_NAME (default "crispwa") and
OTEL_RESOURCE_ATTRIBUTES. templates, send, demo and bulk trace their API
calls; listen, bulk --listen, send --wait and demo their callbacks, and
send --wait and demo each wait for one (crispwa.callback.wait); bulk resolve takes the unknown
outcomes it settles off crispwa.bulk.unknown. It is an error when no
endpoint is set. The telemetry is flushed before the command exits. "crispwa --otel fake" is
"crispwa fake": the fake API makes no telemetry.`

// otelEndpointVars are the variables one of which --otel needs.
var otelEndpointVars = []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"}

// otelFlushTimeout bounds the final flush of the telemetry.
const otelFlushTimeout = 5 * time.Second

// dispatchWithOtel runs the command args with OpenTelemetry exporting over
// OTLP/HTTP, then flushes it.
func dispatchWithOtel(ctx context.Context, e *cmdEnv, args []string) int {
	if len(args) == 0 || args[0] == "fake" || args[0] == "help" || args[0] == "--help" || args[0] == "-h" {
		if len(args) == 0 {
			fmt.Fprintln(e.stderr, otelHelp)
			return exitUsage
		}
		return dispatch(ctx, e, args)
	}
	set := false
	for _, v := range otelEndpointVars {
		set = set || e.getenv(v) != ""
	}
	if !set {
		fmt.Fprintln(e.stderr, "crispwa: --otel needs OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_METRICS_ENDPOINT)")
		return exitUsage
	}
	tp, mp, err := otelProviders(ctx, e)
	if err != nil {
		fmt.Fprintf(e.stderr, "crispwa: --otel: %v\n", err)
		return exitUsage
	}
	withOtel := *e
	// One observer for the client and the callback handler of a command:
	// with the memory SpanStore, bulk --listen links each callback's span
	// to its send's.
	withOtel.observer = crispwaotel.NewObserver(crispwaotel.WithTracerProvider(tp), crispwaotel.WithMeterProvider(mp),
		crispwaotel.WithSpanStore(crispwaotel.NewMemorySpanStore(0)))
	code := dispatch(ctx, &withOtel, args)

	flush, cancel := context.WithTimeout(context.WithoutCancel(ctx), otelFlushTimeout)
	defer cancel()
	if err := errors.Join(tp.Shutdown(flush), mp.Shutdown(flush)); err != nil {
		fmt.Fprintf(e.stderr, "crispwa: --otel: exporting the telemetry: %v\n", err)
	}
	return code
}

// otelProviders returns trace and meter providers exporting over OTLP/HTTP
// as the OTEL_* variables say (the exporters read them themselves).
func otelProviders(ctx context.Context, e *cmdEnv) (*sdktrace.TracerProvider, *sdkmetric.MeterProvider, error) {
	name := e.getenv("OTEL_SERVICE_NAME")
	if name == "" {
		name = "crispwa"
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(attribute.String("service.name", name)))
	if err != nil {
		return nil, nil, err
	}
	spans, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("trace exporter: %w", err)
	}
	metrics, err := otlpmetrichttp.New(ctx)
	if err != nil {
		_ = spans.Shutdown(ctx)
		return nil, nil, fmt.Errorf("metric exporter: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(spans), sdktrace.WithResource(res))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(metrics)), sdkmetric.WithResource(res))
	return tp, mp, nil
}

// reportResolved tells the --otel telemetry that an operator settled one
// row (bulk resolve): when its outcome was unknown, crispwa.bulk.unknown
// goes down by one, and the row counts in crispwa.bulk.outcomes as
// accepted (sent) or not_sent.
func reportResolved(ctx context.Context, e *cmdEnv, wasUnknown, sent bool) {
	o := e.observer
	if o == nil || o.CampaignOutcome == nil || !wasUnknown {
		return
	}
	out := crispwa.OutcomeNotSent
	if sent {
		out = crispwa.OutcomeAccepted
	}
	o.CampaignOutcome(ctx, crispwa.CampaignOutcome{Outcome: out, WasUnknown: true})
}
