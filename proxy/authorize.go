package proxy

import (
	"errors"
	"net/http"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/oidcclient"
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
			h.logger.Debug("public request served without identity", zap.Error(err))
		}
		return nil
	}
	if !h.allows(auth, path, pathKnown) {
		return nil
	}
	return auth
}

func (h *Handler) allows(auth *authenticated, path string, pathKnown bool) bool {
	if !pathKnown {
		return h.policy.AllowsEverywhere(auth.session)
	}
	return h.policy.Allows(path, auth.session)
}

// authFailed answers a request whose identity could not be established: a
// refused bearer token is 401; a provider that is not ready or a store that
// cannot answer is 503.
func (h *Handler) authFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, errBearerRefused):
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSONError(w, http.StatusUnauthorized, "invalid_token", "the bearer token is not valid")
	case errors.Is(err, oidcclient.ErrNotReady):
		h.providerUnavailable(w, r, err)
	default:
		h.storeUnavailable(w, r, err)
	}
}

// forbidden answers a logged-in user whom the policy does not let in: a page
// for browsers (with a way to sign in as someone else), JSON for the rest.
func (h *Handler) forbidden(w http.ResponseWriter, r *http.Request, auth *authenticated) {
	requestStateFrom(r.Context()).auth = auth
	h.logger.Info("access denied by policy", zap.String("user", auth.session.Subject),
		zap.String("path", r.URL.Path), zap.String("request_id", requestStateFrom(r.Context()).id))
	if wantsHTML(r) {
		renderPage(w, r, page{
			Status:   http.StatusForbidden,
			Title:    "Access denied",
			Message:  "You are signed in, but your account is not allowed to open this page.",
			Link:     h.startURL(r.URL.RequestURI()),
			LinkText: "Sign in as someone else",
		})
		return
	}
	writeJSONError(w, http.StatusForbidden, "forbidden", "access denied by policy")
}
