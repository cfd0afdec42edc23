package tracing

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Server makes the server span of each incoming request.
type Server struct {
	tracer trace.Tracer
}

// NewServer makes server spans with tp.
func NewServer(tp trace.TracerProvider) *Server {
	return &Server{tracer: tp.Tracer(instrumentation)}
}

// Start starts the server span of r, named by its route ("GET callback"):
// a raw path would make one span name per URL.
//
// With trustParent the incoming traceparent (and tracestate) is the span's
// parent. Otherwise the span starts a new trace, and a valid incoming
// traceparent is only linked: an untrusted client can neither join its
// requests to someone else's trace nor, through its sampled flag, decide
// what gets recorded.
func (s *Server) Start(ctx context.Context, r *http.Request, route string, trustParent bool) (context.Context, trace.Span) {
	opts := []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(method(r.Method), semconv.URLPath(r.URL.Path), semconv.URLScheme(scheme(r)),
			semconv.HTTPRoute(route)),
	}
	carrier := propagation.HeaderCarrier(r.Header)
	if trustParent {
		ctx = Propagator().Extract(ctx, carrier)
	} else {
		opts = append(opts, trace.WithNewRoot())
		remote := Propagator().Extract(context.Background(), carrier)
		if sc := trace.SpanContextFromContext(remote); sc.IsValid() {
			opts = append(opts, trace.WithLinks(trace.Link{SpanContext: sc}))
		}
	}
	return s.tracer.Start(ctx, methodName(r.Method)+" "+route, opts...)
}

// End records the response status and ends the span. A 5xx is an error of
// gatehouse's (or the upstream's); a 4xx is the client's and is not.
func End(span trace.Span, status int) {
	span.SetAttributes(semconv.HTTPResponseStatusCode(status))
	if status >= 500 {
		span.SetStatus(codes.Error, "")
	}
	span.End()
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}
