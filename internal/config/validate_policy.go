package config

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// validatePublicPaths checks authorization.public_paths: each a path pattern,
// with optional methods and source addresses.
func (c *Config) validatePublicPaths(errs *problems) {
	for i, p := range c.Authorization.PublicPaths {
		key := publicPathKey(i, p)
		if p.Path == "" {
			errs.add(key, "is required")
		} else {
			checkPathPattern(key, p.Path, errs)
		}
		checkMethods(fmt.Sprintf("authorization.public_paths[%d].methods", i), p.Methods, errs)
		checkSourceIPs(fmt.Sprintf("authorization.public_paths[%d].source_ips", i), p.SourceIPs, errs)
	}
}

// publicPathKey names a public path's pattern: the entry itself when it has
// no conditions (it may be a plain string in the file), else its path key.
func publicPathKey(i int, p PublicPath) string {
	if len(p.Methods) == 0 && len(p.SourceIPs) == 0 {
		return fmt.Sprintf("authorization.public_paths[%d]", i)
	}
	return fmt.Sprintf("authorization.public_paths[%d].path", i)
}

// checkRulePolicy checks a rule's conditions and step-up keys.
func checkRulePolicy(key string, r Rule, errs *problems) {
	checkMethods(key+".methods", r.Methods, errs)
	checkSourceIPs(key+".source_ips", r.SourceIPs, errs)
	for i, v := range r.ACRValues {
		if v == "" || strings.ContainsFunc(v, isSpaceOrControl) || strings.ContainsAny(v, `"\`) {
			errs.add(fmt.Sprintf("%s.acr_values[%d]", key, i), "%q is not an acr value (empty, or with spaces, quotes or control characters)", v)
		}
	}
	if r.MaxAge != "" {
		if _, err := ParseMaxAge(r.MaxAge); err != nil {
			errs.add(key+".max_age", "%v", err)
		}
	}
}

// checkMethods refuses method names that are not upper-case HTTP tokens.
// Methods are case-sensitive on the wire (RFC 9110), so "get" in a config is
// refused rather than guessed at.
func checkMethods(key string, methods []string, errs *problems) {
	for i, m := range methods {
		k := fmt.Sprintf("%s[%d]", key, i)
		switch {
		case !isToken(m):
			errs.add(k, "%q is not an HTTP method", m)
		case m != strings.ToUpper(m):
			errs.add(k, "%q: methods are case-sensitive; write %q", m, strings.ToUpper(m))
		case slices.Index(methods, m) != i:
			errs.add(k, "%q is listed twice", m)
		}
	}
}

// checkSourceIPs refuses what ParseSourceIP does not read.
func checkSourceIPs(key string, list []string, errs *problems) {
	for i, s := range list {
		if _, err := ParseSourceIP(s); err != nil {
			errs.add(fmt.Sprintf("%s[%d]", key, i), "%v", err)
		}
	}
}

// ParseSourceIP reads a source_ips entry: a CIDR, or a bare IP (a /32 or
// /128). Prefixes are masked ("10.1.2.3/8" is 10.0.0.0/8).
func ParseSourceIP(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil || p.Addr().Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR or an IP address", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR or an IP address", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// ParseMaxAge reads a rule's max_age: a Go duration in whole seconds, not
// negative ("15m", "0s"), or 0. OpenID Connect's max_age is a number of
// seconds; a bare number other than 0 is refused because it is ambiguous.
func ParseMaxAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q is not a duration such as \"15m\" or \"0s\"", s)
	case d < 0:
		return 0, fmt.Errorf("%q must not be negative", s)
	case d%time.Second != 0:
		return 0, fmt.Errorf("%q must be whole seconds", s)
	}
	return d, nil
}

// forwardableAuthParams are the only query parameters of the login start
// that oidc.forwarded_auth_params may pass to the provider: hints about who
// logs in and how the page looks. Everything that shapes the grant (scope,
// redirect_uri, response_type, acr_values, claims, state, nonce) is
// gatehouse's alone.
var forwardableAuthParams = []string{"login_hint", "prompt", "ui_locales", "kc_idp_hint", "domain_hint"}

func (c *Config) validateForwardedAuthParams(errs *problems) {
	for i, name := range c.OIDC.ForwardedAuthParams {
		key := fmt.Sprintf("oidc.forwarded_auth_params[%d]", i)
		switch {
		case !slices.Contains(forwardableAuthParams, name):
			errs.add(key, "%q cannot be forwarded; allowed: %s", name, strings.Join(forwardableAuthParams, ", "))
		case slices.Index(c.OIDC.ForwardedAuthParams, name) != i:
			errs.add(key, "%q is listed twice", name)
		}
	}
}
