package oidcclient

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

const (
	testIssuer   = "https://idp.example.com"
	testClientID = "gatehouse"
)

func testClient() *Client {
	return New(Options{Issuer: testIssuer, ClientID: testClientID, ClockSkew: 30 * time.Second}, nil)
}

// unsigned builds header.payload.signature with a dummy signature: these
// tests cover everything after the signature check, which the end-to-end
// tests cover against the provider's real keys.
func unsigned(header map[string]any, claims map[string]any) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(h) + "." + enc.EncodeToString(c) + "." + enc.EncodeToString([]byte("sig"))
}

func validClaims(now time.Time) map[string]any {
	return map[string]any{
		"iss": testIssuer, "aud": testClientID, "iat": now.Unix(), "jti": "j1",
		"sub": "alice", "sid": "s1",
		"events": map[string]any{BackchannelLogoutEvent: map[string]any{}},
	}
}

// checkUnsigned runs the checks of VerifyLogoutToken that need no key.
func checkUnsigned(c *Client, token string, now time.Time, maxAge time.Duration) (*LogoutToken, error) {
	if err := checkLogoutType(token); err != nil {
		return nil, err
	}
	var lc logoutClaims
	if _, err := oidc.ParseToken(token, &lc); err != nil {
		return nil, refuse(LogoutReasonMalformed, "%w", err)
	}
	return c.checkLogoutClaims(&lc, now, maxAge)
}

func TestLogoutTokenClaims(t *testing.T) {
	now := time.Now()
	c := testClient()
	edit := func(f func(map[string]any)) map[string]any {
		m := validClaims(now)
		f(m)
		return m
	}
	jwt := map[string]any{"alg": "RS256", "typ": "JWT"}
	cases := []struct {
		name   string
		header map[string]any
		claims map[string]any
		reason string // "" = accepted
	}{
		{"valid, typ JWT", jwt, validClaims(now), ""},
		{"valid, no typ", map[string]any{"alg": "RS256"}, validClaims(now), ""},
		{"valid, typ logout+jwt", map[string]any{"alg": "RS256", "typ": "logout+jwt"}, validClaims(now), ""},
		{"valid, typ application/LOGOUT+JWT", map[string]any{"alg": "RS256", "typ": "application/LOGOUT+JWT"}, validClaims(now), ""},
		{"valid, sid only", jwt, edit(func(m map[string]any) { delete(m, "sub") }), ""},
		{"valid, sub only", jwt, edit(func(m map[string]any) { delete(m, "sid") }), ""},
		{"valid, aud list", jwt, edit(func(m map[string]any) { m["aud"] = []string{"other", testClientID} }), ""},
		{"valid, exp ahead", jwt, edit(func(m map[string]any) { m["exp"] = now.Add(time.Minute).Unix() }), ""},
		{"valid, iat within skew ahead", jwt, edit(func(m map[string]any) { m["iat"] = now.Add(20 * time.Second).Unix() }), ""},
		{"typ at+jwt", map[string]any{"alg": "RS256", "typ": "at+jwt"}, validClaims(now), LogoutReasonType},
		{"typ not a string", map[string]any{"alg": "RS256", "typ": 1}, validClaims(now), LogoutReasonMalformed},
		{"wrong iss", jwt, edit(func(m map[string]any) { m["iss"] = testIssuer + "/" }), LogoutReasonIssuer},
		{"wrong aud", jwt, edit(func(m map[string]any) { m["aud"] = "someone-else" }), LogoutReasonAudience},
		{"azp of another client", jwt, edit(func(m map[string]any) { m["azp"] = "someone-else" }), LogoutReasonAudience},
		{"no iat", jwt, edit(func(m map[string]any) { delete(m, "iat") }), LogoutReasonIatMissing},
		{"iat in the future", jwt, edit(func(m map[string]any) { m["iat"] = now.Add(time.Hour).Unix() }), LogoutReasonIatFuture},
		{"iat too old", jwt, edit(func(m map[string]any) { m["iat"] = now.Add(-6 * time.Minute).Unix() }), LogoutReasonIatOld},
		{"iat absurd", jwt, edit(func(m map[string]any) { m["iat"] = 1e300 }), LogoutReasonIatMissing},
		{"expired", jwt, edit(func(m map[string]any) { m["exp"] = now.Add(-time.Minute).Unix() }), LogoutReasonExpired},
		{"no jti", jwt, edit(func(m map[string]any) { delete(m, "jti") }), LogoutReasonJTI},
		{"no events", jwt, edit(func(m map[string]any) { delete(m, "events") }), LogoutReasonEvents},
		{"events a list", jwt, edit(func(m map[string]any) { m["events"] = []string{BackchannelLogoutEvent} }), LogoutReasonEvents},
		{"wrong event", jwt, edit(func(m map[string]any) {
			m["events"] = map[string]any{"http://schemas.openid.net/event/other": map[string]any{}}
		}), LogoutReasonEvents},
		{"event member not an object", jwt, edit(func(m map[string]any) {
			m["events"] = map[string]any{BackchannelLogoutEvent: true}
		}), LogoutReasonEvents},
		{"nonce", jwt, edit(func(m map[string]any) { m["nonce"] = "n" }), LogoutReasonNonce},
		{"nonce null", jwt, edit(func(m map[string]any) { m["nonce"] = nil }), LogoutReasonNonce},
		{"neither sub nor sid", jwt, edit(func(m map[string]any) { delete(m, "sub"); delete(m, "sid") }), LogoutReasonNoSubject},
		{"sub not a string", jwt, edit(func(m map[string]any) { m["sub"] = 7 }), LogoutReasonMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lt, err := checkUnsigned(c, unsigned(tc.header, tc.claims), now, 5*time.Minute)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if lt.JWTID != "j1" || (lt.Subject == "" && lt.SessionID == "") {
					t.Fatalf("token = %+v", lt)
				}
				return
			}
			var lte *LogoutTokenError
			if !errors.As(err, &lte) || lte.Reason != tc.reason {
				t.Fatalf("error = %v, want reason %q", err, tc.reason)
			}
		})
	}
}

