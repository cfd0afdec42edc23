package oidcclient

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// BackchannelLogoutEvent is the member of a logout token's events claim that
// makes it a back-channel logout token (OpenID Connect Back-Channel Logout 1.0).
const BackchannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// Reasons a logout token is refused. They label logs and metrics, so the set
// is fixed and small.
const (
	LogoutReasonMalformed  = "malformed"   // not a compact JWS with a JSON payload
	LogoutReasonType       = "typ"         // a typ header other than JWT or logout+jwt
	LogoutReasonSignature  = "signature"   // bad signature, unknown key, or an algorithm not allowed
	LogoutReasonIssuer     = "issuer"      // iss is not oidc.issuer
	LogoutReasonAudience   = "audience"    // aud does not contain our client id (or azp names another)
	LogoutReasonIatMissing = "iat_missing" // no iat
	LogoutReasonIatFuture  = "iat_future"  // iat more than oidc.clock_skew ahead
	LogoutReasonIatOld     = "iat_too_old" // iat older than oidc.logout_token_max_age
	LogoutReasonExpired    = "expired"     // exp present and past
	LogoutReasonJTI        = "jti_missing" // no jti
	LogoutReasonEvents     = "events"      // events missing, without the logout event, or not objects
	LogoutReasonNonce      = "nonce"       // a nonce claim (an ID token, not a logout token)
	LogoutReasonNoSubject  = "no_sub_sid"  // neither sub nor sid
)

// LogoutTokenError says why a logout token was refused. Reason is one of the
// LogoutReason constants; Err gives the detail. Neither contains the token.
type LogoutTokenError struct {
	Reason string
	Err    error
}

func (e *LogoutTokenError) Error() string {
	return "oidcclient: logout token refused (" + e.Reason + "): " + e.Err.Error()
}

func (e *LogoutTokenError) Unwrap() error { return e.Err }

func refuse(reason, format string, args ...any) error {
	return &LogoutTokenError{Reason: reason, Err: fmt.Errorf(format, args...)}
}

// LogoutToken is a validated back-channel logout token. At least one of
// Subject and SessionID is set.
type LogoutToken struct {
	Issuer    string
	Subject   string // the user's sub, or ""
	SessionID string // the provider's sid, or ""
	JWTID     string
	IssuedAt  time.Time
}

// logoutClaims is the payload as sent. Pointers and raw values tell a claim
// that is absent from one that is empty.
type logoutClaims struct {
	Issuer          string          `json:"iss"`
	Subject         string          `json:"sub"`
	Audience        oidc.Audience   `json:"aud"`
	AuthorizedParty string          `json:"azp"`
	IssuedAt        *float64        `json:"iat"`
	Expiry          *float64        `json:"exp"`
	JWTID           string          `json:"jti"`
	SessionID       string          `json:"sid"`
	Events          json.RawMessage `json:"events"`
	Nonce           json.RawMessage `json:"nonce"`
}

func (*logoutClaims) SetSignatureAlgorithm(jose.SignatureAlgorithm) {}

// VerifyLogoutToken validates a back-channel logout token as OpenID Connect
// Back-Channel Logout 1.0 section 2.6 asks: a typ header that is absent, JWT
// or logout+jwt; signature by the provider's JWKS with an asymmetric
// algorithm it advertises; iss equal to oidc.issuer; aud containing our client
// id; iat present, at most the clock skew ahead and at most maxAge old; exp,
// when present, not past; jti present; events holding the back-channel logout
// event as a JSON object; no nonce; sub or sid. Replay (jti seen before) is
// the caller's check: it needs the shared store. ErrNotReady means discovery
// has not loaded; every other error is a *LogoutTokenError.
//
// It is kept hand-written on purpose: zitadel/oidc has a logout-token claims
// type for providers but no relying-party verifier for it (no events, jti,
// nonce or typ rules), so only the signature check is delegated, to go-jose
// through keySet.
func (c *Client) VerifyLogoutToken(ctx context.Context, token string, maxAge time.Duration) (*LogoutToken, error) {
	if err := checkLogoutType(token); err != nil {
		return nil, err
	}
	var lc logoutClaims
	if _, err := c.verifySignature(ctx, token, &lc); err != nil {
		if errors.Is(err, ErrNotReady) {
			return nil, err
		}
		if errors.Is(err, oidc.ErrParse) {
			return nil, refuse(LogoutReasonMalformed, "%w", err)
		}
		return nil, refuse(LogoutReasonSignature, "%w", err)
	}
	return c.checkLogoutClaims(&lc, time.Now(), maxAge)
}

