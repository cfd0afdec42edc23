package proxy

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/authz"
)

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
	req := h.policyRequest(r, p)
	auth, err := h.identify(r, req, upgrade)
	if err != nil {
		return err
	}
	// The one place the identity to forward is set; rewrite (upstream.go)
	// reads it.
	requestStateFrom(r.Context()).auth = auth
	if upgrade {
		h.serveUpgrade(w, r, req, auth)
		return nil
	}
	h.upstream.ServeHTTP(w, r)
	return nil
}

// identify authenticates and authorizes req: the identity to forward (nil
// on a public path without one), errNotLoggedIn, errForbidden, or a step-up
// (stepup.go).
func (h *Handler) identify(r *http.Request, req authz.Request, upgrade bool) (*authenticated, error) {
	// An upgrade needs a session also on a public path: the connection it
	// opens outlives this request's checks (upgrade.go).
	if !upgrade && h.isPublicPreflight(r, r.Method) {
		return nil, nil
	}
	if !upgrade && h.policy.Public(req) {
		return h.optionalIdentity(r, req), nil
	}
	auth, err := h.authenticate(r)
	if err != nil {
		return nil, err
	}
	if auth == nil {
		return nil, errNotLoggedIn
	}
	if !h.allows(auth, req) {
		return nil, &errForbidden{auth: auth, path: r.URL.Path, uri: r.URL.RequestURI()}
	}
	if step, ok := h.policy.StepUp(req, auth.session, h.now(), h.opts.clockSkew); ok {
		return nil, stepUpRequired(r, step)
	}
	return auth, nil
}
