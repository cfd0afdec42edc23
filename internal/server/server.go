// Package server assembles gatehouse from a validated config: the session
// store, the OIDC client, the request handler and the two listeners. main and
// the end-to-end tests both start gatehouse through it.
package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/oidcclient"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/session/memory"
	redisstore "github.com/gatehouse/gatehouse/internal/session/redis"
	"github.com/gatehouse/gatehouse/internal/tracing"
	"github.com/gatehouse/gatehouse/proxy"
)

// Server is one gatehouse instance.
type Server struct {
	cfg    *config.Config
	logger *zap.Logger
	store  session.Store
	oidc   *oidcclient.Client
	main   *http.Server
	ops    *http.Server
	// inflight counts main-listener requests, upgraded ones included;
	// endUpgraded cancels their base context at shutdown.
	inflight    *inflight
	endUpgraded context.CancelFunc
	// reload swaps the request handler when the config changes (reload.go).
	reload  reloader
	tracing *tracing.Provider // flushed at shutdown
}

// New builds a server. Nothing is contacted yet: the store and the provider
// may be down at start; gatehouse then answers 503 until they are back.
// opts are for tests (an injected clock); main passes none.
func New(cfg *config.Config, logger *zap.Logger, opts ...proxy.Option) (*Server, error) {
	// One registry for the ops listener's /metrics, handed to whatever reports.
	registry := prometheus.NewRegistry()
	store, err := newStore(cfg, logger, registry)
	m := metrics.New(registry)
	if err != nil {
		return nil, err
	}
	store = m.InstrumentStore(store)
	tp, err := newTracing(cfg, logger)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	t := instrument(cfg, tp, store)
	store, opts = t.store, append(opts, t.opts...)
	oidcOpts := oidcOptions(cfg)
	oidcOpts.HTTPClient = t.httpClient
	oidc := oidcclient.New(oidcOpts, logger)
	metrics.RegisterReadiness(registry, oidc.Ready)
	handler, err := proxy.New(cfg, store, oidc, m, logger, opts...)
	if err != nil {
		_ = store.Close()
		_ = tp.Shutdown(context.Background())
		return nil, fmt.Errorf("build request handler: %w", err)
	}
	// Under oidc.userinfo auto the client completes an ID token that lacks
	// a claim the handler's identity mapping reads.
	oidc.SetNeededClaims(handler.NeededClaims())
	s := &Server{cfg: cfg, logger: logger, store: store, oidc: oidc, tracing: tp}
	s.reload.init(cfg, handler, metrics.NewConfigReloads(registry), func(c *config.Config, prev *proxy.Handler) (*proxy.Handler, error) {
		next, err := proxy.New(c, store, oidc, m, logger, append(slices.Clone(opts), proxy.WithPrevious(prev))...)
		if err == nil {
			oidc.SetNeededClaims(next.NeededClaims())
		}
		return next, err
	})
	s.inflight = &inflight{next: &s.reload.live}
	var base context.Context
	base, s.endUpgraded = context.WithCancel(context.Background())
	s.main = &http.Server{
		Handler:           s.inflight,
		BaseContext:       func(net.Listener) context.Context { return base },
		ReadHeaderTimeout: cfg.Server.ReadHeaderTimeout,
		ReadTimeout:       cfg.Server.ReadTimeout,
		WriteTimeout:      cfg.Server.WriteTimeout,
		IdleTimeout:       cfg.Server.IdleTimeout,
		MaxHeaderBytes:    cfg.Server.MaxHeaderBytes,
		ErrorLog:          zap.NewStdLog(logger.Named("http")),
	}
	s.ops = &http.Server{
		Handler:           newOpsHandler(store, oidc, registry),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       cfg.Server.IdleTimeout,
		ErrorLog:          zap.NewStdLog(logger.Named("ops")),
	}
	return s, nil
}

func newStore(cfg *config.Config, logger *zap.Logger, reg prometheus.Registerer) (session.Backend, error) {
	switch cfg.Session.Store {
	case "memory":
		return memory.New(), nil
	case "redis":
		r := cfg.Session.Redis
		store, err := redisstore.New(redisstore.Options{
			Addresses:      r.Addresses,
			SentinelMaster: r.SentinelMaster,
			Username:       r.Username,
			Password:       r.Password,
			DB:             r.DB,
			KeyPrefix:      r.KeyPrefix,
			Timeout:        r.Timeout,
			ClientCache:    r.ClientCache,
			// Keyed by session, like the proxy's caches: one key sizes all three.
			CacheEntries: cfg.Session.CacheEntries,
			TLS: redisstore.TLSOptions{
				Enabled:            r.TLS.Enabled,
				CAFile:             r.TLS.CAFile,
				CertFile:           r.TLS.CertFile,
				KeyFile:            r.TLS.KeyFile,
				ServerName:         r.TLS.ServerName,
				InsecureSkipVerify: r.TLS.InsecureSkipVerify,
			},
			Registerer: reg,
		}, logger.Named("redis"))
		if err != nil {
			return nil, fmt.Errorf("session.redis: %w", err)
		}
		return store, nil
	default:
		return nil, fmt.Errorf("session.store: unknown store %q", cfg.Session.Store)
	}
}

// Run listens on the configured addresses and serves until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	mainLn, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	opsLn, err := net.Listen("tcp", s.cfg.OpsListen)
	if err != nil {
		_ = mainLn.Close()
		return fmt.Errorf("ops_listen: %w", err)
	}
	return s.Serve(ctx, mainLn, opsLn)
}

// Serve serves on the given listeners until ctx ends, then shuts down
// gracefully: in-flight requests get server.shutdown_timeout to finish.
func (s *Server) Serve(ctx context.Context, mainLn, opsLn net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.oidc.Run(ctx)
	go s.watchConfig(ctx)

	errs := make(chan error, 2)
	serve := func(srv *http.Server, ln net.Listener, name string) {
		s.logger.Info("listening", zap.String("listener", name), zap.String("address", ln.Addr().String()))
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("%s listener: %w", name, err)
			return
		}
		errs <- nil
	}
	go serve(s.main, mainLn, "main")
	go serve(s.ops, opsLn, "ops")

	var firstErr error
	select {
	case <-ctx.Done():
	case firstErr = <-errs:
		cancel()
	}
	s.logger.Info("shutting down", zap.Duration("grace", s.cfg.Server.ShutdownTimeout))
	shutdownCtx, done := context.WithTimeout(context.Background(), s.cfg.Server.ShutdownTimeout)
	defer done()
	if err := s.main.Shutdown(shutdownCtx); err != nil {
		s.logger.Warn("main listener did not drain in time", zap.Error(err))
	}
	// Shutdown neither closes nor waits for upgraded connections
	// (WebSockets). Ending their request context makes the reverse proxy
	// close both sides; then wait for their handlers to return.
	s.endUpgraded()
	if err := s.inflight.wait(shutdownCtx); err != nil {
		s.logger.Warn("upgraded connections did not close in time", zap.Error(err))
	}
	_ = s.ops.Shutdown(shutdownCtx)
	if err := s.store.Close(); err != nil {
		s.logger.Warn("close session store", zap.Error(err))
	}
	if err := s.tracing.Shutdown(shutdownCtx); err != nil {
		s.logger.Warn("tracing shutdown", zap.Error(err))
	}
	return firstErr
}
