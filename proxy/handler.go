// Package proxy is gatehouse's request path and its /oauth2/* endpoints.
//
// Every request enters at ServeHTTP (handler.go, which also builds the
// Handler), gets its request id, per-request logger and access line
// (requestlog.go), passes the host and login-rate checks (hosts.go,
// ratelimit.go), and is routed (route.go) to one handler of the form
// func(w, r) error. A handler writes its answer when it succeeds and returns
// an error otherwise; respond.go is the one place that turns an error
// (errors.go, and the store's and provider's sentinels) into status, page or
// JSON (pages.go), metric and log line.
//
// The request path, top to bottom (requestpath.go): route, then
// authenticate from the cookie or bearer token (authenticate.go, cookies.go,
// bearer.go, refresh.go), authorize against the policy (authorize.go),
// admit upgrades (upgrade.go, upgradewatch.go), rewrite the headers
// (upstream.go, headers.go, assertion.go) and proxy upstream (upstream.go,
// response.go).
//
// The /oauth2/* endpoints, each in its own file: login.go and
// callbackchecks.go (start, callback), newsession.go (the session a login
// creates), logout.go, idplogout.go (the provider's back- and front-channel
// logout), forwardauth.go (nginx, Traefik, Envoy), userinfo.go,
// usersessions.go and sessionspage.go (the user's own sessions), and the
// JWKS in assertion.go. reload.go carries state across a configuration
// reload.
//
// The proxy's dependencies are interfaces it declares (seams.go), and what
// it reads of the configuration is taken once into settings (settings.go),
// so that unit tests run it on fakes (fakes_test.go).
package proxy

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/claims"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/oidcclient"
	"github.com/gatehouse/gatehouse/internal/session"
)

// loginStateTTL bounds a login attempt: the login cookie's Max-Age and how long
// a used state is remembered.
const loginStateTTL = 10 * time.Minute

// Handler serves gatehouse's main listener.
type Handler struct {
	opts     settings
	store    sessionStore
	oidc     provider
	mapper   *identity.Mapper
	asserter *identity.Asserter // nil: identity.assertion.enabled false
	// claims says what a session keeps of the provider's claims
	// (newsession.go); basic is upstream.basic_auth, nil when off
	// (basicauth.go).
	claims *claims.Mapping
	basic  *basicAuth
	// shared keeps assertions beside the session records for every replica
	// (sharedassertion.go); nil: each process signs its own.
	shared   *keptAssertions
	logger   *zap.Logger
	metrics  *metrics.Metrics // nil: no metrics
	cookies  cookieJar
	strip    stripper
	upstream *httputil.ReverseProxy
	rd       redirectValidator
	hosts    hostGuard // server.allowed_hosts (hosts.go)
	paths    paths
	// endpoints routes gatehouse's own paths (route.go).
	endpoints map[string]endpoint
	policy    *authz.Policy
	now       func() time.Time
	// repeatLog writes each message at most once per interval (authenticate.go).
	repeatLog *zap.Logger
	// accessLog writes the per-request line (requestlog.go).
	accessLog *zap.Logger
	// loginLimit throttles /start and the callback per client (ratelimit.go);
	// nil: no limit.
	loginLimit *loginLimiter
	// upgrade admits upgrades (upgrade.go); upgrades tracks the open ones
	// and closes them when their session ends (upgradewatch.go).
	upgrade  upgradePolicy
	upgrades *openUpgrades
	// tracer makes the request's server span (tracing.go); nil: tracing is
	// off. traceTrust is tracing.trust_incoming.
	tracer     *requestTracer
	traceTrust traceTrust
}

type paths struct {
	start, callback, logout string
	auth, userinfo, jwks    string
	backchannel             string
	frontchannel            string
	sessions                string // the user's own sessions (usersessions.go)
}

// New builds the handler. cfg must have passed config validation; m may be nil.
func New(cfg *config.Config, store session.Backend, oidc *oidcclient.Client, m *metrics.Metrics, logger *zap.Logger, opts ...Option) (*Handler, error) {
	return newHandler(cfg, store, oidc, m, logger, opts...)
}

