// Command observability wires crispwa's OpenTelemetry instrumentation
// (package crispwaotel) to Prometheus and to a span printer, sends one
// template through an in-process fake Crisp API (crispwatest), receives
// its callback, and prints the spans and the Prometheus scrape:
//
//	go run ./examples/observability
//
// In a service, the meter provider below is the one your application
// already has, /metrics is served by your HTTP server, and the spans go to
// your collector (OTLP) instead of standard output; with several replicas,
// the SpanStore is a redisstore.Store shared by them all.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/crispwaotel"
	"github.com/crispwa/crispwa/crispwatest"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out io.Writer) error {
	fmt.Fprintln(os.Stderr, "observability: running against an in-process fake API (crispwatest)")

	// Metrics: an OpenTelemetry meter provider read by the Prometheus
	// exporter, registered in a Prometheus registry.
	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	defer func() { _ = mp.Shutdown(context.Background()) }()
	// Traces: every span printed as it ends.
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(printer{out})))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	// One SpanStore for the client and the handler: it links each
	// callback's span to its send's.
	spans := crispwaotel.NewMemorySpanStore(0)
	telemetry := []crispwaotel.Option{
		crispwaotel.WithTracerProvider(tp), crispwaotel.WithMeterProvider(mp), crispwaotel.WithSpanStore(spans),
	}

	// The callback receiver, and the Prometheus scrape endpoint, on loopback.
	tracker := callback.NewTracker(crispwaotel.TrackerOption(telemetry...))
	mux := http.NewServeMux()
	mux.Handle("/crisp/callback", callback.NewHandler(tracker.Handle, crispwaotel.HandlerOption(telemetry...)))
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Shutdown(context.Background()) }()
	base := "http://" + ln.Addr().String()

	// Manual outcomes: the fake posts the callback when told to (Deliver),
	// after Send returned, as Crisp does once WhatsApp has the message.
	fake := crispwatest.NewServer(crispwatest.WithTemplates(crispwatest.SampleTemplates()...), crispwatest.WithManualOutcomes())
	defer fake.Close()
	fake.SetCallbackURL(base + "/crisp/callback")
	client := fake.Client(crispwaotel.ClientOption(telemetry...))

	res, err := client.Templates.Send(ctx, &crispwa.SendTemplateRequest{
		From: "+33100000000", To: "+33612345678",
		Template: crispwa.MessageTemplate{Name: "order_update", Language: "en_US", Components: []crispwa.Component{
			crispwa.Body(crispwa.Text("Alice"), crispwa.Text("#1042")), crispwa.URLButton(0, "1042"),
		}},
	})
	if err != nil {
		return err
	}
	if err := fake.Deliver(res.RequestID); err != nil {
		return err
	}
	ev, err := tracker.Wait(ctx, res.RequestID)
	if err != nil {
		return err
	}
	if err := fake.WaitCallbacks(ctx, 1); err != nil { // the Handler has answered (and ended its span)
		return err
	}
	fmt.Fprintf(out, "callback received: succeeded=%v\n\n", ev.Succeeded())
	return scrape(ctx, out, base+"/metrics")
}

// scrape prints the crispwa lines of a Prometheus scrape of url.
func scrape(ctx context.Context, out io.Writer, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("scrape: " + resp.Status)
	}
	fmt.Fprintln(out, "# scrape of /metrics (crispwa series, histogram buckets left out):")
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 1<<20))
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, "crispwa") && !strings.Contains(line, "_bucket{") && !strings.HasPrefix(line, "#") {
			fmt.Fprintln(out, line)
		}
	}
	return sc.Err()
}

// printer is a span exporter that prints each span's name, attributes and
// links.
type printer struct{ w io.Writer }

func (p printer) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	for _, s := range spans {
		fmt.Fprintf(p.w, "span %q trace=%s span=%s parent=%s\n", s.Name(), s.SpanContext().TraceID(), s.SpanContext().SpanID(), s.Parent().SpanID())
		for _, kv := range s.Attributes() {
			fmt.Fprintf(p.w, "    %s=%s\n", kv.Key, kv.Value.String())
		}
		for _, l := range s.Links() {
			fmt.Fprintf(p.w, "    linked to trace=%s span=%s\n", l.SpanContext.TraceID(), l.SpanContext.SpanID())
		}
	}
	return nil
}

func (printer) Shutdown(context.Context) error { return nil }
