package server

import (
	"context"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/config"
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
		httpClient: tracing.ProviderClient(p, http.DefaultTransport, cfg.OIDC.HTTPTimeout),
		opts:       []proxy.Option{proxy.WithTracing(p)},
	}
}

// newTracing builds the tracer provider the OTEL_* variables describe.
func newTracing(cfg *config.Config) (*tracing.Provider, error) {
	return tracing.New(context.Background(), cfg.Tracing.Export)
}
