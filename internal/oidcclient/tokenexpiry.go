package oidcclient

import (
	"time"
)

// accessTokenExpiry is when the access token stops working: the token
// response's expires_in, or the token's own `exp` when it is a JWT that
// expires earlier. Some providers get expires_in wrong (mockoidc sends a Go
// time.Duration, nanoseconds, which reads as decades); trusting it would
// never refresh, and the upstream and userinfo would see an expired token.
// The exp is read unverified: it can only make gatehouse refresh earlier.
func accessTokenExpiry(expiresAt time.Time, accessToken string) time.Time {
	exp, ok := unverifiedClaims(accessToken)["exp"].(float64)
	if !ok || exp <= 0 {
		return expiresAt
	}
	own := time.Unix(int64(exp), 0)
	if expiresAt.IsZero() || own.Before(expiresAt) {
		return own
	}
	return expiresAt
}
