package proxy

import (
	"net/http"
	"strings"
)

// route runs the endpoint of r and answers its error (respond.go).
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
