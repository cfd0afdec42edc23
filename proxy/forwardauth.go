package proxy

import (
	"net/http"
	"net/url"
	"strings"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/authz"
)

// originalRequest is what a forward-auth request says about the request that
// the proxy in front (nginx, Traefik, Envoy) is deciding on.
type originalRequest struct {
	known  bool   // false: the peer is not trusted or named no URI
	path   string // cleaned, for policy
	uri    string // as sent, path and query, for the login redirect
	method string
	host   string // X-Forwarded-Host, when the proxy sent one
	proto  string
}

// forwardAuth answers a proxy's auth subrequest: 202 with the identity headers
// as response headers when the user is logged in and allowed, 401 when not
// logged in, 403 when denied (or when the original path is ambiguous), 503
// when the store or the provider cannot answer. The original URI is believed
// only from trusted_proxies; without it the path is unknown, nothing is
// public, and the user must pass every rule.
//
// Off (forward_auth.enabled false, the default) the endpoint does not exist:
// its 202 carries the signed assertion (unless identity.assertion.enabled is
// false), a credential the upstream accepts, and when gatehouse itself is the
// proxy nothing needs it but a script of the application's origin that wants
// to lift it.
func (h *Handler) forwardAuth(w http.ResponseWriter, r *http.Request) error {
	if !h.opts.forwardAuth {
		return errNotFound
	}
	w.Header().Set("Cache-Control", "no-store")
	orig, err := h.originalRequest(r)
	if err != nil {
		return errAmbiguousOriginal
	}
	req := h.forwardAuthRequest(r, orig)
	if req.MethodKnown && h.isPublicPreflight(r, req.Method) {
		h.accepted(w, r, nil) // no identity: a preflight has no credentials
		return nil
	}
	if h.policy.Public(req) {
		auth := h.optionalIdentity(r, req)
		if auth != nil {
			h.setIdentity(r.Context(), w.Header(), auth)
		}
		h.accepted(w, r, auth)
		return nil
	}
	auth, err := h.authenticate(r)
	if err != nil {
		return err
	}
	if auth == nil {
		h.forwardAuthLogin(w, r, orig)
		return nil
	}
	if !h.allows(auth, req) {
		return &errForbidden{auth: auth, path: orig.path, api: true}
	}
	if step, ok := h.policy.StepUp(req, auth.session, h.now(), h.opts.clockSkew); ok {
		h.forwardAuthStepUp(w, r, orig, step)
		return nil
	}
	h.setIdentity(r.Context(), w.Header(), auth)
	h.accepted(w, r, auth)
	return nil
}

var (
	errNotFound          = &errRequest{status: http.StatusNotFound, title: "Not found", message: "There is no such page."}
	errAmbiguousOriginal = &errRequest{status: http.StatusForbidden, code: "forbidden", message: "ambiguous request path",
		reason: "forward-auth refused an ambiguous original path"}
)

// accepted writes the 202. Every identity header is present, empty when the
// user has no such claim (or on a public path without login): proxies that
// copy listed headers from the auth response (Envoy's
// allowed_upstream_headers) then overwrite a client's copy instead of
// leaving it in place. With upstream.basic_auth the Basic credentials are
// there too, as Authorization (empty without a user), unless the request's
// own bearer token is to be kept.
func (h *Handler) accepted(w http.ResponseWriter, r *http.Request, auth *authenticated) {
	for _, name := range h.mapper.Names() {
		if _, ok := w.Header()[name]; !ok {
			w.Header()[name] = []string{""}
		}
	}
	if _, ok := w.Header()["Authorization"]; !ok && h.basic != nil && !h.keepsAuthorization(auth) {
		w.Header()["Authorization"] = []string{""}
	}
	w.Header()["Cookie"] = []string{h.appCookies(r)}
	w.WriteHeader(http.StatusAccepted)
}

