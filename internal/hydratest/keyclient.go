package hydratest

import (
	"net/http"
	"testing"
)

// CreateKeyClient registers c for private_key_jwt (RFC 7523): Hydra checks
// the client assertion against jwks (a JWK Set with the public key) and
// accepts only alg (it assumes RS256 otherwise); c.Secret is not used.
func (h *Hydra) CreateKeyClient(t testing.TB, c Client, jwks map[string]any, alg string) {
	t.Helper()
	body := map[string]any{
		"client_id":                           c.ID,
		"grant_types":                         []string{"authorization_code", "refresh_token"},
		"response_types":                      []string{"code"},
		"scope":                               "openid offline_access profile email",
		"redirect_uris":                       c.RedirectURIs,
		"post_logout_redirect_uris":           c.PostLogoutRedirectURIs,
		"token_endpoint_auth_method":          "private_key_jwt",
		"jwks":                                jwks,
		"token_endpoint_auth_signing_alg":     alg,
		"backchannel_logout_uri":              c.BackchannelLogoutURI,
		"backchannel_logout_session_required": true,
	}
	h.admin(t, http.MethodPost, "/admin/clients", body, nil)
}
