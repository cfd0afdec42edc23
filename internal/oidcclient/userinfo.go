package oidcclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"go.uber.org/zap"
)

// Userinfo modes (key oidc.userinfo).
const (
	// UserinfoAuto calls userinfo only when the ID token lacks a claim that
	// Options.NeededClaims names.
	UserinfoAuto = "auto"
	// UserinfoAlways calls userinfo on every login and refresh.
	UserinfoAlways = "always"
	// UserinfoNever never calls userinfo: the ID token is the identity.
	UserinfoNever = "never"
)

// ErrUserinfo is a userinfo request that failed: the provider was not
// reachable, or refused the access token.
var ErrUserinfo = errors.New("oidcclient: userinfo request failed")

// ErrUserinfoUnauthorized is a userinfo request answered 401: the provider
// no longer accepts the access token (revoked, or the user disabled).
var ErrUserinfoUnauthorized = errors.New("oidcclient: userinfo refused the access token")

// tokenMetadata are the claims that describe a token rather than the user:
// they only ever come from the validated ID token, never from userinfo.
var tokenMetadata = map[string]bool{
	"iss": true, "aud": true, "exp": true, "iat": true, "nbf": true, "nonce": true,
	"azp": true, "sid": true, "at_hash": true, "c_hash": true, "auth_time": true,
	"acr": true, "amr": true, "jti": true,
}

// wantsUserinfo reports whether the identity in claims is to be completed
// from userinfo under the configured mode.
func (c *Client) wantsUserinfo(claims map[string]any) bool {
	switch c.opts.Userinfo {
	case UserinfoNever:
		return false
	case UserinfoAlways:
		return true
	}
	for _, name := range *c.needed.Load() {
		if _, ok := claims[name]; !ok {
			return true
		}
	}
	return false
}

// addUserinfo completes claims (the validated ID token's, whose `sub` is
// subject) with the userinfo response when the mode asks for it. A response
// about another subject, or about none, is ignored with a warning (OpenID
// Connect Core 5.3.4): it is never used and never fails the login. A request
// that fails returns ErrUserinfo.
func (c *Client) addUserinfo(ctx context.Context, endpoint, accessToken, subject string, claims map[string]any) error {
	if endpoint == "" || accessToken == "" || !c.wantsUserinfo(claims) {
		return nil
	}
	info, err := c.fetchUserinfo(ctx, endpoint, accessToken)
	if err != nil {
		return err
	}
	if info == nil {
		return nil
	}
	got, _ := info["sub"].(string)
	if got != subject {
		c.logger.Warn("userinfo response ignored: its sub is missing or differs from the ID token's (OpenID Connect Core 5.3.4)",
			zap.Bool("sub_present", got != ""), zap.String("user", subject))
		return nil
	}
	for k, v := range info {
		if !tokenMetadata[k] {
			claims[k] = v
		}
	}
	return nil
}

// fetchUserinfo GETs the userinfo endpoint. The scheme is always "Bearer"
// (RFC 6750 2.1), whatever case the token response's token_type had: many
// resource servers compare it case-sensitively. A signed or encrypted
// response (application/jwt) was not asked for and is skipped (nil).
func (c *Client) fetchUserinfo(ctx context.Context, endpoint, accessToken string) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUserinfo, err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := c.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUserinfo, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: read: %w", ErrUserinfo, err)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return nil, fmt.Errorf("%w: %w: status 401", ErrUserinfo, ErrUserinfoUnauthorized)
	}
	if resp.StatusCode != http.StatusOK {
		// The body may echo the token; only the status is reported.
		return nil, fmt.Errorf("%w: status %d", ErrUserinfo, resp.StatusCode)
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct == "application/jwt" {
		c.logger.Warn("userinfo response ignored: it is a JWT, and gatehouse reads only plain JSON userinfo")
		return nil, nil
	}
	var info map[string]any
	if err := json.Unmarshal(body, &info); err != nil {
		return nil, fmt.Errorf("%w: decode: %w", ErrUserinfo, err)
	}
	return info, nil
}
