// Package config is gatehouse's configuration: one struct tree whose fields name
// their YAML key and default, Load to read it from a file and the environment,
// and Validate to check it. Config is data; behaviour lives with the packages
// that use it.
package config

import (
	"net/netip"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/headers"
	"github.com/gatehouse/gatehouse/internal/identity/keys"
)

// Config is the whole gatehouse configuration. Every key can be set in the YAML
// file or overridden by the environment variable GATEHOUSE_ + the key path in upper
// case with "." replaced by "_" (oidc.client_id -> GATEHOUSE_OIDC_CLIENT_ID).
type Config struct {
	// Listen is the host:port of the main listener (key listen, default ":4180").
	Listen string `mapstructure:"listen"`
	// OpsListen is the host:port of the listener that serves /healthz, /readyz and
	// /metrics (key ops_listen, default ":9180").
	OpsListen string `mapstructure:"ops_listen"`
	// PublicURL is the absolute http or https URL at which browsers reach
	// gatehouse, without path, query or trailing slash (key public_url, required;
	// one trailing slash is trimmed).
	PublicURL string `mapstructure:"public_url"`
	// PathPrefix is where gatehouse's own endpoints live; it starts with "/" and
	// does not end with one (key path_prefix, default "/oauth2").
	PathPrefix string `mapstructure:"path_prefix"`
	// TrustedProxies lists the CIDRs or bare IPs of peers whose X-Forwarded-*
	// headers are believed (key trusted_proxies, default empty: nobody is trusted).
	TrustedProxies []string `mapstructure:"trusted_proxies"`
	// TrustedProxyPrefixes is TrustedProxies parsed; a bare IP becomes a /32 or
	// /128. It is filled by Validate and cannot be set by a key.
	TrustedProxyPrefixes []netip.Prefix `mapstructure:"-"`
	// AllowedRedirectHosts lists the hosts (host or host:port, lower-cased) that
	// an absolute rd URL may point to (key allowed_redirect_hosts, default empty:
	// only local paths are accepted).
	AllowedRedirectHosts []string `mapstructure:"allowed_redirect_hosts"`

	// Upstream is the application behind gatehouse (section upstream).
	Upstream Upstream `mapstructure:"upstream"`
	// OIDC is the identity provider and this client's registration there
	// (section oidc).
	OIDC OIDC `mapstructure:"oidc"`
	// Session holds the server-side session settings (section session).
	Session Session `mapstructure:"session"`
	// Cookie holds the browser cookie settings (section cookie).
	Cookie Cookie `mapstructure:"cookie"`
	// Identity says how the user's identity is passed to the upstream
	// (section identity).
	Identity Identity `mapstructure:"identity"`
	// Authorization decides who may reach which path (section authorization).
	// Empty: every logged-in user may reach everything.
	Authorization Authorization `mapstructure:"authorization"`
	// Bearer lets API clients authenticate with a JWT from the provider instead
	// of a session cookie (section bearer).
	Bearer Bearer `mapstructure:"bearer"`
	// Server holds the HTTP server limits (section server).
	Server Server `mapstructure:"server"`
	// ForwardAuth configures the forward-auth endpoint <path_prefix>/auth for
	// nginx, Traefik and Envoy (section forward_auth).
	ForwardAuth ForwardAuth `mapstructure:"forward_auth"`
	// Log holds the logging settings (section log).
	Log Log `mapstructure:"log"`
}

// Upstream is the application that gatehouse proxies to.
type Upstream struct {
	// URL is the absolute http or https URL of the upstream application
	// (key upstream.url, required).
	URL string `mapstructure:"url"`
	// PassAccessToken sends the user's access token to the upstream in
	// X-Forwarded-Access-Token (key upstream.pass_access_token, default false).
	PassAccessToken bool `mapstructure:"pass_access_token"`

	// AllowedUpgrades are the Upgrade protocols forwarded to the upstream,
	// compared case-insensitively; a request naming any other is refused with
	// 400, and h2c may not be listed: an h2c tunnel would carry requests past
	// authentication (key upstream.allowed_upgrades, default [websocket]).
	AllowedUpgrades []string `mapstructure:"allowed_upgrades"`
	// WebSocketOrigins are the origins (scheme://host[:port]) besides
	// public_url's whose pages may open upgraded connections; an upgrade whose
	// Origin is neither gets 403 (key upstream.websocket_origins, default []).
	WebSocketOrigins []string `mapstructure:"websocket_origins"`
	// UpgradeSessionCheck is how often an upgraded connection re-reads its
	// session from the store and is closed once the session has ended
	// elsewhere (key upstream.upgrade_session_check, default 30s, at least 1s).
	UpgradeSessionCheck time.Duration `mapstructure:"upgrade_session_check"`
}

