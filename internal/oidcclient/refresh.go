package oidcclient

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"go.uber.org/zap"
	"golang.org/x/oauth2"
)

// ErrRefreshRejected means the session cannot go on: the provider refused
// the refresh token for good (invalid_grant: revoked, expired or already
// used), or the refreshed ID token is invalid or names another user. Any
// other refresh error is transient (network, timeout, 5xx) and worth retrying.
var ErrRefreshRejected = errors.New("oidcclient: refresh rejected")

// Refreshed holds the tokens a refresh returned.
type Refreshed struct {
	AccessToken string
	// RefreshToken is empty when the provider did not rotate it; the old one
	// stays valid then.
	RefreshToken string
	// IDToken is empty when the provider sent none (allowed on refresh).
	IDToken string
	// AccessTokenExpiresAt is zero when the provider gave no expiry.
	AccessTokenExpiresAt time.Time
	// Claims is the identity as the provider sees it now: the refreshed ID
	// token's claims (else the login's), completed from userinfo per
	// Options.Userinfo. Nil when nothing was re-read (no new ID token and
	// userinfo not called): the session keeps its identity then.
	Claims map[string]any
}

// Refresh redeems refreshToken at the token endpoint. A new ID token is
// validated like the login's (signature, iss, aud, azp, exp, iat, at_hash)
// and must carry subject; its nonce, when present, must be the one of
// previousIDToken (OpenID Connect Core 12.2).
func (c *Client) Refresh(ctx context.Context, refreshToken, previousIDToken, subject string) (*Refreshed, error) {
	party, err := c.relyingParty()
	if err != nil {
		return nil, err
	}
	assertion, assertionType := "", ""
	if c.usesClientKey() {
		if assertion, err = c.clientAssertion(party.OAuthConfig().Endpoint.TokenURL, time.Now()); err != nil {
			return nil, err
		}
		assertionType = oidc.ClientAssertionTypeJWTAssertion
	}
	tokens, err := rp.RefreshTokens[*idClaims](ctx, refreshParty{party}, refreshToken, assertion, assertionType)
	if err != nil {
		if oidcErr := new(oidc.Error); errors.As(err, &oidcErr) && oidcErr.ErrorType == oidc.InvalidGrant {
			return nil, fmt.Errorf("%w: provider answered invalid_grant", ErrRefreshRejected)
		}
		if isTokenValidation(err) {
			return nil, fmt.Errorf("%w: refreshed ID token: %w", ErrRefreshRejected, err)
		}
		return nil, fmt.Errorf("refresh: %w", err)
	}
	if tokens.AccessToken == "" {
		return nil, errors.New("refresh: provider returned no access token")
	}
	out := &Refreshed{
		AccessToken:          tokens.AccessToken,
		RefreshToken:         tokens.RefreshToken,
		IDToken:              tokens.IDToken,
		AccessTokenExpiresAt: accessTokenExpiry(tokens.Expiry, tokens.AccessToken),
	}
	if tokens.IDTokenClaims != nil && tokens.IDToken != "" {
		if got := tokens.IDTokenClaims.Subject; got != subject {
			return nil, fmt.Errorf("%w: refreshed ID token names another subject", ErrRefreshRejected)
		}
		if n := tokens.IDTokenClaims.Nonce; n != "" && n != unverifiedNonce(previousIDToken) {
			return nil, fmt.Errorf("%w: refreshed ID token carries another nonce", ErrRefreshRejected)
		}
		out.Claims = tokens.IDTokenClaims.Claims()
	}
	out.Claims, err = c.reread(ctx, party.UserinfoEndpoint(), out.AccessToken, previousIDToken, subject, out.Claims)
	if err != nil {
		// The tokens are good; a userinfo hiccup keeps the old identity
		// until the next refresh rather than losing the rotated tokens.
		c.logger.Warn("identity not re-read after the token refresh: userinfo failed", zap.Error(err))
		out.Claims = nil
	}
	return out, nil
}

