package testidp_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

// login runs the code flow through the test RP and returns its result.
func login(t *testing.T, p *testidp.IDP, r *relyingParty, user, password string) loginResult {
	t.Helper()
	c := browser(t)
	callback, err := p.Login(t, c, authorizeURL(t, c, r), user, password)
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	resp, err := c.Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res loginResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatal(err)
	}
	if res.RefreshToken == "" {
		t.Fatal("no refresh token")
	}
	return res
}

func refresh(t *testing.T, r *relyingParty, token string) (*oidc.Tokens[*oidc.IDTokenClaims], error) {
	t.Helper()
	return rp.RefreshTokens[*oidc.IDTokenClaims](t.Context(), r.party, token, "", "")
}

func assertInvalidGrant(t *testing.T, err error) {
	t.Helper()
	var oidcErr *oidc.Error
	if !errors.As(err, &oidcErr) || oidcErr.ErrorType != oidc.InvalidGrant {
		t.Fatalf("refresh error = %v, want invalid_grant", err)
	}
}

// TestShortTokensRotateAndRevoke checks what gatehouse's refresh tests rely on:
// the configured access token lifetime, counted refresh grants, rotation with
// reuse refused, and revocation.
func TestShortTokensRotateAndRevoke(t *testing.T) {
	p, r := setup(t, testidp.WithAccessTokenLifetime(2*time.Second))
	res := login(t, p, r, testidp.Alice.Username, testidp.AlicePassword)
	if left := time.Until(res.Expiry); left <= 0 || left > 2*time.Second {
		t.Fatalf("access token expires in %v, want at most 2s", left)
	}
	if n := p.RefreshGrants(); n != 0 {
		t.Fatalf("RefreshGrants = %d after a login, want 0", n)
	}

	next, err := refresh(t, r, res.RefreshToken)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if next.RefreshToken == "" || next.RefreshToken == res.RefreshToken {
		t.Fatal("refresh token did not rotate")
	}
	if next.IDTokenClaims == nil || next.IDTokenClaims.Subject != testidp.Alice.ID {
		t.Fatalf("refreshed ID token claims = %+v", next.IDTokenClaims)
	}
	if left := time.Until(next.Expiry); left <= 0 || left > 2*time.Second {
		t.Fatalf("refreshed access token expires in %v, want at most 2s", left)
	}
	issued := p.IssuedTokens()
	if len(issued) != 2 || issued[0].RefreshToken != res.RefreshToken || issued[1].RefreshToken != next.RefreshToken ||
		issued[1].AccessToken != next.AccessToken || issued[0].IDToken != res.IDToken {
		t.Fatalf("IssuedTokens do not match the two token responses: %d recorded", len(issued))
	}
	_, err = refresh(t, r, res.RefreshToken)
	assertInvalidGrant(t, err) // reuse of a rotated token
	if n := p.RefreshGrants(); n != 2 {
		t.Fatalf("RefreshGrants = %d, want 2", n)
	}

	// Another user's tokens survive a revocation of Alice's.
	bob := login(t, p, r, testidp.Bob.Username, testidp.BobPassword)
	p.RevokeTokens(t, testidp.Alice.Username)
	_, err = refresh(t, r, next.RefreshToken)
	assertInvalidGrant(t, err)
	if _, err := refresh(t, r, bob.RefreshToken); err != nil {
		t.Fatalf("Bob's refresh after revoking Alice: %v", err)
	}

	p.ResetCounts()
	if n := p.RefreshGrants(); n != 0 {
		t.Fatalf("RefreshGrants after ResetCounts = %d", n)
	}
}