// OIDC is the OpenID Connect provider and gatehouse's client registration there.
type OIDC struct {
	// Issuer is the provider's issuer URL, used exactly as written: a trailing
	// slash matters and must match the discovery document (key oidc.issuer,
	// required).
	Issuer string `mapstructure:"issuer"`
	// ClientID is gatehouse's client id at the provider (key oidc.client_id,
	// required).
	ClientID string `mapstructure:"client_id"`
	// ClientSecret is gatehouse's client secret (key oidc.client_secret, required
	// unless oidc.client_secret_file is set; never both).
	ClientSecret string `mapstructure:"client_secret"`
	// ClientSecretFile names a file whose content, trailing whitespace trimmed, is
	// the client secret (key oidc.client_secret_file, default none).
	ClientSecretFile string `mapstructure:"client_secret_file"`
	// Scopes are requested at login and must include openid (key oidc.scopes,
	// default [openid, profile, email, offline_access]).
	Scopes []string `mapstructure:"scopes"`
	// RedirectPath is the callback path, relative to public_url, registered at
	// the provider (key oidc.redirect_path, default "<path_prefix>/callback").
	RedirectPath string `mapstructure:"redirect_path"`
	// TokenAuthMethod is how gatehouse authenticates at the token endpoint:
	// client_secret_basic or client_secret_post (key oidc.token_auth_method,
	// default "client_secret_basic").
	TokenAuthMethod string `mapstructure:"token_auth_method"`
	// ClockSkew is the tolerance applied to token times such as iat and exp
	// (key oidc.clock_skew, default 30s).
	ClockSkew time.Duration `mapstructure:"clock_skew"`
	// HTTPTimeout bounds each request gatehouse makes to the provider
	// (discovery, JWKS, token, userinfo); a slow provider then fails the login
	// instead of holding it (key oidc.http_timeout, default 10s).
	HTTPTimeout time.Duration `mapstructure:"http_timeout"`
	// PostLogoutRedirectURI is where the provider sends the browser after logout
	// (key oidc.post_logout_redirect_uri, default "<public_url>/").
	PostLogoutRedirectURI string `mapstructure:"post_logout_redirect_uri"`
	// LogoutTokenMaxAge is how old (by iat) a back-channel logout token may
	// be; its jti is remembered that long, so a replay is always refused (key
	// oidc.logout_token_max_age, default 5m).
	LogoutTokenMaxAge time.Duration `mapstructure:"logout_token_max_age"`
}

// Session configures server-side sessions and where they are stored.
type Session struct {
	// Store is the session backend: redis or memory; memory suits one instance
	// only (key session.store, default "redis").
	Store string `mapstructure:"store"`
	// IdleTimeout ends a session that has not been used for this long; every use
	// extends it (key session.idle_timeout, default 8h).
	IdleTimeout time.Duration `mapstructure:"idle_timeout"`
	// AbsoluteTimeout ends a session this long after login however active it is;
	// it is at least idle_timeout (key session.absolute_timeout, default 24h).
	AbsoluteTimeout time.Duration `mapstructure:"absolute_timeout"`
	// RefreshBefore is how long before the access token expires it is
	// refreshed; with tokens shorter than that, at half their remaining
	// lifetime (key session.refresh_before, default 1m).
	RefreshBefore time.Duration `mapstructure:"refresh_before"`
	// CacheEntries bounds, per replica, how many sessions' verified cookie,
	// decoded Redis record and signed assertion are kept in memory, each in
	// its own cache; 0 turns the three caches off, so that every request
	// verifies the cookie, decodes the record and signs an assertion (key
	// session.cache_entries, default 10000).
	CacheEntries int `mapstructure:"cache_entries"`
	// Redis configures the Redis store (section session.redis), used when store is
	// redis.
	Redis Redis `mapstructure:"redis"`
}

