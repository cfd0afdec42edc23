package oidcclient

import (
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"
)

func TestIDClaimsLenient(t *testing.T) {
	cases := []struct {
		name    string
		json    string
		wantErr bool
		sub     string
		sid     string
		claim   string // a claim that must be kept as sent
	}{
		{name: "address as a string (mockoidc)", json: `{"sub":"u1","aud":"c","address":"123 Main Street"}`, sub: "u1", claim: "address"},
		{name: "updated_at as RFC 3339", json: `{"sub":"u1","updated_at":"2026-01-02T03:04:05Z"}`, sub: "u1", claim: "updated_at"},
		{name: "email_verified as a string", json: `{"sub":"u1","email_verified":"true"}`, sub: "u1", claim: "email_verified"},
		{name: "amr as a string", json: `{"sub":"u1","amr":"pwd"}`, sub: "u1", claim: "amr"},
		{name: "sid kept", json: `{"sub":"u1","sid":"s-1"}`, sub: "u1", sid: "s-1"},
		{name: "sid of another type is none", json: `{"sub":"u1","sid":7}`, sub: "u1"},
		{name: "single aud string", json: `{"sub":"u1","aud":"c"}`, sub: "u1"},
		{name: "exp as a string is invalid", json: `{"sub":"u1","exp":"soon"}`, wantErr: true},
		{name: "sub as a number is invalid", json: `{"sub":1}`, wantErr: true},
		{name: "at_hash as a number is invalid", json: `{"sub":"u1","at_hash":1}`, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c *idClaims
			err := json.Unmarshal([]byte(tc.json), &c)
			if tc.wantErr {
				if err == nil {
					t.Fatal("decoded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Subject != tc.sub || c.SessionID != tc.sid {
				t.Errorf("sub %q sid %q, want %q %q", c.Subject, c.SessionID, tc.sub, tc.sid)
			}
			if tc.claim != "" {
				var raw map[string]any
				_ = json.Unmarshal([]byte(tc.json), &raw)
				if got := c.Claims()[tc.claim]; got == nil || got != raw[tc.claim] {
					t.Errorf("claim %s = %v, want %v", tc.claim, got, raw[tc.claim])
				}
			}
		})
	}
}

func TestAccessTokenExpiry(t *testing.T) {
	jwt := func(exp int64) string {
		p, _ := json.Marshal(map[string]any{"exp": exp})
		return "e30." + base64.RawURLEncoding.EncodeToString(p) + ".sig"
	}
	now := time.Unix(1_800_000_000, 0)
	decades := now.Add(68 * 365 * 24 * time.Hour)
	cases := []struct {
		name      string
		expiresAt time.Time
		token     string
		want      time.Time
	}{
		{"opaque token keeps expires_in", now.Add(time.Hour), "opaque", now.Add(time.Hour)},
		{"JWT exp earlier wins (mockoidc's nanosecond expires_in)", decades, jwt(now.Add(10 * time.Minute).Unix()), now.Add(10 * time.Minute)},
		{"expires_in earlier wins", now.Add(time.Minute), jwt(now.Add(time.Hour).Unix()), now.Add(time.Minute)},
		{"no expires_in, JWT exp", time.Time{}, jwt(now.Add(time.Hour).Unix()), now.Add(time.Hour)},
		{"neither", time.Time{}, "opaque", time.Time{}},
	}
	for _, tc := range cases {
		if got := accessTokenExpiry(tc.expiresAt, tc.token); !got.Equal(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
