package proxy

import (
	"net/http"
	"strings"
)

// route runs the endpoint of r and answers its error (respond.go).
func (h *Handler) route(w http.ResponseWriter, r *http.Request) {
	if counts, err := h.serve(w, r); err != nil {
		h.respond(w, r, err, counts)
	}
}

// serve runs the endpoint of r, a handler of the form func(w, r) error, and
// says which metric its failure counts in. The host and rate-limit checks
// come first: they refuse before anything else runs. Endpoints are called
// directly: a method value (h.proxy) made per request would cost an
// allocation.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request) (counter, error) {
	if h.checksHost(r) && !h.hosts.allows(r.Host) {
		return countNothing, h.misdirected(w, r)
	}
	if err := h.checkLoginLimit(r); err != nil {
		return countNothing, err
	}
	switch r.URL.Path {
	case h.paths.start:
		return countLogin, h.start(w, r)
	case h.paths.callback:
		return countLogin, h.callback(w, r)
	case h.paths.logout:
		return countNothing, h.logout(w, r)
	case h.paths.backchannel:
		return countNothing, h.backchannelLogout(w, r)
	case h.paths.frontchannel:
		return countNothing, h.frontchannelLogout(w, r)
	case h.paths.auth:
		return countNothing, h.forwardAuth(w, r)
	case h.paths.userinfo:
		return countNothing, h.userinfo(w, r)
	case h.paths.jwks:
		return countNothing, h.jwks(w, r)
	case h.paths.sessions:
		return countNothing, h.userSessions(w, r)
	}
	if strings.HasPrefix(r.URL.Path, h.paths.auth+"/") {
		return countNothing, h.forwardAuth(w, r) // Envoy's ext_authz appends the original path
	}
	return countRequest, h.proxy(w, r)
}