// Redis configures the connection to Redis (standalone, Sentinel or Cluster).
type Redis struct {
	// Addresses are the host:port of the Redis nodes, or of the Sentinels when
	// sentinel_master is set (key session.redis.addresses, default
	// ["127.0.0.1:6379"]).
	Addresses []string `mapstructure:"addresses"`
	// SentinelMaster is the Sentinel master name; empty means no Sentinel
	// (key session.redis.sentinel_master, default "").
	SentinelMaster string `mapstructure:"sentinel_master"`
	// Username is the Redis ACL user name (key session.redis.username, default "").
	Username string `mapstructure:"username"`
	// Password is the Redis password (key session.redis.password, default "";
	// never together with session.redis.password_file).
	Password string `mapstructure:"password"`
	// PasswordFile names a file whose content, trailing whitespace trimmed, is the
	// Redis password (key session.redis.password_file, default none).
	PasswordFile string `mapstructure:"password_file"`
	// DB is the Redis database number (key session.redis.db, default 0).
	DB int `mapstructure:"db"`
	// KeyPrefix starts every key gatehouse writes to Redis
	// (key session.redis.key_prefix, default "gatehouse:").
	KeyPrefix string `mapstructure:"key_prefix"`
	// Timeout bounds every Redis call (key session.redis.timeout, default 2s).
	Timeout time.Duration `mapstructure:"timeout"`
	// ClientCache is how long a session read may be answered from the
	// server-assisted client-side cache; Redis invalidates a cached session on
	// every replica the moment it changes or is deleted. 0 disables the cache
	// (key session.redis.client_cache, default 1m).
	ClientCache time.Duration `mapstructure:"client_cache"`
	// TLS configures TLS to Redis and the Sentinels (section session.redis.tls).
	TLS RedisTLS `mapstructure:"tls"`
}

// RedisTLS configures TLS towards Redis.
type RedisTLS struct {
	// Enabled turns TLS on (key session.redis.tls.enabled, default false).
	Enabled bool `mapstructure:"enabled"`
	// CAFile is a PEM file of the CAs that sign the Redis server certificate;
	// empty means the system roots (key session.redis.tls.ca_file, default "").
	CAFile string `mapstructure:"ca_file"`
	// CertFile is the client certificate (PEM) for servers that require one;
	// set together with key_file (key session.redis.tls.cert_file, default "").
	CertFile string `mapstructure:"cert_file"`
	// KeyFile is the client certificate's private key (PEM)
	// (key session.redis.tls.key_file, default "").
	KeyFile string `mapstructure:"key_file"`
	// ServerName is the name checked in the server certificate; empty means
	// the host of each address (key session.redis.tls.server_name, default "").
	ServerName string `mapstructure:"server_name"`
	// InsecureSkipVerify accepts any server certificate, for tests only;
	// gatehouse logs a warning at startup (key
	// session.redis.tls.insecure_skip_verify, default false).
	InsecureSkipVerify bool `mapstructure:"insecure_skip_verify"`
}

// Cookie configures the session cookie and the keys that protect it.
type Cookie struct {
	// Name is the base name of the session cookie; on https gatehouse adds the
	// "__Host-" prefix itself (key cookie.name, default "gatehouse").
	Name string `mapstructure:"name"`
	// Secrets are base64 strings of at least 32 random bytes each; the first
	// encodes, all decode, so keys rotate by prepending a new one (key
	// cookie.secrets, required unless cookie.secrets_file is set; never both).
	Secrets []string `mapstructure:"secrets"`
	// SecretsFile names a file with one secret per line; blank lines and lines
	// starting with # are ignored (key cookie.secrets_file, default none).
	SecretsFile string `mapstructure:"secrets_file"`
	// DecodedSecrets are Secrets decoded from base64, in the same order. It is
	// filled by Validate and cannot be set by a key.
	DecodedSecrets [][]byte `mapstructure:"-"`
}

