// Package proxy is gatehouse's request path. A request is routed (handler.go),
// authenticated from its cookie or bearer token (authenticate.go, bearer.go),
// authorized against the policy (authorize.go), and either proxied upstream
// with identity headers (upstream.go, headers.go) or sent to log in
// (unauthenticated.go, login.go). Logout is in logout.go, the provider's
// back- and front-channel logout in idplogout.go; forward-auth for
// nginx, Traefik and Envoy in forwardauth.go; the identity JSON in
// userinfo.go.
package proxy

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/authz"
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
	opts settings
	// cfg is read by rewrite alone (upstream.go); everything else reads opts.
	cfg      *config.Config
	store    sessionStore
	oidc     provider
	mapper   *identity.Mapper
	asserter *identity.Asserter
	logger   *zap.Logger
	metrics  *metrics.Metrics // nil: no metrics
	cookies  cookieJar
	strip    stripper
	upstream *httputil.ReverseProxy
	rd       redirectValidator
	hosts    hostGuard // server.allowed_hosts (hosts.go)
	paths    paths
	policy   *authz.Policy
	now      func() time.Time
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
}

type paths struct {
	start, callback, logout string
	auth, userinfo, jwks    string
	backchannel             string
	frontchannel            string
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
	mapper := identity.NewMapper(cfg.Identity.Headers, cfg.Identity.MaxHeaderBytes)
	asserter, err := newAsserter(cfg, mapper, logger)
	if err != nil {
		return nil, err
	}
	h := &Handler{
		opts:     newSettings(cfg),
		cfg:      cfg,
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
		},
		now: time.Now,
	}
	if h.policy, err = authz.New(cfg.Authorization); err != nil {
		return nil, err
	}
	h.repeatLog = newRepeatLogger(logger)
	h.loginLimit = newLoginLimiter(cfg.Server.LoginRateLimit, cfg.Server.LoginRateBurst, time.Now)
	// The caller of every access line is the same line of requestlog.go;
	// looking it up (runtime.Callers) was a sizeable part of the line's cost.
	h.accessLog = logger.WithOptions(zap.WithCaller(false))
	h.strip = newStripper(append(h.mapper.Names(), asserter.Header()), cfg.TrustedProxyPrefixes)
	h.upstream = h.newReverseProxy(upstreamURL)
	h.upgrade, h.upgrades = newUpgradePolicy(cfg), newOpenUpgrades(cfg.Upstream.UpgradeSessionCheck)
	for _, opt := range opts {
		opt(h)
	}
	return h, nil
}

// ServeHTTP routes a request: gatehouse's own endpoints by exact path,
// everything else to the protected upstream. No path cleaning happens here:
// the upstream sees the path the client sent.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	withRequestLog(h.accessLog, h.strip.trusts(r), w, r, h.route)
}

func (h *Handler) route(w http.ResponseWriter, r *http.Request) {
	serve, counts := h.endpoint(r)
	if err := serve(w, r); err != nil {
		h.respond(w, r, err, counts)
	}
}

// endpoint picks the handler of r and the metric its failures count in.
// The host and rate-limit checks come first: they refuse before anything
// else runs.
func (h *Handler) endpoint(r *http.Request) (handlerFunc, counter) {
	if h.checksHost(r) && !h.hosts.allows(r.Host) {
		return h.misdirected, countNothing
	}
	if err := h.checkLoginLimit(r); err != nil {
		return func(http.ResponseWriter, *http.Request) error { return err }, countNothing
	}
	switch r.URL.Path {
	case h.paths.start:
		return h.start, countLogin
	case h.paths.callback:
		return h.callback, countLogin
	case h.paths.logout:
		return h.logout, countNothing
	case h.paths.backchannel:
		return h.backchannelLogout, countNothing
	case h.paths.frontchannel:
		return h.frontchannelLogout, countNothing
	case h.paths.auth:
		return h.forwardAuth, countNothing
	case h.paths.userinfo:
		return h.userinfo, countNothing
	case h.paths.jwks:
		return h.jwks, countNothing
	}
	if strings.HasPrefix(r.URL.Path, h.paths.auth+"/") {
		return h.forwardAuth, countNothing // Envoy's ext_authz appends the original path
	}
	return h.proxy, countRequest
}

// errBadPathRequest refuses a path that policy could not judge safely.
var errBadPathRequest = &errRequest{status: http.StatusBadRequest, title: "Bad request",
	message: "The request path contains an encoded slash, a backslash, a \"#\", a control character " +
		"or a dot segment with parameters (\"..;\")."}

// proxy serves an application request: public paths go upstream as they are;
// authenticated and allowed requests go upstream with the identity; the rest
// are sent to log in or refused. Policy sees only the cleaned path.
func (h *Handler) proxy(w http.ResponseWriter, r *http.Request) error {
	p, err := authz.CleanPath(authz.WirePath(r.URL))
	if err != nil {
		return errBadPathRequest
	}
	upgrade, err := h.admitUpgrade(r)
	if err != nil {
		return err
	}
	// An upgrade needs a session also on a public path: the connection it
	// opens outlives this request's checks (upgrade.go).
	if h.policy.Public(p) && !upgrade {
		requestStateFrom(r.Context()).auth = h.optionalIdentity(r, p, true)
		h.upstream.ServeHTTP(w, r)
		return nil
	}
	auth, err := h.authenticate(r)
	if err != nil {
		return err
	}
	if auth == nil {
		return errNotLoggedIn
	}
	requestStateFrom(r.Context()).auth = auth
	if !h.policy.Allows(p, auth.session) {
		return &errForbidden{auth: auth, path: r.URL.Path, uri: r.URL.RequestURI()}
	}
	if upgrade {
		h.serveUpgrade(w, r, p, auth)
		return nil
	}
	h.upstream.ServeHTTP(w, r)
	return nil
}
