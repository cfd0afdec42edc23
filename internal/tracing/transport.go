package tracing

import (
	"io"
	"net/http"
	"sync"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Transport returns next with a client span around every request and the
// W3C trace context of that span sent along, so that the peer's spans join
// gatehouse's trace. name names the span from the request (never from its
// query). The span ends when the response body is closed or read to its end.
func Transport(tp trace.TracerProvider, next http.RoundTripper, name func(*http.Request) string) http.RoundTripper {
	return &transport{tracer: tp.Tracer(instrumentation), next: next, name: name}
}

type transport struct {
	tracer trace.Tracer
	next   http.RoundTripper
	name   func(*http.Request) string
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, span := t.tracer.Start(req.Context(), t.name(req),
		trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(clientAttributes(req)...))
	// A RoundTripper may not change the request it was given.
	req = req.Clone(ctx)
	// The peer gets gatehouse's span as parent, whatever the client sent.
	req.Header.Del("Traceparent")
	req.Header.Del("Tracestate")
	Propagator().Inject(ctx, propagation.HeaderCarrier(req.Header))
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		span.SetAttributes(errorType(err))
		span.SetStatus(codes.Error, "")
		span.End()
		return nil, err
	}
	span.SetAttributes(semconv.HTTPResponseStatusCode(resp.StatusCode))
	if resp.StatusCode >= 400 {
		span.SetStatus(codes.Error, "")
	}
	if resp.StatusCode == http.StatusSwitchingProtocols || resp.Body == nil || resp.Body == http.NoBody {
		// An upgraded connection's body is the connection itself
		// (ReverseProxy needs its io.ReadWriteCloser): the span covers the
		// handshake only.
		span.End()
		return resp, nil
	}
	resp.Body = &spanBody{ReadCloser: resp.Body, span: span}
	return resp, nil
}

// spanBody ends its span when the body is done with.
type spanBody struct {
	io.ReadCloser
	span trace.Span
	once sync.Once
}

func (b *spanBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.end()
	}
	return n, err
}

func (b *spanBody) Close() error {
	b.end()
	return b.ReadCloser.Close()
}

func (b *spanBody) end() { b.once.Do(func() { b.span.End() }) }
