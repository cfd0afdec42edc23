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

// endpoint is one of gatehouse's own paths: its handler (of the form
// func(w, r) error), the metric its failure counts in, and its route name
// (span names and http.route, tracing.go).
type endpoint struct {
	name   string
	counts counter
	serve  func(http.ResponseWriter, *http.Request) error
}

// newEndpoints is the one table of gatehouse's own paths. It is built once
// per handler: a method value (h.start) made per request would cost an
// allocation.
func (h *Handler) newEndpoints() map[string]endpoint {
	p := h.paths
	return map[string]endpoint{
		p.start:        {"start", countLogin, h.start},
		p.callback:     {"callback", countLogin, h.callback},
		p.logout:       {"logout", countNothing, h.logout},
		p.backchannel:  {"backchannel_logout", countNothing, h.backchannelLogout},
		p.frontchannel: {"frontchannel_logout", countNothing, h.frontchannelLogout},
		p.auth:         {forwardAuthRoute, countNothing, h.forwardAuth},
		p.userinfo:     {"userinfo", countNothing, h.userinfo},
		p.jwks:         {"jwks", countNothing, h.jwks},
		p.sessions:     {"sessions", countNothing, h.userSessions},
	}
}

// forwardAuthRoute names forward-auth, also under Envoy's longer paths.
const forwardAuthRoute = "forward_auth"

// serve runs the endpoint of r and says which metric its failure counts
// in. The host and rate-limit checks come first: they refuse before
// anything else runs.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request) (counter, error) {
	if h.checksHost(r) && !h.hosts.allows(r.Host) {
		return countNothing, h.misdirected(w, r)
	}
	if err := h.checkLoginLimit(r); err != nil {
		return countNothing, err
	}
	if e, ok := h.endpoints[r.URL.Path]; ok {
		return e.counts, e.serve(w, r)
	}
	if strings.HasPrefix(r.URL.Path, h.paths.auth+"/") {
		return countNothing, h.forwardAuth(w, r) // Envoy's ext_authz appends the original path
	}
	return countRequest, h.proxy(w, r)
}
