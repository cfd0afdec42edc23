package proxy

import (
	"net/http"

	"go.uber.org/zap"
)

// optionalIdentity is the identity a request to a public path carries, if
// any: a valid session or bearer token of a user whom the policy would let
// reach path. pathKnown false means the path is unknown and every rule must
// pass. Public requests never fail for want of an identity, so a store outage
// or a bad token only makes them anonymous.
func (h *Handler) optionalIdentity(r *http.Request, path string, pathKnown bool) *authenticated {
	auth, err := h.authenticate(r)
	if err != nil || auth == nil {
		if err != nil {
			h.log(r.Context()).Debug("public request served without identity", zap.Error(err))
		}
		return nil
	}
	if !h.allows(auth, path, pathKnown) {
		return nil
	}
	return auth
}

func (h *Handler) allows(auth *authenticated, path string, pathKnown bool) bool {
	if !h.basicUserOK(auth) {
		return false
	}
	if !pathKnown {
		return h.policy.AllowsEverywhere(auth.session)
	}
	return h.policy.Allows(path, auth.session)
}