// appCookies is the request's Cookie line without gatehouse's cookies: what
// the application should get. Traefik (authResponseHeaders) and Envoy
// (allowed_upstream_headers) copy it from the 202 onto the request, since
// neither can remove single cookies itself. Empty when nothing is left, so
// that the copy still replaces the browser's line.
func (h *Handler) appCookies(r *http.Request) string {
	hdr := http.Header{"Cookie": r.Header["Cookie"]}
	var line [1]string
	removeOwnCookies(hdr, h.cookies.isOwnCookie, &line)
	return hdr.Get("Cookie")
}

// loginURLHeader carries, on forward-auth's 401, the login URL that returns
// to the original request. nginx reads it with auth_request_set and
// redirects there from its error_page: nginx itself cannot URL-escape rd.
const loginURLHeader = "X-Gatehouse-Login-Url"

// forwardAuthLogin answers 401. nginx ignores the body and redirects through
// its error_page; Traefik shows the body to the browser as it is, so a browser
// navigation gets a page that moves on to the login at once.
func (h *Handler) forwardAuthLogin(w http.ResponseWriter, r *http.Request, orig originalRequest) {
	h.forwardAuthUnauthorized(w, r, orig, "unauthorized", "login required")
}

// forwardAuthUnauthorized is forwardAuthLogin with the JSON error code and
// message of API callers.
func (h *Handler) forwardAuthUnauthorized(w http.ResponseWriter, r *http.Request, orig originalRequest, code, message string) {
	start := h.startURL(h.originalRD(orig))
	w.Header().Set(loginURLHeader, start)
	navigation := isBrowserNavigation(r) &&
		(orig.method == "" || orig.method == http.MethodGet || orig.method == http.MethodHead)
	if !navigation {
		writeJSONError(w, http.StatusUnauthorized, code, message)
		return
	}
	renderPage(w, r, page{
		Status: http.StatusUnauthorized, Title: "Sign-in required",
		Message: "Please sign in to continue.", Link: start, LinkText: "Sign in", Refresh: start,
	})
}

// originalRD is where the login returns: the original URI, made absolute when
// the proxy serves another host than public_url (then /start accepts it only
// for allowed_redirect_hosts).
func (h *Handler) originalRD(orig originalRequest) string {
	if !orig.known || orig.uri == "" {
		return "/"
	}
	if orig.host == "" || strings.EqualFold(orig.host, h.rd.PublicHost()) {
		return orig.uri
	}
	proto := "https"
	if orig.proto == "http" {
		proto = "http"
	}
	return proto + "://" + orig.host + orig.uri
}

// originalRequest reads X-Original-URI (nginx) or X-Forwarded-Uri and
// X-Forwarded-Method (Traefik), or the path after <prefix>/auth (Envoy), from
// a trusted proxy. From any other peer they are ignored: a client could
// otherwise name a public path and skip authentication.
func (h *Handler) originalRequest(r *http.Request) (originalRequest, error) {
	hdr := r.Header
	uri := firstHeader(hdr, "X-Original-Uri", "X-Forwarded-Uri")
	method := firstHeader(hdr, "X-Forwarded-Method", "X-Original-Method")
	if rest, ok := strings.CutPrefix(authz.WirePath(r.URL), h.paths.auth); ok && rest != "" && uri == "" {
		uri, method = rest, r.Method
		if r.URL.RawQuery != "" {
			uri += "?" + r.URL.RawQuery
		}
	}
	if !requestStateFrom(r.Context()).trustedPeer {
		if uri != "" {
			h.repeatLog.Warn("forward-auth: original URI from a peer not in trusted_proxies ignored; the path is treated as unknown (logged at most every 10s)",
				zap.String("peer", r.RemoteAddr))
		}
		return originalRequest{}, nil
	}
	if uri == "" {
		return originalRequest{}, nil
	}
	u, err := url.ParseRequestURI(uri)
	if err != nil {
		return originalRequest{}, authz.ErrBadPath
	}
	p, err := authz.CleanPath(authz.WirePath(u))
	if err != nil {
		return originalRequest{}, err
	}
	return originalRequest{
		known: true, path: p, uri: u.RequestURI(), method: method,
		host: hdr.Get("X-Forwarded-Host"), proto: strings.ToLower(hdr.Get("X-Forwarded-Proto")),
	}, nil
}

func firstHeader(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}
