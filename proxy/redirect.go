package proxy

import "github.com/gatehouse/gatehouse/internal/redirect"

// redirectValidator decides where gatehouse may send a browser after login or
// logout; the rule lives in internal/redirect, shared with the config's check
// of oidc.post_logout_redirect_uri.
type redirectValidator = redirect.Rule

func newRedirectValidator(publicURL string, allowedHosts []string) redirectValidator {
	return redirect.New(publicURL, allowedHosts)
}
