package config

import (
	"fmt"
	"strings"
)

// derivedFrom says which OIDC defaults were derived from a key that is already
// reported as invalid, so that they are not reported again.
type derivedFrom struct {
	redirectPath, postLogoutRedirect bool
	publicURL                        bool
}

func (c *Config) validateOIDC(skip map[string]bool, bad derivedFrom, errs *problems) {
	o := &c.OIDC
	if o.Issuer == "" {
		errs.add("oidc.issuer", "is required")
	} else if _, problem := parseHTTPURL(o.Issuer); problem != "" {
		errs.add("oidc.issuer", "%q %s", o.Issuer, problem)
	}
	if o.ClientID == "" {
		errs.add("oidc.client_id", "is required")
	}
	if o.ClientSecret == "" && !skip["oidc.client_secret"] && o.TokenAuthMethod != "private_key_jwt" {
		errs.add("oidc.client_secret", "is required (or set oidc.client_secret_file)")
	}
	hasOpenID := false
	for i, s := range o.Scopes {
		if s == "" || strings.ContainsFunc(s, isSpaceOrControl) {
			errs.add(fmt.Sprintf("oidc.scopes[%d]", i), "%q is not a scope name", s)
		}
		hasOpenID = hasOpenID || s == "openid"
	}
	if !hasOpenID {
		errs.add("oidc.scopes", "must contain openid")
	}
	if !bad.redirectPath {
		checkPath("oidc.redirect_path", o.RedirectPath, errs)
	}
	c.validateOIDCClient(errs)
	if o.ClockSkew < 0 {
		errs.add("oidc.clock_skew", "must not be negative")
	}
	if o.HTTPTimeout <= 0 {
		errs.add("oidc.http_timeout", "must be positive")
	}
	if o.PostLogoutRedirectURI != "" && !bad.postLogoutRedirect {
		if _, problem := parseHTTPURL(o.PostLogoutRedirectURI); problem != "" {
			errs.add("oidc.post_logout_redirect_uri", "%q %s", o.PostLogoutRedirectURI, problem)
		} else if !c.redirectHostAllowed(o.PostLogoutRedirectURI) && !bad.publicURL {
			errs.add("oidc.post_logout_redirect_uri", "%q must be on public_url's host or a host in allowed_redirect_hosts", o.PostLogoutRedirectURI)
		}
	}
	if o.LogoutTokenMaxAge <= 0 {
		errs.add("oidc.logout_token_max_age", "must be greater than 0")
	}
}