// Identity says how the logged-in user's identity reaches the upstream.
type Identity struct {
	// Headers maps a request header name to the ID token claim it carries. Setting
	// it replaces the default entirely (key identity.headers, default
	// {X-Forwarded-User: sub, X-Forwarded-Email: email,
	// X-Forwarded-Preferred-Username: preferred_username, X-Forwarded-Groups:
	// groups}). Names are canonicalised with http.CanonicalHeaderKey.
	Headers map[string]string `mapstructure:"headers"`
	// MaxHeaderBytes caps the total size of the identity headers so that a user
	// in many groups cannot trigger 431s upstream (key identity.max_header_bytes,
	// default 8192).
	MaxHeaderBytes int `mapstructure:"max_header_bytes"`
	// Assertion is the signed identity assertion sent with every proxied
	// request (section identity.assertion).
	Assertion Assertion `mapstructure:"assertion"`
}

// Assertion configures the signed identity assertion (a compact JWS) and the
// keys that sign it.
type Assertion struct {
	// Header is the request header that carries the assertion; client copies
	// are always removed (key identity.assertion.header, default
	// "X-Gatehouse-Assertion").
	Header string `mapstructure:"header"`
	// Algorithm is ES256, EdDSA or HS256 (key identity.assertion.algorithm,
	// default "ES256").
	Algorithm string `mapstructure:"algorithm"`
	// Keys are PEM private keys, PKCS#8 "PRIVATE KEY" (P-256 or Ed25519) or
	// SEC1 "EC PRIVATE KEY"; one entry may hold several blocks. The first key
	// signs and must suit algorithm; all public keys are published at
	// <path_prefix>/jwks.json. Empty: a key is generated at start (key
	// identity.assertion.keys, default none; never together with keys_file).
	// From the environment the value is PEM text, not a comma list.
	Keys []string `mapstructure:"keys"`
	// KeysFile names a file with one or more PEM private keys, in the order of
	// keys (key identity.assertion.keys_file, default none).
	KeysFile string `mapstructure:"keys_file"`
	// HMACSecret is the HS256 shared secret, at least 32 bytes, used as written
	// (not decoded); never published (key identity.assertion.hmac_secret,
	// required when algorithm is HS256, never together with hmac_secret_file).
	HMACSecret string `mapstructure:"hmac_secret"`
	// HMACSecretFile names a file whose content, trailing whitespace trimmed, is
	// the HS256 secret (key identity.assertion.hmac_secret_file, default none).
	HMACSecretFile string `mapstructure:"hmac_secret_file"`
	// Audience is the assertion's aud claim (key identity.assertion.audience,
	// default upstream.url as configured, without a trailing slash).
	Audience string `mapstructure:"audience"`
	// TTL is how long an assertion is valid; gatehouse reuses one until less
	// than half of it remains (key identity.assertion.ttl, default 5m).
	TTL time.Duration `mapstructure:"ttl"`
	// SigningKeys are Keys parsed, in order. It is filled by Validate and
	// cannot be set by a key.
	SigningKeys []keys.Key `mapstructure:"-"`
}

// Authorization is the access policy. A user passes a set of requirements
// when: no email list is set, or the email is in allowed_emails, or its domain
// is in allowed_email_domains; and no allowed_groups are set, or the user is in
// one of them; and every required claim has its value. The top-level
// requirements apply to every non-public path; the first rule whose path
// matches adds its own requirements on top.
type Authorization struct {
	// AllowedEmails are the email addresses allowed in, compared without case
	// (key authorization.allowed_emails, default empty: no email restriction).
	AllowedEmails []string `mapstructure:"allowed_emails"`
	// AllowedEmailDomains are the email domains allowed in, matched exactly
	// without case; "*.example.gov" matches subdomains of example.gov only (key
	// authorization.allowed_email_domains, default empty).
	AllowedEmailDomains []string `mapstructure:"allowed_email_domains"`
	// AllowedGroups: the user must be in at least one of these groups, compared
	// exactly (key authorization.allowed_groups, default empty: no group
	// restriction).
	AllowedGroups []string `mapstructure:"allowed_groups"`
	// RequiredClaims maps a claim name to the value it must have, compared as
	// text ("true" matches a JSON true; for a list claim one element must
	// match). Claim names are case-sensitive (key
	// authorization.required_claims, default empty).
	RequiredClaims map[string]string `mapstructure:"required_claims"`
	// Rules add requirements per path; the first rule whose path matches the
	// request applies (key authorization.rules, default empty). It can be set
	// in the config file only.
	Rules []Rule `mapstructure:"rules"`
	// PublicPaths skip authentication: entries starting with "^" are regular
	// expressions anchored on the cleaned, decoded path; the others are path
	// prefixes matched at a segment boundary (key authorization.public_paths,
	// default empty).
	PublicPaths []string `mapstructure:"public_paths"`
	// ScriptPrefixes name front controllers ("/index.php") that PHP apps
	// also reach through PATH_INFO: a path starting with one at a segment
	// boundary is matched by rules and public paths with it stripped
	// ("/index.php/admin" as "/admin", "/index.php" as "/"); the upstream
	// still gets the path as sent. Matched case-sensitively; a spelling in
	// another case must pass the policy both stripped and as written (key
	// authorization.script_prefixes, default empty).
	ScriptPrefixes []string `mapstructure:"script_prefixes"`
}

