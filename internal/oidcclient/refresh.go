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
	tokens, err := rp.RefreshTokens[*oidc.IDTokenClaims](ctx, refreshParty{party}, refreshToken, "", "")
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
		AccessTokenExpiresAt: tokens.Expiry,
	}
	if tokens.IDTokenClaims != nil {
		if got := tokens.IDTokenClaims.Subject; got != subject {
			return nil, fmt.Errorf("%w: refreshed ID token names another subject", ErrRefreshRejected)
		}
		if n := tokens.IDTokenClaims.Nonce; n != "" && n != unverifiedNonce(previousIDToken) {
			return nil, fmt.Errorf("%w: refreshed ID token carries another nonce", ErrRefreshRejected)
		}
	}
	return out, nil
}

// refreshParty is the relying party with a verifier that does not demand the
// login's nonce: a refreshed ID token usually has none, and Refresh checks
// the rule for it itself.
type refreshParty struct{ rp.RelyingParty }

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

// unverifiedNonce reads the nonce of an ID token that was validated at login
// and kept sealed since; it is only compared, never trusted on its own.
func unverifiedNonce(idToken string) string {
	parts := strings.Split(idToken, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		Nonce string `json:"nonce"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	return claims.Nonce
}
