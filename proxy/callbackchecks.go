package proxy

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/oidcclient"
)

// checkResponseIssuer applies RFC 9207 to the callback's query before
// anything else is done with it: a response from another issuer (or one
// without iss from a provider that promises it) gets the login-failed page,
// and its code is never sent to our provider's token endpoint.
func (h *Handler) checkResponseIssuer(q url.Values, rd string) error {
	err := h.oidc.CheckResponseIssuer(q["iss"])
	switch {
	case err == nil:
		return nil
	case errors.Is(err, oidcclient.ErrNotReady):
		return err
	default:
		// The message quotes a wrong iss; it holds no code or token.
		return loginFailed("login rejected: authorization response issuer (RFC 9207)", err, rd)
	}
}

// identityTooLarge refuses a login whose identity cannot be carried within
// identity.max_header_bytes: logged once for this login (claim name, never
// its value), and a page that says what to do.
func identityTooLarge(err error, rd string) error {
	var tl *identity.TooLargeError
	claim := "a profile field"
	if errors.As(err, &tl) {
		claim = "the profile field \"" + tl.Claim + "\""
	}
	return &errLogin{failure: metrics.LoginExchangeFailed, status: http.StatusBadRequest, title: "Sign-in refused",
		message: "Your account's " + claim + " is too long to be passed to the application, so you were not signed in. " +
			"Ask your administrator to shorten it at the identity provider or to raise identity.max_header_bytes.",
		rd: rd, logMsg: "login refused: a claim is too long for identity.max_header_bytes", err: err}
}