// Rule narrows the policy for one path. Every list it sets is a requirement
// in addition to the top-level ones.
type Rule struct {
	// Path is a clean path prefix matched at a segment boundary ("/admin"
	// matches /admin, /admin/x and /admin;x, not /administrator), or a
	// regular expression starting with "^" (required).
	Path string `mapstructure:"path"`
	// AllowedEmails, AllowedEmailDomains, AllowedGroups and RequiredClaims
	// work as in Authorization.
	AllowedEmails       []string          `mapstructure:"allowed_emails"`
	AllowedEmailDomains []string          `mapstructure:"allowed_email_domains"`
	AllowedGroups       []string          `mapstructure:"allowed_groups"`
	RequiredClaims      map[string]string `mapstructure:"required_claims"`
}

// Bearer configures API clients that send "Authorization: Bearer <JWT>".
type Bearer struct {
	// Enabled accepts JWTs signed by the provider (checked against its JWKS,
	// iss, aud, exp and nbf) in place of a session (key bearer.enabled, default
	// false).
	Enabled bool `mapstructure:"enabled"`
	// Audiences: a token's aud must contain one of these; required when
	// bearer.enabled is true (key bearer.audiences, default empty).
	Audiences []string `mapstructure:"audiences"`
	// PassAuthorizationHeader forwards the client's Authorization header to
	// the upstream unchanged; otherwise it is removed from requests that were
	// authenticated by a bearer token (key bearer.pass_authorization_header,
	// default false).
	PassAuthorizationHeader bool `mapstructure:"pass_authorization_header"`
	// AllowedClientIDs, when set, admit only tokens issued to one of these
	// clients: the token's azp and client_id claims (each that is present)
	// must be listed, and one must be. ID tokens are refused whatever this
	// says (key bearer.allowed_client_ids, default empty: any client).
	AllowedClientIDs []string `mapstructure:"allowed_client_ids"`
}

// Server holds the limits of gatehouse's HTTP servers.
type Server struct {
	// MaxHeaderBytes is the largest request header block accepted; larger
	// requests get 431 (key server.max_header_bytes, default 32768).
	MaxHeaderBytes int `mapstructure:"max_header_bytes"`
	// ReadHeaderTimeout bounds reading the request headers
	// (key server.read_header_timeout, default 10s).
	ReadHeaderTimeout time.Duration `mapstructure:"read_header_timeout"`
	// ReadTimeout bounds reading a whole request; 0 means no limit so request
	// bodies may stream (key server.read_timeout, default 0).
	ReadTimeout time.Duration `mapstructure:"read_timeout"`
	// WriteTimeout bounds writing a response; 0 means no limit, as streaming
	// responses and WebSockets need (key server.write_timeout, default 0).
	WriteTimeout time.Duration `mapstructure:"write_timeout"`
	// IdleTimeout closes keep-alive connections idle this long
	// (key server.idle_timeout, default 120s).
	IdleTimeout time.Duration `mapstructure:"idle_timeout"`
	// ShutdownTimeout is how long in-flight requests may finish after SIGTERM
	// (key server.shutdown_timeout, default 30s).
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"`

	// AllowedHosts lists the hosts (host or host:port, compared ignoring
	// case; a host without a port stands for public_url's default port) that
	// the main listener answers for. A request naming any other host gets
	// 421, because applications build absolute links, such as those in
	// password-reset mails, from Host. public_url's host is always allowed;
	// peers in trusted_proxies and the forward-auth endpoint are not checked
	// (key server.allowed_hosts, default [public_url's host[:port]]).
	AllowedHosts []string `mapstructure:"allowed_hosts"`
	// LoginRateLimit is how many requests per second one client address may
	// make to <path_prefix>/start and the callback together, refilling a
	// bucket of login_rate_burst; over it the answer is 429 with Retry-After.
	// 0 turns the limit off (key server.login_rate_limit, default 5).
	LoginRateLimit int `mapstructure:"login_rate_limit"`
	// LoginRateBurst is how many login requests one client address may make
	// at once before login_rate_limit applies (key server.login_rate_burst,
	// default 20).
	LoginRateBurst int `mapstructure:"login_rate_burst"`
}

