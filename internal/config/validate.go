package config

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/headers"
	"github.com/gatehouse/gatehouse/internal/identity/keys"
	"github.com/gatehouse/gatehouse/internal/redirect"
)

// Validate normalises c (trims one trailing slash from public_url, fills the
// defaults that depend on other keys, canonicalises header names, lower-cases
// hosts and enum values), fills the derived fields TrustedProxyPrefixes and
// Cookie.DecodedSecrets, and checks every value. It returns nil or an
// errors.Join of one *FieldError per problem. It does no I/O and is idempotent.
func (c *Config) Validate() error {
	return errors.Join(c.validate(nil)...)
}

// validate does the work of Validate; keys in skip already have a problem
// reported (an unreadable *_file) and are not reported as missing again.
func (c *Config) validate(skip map[string]bool) []error {
	var errs problems
	c.normalise()

	checkHostPort("listen", c.Listen, &errs)
	checkHostPort("ops_listen", c.OpsListen, &errs)
	before := len(errs)
	if c.PublicURL == "" {
		errs.add("public_url", "is required")
	} else if u, problem := parseHTTPURL(c.PublicURL); problem != "" {
		errs.add("public_url", "%q %s", c.PublicURL, problem)
	} else if u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		errs.add("public_url", "%q must be scheme and host only, without path, query, fragment or user", c.PublicURL)
	}
	badPublicURL := len(errs) > before
	before = len(errs)
	checkPath("path_prefix", c.PathPrefix, &errs)
	if strings.HasSuffix(c.PathPrefix, "/") {
		errs.add("path_prefix", "%q must not end with \"/\"", c.PathPrefix)
	}
	badPrefix := len(errs) > before
	c.TrustedProxyPrefixes = parseProxies(c.TrustedProxies, &errs)
	for i, h := range c.AllowedRedirectHosts {
		checkRedirectHost(fmt.Sprintf("allowed_redirect_hosts[%d]", i), h, &errs)
	}

	if c.Upstream.URL == "" {
		errs.add("upstream.url", "is required")
	} else if _, problem := parseHTTPURL(c.Upstream.URL); problem != "" {
		errs.add("upstream.url", "%q %s", c.Upstream.URL, problem)
	}
	c.validateUpstream(&errs)

	// A value derived from a bad one is not a second problem.
	c.validateOIDC(skip, derivedFrom{
		redirectPath:       badPrefix && c.OIDC.RedirectPath == c.PathPrefix+"/callback",
		postLogoutRedirect: badPublicURL && c.OIDC.PostLogoutRedirectURI == c.PublicURL+"/",
		publicURL:          badPublicURL,
	}, &errs)
	c.validateSession(&errs)
	c.validateCookie(skip, &errs)
	c.validateIdentity(&errs)
	c.validateAuthorization(&errs)
	c.validateForwardedAuthParams(&errs)
	c.validateBearer(&errs)
	c.validateServer(&errs)
	c.validateLoginRate(&errs)
	c.validateReload(&errs)
	c.validateTracing(&errs)

	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs.add("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	switch c.Log.Format {
	case "json", "console":
	default:
		errs.add("log.format", "%q is not one of json, console", c.Log.Format)
	}
	if c.Log.FlushInterval < 0 || c.Log.FlushInterval > time.Minute {
		errs.add("log.flush_interval", "%s is not between 0 and 1m", c.Log.FlushInterval)
	}
	return errs
}

// normalise applies the idempotent rewrites Validate promises.
func (c *Config) normalise() {
	c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
	for i, h := range c.AllowedRedirectHosts {
		c.AllowedRedirectHosts[i] = strings.ToLower(h)
	}
	if c.OIDC.RedirectPath == "" {
		c.OIDC.RedirectPath = c.PathPrefix + "/callback"
	}
	if c.OIDC.PostLogoutRedirectURI == "" && c.PublicURL != "" {
		c.OIDC.PostLogoutRedirectURI = c.PublicURL + "/"
	}
	if c.Identity.Headers != nil {
		canon := make(map[string]string, len(c.Identity.Headers))
		for name, claim := range c.Identity.Headers {
			canon[http.CanonicalHeaderKey(name)] = claim
		}
		c.Identity.Headers = canon
	}
	c.Session.Store = strings.ToLower(c.Session.Store)
	c.OIDC.TokenAuthMethod = strings.ToLower(c.OIDC.TokenAuthMethod)
	c.Log.Level = strings.ToLower(c.Log.Level)
	c.Log.Format = strings.ToLower(c.Log.Format)
	c.Identity.Assertion.Header = http.CanonicalHeaderKey(c.Identity.Assertion.Header)
	c.Identity.Assertion.Algorithm, _ = keys.NormalizeAlg(c.Identity.Assertion.Algorithm)
	if c.Identity.Assertion.Audience == "" {
		c.Identity.Assertion.Audience = strings.TrimSuffix(c.Upstream.URL, "/")
	}
}

// redirectHostAllowed reports whether an absolute URL may be a redirect
// target: the rule of rd (internal/redirect), applied to
// oidc.post_logout_redirect_uri.
func (c *Config) redirectHostAllowed(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	return redirect.New(c.PublicURL, c.AllowedRedirectHosts).HostAllowed(u)
}

func (c *Config) validateIdentity(errs *problems) {
	for _, name := range slices.Sorted(maps.Keys(c.Identity.Headers)) {
		claim := c.Identity.Headers[name]
		key := "identity.headers." + name
		switch {
		case !isToken(name):
			errs.add(key, "%q is not a valid header name", name)
		case headers.Reserved(name):
			errs.add(key, "%s is set by gatehouse itself and cannot carry a claim", name)
		}
		if strings.TrimSpace(claim) == "" {
			errs.add(key, "needs a claim name")
		} else {
			checkClaimRef(key, claim, errs)
		}
	}
	c.validateClaims(errs)
	if c.Identity.MaxHeaderBytes < 1024 {
		errs.add("identity.max_header_bytes", "%d is less than the minimum 1024", c.Identity.MaxHeaderBytes)
	}
	c.validateAssertion(errs)
}

// checkRedirectHost reports an allowed_redirect_hosts entry that is not a bare
// host or host:port (IPv6 in brackets).
func checkRedirectHost(key, h string, errs *problems) {
	u, err := url.Parse("//" + h)
	bad := err != nil || u.Host != h || u.User != nil || u.Path != "" || u.Hostname() == "" ||
		strings.ContainsAny(h, "*@/\\?#") || strings.ContainsFunc(h, isSpaceOrControl)
	if !bad && u.Port() != "" {
		bad = !validPort(u.Port(), 1)
	}
	if !bad && strings.HasSuffix(h, ":") {
		bad = true
	}
	if bad {
		errs.add(key, "%q is not a host or host:port (no scheme, path or wildcard)", h)
	}
}
