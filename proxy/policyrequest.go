package proxy

import (
	"net/http"
	"net/netip"

	"github.com/gatehouse/gatehouse/internal/authz"
)

// policyRequest is what policy judges of a proxied request: the cleaned path
// p, the method of the request line (method override headers and "_method"
// fields never take part; the headers are stripped before the upstream sees
// them, see internal/headers) and the client's address after
// trusted_proxies.
func (h *Handler) policyRequest(r *http.Request, p string) authz.Request {
	src, _ := clientAddr(r, requestStateFrom(r.Context()).trustedPeer, h.opts.trustedProxies)
	return authz.Request{Path: p, Method: r.Method, MethodKnown: true, Source: src}
}

// forwardAuthSource is the client's address behind a forward-auth proxy:
// the X-Forwarded-For of a trusted proxy, read as for proxied requests.
// Otherwise it is unknown: the peer is the proxy, not the client, and an
// untrusted peer's header is the client's own word.
func (h *Handler) forwardAuthSource(r *http.Request) netip.Addr {
	if !requestStateFrom(r.Context()).trustedPeer || len(r.Header.Values("X-Forwarded-For")) == 0 {
		return netip.Addr{}
	}
	src, _ := clientAddr(r, true, h.opts.trustedProxies)
	return src
}

// isPublicPreflight: with authorization.public_preflight, a CORS preflight
// (OPTIONS with Origin and Access-Control-Request-Method) needs no session.
// It carries no identity either: a preflight never has credentials. method
// is the request's (for forward-auth: the original request's, as a trusted
// proxy names it); the headers are the client's, which nginx and Traefik
// pass to the auth request.
func (h *Handler) isPublicPreflight(r *http.Request, method string) bool {
	return h.opts.publicPreflight && method == http.MethodOptions &&
		r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// forwardAuthRequest is what policy judges of a forward-auth request: the
// original path and method as a trusted proxy names them (unknown
// otherwise: X-Forwarded-Method and X-Original-Method are believed only
// from trusted_proxies, like the URI) and the client behind the proxy.
func (h *Handler) forwardAuthRequest(r *http.Request, orig originalRequest) authz.Request {
	req := authz.Request{Source: h.forwardAuthSource(r)}
	if orig.known {
		req.Path, req.Method, req.MethodKnown = orig.path, orig.method, orig.method != ""
	}
	return req
}
