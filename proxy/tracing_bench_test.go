package proxy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/metrics"
)

// BenchmarkProxyTracing is BenchmarkProxy's gatehouse-with-assertion with
// tracing off (as without OTEL_* variables), on and every request sampled
// (server span, upstream client span, header injection; spans batched to an
// exporter that drops them), and on with nothing sampled.
func BenchmarkProxyTracing(b *testing.B) {
	upstream := newUpstream(b)
	p := newHotPath(b, upstream.URL, nil)
	run := func(b *testing.B, opts ...Option) {
		h, err := New(p.cfg, p.store, p.oidc, metrics.New(prometheus.NewRegistry()), zap.NewNop(), opts...)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, p.request())
			if w.Code != http.StatusOK {
				b.Fatalf("status %d", w.Code)
			}
		}
	}
	provider := func(b *testing.B, s sdktrace.Sampler) *sdktrace.TracerProvider {
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()), sdktrace.WithSampler(s))
		b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		return tp
	}
	b.Run("off", func(b *testing.B) { run(b) })
	b.Run("sampled", func(b *testing.B) { run(b, WithTracing(provider(b, sdktrace.AlwaysSample()))) })
	b.Run("not-sampled", func(b *testing.B) { run(b, WithTracing(provider(b, sdktrace.NeverSample()))) })
}