// newHandler is New on the proxy's own interfaces (seams.go): unit tests
// pass fakes.
func newHandler(cfg *config.Config, store sessionStore, oidc provider, m *metrics.Metrics, logger *zap.Logger, opts ...Option) (*Handler, error) {
	upstreamURL, err := url.Parse(cfg.Upstream.URL)
	if err != nil {
		return nil, err // validated already; kept for safety
	}
	cookies, err := newCookieJar(cfg)
	if err != nil {
		return nil, err
	}
	mapper, err := identity.NewMapper(identity.MapperOptions{
		Headers: cfg.Identity.Headers, Static: cfg.Identity.StaticHeaders, MaxBytes: cfg.Identity.MaxHeaderBytes,
	})
	if err != nil {
		return nil, err
	}
	asserter, err := newAsserter(cfg, mapper, logger)
	if err != nil {
		return nil, err
	}
	h := &Handler{
		opts:     newSettings(cfg),
		store:    store,
		oidc:     oidc,
		mapper:   mapper,
		asserter: asserter,
		logger:   logger,
		metrics:  m,
		cookies:  cookies,
		rd:       newRedirectValidator(cfg.PublicURL, cfg.AllowedRedirectHosts),
		hosts:    newHostGuard(cfg.PublicURL, cfg.Server.AllowedHosts),
		paths: paths{
			start:    cfg.PathPrefix + "/start",
			callback: cfg.OIDC.RedirectPath,
			logout:   cfg.PathPrefix + "/logout",
			auth:     cfg.PathPrefix + "/auth",
			userinfo: cfg.PathPrefix + "/userinfo",
			jwks:     cfg.PathPrefix + "/jwks.json",
			// OpenID Connect Back- and Front-Channel Logout (idplogout.go).
			backchannel:  cfg.PathPrefix + "/backchannel-logout",
			frontchannel: cfg.PathPrefix + "/frontchannel-logout",
			sessions:     cfg.PathPrefix + "/sessions",
		},
		now:        time.Now,
		traceTrust: traceTrust(cfg.Tracing.TrustIncoming),
	}
	h.endpoints = h.newEndpoints()
	if h.policy, err = authz.New(cfg.Authorization); err != nil {
		return nil, err
	}
	if h.basic, err = newBasicAuth(cfg.Upstream.BasicAuth); err != nil {
		return nil, err
	}
	if h.claims, err = newClaimMapping(cfg, h.mapper, h.policy, h.basic); err != nil {
		return nil, err
	}
	h.repeatLog = newRepeatLogger(logger)
	if asserter != nil {
		h.shared = newKeptAssertions(cfg, store, asserter.KeyID())
	}
	h.loginLimit = newLoginLimiter(cfg.Server.LoginRateLimit, cfg.Server.LoginRateBurst, time.Now)
	// The caller of every access line is the same line of requestlog.go;
	// looking it up (runtime.Callers) was a sizeable part of the line's cost.
	h.accessLog = logger.WithOptions(zap.WithCaller(false))
	// The assertion's header is stripped even when none is sent: a client
	// copy must never reach an upstream that still verifies it.
	h.strip = newStripper(append(h.mapper.Names(), cfg.Identity.Assertion.Header), cfg.TrustedProxyPrefixes)
	h.upstream = h.newReverseProxy(upstreamURL)
	h.upgrade, h.upgrades = newUpgradePolicy(cfg), newOpenUpgrades(cfg.Upstream.UpgradeSessionCheck)
	for _, opt := range opts {
		opt(h)
	}
	h.upgrades.latest.Store(h)
	return h, nil
}

// ServeHTTP routes a request: gatehouse's own endpoints by exact path,
// everything else to the protected upstream. No path cleaning happens here:
// the upstream sees the path the client sent.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.tracer != nil {
		withRequestLog(h.accessLog, h.strip.trusts(r), w, r, h.tracedRoute)
		return
	}
	withRequestLog(h.accessLog, h.strip.trusts(r), w, r, h.route)
}
