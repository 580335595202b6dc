package crispwaotel

import (
	"go.opentelemetry.io/otel/metric/noop"
)

// noopInstruments are the instruments used in place of any a meter could
// not create.
func noopInstruments() *telemetry {
	m := noop.NewMeterProvider().Meter(ScopeName)
	t := &telemetry{}
	t.sends, _ = m.Int64Counter("")
	t.sendDuration, _ = m.Float64Histogram("")
	t.retries, _ = m.Int64Counter("")
	t.rateWait, _ = m.Float64Histogram("")
	t.httpDuration, _ = m.Float64Histogram("")
	t.deliveries, _ = m.Int64Counter("")
	t.delay, _ = m.Float64Histogram("")
	t.waitDuration, _ = m.Float64Histogram("")
	t.bulkOutcomes, _ = m.Int64Counter("")
	t.bulkUnknown, _ = m.Int64UpDownCounter("")
	return t
}
