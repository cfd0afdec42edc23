package proxy

import (
	"errors"
	"net/http"
	"net/url"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/oidcclient"
)

// responseIssuerOK applies RFC 9207 to the callback's query before anything
// else is done with it: a response from another issuer (or one without iss
// from a provider that promises it) gets the login-failed page, and its code
// is never sent to our provider's token endpoint. It answers the request
// itself when it returns false.
func (h *Handler) responseIssuerOK(w http.ResponseWriter, r *http.Request, q url.Values, rd string) bool {
	err := h.oidc.CheckResponseIssuer(q["iss"])
	switch {
	case err == nil:
		return true
	case errors.Is(err, oidcclient.ErrNotReady):
		h.metrics.LoginFailed(metrics.LoginProviderUnavailable)
		h.providerUnavailable(w, r, err)
	default:
		// The message quotes a wrong iss; it holds no code or token.
		h.logger.Warn("login rejected: authorization response issuer (RFC 9207)", zap.Error(err),
			zap.String("request_id", requestStateFrom(r.Context()).id))
		h.loginFailedPage(w, r, http.StatusBadRequest, rd)
	}
	return false
}

// identityTooLarge answers a login whose identity cannot be carried within
// identity.max_header_bytes: logged once for this login (claim name, never
// its value), and a page that says what to do.
func (h *Handler) identityTooLarge(w http.ResponseWriter, r *http.Request, err error, rd string) {
	h.logger.Warn("login refused: a claim is too long for identity.max_header_bytes", zap.Error(err),
		zap.String("request_id", requestStateFrom(r.Context()).id))
	h.metrics.LoginFailed(metrics.LoginExchangeFailed)
	var tl *identity.TooLargeError
	claim := "a profile field"
	if errors.As(err, &tl) {
		claim = "the profile field \"" + tl.Claim + "\""
	}
	renderPage(w, r, page{
		Status: http.StatusBadRequest, Title: "Sign-in refused",
		Message: "Your account's " + claim + " is too long to be passed to the application, so you were not signed in. " +
			"Ask your administrator to shorten it at the identity provider or to raise identity.max_header_bytes.",
		Link: h.startURL(rd), LinkText: "Try again",
	})
}
