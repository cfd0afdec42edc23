package server

import (
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/oidcclient"
)

// oidcOptions is what the relying party needs of the config.
func oidcOptions(cfg *config.Config) oidcclient.Options {
	opts := oidcclient.Options{
		Issuer:       cfg.OIDC.Issuer,
		ClientID:     cfg.OIDC.ClientID,
		ClientSecret: cfg.OIDC.ClientSecret,
		RedirectURL:  cfg.RedirectURL(),
		Scopes:       cfg.OIDC.Scopes,
		AuthMethod:   cfg.OIDC.TokenAuthMethod,
		ClockSkew:    cfg.OIDC.ClockSkew,
		HTTPTimeout:  cfg.OIDC.HTTPTimeout,
		Userinfo:     cfg.OIDC.Userinfo,
		NeededClaims: neededClaims(cfg),
	}
	if k := cfg.OIDC.ClientKey; k.Signer != nil {
		opts.ClientKey = oidcclient.ClientKey{Signer: k.Signer, Alg: k.Alg, KeyID: k.KID}
	}
	return opts
}

// neededClaims are the top-level claims gatehouse reads of an identity: the
// subject, the assertion's claims when it is on, identity.headers, and what
// the authorization policy tests. Under oidc.userinfo auto an ID token that
// lacks one of them is completed from userinfo. A claim path
// ("realm_access.roles") needs its first segment.
func neededClaims(cfg *config.Config) []string {
	out := []string{"sub"}
	add := func(names ...string) {
		for _, n := range names {
			n, _, _ = strings.Cut(n, ".")
			if n != "" && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	if cfg.Identity.Assertion.Enabled {
		add("email", "name", "preferred_username", "groups")
	}
	for _, claim := range cfg.Identity.Headers {
		add(claim)
	}
	a := cfg.Authorization
	policy := func(emails, domains, groups []string, required map[string]string) {
		if len(emails) > 0 || len(domains) > 0 {
			add("email")
		}
		if len(groups) > 0 {
			add("groups")
		}
		for claim := range required {
			add(claim)
		}
	}
	policy(a.AllowedEmails, a.AllowedEmailDomains, a.AllowedGroups, a.RequiredClaims)
	for _, r := range a.Rules {
		policy(r.AllowedEmails, r.AllowedEmailDomains, r.AllowedGroups, r.RequiredClaims)
	}
	slices.Sort(out)
	return out
}