func TestLogoutTokenShape(t *testing.T) {
	for _, token := range []string{"", "a.b", "a.b.c.d", "!!.e30.sig", "e30.!!.sig", "bnVsbA.e30.sig"} {
		if _, err := checkUnsigned(testClient(), token, time.Now(), time.Minute); err == nil {
			t.Errorf("%q accepted", token)
		}
	}
}

// FuzzLogoutToken feeds arbitrary strings through everything
// VerifyLogoutToken does except the signature check: it must never panic,
// and whatever it accepts must satisfy the rules.
func FuzzLogoutToken(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	f.Add(unsigned(map[string]any{"alg": "RS256", "typ": "JWT"}, validClaims(now)))
	f.Add(unsigned(map[string]any{"alg": "none"}, map[string]any{"iss": testIssuer, "nonce": "x"}))
	f.Add(unsigned(map[string]any{"typ": "logout+jwt"}, map[string]any{"events": []any{1}, "iat": -1}))
	f.Add("e30.e30.")
	f.Add("..")
	f.Add(strings.Repeat("a.", 50))
	c := testClient()
	f.Fuzz(func(t *testing.T, token string) {
		lt, err := checkUnsigned(c, token, now, 5*time.Minute)
		if err != nil {
			var lte *LogoutTokenError
			if !errors.As(err, &lte) || lte.Reason == "" {
				t.Fatalf("error without a reason: %v", err)
			}
			if strings.Contains(err.Error(), token) && len(token) > 16 {
				t.Fatalf("error quotes the token: %v", err)
			}
			return
		}
		if lt.Issuer != testIssuer || lt.JWTID == "" || (lt.Subject == "" && lt.SessionID == "") {
			t.Fatalf("accepted %+v", lt)
		}
		if lt.IssuedAt.After(now.Add(30*time.Second)) || now.Sub(lt.IssuedAt) > 5*time.Minute {
			t.Fatalf("accepted iat %v", lt.IssuedAt)
		}
	})
}
