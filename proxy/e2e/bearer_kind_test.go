package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

// signTyped signs payload with the provider's key, with the JOSE typ header
// typ (none when typ is "").
func (m *tokenMinter) signTyped(typ string, payload []byte) string {
	m.t.Helper()
	return m.signWith(m.key, m.kid, typ, payload)
}

// TestBearerRefusesIDTokens: with the client id among bearer.audiences, the
// ID token of a real login (the one gatehouse puts in every logout URL as
// id_token_hint) is not an API credential; neither is any token that looks
// like an ID token or names another token type.
func TestBearerRefusesIDTokens(t *testing.T) {
	g := startGate(t, withConfigFile(`
bearer:
  enabled: true
  audiences: [api, `+testidp.DefaultClientID+`]
`))
	b := newBrowser(t)
	b.loginAlice(g)
	issued := g.IDP.IssuedTokens()
	if len(issued) == 0 || issued[len(issued)-1].IDToken == "" {
		t.Fatal("the provider issued no ID token")
	}
	idToken := issued[len(issued)-1].IDToken

	m := newTokenMinter(t, g)
	withClaim := func(name string, v any) []byte {
		return m.claims("svc", func(c map[string]any) { c[name] = v })
	}
	refused := map[string]string{
		"the ID token of a real login": idToken,
		"nonce":                        m.signTyped("JWT", withClaim("nonce", "n-0S6_WzA2Mj")),
		"at_hash":                      m.signTyped("JWT", withClaim("at_hash", "77QmUPtjPfzWtF2AnpK9RQ")),
		"c_hash":                       m.signTyped("", withClaim("c_hash", "LDktKdoQak3Pk0cnXxCltA")),
		"typ logout+jwt":               m.signTyped("logout+jwt", m.claims("svc", nil)),
		"typ id_token+jwt":             m.signTyped("id_token+jwt", m.claims("svc", nil)),
		"typ secevent+jwt":             m.signTyped("secevent+jwt", m.claims("svc", nil)),
	}
	for name, tok := range refused {
		before := g.Upstream.count()
		resp := rawGet(t, g, "/app", "Authorization", "Bearer "+tok, "Accept", "application/json")
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, resp.StatusCode)
		}
		if g.Upstream.count() != before {
			t.Errorf("%s: reached the upstream", name)
		}
	}
	accepted := map[string]string{
		"no typ":                 m.signTyped("", m.claims("svc", nil)),
		"typ JWT":                m.signTyped("JWT", m.claims("svc", nil)),
		"typ jwt":                m.signTyped("jwt", m.claims("svc", nil)),
		"typ at+jwt":             m.signTyped("at+jwt", m.claims("svc", nil)),
		"typ application/AT+JWT": m.signTyped("application/AT+JWT", m.claims("svc", nil)),
	}
	for name, tok := range accepted {
		if resp := rawGet(t, g, "/app", "Authorization", "Bearer "+tok); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d, want 200", name, resp.StatusCode)
		}
	}
	// The browser's own session is untouched by all this.
	if resp := b.api(g.URL + "/app"); resp.StatusCode != http.StatusOK {
		t.Errorf("alice's session: %d", resp.StatusCode)
	}
}

func TestBearerAllowedClientIDs(t *testing.T) {
	g := startGate(t, withConfigFile(`
bearer:
  enabled: true
  audiences: [api]
  allowed_client_ids: [reporting-job]
`))
	m := newTokenMinter(t, g)
	cases := []struct {
		name string
		edit func(c map[string]any)
		want int
	}{
		{"azp listed", func(c map[string]any) { c["azp"] = "reporting-job" }, 200},
		{"client_id listed", func(c map[string]any) { c["client_id"] = "reporting-job" }, 200},
		{"azp other", func(c map[string]any) { c["azp"] = "someone-else" }, 401},
		{"client_id other", func(c map[string]any) { c["client_id"] = "someone-else" }, 401},
		{"azp listed, client_id other", func(c map[string]any) { c["azp"], c["client_id"] = "reporting-job", "someone-else" }, 401},
		{"azp not a string", func(c map[string]any) { c["azp"] = []string{"reporting-job"} }, 401},
		{"no client named", nil, 401},
	}
	for _, tc := range cases {
		resp := rawGet(t, g, "/app", "Authorization", "Bearer "+m.valid("svc", tc.edit), "Accept", "application/json")
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
}

// TestBearerAssertionsArePerToken: two callers' tokens in turn each get an
// assertion naming their own user, without a sid (there is no session to
// name; before, every bearer request carried the hash of an empty session id
// and shared one cache slot), and never valid past the token.
func TestBearerAssertionsArePerToken(t *testing.T) {
	g := startGate(t, withEnv("GATEHOUSE_BEARER_ENABLED=true", "GATEHOUSE_BEARER_AUDIENCES=api"))
	m := newTokenMinter(t, g)
	tokenExp := time.Now().Add(90 * time.Second).Unix()
	tokens := map[string]string{
		"svc-one": m.valid("svc-one", func(c map[string]any) { c["exp"] = tokenExp }),
		"svc-two": m.valid("svc-two", func(c map[string]any) { c["groups"] = []string{"other"} }),
	}
	v := upstreamVerifier(t, g)
	seen := map[string]map[string]bool{}
	for round := range 3 {
		for _, user := range []string{"svc-one", "svc-two"} {
			resp := rawGet(t, g, "/app", "Authorization", "Bearer "+tokens[user])
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("round %d, %s: status %d", round, user, resp.StatusCode)
			}
			got := g.Upstream.last(t).Header.Values("X-Gatehouse-Assertion")
			if len(got) != 1 {
				t.Fatalf("round %d, %s: upstream got %d assertions", round, user, len(got))
			}
			c, err := v.Verify(t.Context(), got[0])
			if err != nil {
				t.Fatalf("round %d, %s: assertion: %v", round, user, err)
			}
			if c.Subject != user {
				t.Errorf("round %d: %s's request carried an assertion for %q", round, user, c.Subject)
			}
			if c.SessionID != "" {
				t.Errorf("round %d, %s: assertion sid %q, want none for a bearer token", round, user, c.SessionID)
			}
			if user == "svc-one" && c.ExpiresAt > tokenExp {
				t.Errorf("round %d: assertion exp %d outlives the token's exp %d", round, c.ExpiresAt, tokenExp)
			}
			if seen[user] == nil {
				seen[user] = map[string]bool{}
			}
			seen[user][got[0]] = true
		}
	}
	// Each token's assertion is reused (cached per token), not re-signed on
	// every request, and no assertion served one caller was served the other.
	for user, set := range seen {
		if len(set) != 1 {
			t.Errorf("%s got %d different assertions in 3 requests, want 1 (cached per token)", user, len(set))
		}
		for other, otherSet := range seen {
			for a := range set {
				if other != user && otherSet[a] {
					t.Errorf("%s and %s were given the same assertion", user, other)
				}
			}
		}
	}
}