// checkLogoutType reads the JOSE header: the token must be a three-part
// compact JWS whose typ, if any, names a JWT or a logout token. Real
// providers (Ory Hydra, Keycloak) send "JWT"; the spec recommends
// "logout+jwt". Anything else (at+jwt, a JWE's header) is another kind of
// token.
func checkLogoutType(token string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return refuse(LogoutReasonMalformed, "%d parts, a signed JWT has 3", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return refuse(LogoutReasonMalformed, "header is not base64url: %w", err)
	}
	var header struct {
		Typ *string `json:"typ"`
	}
	if err := json.Unmarshal(raw, &header); err != nil {
		return refuse(LogoutReasonMalformed, "header: %w", err)
	}
	if header.Typ == nil {
		return nil
	}
	typ := strings.ToLower(*header.Typ)
	typ = strings.TrimPrefix(typ, "application/")
	if typ != "jwt" && typ != "logout+jwt" {
		return refuse(LogoutReasonType, "typ %q is not JWT or logout+jwt", *header.Typ)
	}
	return nil
}

func (c *Client) checkLogoutClaims(lc *logoutClaims, now time.Time, maxAge time.Duration) (*LogoutToken, error) {
	skew := c.opts.ClockSkew
	if lc.Issuer != c.opts.Issuer {
		return nil, refuse(LogoutReasonIssuer, "iss %q is not oidc.issuer", lc.Issuer)
	}
	if !slices.Contains(lc.Audience, c.opts.ClientID) {
		return nil, refuse(LogoutReasonAudience, "aud %q does not contain our client id", []string(lc.Audience))
	}
	if lc.AuthorizedParty != "" && lc.AuthorizedParty != c.opts.ClientID {
		return nil, refuse(LogoutReasonAudience, "azp %q is not our client id", lc.AuthorizedParty)
	}
	if lc.IssuedAt == nil {
		return nil, refuse(LogoutReasonIatMissing, "no iat")
	}
	iat, ok := numericDate(*lc.IssuedAt)
	if !ok {
		return nil, refuse(LogoutReasonIatMissing, "iat %v is not a time", *lc.IssuedAt)
	}
	if iat.After(now.Add(skew)) {
		return nil, refuse(LogoutReasonIatFuture, "iat is %v in the future (clock skew %v)", iat.Sub(now).Round(time.Second), skew)
	}
	// Without skew here: the jti is remembered for maxAge plus the skew, so
	// every token accepted can still be recognised when replayed.
	if now.Sub(iat) > maxAge {
		return nil, refuse(LogoutReasonIatOld, "iat is %v old (oidc.logout_token_max_age %v)", now.Sub(iat).Round(time.Second), maxAge)
	}
	if lc.Expiry != nil {
		exp, ok := numericDate(*lc.Expiry)
		if !ok || !now.Add(-skew).Before(exp) {
			return nil, refuse(LogoutReasonExpired, "exp is past")
		}
	}
	if lc.JWTID == "" {
		return nil, refuse(LogoutReasonJTI, "no jti")
	}
	if err := checkEvents(lc.Events); err != nil {
		return nil, err
	}
	if len(lc.Nonce) > 0 {
		return nil, refuse(LogoutReasonNonce, "a logout token must not carry a nonce")
	}
	if lc.Subject == "" && lc.SessionID == "" {
		return nil, refuse(LogoutReasonNoSubject, "neither sub nor sid")
	}
	return &LogoutToken{
		Issuer:    lc.Issuer,
		Subject:   lc.Subject,
		SessionID: lc.SessionID,
		JWTID:     lc.JWTID,
		IssuedAt:  iat,
	}, nil
}

// checkEvents: events is a JSON object with the back-channel logout event,
// whose value is a JSON object too (usually {}).
func checkEvents(raw json.RawMessage) error {
	if len(raw) == 0 {
		return refuse(LogoutReasonEvents, "no events claim")
	}
	var events map[string]json.RawMessage
	if err := json.Unmarshal(raw, &events); err != nil || events == nil {
		return refuse(LogoutReasonEvents, "events is not a JSON object")
	}
	member, ok := events[BackchannelLogoutEvent]
	if !ok {
		return refuse(LogoutReasonEvents, "events lacks %s", BackchannelLogoutEvent)
	}
	var obj map[string]json.RawMessage
	if !bytes.HasPrefix(bytes.TrimSpace(member), []byte("{")) || json.Unmarshal(member, &obj) != nil {
		return refuse(LogoutReasonEvents, "the back-channel logout event is not a JSON object")
	}
	return nil
}

// numericDate turns a JWT NumericDate (seconds, possibly fractional) into a
// time; absurd values are not times.
func numericDate(v float64) (time.Time, bool) {
	if math.IsNaN(v) || v < 0 || v > 1e11 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(v)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}
