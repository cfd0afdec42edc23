package proxy

import (
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/trace"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/tracing"
)

// WithTracing makes a server span for every request and a client span for
// every upstream call, with tp (internal/tracing decides what a span may
// record). internal/server passes it only when tracing is on: without it
// the request path makes no span (an untrusted client's trace headers are
// still removed, dropClientTraceContext).
func WithTracing(tp trace.TracerProvider) Option {
	return func(h *Handler) {
		h.tracer = &requestTracer{server: tracing.NewServer(tp), endpoints: h.endpoints, authPrefix: h.paths.auth + "/"}
		// Options apply after the reverse proxy is built (newHandler).
		h.upstream.Transport = tracing.Transport(tp, h.upstream.Transport, upstreamSpanName)
	}
}

// requestTracer makes the server spans.
type requestTracer struct {
	server     *tracing.Server
	endpoints  map[string]endpoint // gatehouse's own paths (route.go)
	authPrefix string
}

// route names a request for span names and http.route: gatehouse's
// endpoints by their name in the routing table, everything else
// "upstream".
func (t *requestTracer) route(path string) string {
	if e, ok := t.endpoints[path]; ok {
		return e.name
	}
	if strings.HasPrefix(path, t.authPrefix) {
		return forwardAuthRoute
	}
	return "upstream"
}

func upstreamSpanName(r *http.Request) string { return r.Method + " upstream" }

// tracedRoute is route inside the request's server span. withRequestLog
// has made the request state and wraps w in its status recorder.
func (h *Handler) tracedRoute(w http.ResponseWriter, r *http.Request) {
	st := requestStateFrom(r.Context())
	ctx, span := h.tracer.server.Start(r.Context(), r, h.tracer.route(r.URL.Path), h.traceTrust.trusts(st.trustedPeer))
	span.SetAttributes(tracing.RequestID(st.id))
	h.route(w, r.WithContext(ctx))
	if auth := st.auth; auth != nil && auth.bearer == "" && auth.session != nil {
		span.SetAttributes(tracing.Session(auth.session.ID))
	}
	status := http.StatusOK
	if rec, ok := w.(*statusRecorder); ok {
		status = rec.status()
	}
	tracing.End(span, status)
}

// traceTrust is tracing.trust_incoming: whose traceparent is believed.
type traceTrust string

// trusts reports whether the request's incoming trace context counts;
// trustedPeer says whether its peer is in trusted_proxies.
func (t traceTrust) trusts(trustedPeer bool) bool {
	switch t {
	case config.TrustIncomingAlways:
		return true
	case config.TrustIncomingNever:
		return false
	}
	return trustedPeer
}

// dropClientTraceContext removes the client's traceparent and tracestate
// from the upstream request unless they are trusted: the upstream would
// join its spans to a trace the client chose. With tracing on, the
// upstream transport then sets gatehouse's own; with it off, a trusted
// proxy's trace context passes through unchanged.
func (h *Handler) dropClientTraceContext(out http.Header, trustedPeer bool) {
	if !h.traceTrust.trusts(trustedPeer) {
		delete(out, "Traceparent")
		delete(out, "Tracestate")
	}
}
