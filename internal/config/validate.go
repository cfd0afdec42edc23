package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
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
	c.validateBearer(&errs)
	c.validateServer(&errs)
	c.validateLoginRate(&errs)

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
	if o.ClientSecret == "" && !skip["oidc.client_secret"] {
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
	switch o.TokenAuthMethod {
	case "client_secret_basic", "client_secret_post":
	default:
		errs.add("oidc.token_auth_method", "%q is not one of client_secret_basic, client_secret_post", o.TokenAuthMethod)
	}
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

func (c *Config) validateSession(errs *problems) {
	s := &c.Session
	switch s.Store {
	case "redis", "memory":
	default:
		errs.add("session.store", "%q is not one of redis, memory", s.Store)
	}
	if s.IdleTimeout <= 0 {
		errs.add("session.idle_timeout", "must be greater than 0")
	}
	if s.AbsoluteTimeout <= 0 {
		errs.add("session.absolute_timeout", "must be greater than 0")
	} else if s.IdleTimeout > 0 && s.AbsoluteTimeout < s.IdleTimeout {
		errs.add("session.absolute_timeout", "%s is shorter than session.idle_timeout (%s)", s.AbsoluteTimeout, s.IdleTimeout)
	}
	if s.RefreshBefore < 0 {
		errs.add("session.refresh_before", "must not be negative")
	}
	if s.CacheEntries < 0 {
		errs.add("session.cache_entries", "must not be negative (0 turns the caches off)")
	}
	r := &s.Redis
	if s.Store == "redis" && len(r.Addresses) == 0 {
		errs.add("session.redis.addresses", "needs at least one host:port when session.store is redis")
	}
	for i, a := range r.Addresses {
		key := fmt.Sprintf("session.redis.addresses[%d]", i)
		host, port, err := net.SplitHostPort(a)
		if err != nil || host == "" || !validPort(port, 1) {
			errs.add(key, "%q is not host:port (for example \"redis:6379\")", a)
		}
	}
	if r.DB < 0 {
		errs.add("session.redis.db", "must not be negative")
	}
	if r.Timeout <= 0 {
		errs.add("session.redis.timeout", "must be greater than 0")
	}
	if r.ClientCache < 0 {
		errs.add("session.redis.client_cache", "must not be negative (0 disables the cache)")
	}
	if (r.TLS.CertFile == "") != (r.TLS.KeyFile == "") {
		errs.add("session.redis.tls.cert_file", "must be set together with session.redis.tls.key_file")
	}
	if !r.TLS.Enabled && (r.TLS.CAFile != "" || r.TLS.CertFile != "" || r.TLS.ServerName != "" || r.TLS.InsecureSkipVerify) {
		errs.add("session.redis.tls.enabled", "is false, but other session.redis.tls keys are set; set enabled: true to use TLS")
	}
}

func (c *Config) validateCookie(skip map[string]bool, errs *problems) {
	k := &c.Cookie
	switch {
	case k.Name == "":
		errs.add("cookie.name", "is required")
	case !isToken(k.Name):
		errs.add("cookie.name", "%q is not a valid cookie name (letters, digits and !#$%%&'*+-.^_`|~ only)", k.Name)
	case hasPrefixFold(k.Name, "__Host-"), hasPrefixFold(k.Name, "__Secure-"):
		errs.add("cookie.name", "%q must not start with __Host- or __Secure-: gatehouse adds __Host- itself on https", k.Name)
	}

	k.DecodedSecrets = nil
	if len(k.Secrets) == 0 {
		switch {
		case skip["cookie.secrets"]:
		case k.SecretsFile != "":
			errs.add("cookie.secrets_file", "file %q holds no secret", k.SecretsFile)
		default:
			errs.add("cookie.secrets", "needs at least one secret (or set cookie.secrets_file)")
		}
		return
	}
	for i, s := range k.Secrets {
		key := fmt.Sprintf("cookie.secrets[%d]", i)
		if k.SecretsFile != "" {
			key = fmt.Sprintf("cookie.secrets_file: secret %d", i+1)
		}
		b, ok := decodeBase64(s)
		switch {
		case !ok:
			errs.add(key, "is not base64 (generate one with: openssl rand -base64 48)")
		case len(b) < 32:
			errs.add(key, "decodes to %d bytes, at least 32 are needed (openssl rand -base64 48)", len(b))
		default:
			k.DecodedSecrets = append(k.DecodedSecrets, b)
		}
	}
	if len(k.DecodedSecrets) != len(k.Secrets) {
		k.DecodedSecrets = nil
	}
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
		}
	}
	if c.Identity.MaxHeaderBytes < 1024 {
		errs.add("identity.max_header_bytes", "%d is less than the minimum 1024", c.Identity.MaxHeaderBytes)
	}
	c.validateAssertion(errs)
}

func (c *Config) validateServer(errs *problems) {
	s := &c.Server
	if s.MaxHeaderBytes < 4096 {
		errs.add("server.max_header_bytes", "%d is less than the minimum 4096", s.MaxHeaderBytes)
	}
	if s.ReadHeaderTimeout <= 0 {
		errs.add("server.read_header_timeout", "must be greater than 0")
	}
	if s.ReadTimeout < 0 {
		errs.add("server.read_timeout", "must not be negative (0 means no limit)")
	}
	if s.WriteTimeout < 0 {
		errs.add("server.write_timeout", "must not be negative (0 means no limit)")
	}
	if s.IdleTimeout <= 0 {
		errs.add("server.idle_timeout", "must be greater than 0")
	}
	if s.ShutdownTimeout <= 0 {
		errs.add("server.shutdown_timeout", "must be greater than 0")
	}
	c.validateAllowedHosts(errs)
}

// parseHTTPURL parses an absolute http or https URL with a host. On failure it
// returns a problem phrased to follow the quoted value.
func parseHTTPURL(s string) (*url.URL, string) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, "is not a URL"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, "must start with http:// or https://"
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, "has no host"
	}
	return u, ""
}

// checkHostPort reports a listen address that is not host:port.
func checkHostPort(key, s string, errs *problems) {
	if _, port, err := net.SplitHostPort(s); err != nil || !validPort(port, 0) {
		errs.add(key, "%q is not host:port (for example \":4180\" or \"127.0.0.1:4180\")", s)
	}
}

func validPort(port string, lowest int) bool {
	n, err := strconv.Atoi(port)
	return err == nil && n >= lowest && n <= 65535 && strconv.Itoa(n) == port
}

// checkPath reports a path that is not local and absolute ("/x", not "//x").
func checkPath(key, p string, errs *problems) {
	switch {
	case !strings.HasPrefix(p, "/"):
		errs.add(key, "%q must start with \"/\"", p)
	case strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\"):
		errs.add(key, "%q must be a local path, not start with %q", p, p[:2])
	case strings.ContainsAny(p, "?#") || strings.ContainsFunc(p, isSpaceOrControl):
		errs.add(key, "%q must be a plain path without query, fragment, spaces or control characters", p)
	}
}

// parseProxies turns CIDRs and bare IPs into prefixes (a bare IP is a /32 or
// /128).
func parseProxies(list []string, errs *problems) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(list))
	for i, s := range list {
		key := fmt.Sprintf("trusted_proxies[%d]", i)
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				errs.add(key, "%q is not a CIDR or an IP address", s)
				continue
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			errs.add(key, "%q is not a CIDR or an IP address", s)
			continue
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out
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

// decodeBase64 accepts standard or URL base64, padded or not.
func decodeBase64(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, true
		}
	}
	return nil, false
}

// isToken reports whether s is a non-empty RFC 9110 token (header and cookie
// names).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
