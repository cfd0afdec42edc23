package oidcclient

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
)

func jwsWithHeader(header string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(header)) + ".e30.c2ln"
}

func TestCheckAccessToken(t *testing.T) {
	cases := []struct {
		name   string
		header string
		claims map[string]any
		ok     bool
	}{
		{"no typ", `{"alg":"RS256"}`, map[string]any{"sub": "s"}, true},
		{"JWT", `{"alg":"RS256","typ":"JWT"}`, nil, true},
		{"jwt", `{"alg":"RS256","typ":"jwt"}`, nil, true},
		{"at+jwt", `{"alg":"RS256","typ":"at+jwt"}`, nil, true},
		{"application/at+JWT", `{"alg":"RS256","typ":"application/at+JWT"}`, nil, true},
		{"nonce", `{"alg":"RS256"}`, map[string]any{"nonce": "n"}, false},
		{"at_hash", `{"alg":"RS256","typ":"JWT"}`, map[string]any{"at_hash": "x"}, false},
		{"c_hash", `{"alg":"RS256","typ":"at+jwt"}`, map[string]any{"c_hash": "x"}, false},
		{"empty nonce still an ID token", `{"alg":"RS256"}`, map[string]any{"nonce": ""}, false},
		{"logout+jwt", `{"alg":"RS256","typ":"logout+jwt"}`, nil, false},
		{"id_token+jwt", `{"alg":"RS256","typ":"id_token+jwt"}`, nil, false},
		{"empty typ", `{"alg":"RS256","typ":""}`, nil, false},
		{"typ not a string", `{"alg":"RS256","typ":1}`, nil, false},
		{"header not JSON", `not json`, nil, false},
	}
	for _, tc := range cases {
		err := checkAccessToken(jwsWithHeader(tc.header), tc.claims)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok %v", tc.name, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrBearerInvalid) {
			t.Errorf("%s: %v is not ErrBearerInvalid", tc.name, err)
		}
	}
}

func TestCheckClientID(t *testing.T) {
	allowed := []string{"job", "cli"}
	cases := []struct {
		name    string
		claims  map[string]any
		allowed []string
		ok      bool
	}{
		{"no allowlist", map[string]any{"azp": "anyone"}, nil, true},
		{"no allowlist, no client", map[string]any{}, nil, true},
		{"azp listed", map[string]any{"azp": "job"}, allowed, true},
		{"client_id listed", map[string]any{"client_id": "cli"}, allowed, true},
		{"both listed", map[string]any{"azp": "job", "client_id": "cli"}, allowed, true},
		{"azp other", map[string]any{"azp": "evil"}, allowed, false},
		{"client_id other", map[string]any{"client_id": "evil"}, allowed, false},
		{"one of two other", map[string]any{"azp": "job", "client_id": "evil"}, allowed, false},
		{"azp a list", map[string]any{"azp": []any{"job"}}, allowed, false},
		{"case differs", map[string]any{"azp": "JOB"}, allowed, false},
		{"none named", map[string]any{"sub": "s"}, allowed, false},
	}
	for _, tc := range cases {
		err := checkClientID(tc.claims, tc.allowed)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

func TestCheckResponseIssuer(t *testing.T) {
	c := New(Options{Issuer: "https://idp.example/"}, nil)
	if err := c.CheckResponseIssuer(nil); !errors.Is(err, ErrNotReady) {
		t.Fatalf("before discovery: %v, want ErrNotReady", err)
	}
	c.party.Store(new(rp.RelyingParty)) // ready; the relying party itself is not used
	cases := []struct {
		name     string
		iss      []string
		required bool
		ok       bool
	}{
		{"absent, not advertised", nil, false, true},
		{"absent, advertised", nil, true, false},
		{"exact", []string{"https://idp.example/"}, true, true},
		{"exact, not advertised", []string{"https://idp.example/"}, false, true},
		{"without the trailing slash", []string{"https://idp.example"}, false, false},
		{"another issuer", []string{"https://evil.example/"}, false, false},
		{"case differs", []string{"https://IDP.example/"}, true, false},
		{"empty", []string{""}, false, false},
		{"repeated", []string{"https://idp.example/", "https://idp.example/"}, true, false},
	}
	for _, tc := range cases {
		c.issRequired.Store(tc.required)
		err := c.CheckResponseIssuer(tc.iss)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok %v", tc.name, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrAuthorizationResponseIssuer) {
			t.Errorf("%s: %v is not ErrAuthorizationResponseIssuer", tc.name, err)
		}
	}
}
