// Package proxy is gatehouse's request path. A request is routed (handler.go),
// authenticated from its cookie (authenticate.go), and either proxied upstream
// with identity headers (upstream.go, headers.go) or sent to log in
// (unauthenticated.go, login.go). Logout is in logout.go.
package proxy

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/pkg/config"
	"github.com/gatehouse/gatehouse/pkg/identity"
	"github.com/gatehouse/gatehouse/pkg/oidcclient"
	"github.com/gatehouse/gatehouse/pkg/session"
)

// loginStateTTL bounds a login attempt: the login cookie's Max-Age and how long
// a used state is remembered.
const loginStateTTL = 10 * time.Minute

// Handler serves gatehouse's main listener.
type Handler struct {
	cfg      *config.Config
	store    session.Store
	oidc     *oidcclient.Client
	mapper   *identity.Mapper
	asserter *identity.Asserter
	logger   *zap.Logger
	cookies  cookieJar
	strip    stripper
	upstream *httputil.ReverseProxy
	rd       redirectValidator
	paths    paths
	now      func() time.Time
}

type paths struct {
	start, callback, logout, jwks string
}

// New builds the handler. cfg must have passed config validation.
func New(cfg *config.Config, store session.Store, oidc *oidcclient.Client, logger *zap.Logger) (*Handler, error) {
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
		cfg:      cfg,
		store:    store,
		oidc:     oidc,
		mapper:   mapper,
		asserter: asserter,
		logger:   logger,
		cookies:  cookies,
		rd:       newRedirectValidator(cfg.PublicURL, cfg.AllowedRedirectHosts),
		paths: paths{
			start:    cfg.PathPrefix + "/start",
			callback: cfg.OIDC.RedirectPath,
			logout:   cfg.PathPrefix + "/logout",
			jwks:     cfg.PathPrefix + "/jwks.json",
		},
		now: time.Now,
	}
	h.strip = newStripper(append(h.mapper.Names(), asserter.Header()), cfg.TrustedProxyPrefixes)
	h.upstream = h.newReverseProxy(upstreamURL)
	return h, nil
}

// ServeHTTP routes a request: gatehouse's own endpoints by exact path,
// everything else to the protected upstream. No path cleaning happens here:
// the upstream sees the path the client sent.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	withRequestLog(h.logger, h.strip.trusts(r), w, r, h.route)
}

func (h *Handler) route(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case h.paths.start:
		h.start(w, r)
	case h.paths.callback:
		h.callback(w, r)
	case h.paths.logout:
		h.logout(w, r)
	case h.paths.jwks:
		h.jwks(w, r)
	default:
		h.proxy(w, r)
	}
}

// proxy serves an application request: authenticated requests go upstream,
// the rest are sent to log in or refused.
func (h *Handler) proxy(w http.ResponseWriter, r *http.Request) {
	auth, err := h.authenticate(r)
	if err != nil {
		h.storeUnavailable(w, r, err)
		return
	}
	if auth == nil {
		h.unauthenticated(w, r)
		return
	}
	requestStateFrom(r.Context()).auth = auth
	h.upstream.ServeHTTP(w, r)
}
