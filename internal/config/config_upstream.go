package config

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/identity/keys"
)

// Upstream is the application that gatehouse proxies to.
type Upstream struct {
	// URL is the absolute http or https URL of the upstream application
	// (key upstream.url, required).
	URL string `key:"url"`
	// PassAccessToken sends the user's access token to the upstream in
	// X-Forwarded-Access-Token (key upstream.pass_access_token, default false).
	PassAccessToken bool `key:"pass_access_token"`

	// AllowedUpgrades are the Upgrade protocols forwarded to the upstream,
	// compared case-insensitively; a request naming any other is refused with
	// 400, and h2c may not be listed: an h2c tunnel would carry requests past
	// authentication (key upstream.allowed_upgrades, default [websocket]).
	AllowedUpgrades []string `key:"allowed_upgrades"`
	// WebSocketOrigins are the origins (scheme://host[:port]) besides
	// public_url's whose pages may open upgraded connections; an upgrade whose
	// Origin is neither gets 403 (key upstream.websocket_origins, default []).
	WebSocketOrigins []string `key:"websocket_origins"`
	// UpgradeSessionCheck is how often an upgraded connection re-reads its
	// session from the store and is closed once the session has ended
	// elsewhere (key upstream.upgrade_session_check, default 30s, at least 1s).
	UpgradeSessionCheck time.Duration `key:"upgrade_session_check"`
	// BasicAuth sends the user to the upstream as HTTP Basic credentials
	// (section upstream.basic_auth, config_basicauth.go).
	BasicAuth BasicAuth `key:"basic_auth"`
}

// OIDC is the OpenID Connect provider and gatehouse's client registration there.
type OIDC struct {
	// Issuer is the provider's issuer URL, used exactly as written: a trailing
	// slash matters and must match the discovery document (key oidc.issuer,
	// required).
	Issuer string `key:"issuer"`
	// ClientID is gatehouse's client id at the provider (key oidc.client_id,
	// required).
	ClientID string `key:"client_id"`
	// ClientSecret is gatehouse's client secret (key oidc.client_secret, required
	// unless oidc.client_secret_file is set; never both).
	ClientSecret string `key:"client_secret"`
	// ClientSecretFile names a file whose content, trailing whitespace trimmed, is
	// the client secret (key oidc.client_secret_file, default none).
	ClientSecretFile string `key:"client_secret_file"`
	// Scopes are requested at login and must include openid (key oidc.scopes,
	// default [openid, profile, email, offline_access]).
	Scopes []string `key:"scopes"`
	// RedirectPath is the callback path, relative to public_url, registered at
	// the provider (key oidc.redirect_path, default "<path_prefix>/callback").
	RedirectPath string `key:"redirect_path"`
	// TokenAuthMethod is how gatehouse authenticates at the token endpoint:
	// client_secret_basic, client_secret_post, or private_key_jwt with
	// oidc.client_key_file (key oidc.token_auth_method, default
	// "client_secret_basic").
	TokenAuthMethod string `key:"token_auth_method"`
	// ClockSkew is the tolerance applied to token times such as iat and exp
	// (key oidc.clock_skew, default 30s).
	ClockSkew time.Duration `key:"clock_skew"`
	// HTTPTimeout bounds each request gatehouse makes to the provider
	// (discovery, JWKS, token, userinfo); a slow provider then fails the login
	// instead of holding it (key oidc.http_timeout, default 10s).
	HTTPTimeout time.Duration `key:"http_timeout"`
	// PostLogoutRedirectURI is where the provider sends the browser after logout
	// (key oidc.post_logout_redirect_uri, default "<public_url>/").
	PostLogoutRedirectURI string `key:"post_logout_redirect_uri"`
	// LogoutTokenMaxAge is how old (by iat) a back-channel logout token may
	// be; its jti is remembered that long, so a replay is always refused (key
	// oidc.logout_token_max_age, default 5m).
	LogoutTokenMaxAge time.Duration `key:"logout_token_max_age"`

	// Interoperability keys, validated in validate_oidc_client.go.

	// ClientKeyFile names a PEM file with one PKCS#8 private key (EC P-256,
	// RSA or Ed25519) that signs the client assertion of private_key_jwt
	// (key oidc.client_key_file, default none; required with private_key_jwt).
	ClientKeyFile string `key:"client_key_file"`
	// ClientKeyID is the kid of the client assertion (key oidc.client_key_id,
	// default the key's RFC 7638 thumbprint).
	ClientKeyID string `key:"client_key_id"`
	// Userinfo says when the userinfo endpoint completes the identity: auto
	// (when the ID token lacks a claim that headers or policy read), always,
	// or never (key oidc.userinfo, default "auto").
	Userinfo string `key:"userinfo"`
	// ClientKey is the parsed oidc.client_key_file (derived).
	ClientKey keys.Key `key:"-"`

	// ForwardedAuthParams names the query parameters of <path_prefix>/start
	// that are passed on to the provider's authorization request; only
	// login_hint, prompt, ui_locales, kc_idp_hint and domain_hint may be
	// listed (key oidc.forwarded_auth_params, default empty: none).
	ForwardedAuthParams []string `key:"forwarded_auth_params"`
}
