package oidcclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// ErrBearerInvalid wraps every reason a bearer token is refused.
var ErrBearerInvalid = errors.New("oidcclient: bearer token invalid")

// asymmetricAlgs are the signature algorithms a bearer token may use. HMAC
// algorithms are never accepted, even when the provider advertises them: the
// JWKS is public, so a key shared through it proves nothing.
var asymmetricAlgs = []string{
	"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
}

// VerifyBearer validates a JWT that an API client presented as a bearer token:
// signature by a key of the provider's JWKS with an algorithm the provider
// advertises, iss equal to oidc.issuer, aud containing one of audiences, exp
// in the future and nbf in the past (both with the clock skew), and a
// subject. It must be an access token, not an ID token (checkAccessToken),
// and with clientIDs set, issued to one of them (checkClientID). It returns
// the token's claims. Opaque tokens are refused: there is no introspection.
// ErrNotReady means discovery has not loaded yet.
func (c *Client) VerifyBearer(ctx context.Context, token string, audiences, clientIDs []string) (map[string]any, error) {
	var tc oidc.TokenClaims
	payload, err := c.verifySignature(ctx, token, &tc)
	if errors.Is(err, ErrNotReady) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBearerInvalid, err)
	}
	if tc.Issuer != c.opts.Issuer {
		return nil, fmt.Errorf("%w: issuer %q is not oidc.issuer", ErrBearerInvalid, tc.Issuer)
	}
	if !slices.ContainsFunc(tc.Audience, func(a string) bool { return slices.Contains(audiences, a) }) {
		return nil, fmt.Errorf("%w: audience %q is not in bearer.audiences", ErrBearerInvalid, []string(tc.Audience))
	}
	now := time.Now()
	skew := c.opts.ClockSkew
	exp := tc.Expiration.AsTime()
	if exp.IsZero() || !now.Add(-skew).Before(exp) {
		return nil, fmt.Errorf("%w: expired or without exp", ErrBearerInvalid)
	}
	if nbf := tc.NotBefore.AsTime(); !nbf.IsZero() && now.Add(skew).Before(nbf) {
		return nil, fmt.Errorf("%w: not valid yet (nbf)", ErrBearerInvalid)
	}
	if tc.Subject == "" {
		return nil, fmt.Errorf("%w: no subject", ErrBearerInvalid)
	}
	claims := map[string]any{}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, fmt.Errorf("%w: claims: %w", ErrBearerInvalid, err)
	}
	if err := checkAccessToken(token, claims); err != nil {
		return nil, err
	}
	if err := checkClientID(claims, clientIDs); err != nil {
		return nil, err
	}
	return claims, nil
}

// verifySignature checks that token is a JWS signed by a key of the
// provider's JWKS with an asymmetric algorithm the provider advertises, and
// decodes its payload into claims. It is the first step of every JWT the
// provider sends us outside a token response: bearer and logout tokens.
func (c *Client) verifySignature(ctx context.Context, token string, claims oidc.ClaimsSignature) ([]byte, error) {
	party, err := c.relyingParty()
	if err != nil {
		return nil, err
	}
	verifier := party.IDTokenVerifier()
	algs := slices.DeleteFunc(slices.Clone(verifier.SupportedSignAlgs), func(a string) bool {
		return !slices.Contains(asymmetricAlgs, a)
	})
	if len(algs) == 0 {
		algs = []string{"RS256"} // the algorithm OpenID Connect requires providers to support
	}
	payload, err := oidc.ParseToken(token, claims)
	if err != nil {
		return nil, fmt.Errorf("not a JWT: %w", err)
	}
	if err := oidc.CheckSignature(ctx, token, payload, claims, algs, verifier.KeySet); err != nil {
		return nil, err
	}
	return payload, nil
}
