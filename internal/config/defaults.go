package config

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/headers"
	"github.com/gatehouse/gatehouse/internal/identity/keys"
)

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
			BasicAuth:           BasicAuth{UserClaim: "sub"},
		},
		OIDC: OIDC{
			Scopes:          []string{"openid", "profile", "email", "offline_access"},
			TokenAuthMethod: "client_secret_basic",
			Userinfo:        "auto",
			ClockSkew:       30 * time.Second,
			HTTPTimeout:     10 * time.Second,
			// Providers send logout tokens at once; minutes cover retries.
			LogoutTokenMaxAge: 5 * time.Minute,
			// Nothing from the request reaches the provider unless listed.
			ForwardedAuthParams: []string{},
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
			GroupsClaims:   []string{"groups"},
			StaticHeaders:  map[string]string{},
			Assertion: Assertion{
				Enabled:   true,
				Header:    headers.Assertion,
				Algorithm: keys.ES256,
				TTL:       5 * time.Minute,
			},
		},
		Authorization: Authorization{
			AllowedEmails: []string{}, AllowedEmailDomains: []string{}, AllowedGroups: []string{},
			RequiredClaims: map[string]string{}, Rules: []Rule{}, PublicPaths: []PublicPath{},
			ScriptPrefixes: []string{},
		},
		Bearer: Bearer{
			Audiences:        []string{},
			AllowedClientIDs: []string{},
		},
		Tracing: Tracing{TrustIncoming: TrustIncomingTrustedProxies},
		Server: Server{
			MaxHeaderBytes:    32768,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       120 * time.Second,
			ShutdownTimeout:   30 * time.Second,
			LoginRateLimit:    5,
			LoginRateBurst:    20,
		},
		UserSessions: UserSessions{Enabled: true},
		Log:          Log{Level: "info", Format: "json", FlushInterval: time.Second},

		// config_reload.go
		Reload: Reload{WatchInterval: time.Second},
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
