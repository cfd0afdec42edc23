// Package tracing builds gatehouse's OpenTelemetry tracer provider from the
// OTEL_* settings (config.OTelExport) and makes the spans of the request
// path: the server span of each request (server.go), client spans around
// the upstream and provider calls (transport.go, provider.go) and spans
// around the session store's calls (store.go).
//
// What a span may hold is decided here and nowhere else (attributes.go):
// never a cookie, token, code, state, query string or e-mail address; a
// session only as its hash.
//
// Nothing is global: the provider is built by internal/server, handed to
// whoever makes spans, and shut down (flushed) with the server. When tracing
// is off, callers get Enabled() false and install nothing, so the request
// path pays nothing.
package tracing

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/gatehouse/gatehouse/internal/config"
)

// instrumentation names gatehouse as the library that made the spans.
const instrumentation = "github.com/gatehouse/gatehouse"

// Provider is the tracer provider of one gatehouse process.
type Provider struct {
	sdk *sdktrace.TracerProvider // nil: tracing is off
}

// New builds the provider that export describes; with no endpoint it is
// off. Nothing is contacted here: spans are batched and sent in the
// background, and an unreachable collector costs dropped spans, never a
// failed request.
//
// The exporter and the batcher still read the OTEL_EXPORTER_OTLP_HEADERS,
// _TIMEOUT, _COMPRESSION, _CERTIFICATE and OTEL_BSP_* variables from the
// process environment themselves; what config read is passed explicitly
// and wins.
func New(ctx context.Context, export config.OTelExport) (*Provider, error) {
	if !export.Enabled() {
		return &Provider{}, nil
	}
	encoding := otlptracehttp.EncodingProtobuf
	if export.JSON {
		encoding = otlptracehttp.EncodingJSON
	}
	exporter, err := otlptracehttp.New(ctx,
		otlptracehttp.WithEndpointURL(export.Endpoint),
		otlptracehttp.WithEncoding(encoding),
	)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	attrs := []attribute.KeyValue{semconv.ServiceName(export.ServiceName)}
	for _, a := range export.Resource {
		attrs = append(attrs, attribute.String(a.Key, a.Value))
	}
	res, err := resource.New(ctx, resource.WithTelemetrySDK(), resource.WithSchemaURL(semconv.SchemaURL),
		resource.WithAttributes(attrs...))
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	sdk := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exporter),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sampler(export.Sampler, export.Ratio)),
	)
	return &Provider{sdk: sdk}, nil
}

// Enabled reports whether spans are exported.
func (p *Provider) Enabled() bool { return p.sdk != nil }

// TracerProvider is the provider to make spans with; a no-op one when off.
func (p *Provider) TracerProvider() trace.TracerProvider {
	if p.sdk == nil {
		return noop.NewTracerProvider()
	}
	return p.sdk
}

// Shutdown sends the spans still batched and stops the exporter; ctx bounds
// how long that may take.
func (p *Provider) Shutdown(ctx context.Context) error {
	if p.sdk == nil {
		return nil
	}
	if err := p.sdk.Shutdown(ctx); err != nil {
		return fmt.Errorf("tracing: flush spans: %w", err)
	}
	return nil
}

// Propagator reads and writes the W3C traceparent and tracestate headers.
// Baggage is not propagated: it would carry whatever a client put in it to
// the upstream and the provider.
func Propagator() propagation.TextMapPropagator { return propagation.TraceContext{} }

// sampler builds the OTEL_TRACES_SAMPLER sampler. Parent-based samplers
// follow only parents gatehouse accepted (server.go): an untrusted client's
// sampled flag starts nothing.
func sampler(name string, ratio float64) sdktrace.Sampler {
	switch name {
	case "always_on":
		return sdktrace.AlwaysSample()
	case "always_off":
		return sdktrace.NeverSample()
	case "traceidratio":
		return sdktrace.TraceIDRatioBased(ratio)
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample())
	case "parentbased_traceidratio":
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))
	default: // parentbased_always_on, the default
		return sdktrace.ParentBased(sdktrace.AlwaysSample())
	}
}