// ForwardAuth configures <path_prefix>/auth, the endpoint a proxy in front
// asks whether to let a request through.
type ForwardAuth struct {
	// Enabled serves <path_prefix>/auth (and <path_prefix>/auth/<path> for
	// Envoy). Off, both are 404: the endpoint hands the signed assertion to
	// whoever asks, and when gatehouse itself is the proxy, the page's own
	// JavaScript could read it (key forward_auth.enabled, default false).
	Enabled bool `mapstructure:"enabled"`
}

// Log configures logging.
type Log struct {
	// Level is the lowest level logged: debug, info, warn or error
	// (key log.level, default "info").
	Level string `mapstructure:"level"`
	// Format is json or console (key log.format, default "json").
	Format string `mapstructure:"format"`
	// FlushInterval buffers log output and writes it at least this often,
	// instead of one write per line; 0 writes every line at once (key
	// log.flush_interval, default 1s, at most 1m).
	FlushInterval time.Duration `mapstructure:"flush_interval"`
}

// defaults returns a Config holding every default that does not depend on
// another key. identity.headers is left nil on purpose: a map default would be
// merged with the user's map, but the user's map must replace it.
func defaults() *Config {
	return &Config{
		Listen:     ":4180",
		OpsListen:  ":9180",
		PathPrefix: "/oauth2",
		Upstream: Upstream{
			AllowedUpgrades:     []string{"websocket"},
			WebSocketOrigins:    []string{},
			UpgradeSessionCheck: 30 * time.Second,
		},
		OIDC: OIDC{
			Scopes:          []string{"openid", "profile", "email", "offline_access"},
			TokenAuthMethod: "client_secret_basic",
			ClockSkew:       30 * time.Second,
			HTTPTimeout:     10 * time.Second,
			// Providers send logout tokens at once; minutes cover retries.
			LogoutTokenMaxAge: 5 * time.Minute,
		},
		Session: Session{
			Store:           "redis",
			IdleTimeout:     8 * time.Hour,
			AbsoluteTimeout: 24 * time.Hour,
			RefreshBefore:   time.Minute,
			CacheEntries:    10000,
			Redis: Redis{
				Addresses:   []string{"127.0.0.1:6379"},
				KeyPrefix:   "gatehouse:",
				Timeout:     2 * time.Second,
				ClientCache: time.Minute,
			},
		},
		Cookie: Cookie{Name: "gatehouse"},
		Identity: Identity{
			MaxHeaderBytes: 8192,
			Assertion: Assertion{
				Header:    headers.Assertion,
				Algorithm: keys.ES256,
				TTL:       5 * time.Minute,
			},
		},
		Authorization: Authorization{
			AllowedEmails: []string{}, AllowedEmailDomains: []string{}, AllowedGroups: []string{},
			RequiredClaims: map[string]string{}, Rules: []Rule{}, PublicPaths: []string{},
			ScriptPrefixes: []string{},
		},
		Bearer: Bearer{
			Audiences:        []string{},
			AllowedClientIDs: []string{},
		},
		Server: Server{
			MaxHeaderBytes:    32768,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       120 * time.Second,
			ShutdownTimeout:   30 * time.Second,
			LoginRateLimit:    5,
			LoginRateBurst:    20,
		},
		Log: Log{Level: "info", Format: "json", FlushInterval: time.Second},
	}
}

// defaultIdentityHeaders is identity.headers when the key is absent.
func defaultIdentityHeaders() map[string]string {
	return map[string]string{
		"X-Forwarded-User":               "sub",
		"X-Forwarded-Email":              "email",
		"X-Forwarded-Preferred-Username": "preferred_username",
		"X-Forwarded-Groups":             "groups",
	}
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
