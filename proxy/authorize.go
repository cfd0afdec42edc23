package proxy

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/authz"
)

// optionalIdentity is the identity a request to a public path carries, if
// any: a valid session or bearer token of a user whom the policy would let
// reach req, step-up included (an unknown path: every rule must pass). Public requests never
// fail for want of an identity, so a store outage or a bad token only makes
// them anonymous.
func (h *Handler) optionalIdentity(r *http.Request, req authz.Request) *authenticated {
	auth, err := h.authenticate(r)
	if err != nil || auth == nil {
		if err != nil {
			h.log(r.Context()).Debug("public request served without identity", zap.Error(err))
		}
		return nil
	}
	if !h.allows(auth, req) {
		return nil
	}
	if _, ok := h.policy.StepUp(req, auth.session, h.now(), h.opts.clockSkew); ok {
		return nil // the login is too weak or old for the path's rule
	}
	return auth
}

// allows reports whether auth may reach req: the policy, and with
// upstream.basic_auth a user name that can be sent.
func (h *Handler) allows(auth *authenticated, req authz.Request) bool {
	return h.basicUserOK(auth) && h.policy.Allows(req, auth.session)
}
