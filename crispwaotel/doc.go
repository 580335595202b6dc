// Package crispwaotel makes OpenTelemetry traces and metrics of what the
// crispwa SDK does: sends and their HTTP attempts, retries and rate-limit
// waits, the callbacks Crisp posts afterwards (their spans linked to the
// send's, across replicas), and the unknown outcomes of campaigns.
//
// Give ClientOption to crispwa.NewClient, HandlerOption to
// callback.NewHandler, TrackerOption to callback.NewTracker and BulkOption
// to bulk.NewRunner (or the Observer
// NewObserver returns to anything that takes a *crispwa.Observer). Without
// WithTracerProvider and WithMeterProvider, the global providers of
// go.opentelemetry.io/otel are used, so an application that sets them up
// once needs no other option.
//
// The no-op providers of go.opentelemetry.io/otel/trace/noop and
// go.opentelemetry.io/otel/metric/noop cost nothing: with a no-op tracer
// provider no span is started (metrics only), and with both no-op the
// observer sets no hook, so a send or a delivery costs what it does
// unobserved.
//
// # Traces
//
// Each Templates.Send is one span, "crispwa.send" (kind internal), with the
// template's name and language, the recipient masked ("+336****5678"), the
// outcome (crispwa.send.outcome: accepted, rejected, unknown or not_sent),
// Crisp's request_id when accepted, and error.type when not accepted. Inside
// it, each HTTP attempt is one span of kind client named after the method
// and the URL template, with OpenTelemetry's HTTP client attributes
// (http.request.method, server.address, server.port, url.template,
// http.response.status_code, error.type, http.request.resend_count) and the
// SDK's verdict on the attempt (crispwa.attempt.verdict). Reads (List, All,
// Get) make attempt spans too. A retry is an event on the send's span.
//
// Each callback delivery a callback.Handler answers is one span,
// "crispwa.callback" (kind consumer), with the request_id, the result
// (handled, duplicate, refused, failed) and, for a failed send, its failure
// class and WhatsApp error code. With WithSpanStore on both sides, the send
// keeps its span context in the store under its request_id, and the
// callback's span is linked to it: in a trace viewer, one click leads from
// a callback to the send it reports on, even when another replica made it.
// A callback can arrive before Send returns (Crisp, and the fake, can be
// that fast): with a store that is a SpanSwapper (the memory store,
// *redisstore.Store), the callback then leaves its own span context there,
// and the send's span links to the callback's instead.
//
// Each Wait of a callback.Tracker given TrackerOption is one span,
// "crispwa.callback.wait", with the request_id and how the wait ended
// (crispwa.wait.result: delivered, failed, timeout, error).
//
// Give ClientOption, HandlerOption, TrackerOption and BulkOption the same
// options, or share one NewObserver among them.
//
// No span attribute holds a credential, a message's values or a full phone
// number; error messages (which may quote a server's text) are not
// recorded, only their type. The W3C trace context is not sent to Crisp
// unless WithPropagation asks for it.
//
// # Metrics
//
//	crispwa.client.sends            counter    outcome, error.type
//	crispwa.client.send.duration    histogram  s; outcome
//	crispwa.client.retries          counter    reason (rate_limited, no_connection, server_error, transport)
//	crispwa.client.rate_limit.wait  histogram  s
//	http.client.request.duration    histogram  s; http.request.method, server.address, server.port, url.template, http.response.status_code, error.type
//	crispwa.callback.deliveries     counter    result (handled, duplicate, refused, failed), failure.class
//	crispwa.callback.delay          histogram  s, from the send accepted to its callback (needs WithSpanStore)
//	crispwa.callback.wait.duration  histogram  s; result (delivered, failed, timeout, error), of Tracker.Wait
//	crispwa.bulk.outcomes           counter    outcome
//	crispwa.bulk.unknown            up-down    unknown outcomes not yet resolved
//
// No phone number, request_id or website ID is ever a metric attribute.
package crispwaotel
