package proxy

import (
	"net/netip"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
)

// settings is what the request path reads of the configuration, taken once
// in New: handlers see these values, not the config tree, so a unit test
// states the few it needs.
type settings struct {
	publicURL string
	// trustedProxies: peers whose forwarding headers and request ids count.
	trustedProxies []netip.Prefix

	bearerEnabled   bool
	bearerAudiences []string
	bearerClientIDs []string
	// passAuthorization keeps a bearer request's Authorization header for
	// the upstream; passAccessToken sends the user's access token.
	passAuthorization bool
	passAccessToken   bool

	idleTimeout     time.Duration
	touchEvery      time.Duration // authenticate.go
	absoluteTimeout time.Duration
	refreshBefore   time.Duration
	// revalidateInterval: session.revalidate_interval (revalidate.go).
	revalidateInterval time.Duration

	forwardAuth bool
	// userSessions serves <path_prefix>/sessions (usersessions.go).
	userSessions bool

	issuer                string
	clientID              string
	postLogoutRedirectURI string
	logoutTokenMaxAge     time.Duration
	clockSkew             time.Duration

	// publicPreflight: authorization.public_preflight; forwardedAuthParams:
	// oidc.forwarded_auth_params (policyrequest.go, authparams.go).
	publicPreflight     bool
	forwardedAuthParams []string
}

func newSettings(cfg *config.Config) settings {
	return settings{
		publicURL:             cfg.PublicURL,
		trustedProxies:        cfg.TrustedProxyPrefixes,
		bearerEnabled:         cfg.Bearer.Enabled,
		bearerAudiences:       cfg.Bearer.Audiences,
		bearerClientIDs:       cfg.Bearer.AllowedClientIDs,
		passAuthorization:     cfg.Bearer.PassAuthorizationHeader,
		passAccessToken:       cfg.Upstream.PassAccessToken,
		idleTimeout:           cfg.Session.IdleTimeout,
		touchEvery:            touchEvery(cfg.Session.IdleTimeout),
		absoluteTimeout:       cfg.Session.AbsoluteTimeout,
		refreshBefore:         cfg.Session.RefreshBefore,
		revalidateInterval:    cfg.Session.RevalidateInterval,
		forwardAuth:           cfg.ForwardAuth.Enabled,
		userSessions:          cfg.UserSessions.Enabled,
		issuer:                cfg.OIDC.Issuer,
		clientID:              cfg.OIDC.ClientID,
		postLogoutRedirectURI: cfg.OIDC.PostLogoutRedirectURI,
		logoutTokenMaxAge:     cfg.OIDC.LogoutTokenMaxAge,
		clockSkew:             cfg.OIDC.ClockSkew,
		publicPreflight:       cfg.Authorization.PublicPreflight,
		forwardedAuthParams:   cfg.OIDC.ForwardedAuthParams,
	}
}
