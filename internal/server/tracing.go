package server

import (
	"context"
	"net/http"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/oidcclient"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/tracing"
	"github.com/gatehouse/gatehouse/proxy"
)

// traced is what tracing changes in the assembly: the store with spans,
// the provider's HTTP client (nil: oidcclient's own) and the handler
// option. With tracing off it is the store unchanged and nothing else.
type traced struct {
	store      session.Backend
	httpClient *http.Client
	opts       []proxy.Option
}

// instrument puts spans around store, the provider's calls and the
// request path when tp is enabled.
func instrument(cfg *config.Config, tp *tracing.Provider, store session.Backend) traced {
	if !tp.Enabled() {
		return traced{store: store}
	}
	p := tp.TracerProvider()
	return traced{
		store:      tracing.InstrumentStore(p, cfg.Session.Store, store),
		httpClient: tracing.ProviderClient(p, oidcclient.NewTransport(), cfg.OIDC.HTTPTimeout),
		opts:       []proxy.Option{proxy.WithTracing(p)},
	}
}

// newTracing builds the tracer provider the OTEL_* variables describe.
func newTracing(cfg *config.Config, logger *zap.Logger) (*tracing.Provider, error) {
	e := cfg.Tracing.Export
	tp, err := tracing.New(context.Background(), e)
	if err == nil && tp.Enabled() {
		logger.Info("tracing on", zap.String("endpoint", e.Endpoint), zap.String("service", e.ServiceName),
			zap.String("sampler", e.Sampler), zap.Float64("ratio", e.Ratio), zap.String("trust_incoming", cfg.Tracing.TrustIncoming))
	}
	return tp, err
}