// reread completes the identity after a refresh. Without a new ID token the
// login's (validated then, sealed since) is the base, and userinfo is asked
// unless the mode is never: it is then the only fresh source.
func (c *Client) reread(ctx context.Context, endpoint, accessToken, previousIDToken, subject string, claims map[string]any) (map[string]any, error) {
	if claims != nil {
		return claims, c.addUserinfo(ctx, endpoint, accessToken, subject, claims)
	}
	if c.opts.Userinfo == UserinfoNever || endpoint == "" {
		return nil, nil
	}
	return c.userinfoOver(ctx, endpoint, accessToken, previousIDToken, subject)
}

// userinfoOver returns the login ID token's claims overlaid with a fresh
// userinfo response, or nil when the response was ignored (another subject).
func (c *Client) userinfoOver(ctx context.Context, endpoint, accessToken, previousIDToken, subject string) (map[string]any, error) {
	base := unverifiedClaims(previousIDToken)
	if base == nil {
		base = map[string]any{}
	}
	base["sub"] = subject
	info, err := c.fetchUserinfo(ctx, endpoint, accessToken)
	if err != nil || info == nil {
		return nil, err
	}
	if got, _ := info["sub"].(string); got != subject {
		c.logger.Warn("userinfo response ignored: its sub is missing or differs from the ID token's (OpenID Connect Core 5.3.4)",
			zap.Bool("sub_present", got != ""), zap.String("user", subject))
		return nil, nil
	}
	for k, v := range info {
		if !tokenMetadata[k] {
			base[k] = v
		}
	}
	return base, nil
}

// Revalidate re-reads the identity of a session whose access token is still
// valid (session.revalidate_interval): the login's ID token claims overlaid
// with userinfo. Nil claims: the response was ignored. A 401 from userinfo
// wraps ErrUserinfoUnauthorized: the provider no longer accepts the token.
func (c *Client) Revalidate(ctx context.Context, accessToken, previousIDToken, subject string) (map[string]any, error) {
	party, err := c.relyingParty()
	if err != nil {
		return nil, err
	}
	if party.UserinfoEndpoint() == "" {
		return nil, nil
	}
	return c.userinfoOver(ctx, party.UserinfoEndpoint(), accessToken, previousIDToken, subject)
}

// refreshParty is the relying party with a verifier that does not demand the
// login's nonce: a refreshed ID token usually has none, and Refresh checks
// the rule for it itself. Its OAuth config names no scopes, so the refresh
// request carries no scope parameter and gets the scopes of the grant (RFC
// 6749 section 6): asking again for every configured scope fails at
// providers that granted fewer (oidc-provider drops offline_access without
// prompt=consent and then answers invalid_scope).
type refreshParty struct{ rp.RelyingParty }

func (p refreshParty) OAuthConfig() *oauth2.Config {
	c := *p.RelyingParty.OAuthConfig()
	c.Scopes = nil
	return &c
}

func (p refreshParty) IDTokenVerifier() *rp.IDTokenVerifier {
	v := *p.RelyingParty.IDTokenVerifier()
	v.Nonce = nil
	return &v
}

// isTokenValidation reports whether err is the ID token failing validation,
// as opposed to the provider being unreachable.
func isTokenValidation(err error) bool {
	for _, target := range []error{
		oidc.ErrParse, oidc.ErrSubjectMissing, oidc.ErrIssuerInvalid, oidc.ErrAudience,
		oidc.ErrAzpInvalid, oidc.ErrSignatureInvalid, oidc.ErrSignatureUnsupportedAlg,
		oidc.ErrSignatureMultiple, oidc.ErrExpired, oidc.ErrIatMissing, oidc.ErrIatInFuture,
		oidc.ErrIatToOld, oidc.ErrAtHash, oidc.ErrNonceInvalid,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// unverifiedClaims reads the claims of an ID token that was validated at
// login and kept sealed since; nil when it cannot be read.
func unverifiedClaims(idToken string) map[string]any {
	parts := strings.Split(idToken, ".")
	if len(parts) != 3 {
		return nil
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil
	}
	var claims map[string]any
	if json.Unmarshal(payload, &claims) != nil {
		return nil
	}
	return claims
}

// unverifiedNonce reads the nonce of the login's ID token; it is only
// compared, never trusted on its own.
func unverifiedNonce(idToken string) string {
	n, _ := unverifiedClaims(idToken)["nonce"].(string)
	return n
}
