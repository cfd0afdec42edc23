package config

import (
	"net/netip"
	"strings"
)

// Config is the whole gatehouse configuration. Every key can be set in the YAML
// file or overridden by the environment variable GATEHOUSE_ + the key path in upper
// case with "." replaced by "_" (oidc.client_id -> GATEHOUSE_OIDC_CLIENT_ID).
type Config struct {
	// Listen is the host:port of the main listener (key listen, default ":4180").
	Listen string `key:"listen"`
	// OpsListen is the host:port of the listener that serves /healthz, /readyz and
	// /metrics (key ops_listen, default ":9180").
	OpsListen string `key:"ops_listen"`
	// PublicURL is the absolute http or https URL at which browsers reach
	// gatehouse, without path, query or trailing slash (key public_url, required;
	// one trailing slash is trimmed).
	PublicURL string `key:"public_url"`
	// PathPrefix is where gatehouse's own endpoints live; it starts with "/" and
	// does not end with one (key path_prefix, default "/oauth2").
	PathPrefix string `key:"path_prefix"`
	// TrustedProxies lists the CIDRs or bare IPs of peers whose X-Forwarded-*
	// headers are believed (key trusted_proxies, default empty: nobody is trusted).
	TrustedProxies []string `key:"trusted_proxies"`
	// TrustedProxyPrefixes is TrustedProxies parsed; a bare IP becomes a /32 or
	// /128. It is filled by Validate and cannot be set by a key.
	TrustedProxyPrefixes []netip.Prefix `key:"-"`
	// AllowedRedirectHosts lists the hosts (host or host:port, lower-cased) that
	// an absolute rd URL may point to (key allowed_redirect_hosts, default empty:
	// only local paths are accepted).
	AllowedRedirectHosts []string `key:"allowed_redirect_hosts"`

	// Upstream is the application behind gatehouse (section upstream).
	Upstream Upstream `key:"upstream"`
	// OIDC is the identity provider and this client's registration there
	// (section oidc).
	OIDC OIDC `key:"oidc"`
	// Session holds the server-side session settings (section session).
	Session Session `key:"session"`
	// Cookie holds the browser cookie settings (section cookie).
	Cookie Cookie `key:"cookie"`
	// Identity says how the user's identity is passed to the upstream
	// (section identity).
	Identity Identity `key:"identity"`
	// Authorization decides who may reach which path (section authorization).
	// Empty: every logged-in user may reach everything.
	Authorization Authorization `key:"authorization"`
	// Bearer lets API clients authenticate with a JWT from the provider instead
	// of a session cookie (section bearer).
	Bearer Bearer `key:"bearer"`
	// Server holds the HTTP server limits (section server).
	Server Server `key:"server"`
	// ForwardAuth configures the forward-auth endpoint <path_prefix>/auth for
	// nginx, Traefik and Envoy (section forward_auth).
	ForwardAuth ForwardAuth `key:"forward_auth"`
	// UserSessions configures <path_prefix>/sessions, where users see and end
	// their own sessions (section user_sessions).
	UserSessions UserSessions `key:"user_sessions"`
	// Log holds the logging settings (section log).
	Log Log `key:"log"`
	// Reload says how a running gatehouse notices config changes (section
	// reload, config_reload.go).
	Reload Reload `key:"reload"`
	// Tracing holds the OpenTelemetry settings that are keys (section
	// tracing); the export itself comes from the OTEL_* variables.
	Tracing Tracing `key:"tracing"`
}

// Secure reports whether public_url is https, which makes cookies Secure and
// __Host- prefixed.
func (c *Config) Secure() bool {
	return strings.HasPrefix(strings.ToLower(c.PublicURL), "https://")
}

// SessionCookieName is the session cookie's name: "__Host-" + cookie.name on
// https, cookie.name alone on http.
func (c *Config) SessionCookieName() string {
	if c.Secure() {
		return "__Host-" + c.Cookie.Name
	}
	return c.Cookie.Name
}

// RedirectURL is the absolute OIDC redirect URI: public_url + oidc.redirect_path.
func (c *Config) RedirectURL() string {
	return c.PublicURL + c.OIDC.RedirectPath
}
